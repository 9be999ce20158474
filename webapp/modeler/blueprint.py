"""The modeler blueprint, apart from its routes so that route modules import it without a loop."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("modeler", __name__)
