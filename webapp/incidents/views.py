"""安全事件 pages: the list by unit and status, recording one by hand, one incident with its status changes."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from webapp.extensions import db
from webapp.incidents.blueprint import bp
from webapp.params import id_param
from webapp.refusals import refusal
from webapp.security import current_person
from workflows import clock, inputs
from workflows.errors import DomainError, NotFound
from workflows.incidents import service
from workflows.incidents.inputs import IncidentQuery
from workflows.models import Grant, IncidentStatus, Role
from workflows.sharing import grants as grant_service
from workflows.usage import reports as usage_reports

FIELDS = ("unit_id", "grant_id", "anomaly_id", "occurred_on", "account", "data_affected", "measures")


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
    """The units one may filter by: all (coordinators) or the person's own (their unit and those of their roles)."""
    if person.has_role(Role.COORDINATOR):
        return service.recordable_units(db.session, person)
    return list(({person.unit_id: person.unit} | {m.unit_id: m.unit for m in person.memberships}).values())


def _grant_of(person, value) -> Grant | None:
    """The grant a link or the form names, when the person may see it (a 404 when not)."""
    grant_id = id_param(value, "所涉授权")
    return grant_service.get_grant(db.session, person, grant_id) if grant_id else None


def _anomaly_of(person, value):
    """The usage anomaly a link or the form names, when the person sees it on /usage/ (a 404 when not)."""
    anomaly_id = id_param(value, "所涉使用异常")
    if not anomaly_id:
        return None
    anomaly = usage_reports.visible_anomaly(db.session, person, anomaly_id)
    if anomaly is None:
        raise NotFound("该使用异常不存在，或您无权查看")
    return anomaly


def _shown(find, person, value):
    """What a refused form named (a grant, an anomaly), to show again beside it; what is wrong the problems say."""
    try:
        return find(person, value)
    except DomainError:
        return None


def _from_anomaly(anomaly, grant) -> dict:
    """The form filled from what monitoring found: the day, what happened, the data; the measures are the unit's."""
    items = f"：{'、'.join(grant.items)}" if grant else ""
    return {
        "anomaly_id": str(anomaly.id),
        "occurred_on": anomaly.day.isoformat(),
        "account": usage_reports.anomaly_account(db.session, anomaly),
        "data_affected": f"「{anomaly.resource.name}」{items}（{anomaly.calls:,} 次调用）",
    }


@bp.route("/new", methods=["GET", "POST"])
def new():
    person = current_person()
    units = service.recordable_units(db.session, person)
    if not units:
        abort(404)  # neither a coordinator nor a 目录管理员: the page is not theirs
    if request.method == "GET":
        anomaly = _anomaly_of(person, request.args.get("anomaly"))
        if anomaly and (recorded := service.incident_of_anomaly(db.session, anomaly.id)) is not None:
            flash("该使用异常已登记为安全事件，请在此更新处置状态", "info")
            return redirect(url_for(".detail", item_id=recorded))
        grant = _grant_of(
            person, request.args.get("grant") or (str(anomaly.grant_key) if anomaly and anomaly.grant_key else None)
        )
        unit_id = anomaly.unit_id if anomaly else grant.unit_id if grant else units[0].id
        if (grant or anomaly) and not service.can_record(person, unit_id):
            abort(
                403,
                description="只有县大数据局协调员或使用单位的目录管理员可以登记该单位的安全事件；提供单位发现问题，请联系县大数据局登记或提出数据使用异议",
            )
        values = {"unit_id": str(unit_id), "grant_id": str(grant.id) if grant else ""}
        if anomaly:
            values |= _from_anomaly(anomaly, grant)
        return _form(units, values, grant, anomaly=anomaly)
    values = {name: request.form.get(name, "").strip() for name in FIELDS}
    with refusal(
        lambda r: _form(
            units,
            values,
            _shown(_grant_of, person, values["grant_id"]),
            r.problems,
            r.fields,
            r.status,
            _shown(_anomaly_of, person, values["anomaly_id"]),
        )
    ) as refused:
        incident = service.record_incident(db.session, person, values)
    if refused:
        return refused.page
    flash("已登记安全事件，已通知使用单位第一责任人" + ("和数据提供单位" if incident.grant_id else ""), "success")
    return redirect(url_for(".detail", item_id=incident.id))


def _form(units, values, grant, errors=None, fields=None, status=200, anomaly=None):
    return render_template(
        "incidents/new.html",
        units=units,
        values=values,
        grant=grant,
        anomaly=anomaly,
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
        can_change=bool(service.next_statuses(person, incident)),
        statuses=service.next_statuses(person, incident),
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
