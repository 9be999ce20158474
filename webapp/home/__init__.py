"""我的工作台 and the inbox.

The blueprint lives in blueprint.py; importing its route modules here registers their routes.
"""

from __future__ import annotations

from webapp.home import views
from webapp.home.blueprint import bp

__all__ = ["bp", "views"]
