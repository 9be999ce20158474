"""供需对接清单 pages: the unit's list, recording a demand (with catalog suggestions), a demand's progress."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from webapp.demands.blueprint import bp
from webapp.extensions import db
from webapp.params import id_param
from webapp.refusals import refusal
from webapp.security import current_person
from workflows.catalog import demands
from workflows.engine import tasks
from workflows.errors import ValidationFailed
from workflows.models import DemandStatus


@bp.get("/")
def index():
    person = current_person()
    return render_template(
        "demands/list.html", demands=demands.list_demands(db.session, person), can_record=bool(_recording_units(person))
    )


def _recording_units(person):
    return [m.unit for m in person.memberships if demands.can_record(person, m.unit_id)]


@bp.route("/new", methods=["GET", "POST"])
def new():
    person = current_person()
    units = list({u.id: u for u in _recording_units(person)}.values())
    if not units:
        return render_template(
            "error.html",
            status=403,
            details=[],
            message="只有申请人或目录管理员可以登记共享需求，请联系本单位目录管理员",
        ), 403
    values = (
        request.form.to_dict()
        if request.method == "POST"
        else {"unit_id": str(units[0].id)} | demands.prefill(db.session, request.args.get("resource", ""))
    )
    if request.method == "GET":
        return _form(units, values)
    checking = request.form.get("action") == "check"  # 查找相近资源 before recording
    with refusal(lambda r: _form(units, values, errors=list(r.details)), catch=ValidationFailed) as refused:
        if checking:
            suggestions = demands.suggestions(db.session, values.get("wanted_data", ""))
        else:
            demand = demands.record_demand(
                db.session,
                person,
                id_param(values.get("unit_id"), "需求单位") or 0,
                values.get("wanted_data", ""),
                values.get("scenario", ""),
                values.get("resource_code", ""),
            )
    if refused:
        return refused.page
    if checking:
        if not suggestions:
            flash("目录中没有找到相近的资源，可以直接提交，由县大数据局协调", "info")
        return _form(units, values, suggestions)
    flash(
        "已登记共享需求"
        + ("，已匹配目录条目，可直接申请使用" if demand.status == DemandStatus.MATCHED else "，已提交县大数据局协调"),
        "success",
    )
    return redirect(url_for("demands.detail", item_id=demand.id))


def _form(units: list, values: dict, suggestions: list | None = None, errors: list[str] | None = None):
    return render_template(
        "demands/new.html", units=units, values=values, suggestions=suggestions or [], errors=errors or []
    ), (422 if errors else 200)


@bp.get("/<int:item_id>")
def detail(item_id: int):
    person = current_person()
    demand = demands.get_demand(db.session, person, item_id)
    return render_template(
        "demands/detail.html", demand=demand, timeline=tasks.timeline(db.session, person, "demand", demand.id)
    )
