"""二(三): after a law revision or change of functions a unit updates its catalog within the period of the process
(10 working days) counted from the day the change took effect, not from the day it was registered (R32).

更新目录 closes only with a new revision of an entry of the unit made after the registration, or with the
statement that no entry is affected, which the bureau confirms or returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import notifications
from workflows import audit, case_names, clock, engine, inputs, reasons
from workflows.errors import FieldProblem, Forbidden, NotFound, ValidationFailed
from workflows.models import (
    CatalogChange,
    ChangeKind,
    ChangeStatus,
    HumanTask,
    Person,
    ProcessInstance,
    Resource,
    ResourceRevision,
    Role,
    Unit,
)
from workflows.organisation import directory

PROCESS = "catalog_update"
UPDATE_TASK = "cu_update"
CONFIRM_TASK = "cu_confirm_none"  # the bureau confirms "no entry affected" (version 2 on)
RETURN_HINT = "请写明具体理由：哪些条目可能受此次变更影响，或单位还需说明什么"
DESCRIPTION_LIMIT = 2000
# How far the 生效日期 may lie from the registration day: beyond it the date is most likely a typo (2020 for 2026).
EFFECTIVE_WINDOW = timedelta(days=366)


CONTRACT = engine.ProcessContract(
    PROCESS,
    tasks={
        UPDATE_TASK: engine.TaskContract(
            "更新目录", "unit_admin", "unit_id", ("outcome", "resource_code", "done_note")
        ),
        CONFIRM_TASK: engine.TaskContract("确认无受影响的目录条目", "coordinator", None, ("decision", "reason")),
    },
)


def register_change(
    session: Session, actor: Person, unit_id: int, kind: str, description: str, effective_on: str | date
) -> CatalogChange:
    """Record the event and open the unit's 更新目录 task, due the period of the process after it takes effect."""
    if not (actor.has_role(Role.UNIT_ADMIN, unit_id) or actor.has_role(Role.COORDINATOR)):
        raise Forbidden("只有本单位目录管理员或县大数据局协调员可以登记目录变更事项")
    unit = session.get(Unit, unit_id)
    problems = []
    if unit is None:
        problems.append("责任单位：不存在")
    change_kind = ChangeKind.parse(kind)
    if change_kind is None:
        problems.append("变更类型：应为 法律法规修订 或 职能调整")
    if len((description or "").strip()) < 4:
        problems.append("变更内容：请写明修订的法规或调整的职能（至少4个字）")
    elif problem := inputs.too_long("变更内容", description.strip(), DESCRIPTION_LIMIT):
        problems.append(problem)
    day = _date(effective_on, problems)
    today = clock.today()
    if day is not None and day < today - EFFECTIVE_WINDOW:
        problems.append(
            f"生效日期：{day} 早于一年前，请核对年份（已生效的变更最早可登记 {today - EFFECTIVE_WINDOW} 起的）"
        )
    elif day is not None and day > today + EFFECTIVE_WINDOW:
        problems.append(f"生效日期：{day} 晚于一年后，请核对年份（最晚可登记 {today + EFFECTIVE_WINDOW} 生效的变更）")
    if problems:
        raise ValidationFailed(problems)
    change = CatalogChange(
        unit_id=unit_id,
        kind=change_kind,
        description=description.strip(),
        effective_on=day,
        due_on=day,
        created_by_id=actor.id,
        created_at=clock.now(),
    )
    session.add(change)
    session.flush()
    instance = engine.start(
        session,
        PROCESS,
        actor.id,
        unit_id,
        {
            "change_id": change.id,
            "unit_id": unit_id,
            "effective_on": day.isoformat(),
            "description": change.description,
        },
        subject=("catalog_change", change.id),
    )
    change.instance_id = instance.id
    _follow_task(session, change)
    change.registered_late = change.created_at > clock.end_of_day(change.due_on)
    audit.record(
        session,
        actor.id,
        "catalog_change",
        change.id,
        "catalog_change:registered",
        None,
        {
            "unit": unit.name,
            "kind": change_kind.value,
            "effective_on": day.isoformat(),
            "due_on": change.due_on.isoformat(),
            "registered_late": change.registered_late,
        },
    )
    return change


def _follow_task(session: Session, change: CatalogChange) -> None:
    """The change is due when its 更新目录 task is: the period lives in the process version, not here."""
    task = session.scalar(
        select(HumanTask)
        .where(HumanTask.instance_id == change.instance_id, HumanTask.task_key == UPDATE_TASK)
        .order_by(HumanTask.id.desc())
        .limit(1)
    )
    if task is not None and task.due_at is not None:
        change.due_on, change.due_provisional = clock.local(task.due_at).date(), task.due_provisional


def _date(value, problems: list[str]) -> date | None:
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        problems.append(f"生效日期：{inputs.not_a_day(text)}")
        return None


def updated(session: Session, actor: Person, task: HumanTask, data: dict) -> dict:
    """更新目录 done: with the entry revised since the registration, or "no entry affected" for the bureau to confirm.

    Cases on version 1 (whose form only asks for a note) close with the note, as they always did.
    """
    change = session.get(CatalogChange, int(task.instance.subject_id))
    change.done_at, change.done_note = clock.now(), data["done_note"].strip()
    late = task.is_overdue(change.done_at)
    if "outcome" in data and data["outcome"] == "none_affected":
        _set_status(session, actor, change, ChangeStatus.CONFIRMING, late=late)
        return data
    if "outcome" in data:
        change.resource_id, change.resource_revision = _revised(session, change, data.get("resource_code") or "")
    _set_status(session, actor, change, ChangeStatus.DONE, late=late)
    return data


def _revised(session: Session, change: CatalogChange, code: str) -> tuple[int, int]:
    """The named entry of the unit and its newest revision made after the change was registered."""
    found = {c: (rid, rev) for rid, c, _, rev, _ in _revisions(session, change)}
    if code not in found:
        raise ValidationFailed(
            [
                FieldProblem(
                    "resource_code",
                    f"修订的目录条目：“{inputs.shown(code)}”不是{change.unit.name}"
                    "在登记此事项后修订过的条目。请先在“本单位目录”中修改受影响的"
                    "条目并保存，再选择该条目办结",
                )
            ],
            "没有可以证明已更新目录的修订版本",
        )
    return found[code]


def _revisions(session: Session, change: CatalogChange) -> list[tuple]:
    """(entry id, code, name, newest revision, when) of the unit's entries revised after the registration."""
    rows = session.execute(
        select(
            Resource.id,
            Resource.code,
            Resource.name,
            func.max(ResourceRevision.revision),
            func.max(ResourceRevision.at),
        )
        .join(ResourceRevision, ResourceRevision.resource_id == Resource.id)
        .where(
            Resource.provider_unit_id == change.unit_id,
            ResourceRevision.at > change.created_at,
            ResourceRevision.action != "returned",
        )
        .group_by(Resource.id, Resource.code, Resource.name)
        .order_by(Resource.code)
    )
    return [tuple(row) for row in rows]


def revised_entries(session: Session, task: HumanTask) -> list[tuple[str, str]]:
    """The x-options "unit_revisions" of 更新目录: the unit's entries revised since the change was registered."""
    change = session.get(CatalogChange, int(task.instance.subject_id))
    return [
        (code, f"{code} {name}（第 {rev} 版，{clock.fmt(at)}）")
        for _, code, name, rev, at in _revisions(session, change)
    ]


def return_check(reason: str, data: dict) -> str | None:
    """The x-check "catalog_update_return": the bureau's return says specifically why."""
    if data.get("decision") == "return":
        return reasons.reason_problem(reason, "退回理由", hint=RETURN_HINT)
    return None


def confirmed_none(session: Session, actor: Person, task: HumanTask, data: dict) -> dict:
    """The bureau confirms that no entry is affected (the change is closed), or returns it to the unit's 更新目录."""
    change = session.get(CatalogChange, int(task.instance.subject_id))
    if data["decision"] != "return":
        _set_status(session, actor, change, ChangeStatus.NO_EFFECT)
        _tell_unit(session, change, "县大数据局确认没有受影响的目录条目，事项办结")
        return data
    if problem := return_check(data.get("reason") or "", data):
        raise ValidationFailed([FieldProblem("reason", f"退回理由：{problem}")], "退回须写明具体理由，未提交")
    change.return_reason, change.done_at = data["reason"].strip(), None
    _set_status(session, actor, change, ChangeStatus.OPEN, reason=change.return_reason)
    _tell_unit(
        session,
        change,
        "县大数据局退回“没有受影响的目录条目”的说明，请更新目录",
        f"退回理由：{change.return_reason}\n更新期限仍为 {change.due_on}，不因退回而延长。",
    )
    return data


def _set_status(session: Session, actor: Person, change: CatalogChange, status: ChangeStatus, **extra) -> None:
    before = ChangeStatus(change.status).value
    change.status = status
    action = {
        ChangeStatus.OPEN: "catalog_change:open",
        ChangeStatus.CONFIRMING: "catalog_change:confirming",
        ChangeStatus.DONE: "catalog_change:done",
        ChangeStatus.NO_EFFECT: "catalog_change:no_effect",
    }[status]
    audit.record(
        session, actor.id, "catalog_change", change.id, action, {"status": before}, {"status": status.value} | extra
    )


def _tell_unit(session: Session, change: CatalogChange, what: str, detail: str = "") -> None:
    people = directory.people_with_role(session, change.unit_id, Role.UNIT_ADMIN)
    notifications.send(
        session,
        people,
        "catalog_change",
        {
            "name": case_names.change_name(change.unit.name, change.kind.label, change.effective_on),
            "what": what,
            "detail": detail,
        },
        f"/catalog/changes/{change.id}",
    )


def list_changes(session: Session, actor: Person) -> list[CatalogChange]:
    """Coordinators see every unit's; others see their own units'."""
    query = select(CatalogChange).order_by(CatalogChange.status, CatalogChange.due_on)
    if not actor.has_role(Role.COORDINATOR):
        query = query.where(CatalogChange.unit_id.in_({m.unit_id for m in actor.memberships} | {actor.unit_id}))
    return list(session.scalars(query))


def get_change(session: Session, actor: Person, change_id: int) -> CatalogChange:
    change = session.get(CatalogChange, change_id)
    if change is None or not (
        actor.has_role(Role.COORDINATOR)
        or actor.unit_id == change.unit_id
        or actor.has_role(Role.UNIT_ADMIN, change.unit_id)
    ):
        raise NotFound("变更事项不存在")
    return change


def update_period(session: Session, change: CatalogChange | None = None) -> int | None:
    """The working days a unit has to update its catalog: the 更新目录 task's period in the change's own process
    version, or in the current one for a change not yet registered."""
    if change is not None and change.instance_id:
        return engine.task_period(session.get(ProcessInstance, change.instance_id).process_version, UPDATE_TASK)
    return engine.current_period(session, PROCESS, UPDATE_TASK)


def is_late(change: CatalogChange) -> bool:
    """Late when done after, or still open past, the end of the due day."""
    moment = change.done_at or clock.now()
    return moment > clock.end_of_day(change.due_on)


def registrable_units(session: Session, actor: Person) -> list[Unit]:
    """Coordinators register for any unit; a keeper for the units whose catalog they keep."""
    query = select(Unit).order_by(Unit.id)
    if not actor.has_role(Role.COORDINATOR):
        query = query.where(Unit.id.in_([m.unit_id for m in actor.memberships if m.role == Role.UNIT_ADMIN]))
    return list(session.scalars(query))


def recompute_provisional_due(session: Session) -> None:
    """After the engine recomputed provisional task due dates, open changes follow their tasks."""
    for change in session.scalars(
        select(CatalogChange).where(CatalogChange.status == ChangeStatus.OPEN, CatalogChange.due_provisional.is_(True))
    ):
        _follow_task(session, change)


@dataclass
class UpdateCase:
    """What the 更新目录 and confirmation task pages show of the change beside the form."""

    change: CatalogChange
    period: int | None
    revisions: list[tuple[str, str]]  # the unit's entries revised since the registration
    kind: str = "catalog_change"
    opinions: list = field(default_factory=list)
    review_days: int | None = None


def change_case(session: Session, person: Person, task: HumanTask) -> UpdateCase | None:
    if not (task.instance.subject_id or "").isdigit():
        return None
    change = session.get(CatalogChange, int(task.instance.subject_id))
    return UpdateCase(change, update_period(session, change), revised_entries(session, task))
