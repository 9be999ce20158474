"""Catalog pages: search, entries, changes, and the unit"s Excel import and export.

The blueprint lives in blueprint.py; importing its route modules here registers their routes.
"""

from __future__ import annotations

from webapp.catalog import excel, views
from webapp.catalog.blueprint import bp

__all__ = ["bp", "excel", "views"]
