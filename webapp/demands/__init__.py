"""供需对接清单 pages.

The blueprint lives in blueprint.py; importing its route modules here registers their routes.
"""

from __future__ import annotations

from webapp.demands import views
from webapp.demands.blueprint import bp

__all__ = ["bp", "views"]
