"""Unit pages: the list with its responsible-person flags, a unit's page, and the sysadmin's changes."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from webapp.extensions import db
from webapp.organisation.blueprint import bp
from webapp.organisation.views import scope
from webapp.params import form_values, id_param
from webapp.refusals import refusal
from workflows.errors import DomainError
from workflows.organisation import overview, responsibilities, roles, units


def unit_input(form) -> units.UnitInput:
    return units.UnitInput(**form_values(form, units.UnitInput))


@bp.get("/units")
def unit_list():
    kind = request.args.get("kind", "")[:20]
    return render_template("organisation/units.html", rows=overview.unit_rows(db.session, scope(), kind), kind=kind)


@bp.route("/units/new", methods=["GET", "POST"])
def unit_new():
    admin = scope()
    admin.require_sysadmin("新建单位")
    if request.method == "GET":
        return render_template("organisation/unit_new.html", data=units.UnitInput(), error=None)
    data = unit_input(request.form)
    with refusal(
        lambda r: (render_template("organisation/unit_new.html", data=data, error=r.error), r.status), passed_on=()
    ) as refused:
        unit = units.create_unit(db.session, admin, data)
    if refused:
        return refused.page
    flash(f"已新建单位：{unit.name}。请为其指定三位责任人，并添加人员", "success")
    return redirect(url_for("organisation.unit_show", unit_id=unit.id))


def _unit_page(unit_id: int, error: DomainError | None = None, data: units.UnitInput | None = None):
    page = overview.unit_page(db.session, scope(), unit_id)
    return render_template(
        "organisation/unit.html", page=page, u=page.unit, error=error, data=data or units.UnitInput.of(page.unit)
    ), error.status if error else 200


@bp.get("/units/<int:unit_id>")
def unit_show(unit_id: int):
    return _unit_page(unit_id)


def _act(unit_id: int, action, done: str, data: units.UnitInput | None = None):
    with refusal(lambda r: _unit_page(unit_id, r.error, data), passed_on=()) as refused:
        action()
    if refused:
        return refused.page
    flash(done, "success")
    return redirect(url_for("organisation.unit_show", unit_id=unit_id))


@bp.post("/units/<int:unit_id>/edit")
def unit_edit(unit_id: int):
    data = unit_input(request.form)
    return _act(unit_id, lambda: units.update_unit(db.session, scope(), unit_id, data), "单位信息已保存", data)


@bp.post("/units/<int:unit_id>/deactivate")
def unit_deactivate(unit_id: int):
    return _act(unit_id, lambda: units.deactivate_unit(db.session, scope(), unit_id), "单位已停用")


@bp.post("/units/<int:unit_id>/reactivate")
def unit_reactivate(unit_id: int):
    return _act(unit_id, lambda: units.reactivate_unit(db.session, scope(), unit_id), "单位已恢复")


@bp.post("/units/<int:unit_id>/responsible")
def unit_responsible(unit_id: int):
    kind, username = request.form.get("kind", ""), request.form.get("username", "")
    return _act(
        unit_id, lambda: responsibilities.set_holder(db.session, scope(), unit_id, kind, username), "责任人已更新"
    )


@bp.post("/units/<int:unit_id>/roles/revoke")
def unit_role_revoke(unit_id: int):
    """The unit's admin takes a role in this unit from someone who now works in another unit."""
    person_id = id_param(request.form.get("person_id"), "人员") or 0
    role, confirmed = request.form.get("role", ""), request.form.get("confirmed") == "1"
    return _act(
        unit_id,
        lambda: roles.revoke_role(db.session, scope(), person_id, unit_id, role, confirmed=confirmed),
        "已取消其在本单位的角色；其已认领的本单位待办已退回本单位待办",
    )
