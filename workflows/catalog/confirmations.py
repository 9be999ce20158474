"""The bureau's 确认目录条目变更: confirm (the change reaches the entry, then its grants) or return with a reason."""

from __future__ import annotations

from sqlalchemy.orm import Session

from workflows import events
from workflows.catalog import entries, proposals
from workflows.errors import Conflict, FieldProblem, ValidationFailed
from workflows.models import EntryChange, EntryChangeStatus, HumanTask, Person


def confirmed(session: Session, actor: Person, task: HumanTask, data: dict) -> dict:
    """The handler of ec_confirm: nothing of the change takes effect before this step approves it."""
    change = session.get(EntryChange, int(task.instance.subject_id))
    if change.status != EntryChangeStatus.PENDING:
        raise Conflict(f"此变更已{EntryChangeStatus(change.status).label}，无需再确认")
    if data.get("decision") == "return":
        if problem := proposals.return_check(data.get("reason") or "", data):
            raise ValidationFailed([FieldProblem("reason", f"退回理由：{problem}")], "退回须写明具体理由，未提交")
        proposals.returned(session, actor, change, data["reason"])
        return data
    entries.apply_confirmed(session, actor, change)
    proposals.made_effective(session, actor, change)
    events.publish(session, "entry_change.effective", change=change, actor=actor)
    grants = (
        f"本条目的 {change.affected_grants} 项有效授权已列给本单位逐项决定撤销或保留至到期。"
        if change.affected_grants
        else "本条目没有受影响的有效授权。"
    )
    proposals.tell_unit(session, change, "县大数据局已确认，变更已生效", grants)
    return data
