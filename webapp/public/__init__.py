"""Pages anyone may open without an account.

The blueprint lives in blueprint.py; importing its route modules here registers their routes.
"""

from __future__ import annotations

from webapp.public import views
from webapp.public.blueprint import bp

__all__ = ["bp", "views"]
