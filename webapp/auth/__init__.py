"""Login, logout and the person"s own API tokens.

The blueprint lives in blueprint.py; importing its route modules here registers their routes.
"""

from __future__ import annotations

from webapp.auth import views
from webapp.auth.blueprint import bp

__all__ = ["bp", "views"]
