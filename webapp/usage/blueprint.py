"""The usage blueprint, apart from its routes so that route modules import it without a loop."""

from __future__ import annotations

from flask import Blueprint

from webapp.security import login_required_blueprint

bp = Blueprint("usage", __name__)
login_required_blueprint(bp)  # every page of it needs a login
