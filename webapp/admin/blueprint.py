"""The admin blueprint, apart from its routes so that route modules import it without a loop."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__)
