"""The sysadmin edits the texts everyone reads: the policy page and the help page's contact."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.admin.blueprint import bp
from webapp.extensions import db
from webapp.refusals import refusal
from webapp.security import role_required
from workflows.errors import ValidationFailed
from workflows.models import SiteTextKind
from workflows.site import texts

SHOWN_ON = {SiteTextKind.POLICY: "public.policy", SiteTextKind.HELP: "public.help_page"}


@bp.route("/texts/<kind>", methods=["GET", "POST"])
@role_required("sysadmin")
def site_text(kind: str):
    chosen = texts.kind_of(kind)
    if request.method == "GET":
        current = texts.get_text(db.session, chosen)
        return render_template(
            "admin/site_text.html",
            kind=chosen,
            title=current.title,
            body=current.body,
            errors={},
            limits=texts.LIMITS,
            current=current,
        )
    data = texts.SiteTextInput(request.form.get("title", ""), request.form.get("body", ""))
    with refusal(
        lambda r: (
            render_template(
                "admin/site_text.html",
                kind=chosen,
                title=data.title,
                body=data.body,
                errors=r.fields,
                limits=texts.LIMITS,
                current=texts.get_text(db.session, chosen),
            ),
            422,
        ),
        catch=ValidationFailed,
    ) as refused:
        texts.save_text(db.session, current_user.person.id, chosen, data)
    if refused:
        return refused.page
    flash(f"已保存“{chosen.label}”，所有人（包括未登录的访问者）看到的是新内容", "success")
    return redirect(url_for(SHOWN_ON[chosen]))
