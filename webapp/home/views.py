"""我的工作台: the person's units, roles and open tasks."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required

from notifications import inapp
from webapp.extensions import db
from webapp.home.blueprint import bp
from webapp.params import id_param
from webapp.security import safe_next
from workflows.organisation import vendors
from workflows.supervision import workbench as workbenches


@bp.route("/")
@login_required
def workbench():
    person = current_user.person
    if person.is_vendor:  # no roles, no cases: their account, the undertaking and the pages open to them
        return render_template("home/vendor.html", person=person, account=person.vendor)
    return render_template(
        "home/workbench.html",
        bench=workbenches.workbench(db.session, person.id),
        vendor_units=vendors.listed_units(db.session, person),
    )


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on pages without our layout (PDFs, downloads); pages link the SVG itself."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.route("/healthz")
def healthz():
    return {"status": "ok"}


@bp.get("/inbox")
@login_required
def inbox():
    return render_template("home/inbox.html", items=inapp.inbox(db.session, current_user.person.id))


@bp.post("/inbox/read")
@login_required
def mark_read():
    item = request.form.get("id", "")
    inapp.mark_read(db.session, current_user.person.id, id_param(item, "消息"))
    return redirect(safe_next(request.form.get("next"), url_for("home.inbox")))
