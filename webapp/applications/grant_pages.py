"""Grant pages: the list, revocation by the provider, the 授权提供单 for the platform, and public verification."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required

from webapp.applications.blueprint import bp
from webapp.applications.views import render_case
from webapp.extensions import db
from webapp.refusals import Refusal, refusal
from webapp.security import current_person
from webapp.tasks.views import render_task
from workflows import clock
from workflows.errors import NotFound, unknown_choice
from workflows.models import AffectedGrant, Grant, GrantStatus, ProcessInstance, Role
from workflows.objections import cases as objection_cases
from workflows.objections import records as objection_records
from workflows.sharing import affected, grants, records, reviews

GRANT_SCOPES = {"mine": "本单位获得的授权", "provider": "本单位数据的授权", "all": "全部授权"}


def current_status(grant: Grant | None) -> GrantStatus | None:
    return None if grant is None else grant.effective_status(clock.today())


@bp.get("/grants/")
@login_required
def grant_list_slash():
    """The address the README and people type; the list lives at /grants."""
    return redirect(url_for(".grant_list", **request.args))


def _default_scope(person) -> str:
    """A provider without an applicant role (a reviewer, a catalog keeper) opens on the grants of its own data."""
    if person.has_role(Role.APPLICANT):
        return "mine"
    return "provider" if person.has_role(Role.REVIEWER) or person.has_role(Role.UNIT_ADMIN) else "mine"


@bp.get("/grants")
@login_required
def grant_list():
    person = current_person()
    scopes = {k: v for k, v in GRANT_SCOPES.items() if k != "all" or person.has_role(Role.COORDINATOR)}
    typed = (request.args.get("scope") or "").strip()
    chosen = typed if typed in scopes else None
    # a scope that cannot be applied is said so and lists nothing, never some other list as if it were asked for
    errors = [unknown_choice("范围", typed, scopes.items())] if typed and chosen is None else []
    scope = "" if errors else chosen or _default_scope(person)
    rows = grants.list_grants(db.session, person, scope) if scope else []
    if not rows and scope and chosen is None:  # never open on an empty tab when the other one holds grants
        other = "provider" if scope == "mine" else "mine"
        if other_rows := grants.list_grants(db.session, person, other):
            scope, rows = other, other_rows
    return render_template(
        "applications/grants.html",
        rows=rows,
        scope=scope,
        scopes=scopes,
        errors=errors,
        can_revoke={g.id for g in rows if g.status == GrantStatus.ACTIVE and grants.can_revoke(person, g)},
        current_status=current_status,
        disputed=objection_cases.disputed_grants(db.session, [g.id for g in rows]),
        notes=affected.notes(db.session, [g.id for g in rows]),
    ), (422 if errors else 200)


@bp.post("/grants/<int:grant_id>/revoke")
@login_required
def revoke(grant_id: int):
    person = current_person()
    reason = request.form.get("reason", "").strip()
    with refusal(
        lambda r: render_case(
            person, _grant(grant_id).application_id, r.problems, {"revoke_reason": reason}, "revoke", r.status
        )
    ) as refused:
        grant = grants.revoke(db.session, person, grant_id, reason)
    if refused:
        return refused.page
    flash(f"已撤销授权：平台将停止向{grant.unit.name}提供“{grant.resource.name}”", "success")
    if request.form.get("next") == "grants":
        return redirect(url_for(".grant_list", scope="provider"))
    return redirect(url_for(".detail", item_id=grant.application_id))


@bp.route("/grants/affected/<int:row_id>", methods=["GET", "POST"])  # one rule: a too-long id is a 404 for both
@login_required
def decide_affected(row_id: int):
    """The provider revokes a grant a catalog change reached, or keeps it until expiry, from its task page."""
    if request.method == "GET":
        return _back_to_affected_task(row_id)
    person = current_person()
    decision, reason = request.form.get("decision", ""), request.form.get("reason", "")
    task = affected.open_task(db.session, _affected(row_id).instance_id)

    def task_again(r: Refusal):
        if task is None:  # no task page to show it on: the error page says it
            raise r.error
        return render_task(
            person, task.id, r.problems, {"affected_row": row_id, "decision": decision, "reason": reason}, {}, r.status
        )

    with refusal(task_again) as refused:
        row = affected.decide(db.session, person, row_id, decision, reason)
    if refused:
        return refused.page
    done = "撤销" if decision == "revoke" else f"保留至 {row.grant.valid_until}"
    flash(f"已决定{done}：{row.grant.unit.name}（{row.grant.application.number}）", "success")
    if affected.open_task(db.session, row.instance_id) is None:
        flash("受影响的授权已全部处理，任务已办结", "success")
        return redirect(url_for("catalog.entry_change_detail", item_id=row.change_id))
    return redirect(url_for("tasks.show", task_id=task.id))


def _back_to_affected_task(row_id: int):
    """The address a refused decision left in the browser: reopened, it leads back to the task (or the change);
    to whom may not see the grant it is absent, as the grant's own page is."""
    row = _affected(row_id)
    grants.get_grant(db.session, current_person(), row.grant_id)
    task = affected.open_task(db.session, row.instance_id)
    if task is None:
        return redirect(url_for("catalog.entry_change_detail", item_id=row.change_id))
    return redirect(url_for("tasks.show", task_id=task.id))


def _affected(row_id: int):
    row = db.session.get(AffectedGrant, row_id) if 0 < row_id < 2**31 else None
    if row is None:
        raise NotFound("受影响的授权不存在")
    return row


def _grant(grant_id: int) -> Grant:
    grant = db.session.get(Grant, grant_id)
    if grant is None:
        raise NotFound("授权不存在")
    return grant


@bp.get("/grants/<int:grant_id>/order")
@login_required
def order(grant_id: int):
    """授权提供单: what the platform's builder needs to open the data flow, printable."""
    grant = grants.get_grant(db.session, current_person(), grant_id)  # both units, coordinators
    app = grant.application
    case = db.session.get(ProcessInstance, app.instance_id) if app.instance_id else None
    return render_template(
        "applications/order.html",
        grant=grant,
        app=app,
        status=current_status(grant),
        record=records.for_grant(db.session, grant),
        disputed=bool(objection_cases.disputed_grants(db.session, [grant.id])),
        note=affected.notes(db.session, [grant.id]).get(grant.id),
        government=reviews.government_decision(db.session, case) if case else None,
    )


@bp.get("/verify/<sha256>")
def verify(sha256: str):
    """Public: anyone holding a printed record checks it here; only unit names and the decision are shown."""
    record = records.find(db.session, sha256.strip().lower())
    if record is None:
        found = objection_records.find(db.session, sha256.strip().lower())
        if found is not None:  # the record of a closed objection carries the same kind of QR code
            return render_template("objections/verify.html", c=found.content, sha256=found.sha256)
        return render_template("verify.html", record=None, sha256=sha256), 404
    grant = grants.for_application(db.session, record.application_id)
    return render_template(
        "verify.html",
        record=record,
        c=record.content,
        grant=grant,
        grant_status=current_status(grant),
        sha256=record.sha256,
        newer=records.superseded_by(db.session, record),
        reopened=records.reopened(record),
    )
