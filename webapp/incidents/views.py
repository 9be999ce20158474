"""安全事件 pages: the list by unit and status, recording one by hand, one incident with its status changes."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from webapp.extensions import db
from webapp.incidents.blueprint import bp
from webapp.params import id_param
from webapp.refusals import refusal
from webapp.security import current_person
from workflows import clock, inputs
from workflows.incidents import service
from workflows.incidents.inputs import IncidentQuery
from workflows.models import Grant, IncidentStatus, Role
from workflows.sharing import grants as grant_service

FIELDS = ("unit_id", "grant_id", "occurred_on", "account", "data_affected", "measures")


@bp.get("/")
def index():
    person = current_person()
    query = inputs.parse_query(IncidentQuery, request.args)
    found = service.list_incidents(db.session, person, query.unit, query.status)
    return render_template(
        "incidents/list.html",
        incidents=found,
        query=query,
        statuses=list(IncidentStatus),
        units=_filter_units(person),
        can_record=bool(service.recordable_units(db.session, person)),
        coordinator=person.has_role(Role.COORDINATOR),
    )


def _filter_units(person) -> list:
    """The units one may filter by: all (coordinators) or the person's own."""
    if person.has_role(Role.COORDINATOR):
        return service.recordable_units(db.session, person)
    return list({m.unit_id: m.unit for m in person.memberships}.values())


def _grant_of(person, value) -> Grant | None:
    """The grant a link or the form names, when the person may see it (a 404 when not)."""
    grant_id = id_param(value, "所涉授权")
    return grant_service.get_grant(db.session, person, grant_id) if grant_id else None


@bp.route("/new", methods=["GET", "POST"])
def new():
    person = current_person()
    units = service.recordable_units(db.session, person)
    if not units:
        abort(404)  # neither a coordinator nor a 目录管理员: the page is not theirs
    if request.method == "GET":
        grant = _grant_of(person, request.args.get("grant"))
        unit_id = grant.unit_id if grant else units[0].id
        return _form(units, {"unit_id": str(unit_id), "grant_id": str(grant.id) if grant else ""}, grant)
    values = {name: request.form.get(name, "").strip() for name in FIELDS}
    grant = None
    with refusal(lambda r: _form(units, values, grant, r.problems, r.fields, r.status)) as refused:
        grant = _grant_of(person, values["grant_id"])
        incident = service.record_incident(db.session, person, values)
    if refused:
        return refused.page
    flash("已登记安全事件，已通知使用单位第一责任人" + ("和数据提供单位" if incident.grant_id else ""), "success")
    return redirect(url_for(".detail", item_id=incident.id))


def _form(units, values, grant, errors=None, fields=None, status=200):
    return render_template(
        "incidents/new.html",
        units=units,
        values=values,
        grant=grant,
        errors=errors or [],
        field_errors=fields or {},
        today=clock.today(),
    ), status


@bp.get("/<int:item_id>")
def detail(item_id: int):
    return _detail(current_person(), item_id)


def _detail(person, item_id: int, errors=None, fields=None, values=None, status=200):
    incident = service.get_incident(db.session, person, item_id)
    return render_template(
        "incidents/detail.html",
        incident=incident,
        history=service.history(db.session, incident.id),
        can_change=service.can_record(person, incident.unit_id),
        statuses=list(IncidentStatus),
        errors=errors or [],
        field_errors=fields or {},
        values=values or {},
    ), status


@bp.post("/<int:item_id>/status")
def change_status(item_id: int):
    person = current_person()
    values = {"status": request.form.get("status", "").strip(), "note": request.form.get("note", "").strip()}
    with refusal(lambda r: _detail(person, item_id, r.problems, r.fields, values, r.status)) as refused:
        incident = service.change_status(db.session, person, item_id, values)
    if refused:
        return refused.page
    flash(f"处置状态已改为“{IncidentStatus(incident.status).label}”，已通知相关单位", "success")
    return redirect(url_for(".detail", item_id=item_id))
