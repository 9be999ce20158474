"""What an upheld objection does to what it concerns, through the services that own it (never by editing rows)."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflows import audit, clock
from workflows.errors import FieldProblem, ValidationFailed
from workflows.models import Person, ResourceRevision
from workflows.models.objections import Correction, CorrectionStatus, Objection, ObjectionType
from workflows.objections import cases
from workflows.sharing import applications, grants, reviews


def act(session: Session, actor: Person, objection: Objection, data: dict) -> dict:
    """Returns what the process needs to know next (a correction task and for whom)."""
    kind = ObjectionType(objection.kind)
    if kind == ObjectionType.APPLICATION_DISPUTE and objection.application_id:
        return _on_application(session, actor, objection, data)
    if kind in (ObjectionType.CATALOG_CORRECTION, ObjectionType.QUALITY_DISPUTE) and objection.resource_id:
        return _order_correction(session, actor, objection)
    if kind == ObjectionType.USAGE_DISPUTE and objection.grant_id:
        return _act_on_grant(session, actor, objection, data)
    objection.effect = "异议成立，按处理意见办理"
    return {}


def _on_application(session: Session, actor: Person, objection: Objection, data: dict) -> dict:
    app = objection.application
    if app.status == "rejected" and data.get("application_action") == "approve":
        reviews.approve_by_objection(session, actor, app.id, objection.opinion, objection.id)
        objection.effect = f"县大数据局作出结论：申请 {app.number} 同意共享，已授权"
    elif app.status == "rejected":
        applications.reopen_review(session, actor, app.id, objection.opinion, objection.id)
        objection.effect = f"申请 {app.number} 退回提供单位重新审核（附协调意见，5个工作日内办结）"
    else:
        objection.effect = f"申请 {app.number} 按协调意见办理（申请当前状态：{app.status.label}）"
    return {}


def _revision(session: Session, resource_id: int) -> int:
    return session.scalar(select(func.coalesce(func.max(ResourceRevision.revision), 0))
                          .where(ResourceRevision.resource_id == resource_id))


def _order_correction(session: Session, actor: Person, objection: Objection) -> dict:
    resource = objection.resource
    correction = Correction(objection_id=objection.id, resource_id=resource.id, unit_id=resource.provider_unit_id,
                            revision_from=_revision(session, resource.id), instance_id=objection.instance_id,
                            created_at=clock.now())
    session.add(correction)
    session.flush()
    what = "修改目录条目" if objection.kind == ObjectionType.CATALOG_CORRECTION else "更正数据"
    objection.effect = f"责成{resource.provider_unit.name}在10个工作日内{what}（{resource.code} {resource.name}）"
    audit.record(session, actor.id, "resource", resource.id, "resource:correction_ordered", None,
                 {"objection_id": objection.id, "correction_id": correction.id})
    return {"needs_correction": True, "correction_unit_id": resource.provider_unit_id}


def _act_on_grant(session: Session, actor: Person, objection: Objection, data: dict) -> dict:
    grant = objection.grant
    if data.get("grant_action") == "revoke" and grant.status == "active":
        grants.revoke(session, actor, grant.id, f"异议成立（异议编号 {objection.number}）：{objection.opinion}",
                      objection_id=objection.id)
        objection.effect = f"撤销{grant.unit.name}对“{grant.resource.name}”的授权"
    else:
        objection.effect = f"保留{grant.unit.name}的授权，责令整改"
    if data.get("incident"):
        audit.record(session, actor.id, "unit", grant.unit_id, "unit:incident", None,
                     {"objection_id": objection.id, "grant_id": grant.id, "opinion": objection.opinion})
        objection.effect += "；已记录使用单位违规事件"
    return {}


def complete_correction(session: Session, actor: Person, objection: Objection, data: dict, late: bool) -> None:
    """A catalog correction closes only with a new revision of the entry; a data correction with its date."""
    correction = session.scalar(select(Correction).where(Correction.objection_id == objection.id))
    if objection.kind == ObjectionType.CATALOG_CORRECTION:
        if _revision(session, correction.resource_id) <= correction.revision_from:
            raise ValidationFailed([FieldProblem("done_note", f"纠正情况：目录条目 {correction.resource.code} 还没有新的修订版本。"
                                                              "请先点击本页“修改目录条目”按钮修改该条目并保存，再办结本任务")],
                                   "目录条目尚未修改，不能办结纠错任务")
        corrected_on = clock.today()
    else:
        if not data.get("corrected_on"):
            raise ValidationFailed([FieldProblem("corrected_on", "数据更正日期：数据质量纠错须写明数据更正的日期")])
        corrected_on = cases.check_day("corrected_on", "数据更正日期", data["corrected_on"], objection.closed_at)
    correction.status, correction.done_at = CorrectionStatus.DONE, clock.now()
    correction.done_note, correction.corrected_on = data["done_note"].strip(), corrected_on
    audit.record(session, actor.id, "resource", correction.resource_id, "resource:corrected",
                 {"status": CorrectionStatus.OPEN.value},
                 {"status": CorrectionStatus.DONE.value, "objection_id": objection.id,
                  "corrected_on": corrected_on.isoformat(), "late": late})
    cases.notify_raiser(session, objection, "所涉单位已完成纠正", f"纠正情况：{correction.done_note}")
