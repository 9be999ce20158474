"""Organisation pages: people, roles and passwords (here), units (unit_pages.py), Excel (excel.py), logins (logins.py).

Every page needs the sysadmin or a unit's 目录管理员; the services decide which units and people each may touch.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.extensions import db, login_manager
from webapp.organisation.blueprint import bp
from webapp.params import form_values, id_param, page_param
from webapp.refusals import Refusal, done_or_back, refusal
from webapp.security import safe_next
from workflows import case_names
from workflows.errors import DomainError
from workflows.models import ResponsibilityKind, Role, UnitKind
from workflows.organisation import handovers, overview, people, roles, units
from workflows.organisation.handovers import LastHolder
from workflows.organisation.scope import ADMIN_ROLES, AdminScope

NO_STORE = {"Cache-Control": "no-store"}  # pages showing a one-time password


@bp.before_request
def _administrators_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not any(current_user.has_role(r) for r in ADMIN_ROLES):
        abort(403, description="此页面仅限系统管理员和单位目录管理员访问")
    return None


@bp.app_context_processor
def _labels() -> dict:
    return {"ROLES": list(Role), "UNIT_KINDS": list(UnitKind), "RESPONSIBILITY_KINDS": list(ResponsibilityKind)}


def scope() -> AdminScope:
    return AdminScope.of(current_user.person)


def person_input(form) -> people.PersonInput:
    return people.PersonInput(**form_values(form, people.PersonInput))


@bp.get("/people")
def people_list():
    admin = scope()
    status = request.args.get("status", "active")
    unit_id = id_param(request.args.get("unit"), "单位")
    try:
        found, errors = (
            people.search(
                db.session,
                admin,
                request.args.get("q", ""),
                unit_id,
                request.args.get("role", ""),
                status,
                page_param(request.args.get("page")),
            ),
            [],
        )
    except DomainError as err:
        found, errors = people.search(db.session, admin), err.details
    return render_template(
        "organisation/people.html",
        page=found,
        errors=errors,
        args=request.args,
        units=units.visible_units(db.session, admin),
        statuses=people.STATUS_FILTERS,
        waiting=len(handovers.waiting_tasks(db.session, admin)),
    )


@bp.route("/people/new", methods=["GET", "POST"])
def person_new():
    admin = scope()
    choices = units.visible_units(db.session, admin, include_inactive=False)

    def form(data: people.PersonInput, error: DomainError | None = None, status: int = 200):
        return render_template(
            "organisation/person_new.html",
            data=data,
            units=choices,
            error=error,
            grantable=overview.grantable_roles(admin, choices),
        ), status

    if request.method == "GET":
        return form(people.PersonInput(unit_code=choices[0].code if len(choices) == 1 else ""))
    data = person_input(request.form)
    with refusal(lambda r: form(data, r.error, r.status), passed_on=()) as refused:
        person, password = people.create_person(db.session, admin, data)
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


def _person_page(
    person_id: int, error: DomainError | None = None, last_holder: dict | None = None, typed: dict | None = None
):
    """typed: what a refused edit sent, shown again in the edit form so nothing typed is lost."""
    page = overview.person_page(db.session, scope(), person_id)
    status = error.status if error else 200
    return render_template(
        "organisation/person.html", page=page, p=page.person, error=error, last_holder=last_holder, typed=typed or {}
    ), status


@bp.get("/people/<int:person_id>")
def person_show(person_id: int):
    return _person_page(person_id)


def _act(person_id: int, action, done: str):
    """Run one change of the person page; a refusal is shown on the page, nothing of it kept."""

    def page_again(r: Refusal):  # the last holder of a role is offered a successor for the same unit and role
        last_holder = (
            {"unit_id": request.form.get("unit_id"), "role": request.form.get("role")}
            if isinstance(r.error, LastHolder)
            else None
        )
        typed = request.form if request.endpoint == "organisation.person_edit" else None
        return _person_page(person_id, r.error, last_holder, typed)

    with refusal(page_again, passed_on=()) as refused:
        action()
    if refused:
        return refused.page
    flash(done, "success")
    return redirect(url_for("organisation.person_show", person_id=person_id))


@bp.post("/people/<int:person_id>/edit")
def person_edit(person_id: int):
    moved = people.Moved("")
    confirmed = request.form.get("confirmed") == "1"  # the unit's only 目录管理员 or a responsible person leaves
    response = _act(
        person_id,
        lambda: people.update_person(db.session, scope(), person_id, person_input(request.form), moved, confirmed),
        "人员信息已保存",
    )
    if moved.message() and not isinstance(response, tuple):
        flash(moved.message(), "warning")
    return response


@bp.post("/people/<int:person_id>/roles")
def role_grant(person_id: int):
    unit_id = id_param(request.form.get("unit_id"), "单位") or 0
    role = request.form.get("role", "")
    return _act(person_id, lambda: roles.grant_role(db.session, scope(), person_id, unit_id, role), "角色已授予")


@bp.post("/people/<int:person_id>/roles/revoke")
def role_revoke(person_id: int):
    unit_id = id_param(request.form.get("unit_id"), "单位") or 0
    role, successor = request.form.get("role", ""), request.form.get("successor", "")
    confirmed = request.form.get("confirmed") == "1"
    message = "角色已取消" + ("，其待办已转交接手人" if successor else "")
    return _act(
        person_id,
        lambda: roles.revoke_role(db.session, scope(), person_id, unit_id, role, successor, confirmed),
        message,
    )


@bp.post("/people/<int:person_id>/deactivate")
def person_deactivate(person_id: int):
    left: list = []
    response = _act(
        person_id,
        lambda: left.extend(people.deactivate_person(db.session, scope(), person_id)),
        "账号已停用，该人员已在所有设备上退出登录",
    )
    if isinstance(response, tuple):  # refused: the person page says why
        return response
    if not left:
        flash("其名下没有已认领的待办，无需转交", "info")
        return response
    flash(f"其已认领的 {len(left)} 项待办尚未办结，已列在下方，请逐项转交给同事或退回单位待办", "warning")
    return redirect(url_for("organisation.handover_list"))


@bp.post("/people/<int:person_id>/reactivate")
def person_reactivate(person_id: int):
    return _act(person_id, lambda: people.reactivate_person(db.session, scope(), person_id), "账号已恢复")


@bp.post("/people/<int:person_id>/unlock")
def person_unlock(person_id: int):
    return _act(
        person_id, lambda: people.unlock(db.session, scope(), person_id), "已解除登录限制，该人员可立即重新登录"
    )


@bp.post("/people/<int:person_id>/reset-password")
def person_reset_password(person_id: int):
    with refusal(lambda r: _person_page(person_id, r.error), passed_on=()) as refused:
        password = people.reset_password(db.session, scope(), person_id)
    if refused:
        return refused.page
    person = people.get_person(db.session, person_id)
    return (
        render_template("organisation/one_time_password.html", person=person, password=password, created=False),
        200,
        NO_STORE,
    )


@bp.get("/handovers")
def handover_list():
    rows = overview.waiting_tasks(db.session, scope())
    return render_template(
        "organisation/handovers.html", rows=rows, names=case_names.for_tasks(db.session, [t for t, _ in rows])
    )


@bp.post("/handovers/<int:task_id>")
def handover(task_id: int):
    username = request.form.get("username", "")
    listed = url_for("organisation.handover_list")
    return done_or_back(
        listed,
        lambda: handovers.reassign(db.session, scope(), task_id, username),
        "任务已转交" if username else "任务已退回本单位待办，由担任相应角色的同事认领",
        then=safe_next(request.form.get("next"), listed),
    )
