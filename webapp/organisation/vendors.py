"""运维厂商人员账号: the list for the unit's 第一责任人 and 目录管理员, and the new account form for the 目录管理员."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.extensions import db
from webapp.organisation.blueprint import vendors_bp as bp
from webapp.organisation.views import NO_STORE, scope
from webapp.refusals import refusal
from workflows import clock
from workflows.errors import DomainError
from workflows.organisation import units, vendors


@bp.get("/")
def vendor_list(error: DomainError | None = None, typed: dict | None = None, status: int = 200):
    accounts = vendors.vendor_accounts(db.session, current_user.person)
    return render_template(
        "organisation/vendors.html",
        accounts=accounts,
        today=clock.today(),
        remind_days=vendors.REMIND_DAYS,
        may_create=scope().is_admin,
        error=error,
        typed=typed or {},
    ), status


@bp.post("/<int:person_id>/renew")
def vendor_renew(person_id: int):
    """The account's last day moved (a contract extended or ended early); a refused date shows on the list again."""
    typed = request.form.get("expires_on", "")
    with refusal(lambda r: vendor_list(r.error, {str(person_id): typed}, r.status)) as refused:
        account = vendors.renew_vendor(db.session, scope(), person_id, typed)
    if refused:
        return refused.page
    flash(f"已将{account.person.display_name}的账号有效期改为 {account.expires_on.isoformat()}", "success")
    return redirect(url_for("vendors.vendor_list"))


@bp.route("/new", methods=["GET", "POST"])
def vendor_new():
    admin = scope()
    admin.require_admin()
    choices = units.visible_units(db.session, admin, include_inactive=False)

    def form(data: vendors.VendorInput, error: DomainError | None = None, status: int = 200):
        return render_template(
            "organisation/vendor_new.html", data=data, units=choices, error=error, limit=vendors.COMPANY_LIMIT
        ), status

    if request.method == "GET":
        return form(vendors.VendorInput(unit_code=choices[0].code if len(choices) == 1 else ""))
    data = vendors.VendorInput(
        **{
            k: request.form.get(k, "")
            for k in ("username", "display_name", "unit_code", "email", "company", "expires_on")
        }
    )
    with refusal(lambda r: form(data, r.error, r.status), passed_on=()) as refused:
        person, password = vendors.create_vendor(db.session, admin, data)
    if refused:
        return refused.page
    return (
        render_template(
            "organisation/one_time_password.html",
            person=person,
            password=password,
            created=True,
            typed_username=data.username.strip(),
        ),
        200,
        NO_STORE,
    )
