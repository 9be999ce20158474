"""Changes that take data away from a published entry wait for the county data bureau (R13, issue 18 item 3).

A switch to 不予共享, a retirement and the removal of an info item become an EntryChange and a 确认目录条目变更
task for the coordinators; nothing of them reaches the entry before it is confirmed. Every other edit of a
published entry still saves at once. Once confirmed, `entry_change.effective` is published: the grants on the
entry are the sharing package's business (workflows/sharing/affected.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

import notifications
from workflows import audit, case_names, clock, engine, reasons
from workflows.catalog.rules import Problem
from workflows.errors import NotFound
from workflows.models import (
    EntryChange,
    EntryChangeKind,
    EntryChangeStatus,
    Person,
    Resource,
    ResourceStatus,
    Role,
    ShareType,
)
from workflows.organisation import directory

PROCESS = "entry_change"
CONFIRM_TASK = "ec_confirm"
SUBJECT = "entry_change"
REMOVAL_HINT = "请写明为什么删除这些信息项，例如已不再采集、已并入哪个条目，或依据哪项规定"
RETURN_HINT = "请写明退回的具体理由：依据为什么不成立、还需要说明什么，以便提供单位修改后重新提交"

CONTRACT = engine.ProcessContract(
    PROCESS, tasks={CONFIRM_TASK: engine.TaskContract("确认目录条目变更", "coordinator", None, ("decision", "reason"))}
)


@dataclass
class Withheld:
    """The part of an edit of a published entry that waits for the bureau."""

    not_shared: bool
    basis: str
    removed: list[str]

    @property
    def kind(self) -> EntryChangeKind:
        return EntryChangeKind.NOT_SHARED if self.not_shared else EntryChangeKind.REMOVE_ITEMS


def withheld_part(resource: Resource, clean) -> Withheld | None:
    """A switch to 不予共享 and info items no longer listed, when the entry is published; None otherwise."""
    if resource.status != ResourceStatus.PUBLISHED:
        return None
    switch = clean.values["share_type"] == ShareType.NOT_SHARED and resource.share_type != ShareType.NOT_SHARED
    listed = {item["name"] for item in clean.items}
    removed = [item.name for item in resource.items if item.name not in listed]
    if not switch and not removed:
        return None
    return Withheld(switch, clean.values["share_condition"] if switch else "", removed)


def not_by_import(resource: Resource, clean) -> tuple[str, str] | None:
    """(column, message) when an imported row would withdraw data from a published entry: that waits for the bureau,
    which the entry's page asks for; the Excel import saves everything at once or nothing."""
    withheld = withheld_part(resource, clean)
    if withheld is None:
        return None
    what = "改为不予共享" if withheld.not_shared else f"删除信息项“{'、'.join(withheld.removed)}”"
    return (
        "share_type" if withheld.not_shared else "code",
        f"已发布条目{what}须经县大数据局确认后才生效，不能通过导入完成：请在条目页修改并提交确认，"
        "或在文件中保留原有的共享类型和信息项",
    )


def keep_current(resource: Resource, clean, withheld: Withheld) -> None:
    """The edit without its withheld part: the entry's share attributes and removed items stay until confirmed."""
    if withheld.not_shared:
        clean.values.update(
            share_type=resource.share_type, share_condition=resource.share_condition, share_method=resource.share_method
        )
    for index, item in enumerate(resource.items):
        if item.name in withheld.removed:
            clean.items.insert(
                min(index, len(clean.items)),
                {"name": item.name, "data_type": item.data_type, "length": item.length, "sensitive": item.sensitive},
            )


def withheld_problems(session: Session, resource: Resource, withheld: Withheld, reason: str) -> list[Problem]:
    """What cannot wait: a second change while one is open, a removal without a specific reason."""
    pending = open_change(session, resource.id, lock=True)
    if pending is not None:
        return [
            Problem(
                "share_type" if withheld.not_shared else "items",
                f"此条目已有一项变更待县大数据局确认（{pending.summary()}），确认或退回后才能再提交"
                "改为不予共享、停用或删除信息项；其他内容可以照常修改",
            )
        ]
    if withheld.removed and not withheld.not_shared:
        if problem := reasons.reason_problem(reason, "删除信息项的理由", hint=REMOVAL_HINT):
            return [Problem("change_reason", problem)]
    return []


def open_change(session: Session, resource_id: int, lock: bool = False) -> EntryChange | None:
    """The entry's change waiting for the bureau; lock=True takes the entry's row first, so two keepers submitting
    at once cannot both open one."""
    if lock:
        session.execute(select(Resource.id).where(Resource.id == resource_id).with_for_update(key_share=True))
    return session.scalar(
        select(EntryChange).where(
            EntryChange.resource_id == resource_id, EntryChange.status == EntryChangeStatus.PENDING
        )
    )


def propose(
    session: Session, actor: Person, resource: Resource, kind: EntryChangeKind, basis: str, removed: list[str]
) -> EntryChange:
    """Record the change and open the coordinators' 确认目录条目变更 task; the entry itself stays as it is."""
    change = EntryChange(
        resource_id=resource.id,
        unit_id=resource.provider_unit_id,
        kind=kind,
        basis=basis.strip(),
        removed_items=list(removed),
        status=EntryChangeStatus.PENDING,
        requested_by_id=actor.id,
        requested_at=clock.now(),
    )
    session.add(change)
    session.flush()
    instance = engine.start(
        session,
        PROCESS,
        actor.id,
        resource.provider_unit_id,
        {"change_id": change.id, "unit_id": resource.provider_unit_id},
        subject=(SUBJECT, change.id),
    )
    change.instance_id = instance.id
    audit.record(
        session,
        actor.id,
        "entry_change",
        change.id,
        "entry_change:pending",
        None,
        {
            "status": EntryChangeStatus.PENDING.value,
            "kind": kind.value,
            "resource_id": resource.id,
            "basis": change.basis,
            "removed_items": change.removed_items,
        },
    )
    return change


def return_check(reason: str, data: dict) -> str | None:
    """The x-check "entry_change_return": the bureau's return says specifically why."""
    if data.get("decision") == "return":
        return reasons.reason_problem(reason, "退回理由", hint=RETURN_HINT)
    return None


def returned(session: Session, actor: Person, change: EntryChange, reason: str) -> None:
    change.status, change.return_reason = EntryChangeStatus.RETURNED, reason.strip()
    change.decided_by_id, change.decided_at = actor.id, clock.now()
    audit.record(
        session,
        actor.id,
        "entry_change",
        change.id,
        "entry_change:returned",
        {"status": EntryChangeStatus.PENDING.value},
        {"status": EntryChangeStatus.RETURNED.value, "reason": change.return_reason},
    )
    tell_unit(
        session,
        change,
        "县大数据局退回，变更未生效",
        f"退回理由：{change.return_reason}\n条目保持原状；修改后可重新提交。",
    )


def made_effective(session: Session, actor: Person, change: EntryChange) -> None:
    change.status, change.decided_by_id, change.decided_at = EntryChangeStatus.EFFECTIVE, actor.id, clock.now()
    audit.record(
        session,
        actor.id,
        "entry_change",
        change.id,
        "entry_change:effective",
        {"status": EntryChangeStatus.PENDING.value},
        {"status": EntryChangeStatus.EFFECTIVE.value},
    )


def tell_unit(session: Session, change: EntryChange, what: str, detail: str = "") -> None:
    """The person who asked and the unit's catalog keepers hear what became of the change."""
    people = [change.requested_by] + directory.people_with_role(session, change.unit_id, Role.UNIT_ADMIN)
    notifications.send(
        session,
        people,
        "entry_change",
        {"name": case_names.entry_change_name(change), "what": what, "detail": detail},
        f"/catalog/entry-changes/{change.id}",
    )


def can_see(person: Person, change: EntryChange) -> bool:
    """Coordinators and the provider unit's own people; the grantees read the change on their grants instead."""
    return (
        person.has_role(Role.COORDINATOR)
        or person.unit_id == change.unit_id
        or any(m.unit_id == change.unit_id for m in person.memberships)
    )


def get_change(session: Session, person: Person, change_id: int) -> EntryChange:
    change = session.get(EntryChange, change_id) if 0 < change_id < 2**31 else None
    if change is None or not can_see(person, change):
        raise NotFound("目录条目变更不存在，或您无权查看")
    return change


def for_resource(session: Session, person: Person, resource_id: int) -> list[EntryChange]:
    """The entry's changes, newest first, for those who may see them."""
    found = session.scalars(
        select(EntryChange).where(EntryChange.resource_id == resource_id).order_by(EntryChange.id.desc())
    )
    return [c for c in found if can_see(person, c)]
