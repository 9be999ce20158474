"""JSON API v1 under /api/v1.

The blueprint lives in blueprint.py; importing its route modules here registers their routes.
"""

from __future__ import annotations

from webapp.api import applications, catalog, objections, openapi, supervision, usage, views
from webapp.api.blueprint import bp

__all__ = ["bp", "applications", "catalog", "objections", "openapi", "supervision", "usage", "views"]
