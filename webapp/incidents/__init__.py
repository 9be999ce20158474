"""安全事件 (security incidents) pages.

The blueprint lives in blueprint.py; importing its route modules here registers their routes.
"""

from __future__ import annotations

from webapp.incidents import views
from webapp.incidents.blueprint import bp

__all__ = ["bp", "views"]
