"""异议 and 纠错 pages.

The blueprint lives in blueprint.py; importing its route modules here registers their routes.
"""

from __future__ import annotations

from webapp.objections import views
from webapp.objections.blueprint import bp

__all__ = ["bp", "views"]
