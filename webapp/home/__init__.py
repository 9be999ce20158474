"""我的工作台: the person's units, roles and open tasks."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from webapp.extensions import db
from workflows import accounts

bp = Blueprint("home", __name__)


@bp.route("/")
@login_required
def workbench():
    return render_template("home/workbench.html", bench=accounts.workbench(db.session, current_user.person.id))


@bp.route("/healthz")
def healthz():
    return {"status": "ok"}
