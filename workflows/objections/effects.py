"""What an upheld objection does to what it concerns, through the services that own it (never by editing rows)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflows import audit, clock, engine
from workflows.errors import FieldProblem, ValidationFailed
from workflows.incidents import service as incidents
from workflows.models import ApplicationStatus, GrantStatus, Person, ProcessInstance, ResourceRevision, Role
from workflows.models.objections import Correction, CorrectionStatus, Objection, ObjectionType
from workflows.objections import cases
from workflows.objections.process import CORRECT
from workflows.organisation import directory
from workflows.sharing import applications, grants


def act(session: Session, actor: Person, objection: Objection, data: dict, government: dict | None = None) -> dict:
    """Returns what the process needs to know next (a correction task and for whom). `government`: the county
    government's decision the objection was upheld by (on a referral), which the provider's review then reads."""
    kind = ObjectionType(objection.kind)
    if kind == ObjectionType.APPLICATION_DISPUTE and objection.application_id:
        return _on_application(session, actor, objection, government)
    if kind in (ObjectionType.CATALOG_CORRECTION, ObjectionType.QUALITY_DISPUTE) and objection.resource_id:
        return _order_correction(session, actor, objection)
    if kind == ObjectionType.USAGE_DISPUTE and objection.grant_id:
        return _act_on_grant(session, actor, objection, data)
    objection.effect = "按县政府决定办理" if government else "按处理意见办理"
    return {}


def _on_application(session: Session, actor: Person, objection: Objection, government: dict | None) -> dict:
    """Only the provider decides (四(三)): an upheld dispute sets aside its refusal or its return and the provider
    reviews again with the bureau's opinion (or the county government's decision) before it, a full period anew."""
    app = objection.application
    status = ApplicationStatus(app.status)
    if status in (ApplicationStatus.REJECTED, ApplicationStatus.RETURNED):
        applications.reopen_review(session, actor, app.id, objection.id, objection.opinion, government)
        days = applications.review_period(session, app)
        basis = f"县政府决定（{government['number']}）" if government else "处理意见"
        set_aside = "撤销退回补正，" if status == ApplicationStatus.RETURNED else ""
        objection.effect = (
            f"{set_aside}申请 {app.number} 退回{app.provider_unit.name}重新审核（附{basis}，"
            f"{days}个工作日内作出决定）"
            if days
            else f"{set_aside}申请 {app.number} 退回{app.provider_unit.name}重新审核（附{basis}）"
        )
    elif status == ApplicationStatus.APPROVED:
        objection.effect = f"申请 {app.number} 已通过并授权，授权未改变；处理意见已告知{app.provider_unit.name}"
        cases.notify(
            session,
            objection,
            directory.people_with_role(session, app.provider_unit_id, Role.REVIEWER),
            "异议成立，请研究处理意见",
            f"处理意见：{objection.opinion}",
        )
    else:
        objection.effect = f"申请 {app.number} 现为“{status.label}”，未作处理"
    return {}


def _revision(session: Session, resource_id: int) -> int:
    return session.scalar(
        select(func.coalesce(func.max(ResourceRevision.revision), 0)).where(ResourceRevision.resource_id == resource_id)
    )


def _order_correction(session: Session, actor: Person, objection: Objection) -> dict:
    resource = objection.resource
    correction = Correction(
        objection_id=objection.id,
        resource_id=resource.id,
        unit_id=resource.provider_unit_id,
        revision_from=_revision(session, resource.id),
        instance_id=objection.instance_id,
        created_at=clock.now(),
    )
    session.add(correction)
    session.flush()
    what = "修改目录条目" if objection.kind == ObjectionType.CATALOG_CORRECTION else "更正数据"
    days = engine.task_period(session.get(ProcessInstance, objection.instance_id).process_version, CORRECT)
    objection.effect = f"责成{resource.provider_unit.name}{f'在{days}个工作日内' if days else ''}{what}（{resource.code} {resource.name}）"
    audit.record(
        session,
        actor.id,
        "resource",
        resource.id,
        "resource:correction_ordered",
        None,
        {"objection_id": objection.id, "correction_id": correction.id},
    )
    return {"needs_correction": True, "correction_unit_id": resource.provider_unit_id}


def _act_on_grant(session: Session, actor: Person, objection: Objection, data: dict) -> dict:
    """The bureau supervises use (六(三)): an upheld usage dispute revokes the grant or keeps it with an order to
    put things right. The effect says what really happened: a grant already ended stays as it was."""
    grant = objection.grant
    what = f"{grant.unit.name}对“{grant.resource.name}”的授权"
    if grant.status != GrantStatus.ACTIVE:
        ended = clock.fmt(grant.revoked_at) if grant.revoked_at else str(grant.valid_until)
        objection.effect = f"{what}已于{ended}{GrantStatus(grant.status).label}，未再处理"
    elif data.get("grant_action") == "revoke":
        grants.revoke(
            session,
            actor,
            grant.id,
            objection.opinion,
            objection_id=objection.id,
            basis=f"根据异议 {objection.number} 的处理决定",
        )
        objection.effect = f"撤销{what}"
    else:
        objection.effect = f"保留{what}，责令整改"
    if data.get("incident"):
        incident = incidents.record_from_objection(
            session, actor, grant, objection.id, objection.number, objection.opinion
        )
        audit.record(
            session,
            actor.id,
            "unit",
            grant.unit_id,
            "unit:incident",
            None,
            {
                "objection_id": objection.id,
                "grant_id": grant.id,
                "opinion": objection.opinion,
                "incident_id": incident.id,
            },
        )
        objection.effect += "；已记录使用单位违规事件（安全事件）"
    return {}


def complete_correction(session: Session, actor: Person, objection: Objection, data: dict, late: bool) -> None:
    """A catalog correction closes only with a new revision of the entry; a data correction with its date."""
    correction = session.scalar(select(Correction).where(Correction.objection_id == objection.id))
    if objection.kind == ObjectionType.CATALOG_CORRECTION:
        if _revision(session, correction.resource_id) <= correction.revision_from:
            raise ValidationFailed(
                [
                    FieldProblem(
                        "done_note",
                        f"纠正情况：目录条目 {correction.resource.code} 还没有新的修订版本。"
                        "请先点击本页“修改目录条目”按钮修改该条目并保存，再办结本任务",
                    )
                ],
                "目录条目尚未修改，不能办结纠错任务",
            )
        corrected_on = clock.today()
    else:
        if not data.get("corrected_on"):
            raise ValidationFailed([FieldProblem("corrected_on", "数据更正日期：数据质量纠错须写明数据更正的日期")])
        corrected_on = cases.check_day(
            "corrected_on", "数据更正日期", data["corrected_on"], objection.closed_at, "处理决定"
        )
    correction.status, correction.done_at = CorrectionStatus.DONE, clock.now()
    correction.done_note, correction.corrected_on = data["done_note"].strip(), corrected_on
    audit.record(
        session,
        actor.id,
        "resource",
        correction.resource_id,
        "resource:corrected",
        {"status": CorrectionStatus.OPEN.value},
        {
            "status": CorrectionStatus.DONE.value,
            "objection_id": objection.id,
            "corrected_on": corrected_on.isoformat(),
            "late": late,
        },
    )
    cases.notify_raiser(session, objection, "所涉单位已完成纠正", f"纠正情况：{correction.done_note}")
