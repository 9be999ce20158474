"""Organisation pages: people, roles and passwords, units, Excel, logins; a person's own account; vendor accounts.

The blueprints live in blueprint.py; importing the route modules here registers their routes.
"""

from __future__ import annotations

from webapp.organisation import account, excel, logins, unit_pages, vendors, views
from webapp.organisation.blueprint import account_bp, bp, vendors_bp

__all__ = ["account", "account_bp", "bp", "excel", "logins", "unit_pages", "vendors", "vendors_bp", "views"]
