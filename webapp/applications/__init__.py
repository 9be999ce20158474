"""Application pages: apply, my applications, the case page with timeline and record, grants, verification."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("applications", __name__)
