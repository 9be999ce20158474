"""Administration: the audit trail, the working-day calendar, how the system runs, the public pages" texts.

The blueprint lives in blueprint.py; importing its route modules here registers their routes.
"""

from __future__ import annotations

from webapp.admin import site_texts, views
from webapp.admin.blueprint import bp

__all__ = ["bp", "site_texts", "views"]
