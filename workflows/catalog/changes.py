"""二(三): after a law revision or change of functions a unit updates its catalog within 10 working days."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import audit, clock, engine, inputs
from workflows.errors import Forbidden, NotFound, ValidationFailed
from workflows.models import CatalogChange, ChangeKind, ChangeStatus, HumanTask, Person, Role, Unit

PROCESS = "catalog_update"
UPDATE_TASK = "cu_update"
DESCRIPTION_LIMIT = 2000
# How far the 生效日期 may lie from the registration day: beyond it the date is most likely a typo (2020 for 2026).
EFFECTIVE_WINDOW = timedelta(days=366)


CONTRACT = engine.ProcessContract(
    PROCESS, tasks={UPDATE_TASK: engine.TaskContract("更新目录", "unit_admin", "unit_id", ("done_note",))})


def register_change(session: Session, actor: Person, unit_id: int, kind: str, description: str,
                    effective_on: str | date) -> CatalogChange:
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
        problems.append(f"生效日期：{day} 早于一年前，请核对年份（已生效的变更最早可登记 {today - EFFECTIVE_WINDOW} 起的）")
    elif day is not None and day > today + EFFECTIVE_WINDOW:
        problems.append(f"生效日期：{day} 晚于一年后，请核对年份（最晚可登记 {today + EFFECTIVE_WINDOW} 生效的变更）")
    if problems:
        raise ValidationFailed(problems)
    # R6 counts the 10 working days from the change; one registered after it took effect counts from its
    # registration, so no unit is handed a task that is overdue the moment it opens.
    counted_from = max(day, today)
    change = CatalogChange(unit_id=unit_id, kind=change_kind, description=description.strip(), effective_on=day,
                           due_on=day, created_by_id=actor.id, created_at=clock.now())
    session.add(change)
    session.flush()
    instance = engine.start(session, PROCESS, actor.id, unit_id,
                            {"change_id": change.id, "unit_id": unit_id, "effective_on": counted_from.isoformat(),
                             "description": change.description},
                            subject=("catalog_change", change.id))
    change.instance_id = instance.id
    _follow_task(session, change)
    audit.record(session, actor.id, "catalog_change", change.id, "catalog_change:registered", None,
                 {"unit": unit.name, "kind": change_kind.value, "effective_on": day.isoformat(),
                  "due_on": change.due_on.isoformat()})
    return change


def _follow_task(session: Session, change: CatalogChange) -> None:
    """The change is due when its 更新目录 task is: the period lives in the process version, not here."""
    task = session.scalar(select(HumanTask).where(HumanTask.instance_id == change.instance_id,
                                                  HumanTask.task_key == UPDATE_TASK)
                          .order_by(HumanTask.id.desc()).limit(1))
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
        problems.append("生效日期：格式应为 YYYY-MM-DD")
        return None


def updated(session: Session, actor: Person, task: HumanTask, data: dict) -> dict:
    change = session.get(CatalogChange, int(task.instance.subject_id))
    change.status = ChangeStatus.DONE
    change.done_at = clock.now()
    change.done_note = data["done_note"]
    late = task.is_overdue(change.done_at)
    audit.record(session, actor.id, "catalog_change", change.id, "catalog_change:done",
                 {"status": ChangeStatus.OPEN.value}, {"status": ChangeStatus.DONE.value, "late": late})
    return data


def list_changes(session: Session, actor: Person) -> list[CatalogChange]:
    """Coordinators see every unit's; others see their own units'."""
    query = select(CatalogChange).order_by(CatalogChange.status, CatalogChange.due_on)
    if not actor.has_role(Role.COORDINATOR):
        query = query.where(CatalogChange.unit_id.in_({m.unit_id for m in actor.memberships} | {actor.unit_id}))
    return list(session.scalars(query))


def get_change(session: Session, actor: Person, change_id: int) -> CatalogChange:
    change = session.get(CatalogChange, change_id)
    if change is None or not (actor.has_role(Role.COORDINATOR) or actor.unit_id == change.unit_id
                              or actor.has_role(Role.UNIT_ADMIN, change.unit_id)):
        raise NotFound("变更事项不存在")
    return change


def update_period(session: Session) -> int | None:
    """The working days a unit has to update its catalog (the 更新目录 task's period in the current version)."""
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
    for change in session.scalars(select(CatalogChange).where(CatalogChange.status == ChangeStatus.OPEN,
                                                              CatalogChange.due_provisional.is_(True))):
        _follow_task(session, change)
