"""A confirmed catalog change reaches its grants (issue 18 item 3): each active grant it touches is listed to the
provider, who revokes it or keeps it until expiry, with a reason; the grantee hears of the change and the decision.

The change itself is the catalog's (workflows/catalog/proposals.py); this module hears `entry_change.effective`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import audit, clock, engine, reasons
from workflows.engine import tasks
from workflows.errors import AlreadyHandled, Conflict, FieldProblem, Forbidden, NotFound, ValidationFailed
from workflows.models import (
    AffectedGrant,
    AffectedStatus,
    EntryChange,
    EntryChangeKind,
    Grant,
    GrantStatus,
    HumanTask,
    Person,
    TaskStatus,
)
from workflows.sharing import grants

PROCESS = "affected_grants"
DECIDE_TASK = "ag_decide"
SUBJECT = "entry_change"  # the provider's task belongs to the change's case, beside the bureau's confirmation
DECISIONS = {"revoke": "撤销", "keep": "保留至到期"}
REASON_LIMIT = 500
DECISION_HINT = "请写明具体原因：为什么撤销或为什么到期前仍可使用，例如不予共享依据对该单位的影响、正在办理的业务"

CONTRACT = engine.ProcessContract(
    PROCESS, tasks={DECIDE_TASK: engine.TaskContract("处理受影响的授权", "reviewer", "provider_unit_id")}
)


def what_happened(change: EntryChange) -> str:
    """ "已改为不予共享", "已停用", "已删除信息项“户籍地址”": what the resource went through, for the grantee."""
    removed = "“" + "、".join(change.removed_items) + "”"
    if change.kind == EntryChangeKind.REMOVE_ITEMS:
        return f"已删除信息项{removed}"
    head = "已改为不予共享" if change.kind == EntryChangeKind.NOT_SHARED else "已停用"
    return head + (f"并删除信息项{removed}" if change.removed_items else "")


def reached(session: Session, change: EntryChange) -> list[Grant]:
    """The active grants the change touches: every one on the entry, or those holding a removed item."""
    found = session.scalars(
        select(Grant)
        .where(
            Grant.resource_id == change.resource_id,
            Grant.status == GrantStatus.ACTIVE,
            Grant.valid_until >= clock.today(),
        )
        .order_by(Grant.id)
    )
    return [g for g in found if change.withdraws_all or set(g.items) & set(change.removed_items)]


def change_effective(session: Session, event: str, change: EntryChange, actor: Person) -> None:
    """List every grant the change reaches to the provider as one task, and tell each grantee."""
    found = reached(session, change)
    change.affected_grants = len(found)
    if not found:
        return
    instance = engine.start(
        session,
        PROCESS,
        actor.id,
        change.unit_id,
        {"change_id": change.id, "provider_unit_id": change.unit_id},
        subject=(SUBJECT, change.id),
    )
    session.add_all(
        [
            AffectedGrant(change_id=change.id, grant_id=g.id, status=AffectedStatus.OPEN, instance_id=instance.id)
            for g in found
        ]
    )
    what = what_happened(change)
    for grant in found:
        grant.changed_at = clock.now()  # the platform's grant feed shows the pending change
        audit.record(session, actor.id, "grant", grant.id, "grant:affected", None, {"entry_change": change.summary()})
        grants.notify_changed(session, grant, what, change.summary())


def rows(session: Session, change_id: int) -> list[AffectedGrant]:
    return list(
        session.scalars(select(AffectedGrant).where(AffectedGrant.change_id == change_id).order_by(AffectedGrant.id))
    )


def open_task(session: Session, instance_id: int | None) -> HumanTask | None:
    return session.scalar(
        select(HumanTask).where(
            HumanTask.instance_id == instance_id, HumanTask.task_key == DECIDE_TASK, HumanTask.status == TaskStatus.OPEN
        )
    )


def decide(session: Session, actor: Person, row_id: int, decision: str, reason: str) -> AffectedGrant:
    """Revoke (through grants.revoke) or keep one listed grant; the last decision completes the provider's task."""
    row = session.get(AffectedGrant, row_id) if 0 < row_id < 2**31 else None
    if row is None:
        raise NotFound("受影响的授权不存在")
    task = open_task(session, row.instance_id)
    if task is None:
        raise Conflict("“处理受影响的授权”任务已办结，不能再改变决定")
    if not engine.can_act(session, actor, task):
        raise Forbidden("只有数据提供单位的审核人（或受转交的同事）可以决定受影响的授权")
    engine.lock_instance(session, row.instance_id)  # the case first, then the grant (grants.revoke, grants.keep)
    session.refresh(row)
    if row.status != AffectedStatus.OPEN:
        raise AlreadyHandled(f"此授权已{AffectedStatus(row.status).label}，无需重复决定")
    reason = _checked(decision, reason)
    what = what_happened(row.change)
    if decision == "revoke":
        grants.revoke(session, actor, row.grant_id, reason, basis="" if what in reason else f"资源{what}")
        row.status = AffectedStatus.REVOKED
    else:
        row.dropped_items = grants.keep(session, actor, row.grant_id, reason, row.change.removed_items, what)[1]
        row.status = AffectedStatus.KEPT
    row.reason, row.decided_by_id, row.decided_at = reason, actor.id, clock.now()
    if not _undecided(session, row.instance_id):
        tasks.complete(session, actor, task.id, {})
    return row


def _checked(decision: str, reason: str) -> str:
    if decision not in DECISIONS:
        raise ValidationFailed([FieldProblem("decision", "请选择“撤销”或“保留至到期”")], "未选择如何处理该授权")
    what = f"{DECISIONS[decision]}理由"
    reason = (reason or "").strip()
    problem = (
        f"{what}：不能超过 {REASON_LIMIT} 个字（现有 {len(reason)} 个字），请精简后重新提交"
        if len(reason) > REASON_LIMIT
        else reasons.reason_problem(reason, what, hint=DECISION_HINT)
    )
    if problem:
        raise ValidationFailed(
            [FieldProblem("reason", problem if problem.startswith(what) else f"{what}：{problem}")],
            f"{what}须写明具体原因，未保存",
        )
    return reason


def _undecided(session: Session, instance_id: int) -> list[AffectedGrant]:
    """Listed grants still waiting for a decision; one revoked elsewhere or expired meanwhile needs none."""
    waiting = []
    for row in session.scalars(
        select(AffectedGrant).where(
            AffectedGrant.instance_id == instance_id, AffectedGrant.status == AffectedStatus.OPEN
        )
    ):
        if row.grant.status == GrantStatus.ACTIVE:
            waiting.append(row)
            continue
        row.status = AffectedStatus.ENDED
        audit.record(
            session,
            None,
            "grant",
            row.grant_id,
            "grant:affected_ended",
            None,
            {"grant_status": GrantStatus(row.grant.status).value},
        )
    return waiting


def handled(session: Session, actor: Person, task: HumanTask, data: dict) -> dict:
    """The handler of ag_decide: the task closes only once every listed grant is revoked, kept or no longer active."""
    left = _undecided(session, task.instance_id)
    if left:
        names = "、".join(f"{r.grant.application.number}（{r.grant.unit.name}）" for r in left[:5])
        raise ValidationFailed(
            [f"还有 {len(left)} 项授权没有决定：{names}。请逐项选择“撤销”或“保留至到期”并写明理由"],
            "受影响的授权尚未全部处理，任务未办结",
        )
    return data


def notes(session: Session, grant_ids: list[int]) -> dict[int, str]:
    """Per grant, what the latest change of its resource did to it, as its page, 授权提供单 and /grants say it."""
    if not grant_ids:
        return {}
    latest: dict[int, AffectedGrant] = {}
    for row in session.scalars(
        select(AffectedGrant).where(AffectedGrant.grant_id.in_(grant_ids)).order_by(AffectedGrant.id)
    ):
        latest[row.grant_id] = row
    return {grant_id: note(row) for grant_id, row in latest.items()}


def note(row: AffectedGrant) -> str:
    """ "资源已改为不予共享（依据：…）；提供单位决定保留至 2027-02-13：理由…"."""
    change, grant = row.change, row.grant
    label = "依据" if change.kind == EntryChangeKind.NOT_SHARED else "理由"
    head = f"资源{what_happened(change)}（{label}：{change.basis}）"
    if row.status == AffectedStatus.KEPT:
        dropped = f"，不再提供“{'、'.join(row.dropped_items)}”" if row.dropped_items else ""
        return f"{head}；提供单位决定保留至 {grant.valid_until}{dropped}：{row.reason}"
    if row.status == AffectedStatus.REVOKED:
        return f"{head}；提供单位已撤销授权：{row.reason}"
    if grant.status != GrantStatus.ACTIVE:
        return f"{head}；授权{GrantStatus(grant.status).label}"
    return f"{head}；待提供单位决定撤销或保留至到期"
