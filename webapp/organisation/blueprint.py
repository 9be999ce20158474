"""The organisation blueprints, apart from their routes so that route modules import them without a loop.

bp: people, roles, units, Excel and logins under /org; account_bp: a person's own password and a vendor's
undertaking; vendors_bp: 运维厂商人员账号 under /vendors.
"""

from __future__ import annotations

from flask import Blueprint

from webapp.security import login_required_blueprint

bp = Blueprint("organisation", __name__)
account_bp = Blueprint("account", __name__)
vendors_bp = Blueprint("vendors", __name__)
login_required_blueprint(vendors_bp)  # every page of it needs a login
