"""Application pages: apply, follow, withdraw; grants, the provision order and /verify.

The blueprint lives in blueprint.py; importing its route modules here registers their routes.
"""

from __future__ import annotations

from webapp.applications import grant_pages, views
from webapp.applications.blueprint import bp

__all__ = ["bp", "grant_pages", "views"]
