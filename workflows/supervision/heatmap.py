"""Where cases wait: each user task of a process version with its median and 90th-percentile working days and its
overdue rate, from the task rows (no second store), for the bureau and the modelers — the way Camunda Optimize
shows a diagram's bottlenecks."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflows import calendar, clock
from workflows.errors import Forbidden, NotFound
from workflows.models import HumanTask, Person, ProcessInstance, ProcessVersion, Role, TaskStatus, Unit
from workflows.supervision.periods import Period

HOT, WARM = 0.3, 0.1  # overdue rates from which a task is drawn red, amber


@dataclass
class TaskHeat:
    task_key: str  # the BPMN element id
    name: str
    done: int
    median_days: float | None
    p90_days: float | None
    due: int  # tasks whose deadline has come: done, or open past it
    late: int
    overdue_rate: float | None  # late of due

    @property
    def level(self) -> str:
        if self.overdue_rate is None:
            return "none"
        return "hot" if self.overdue_rate >= HOT else "warm" if self.overdue_rate >= WARM else "cool"


@dataclass
class Heatmap:
    version: ProcessVersion | None
    versions: list[tuple[ProcessVersion, int]]  # every version with its number of cases, to choose from
    units: list[Unit]
    tasks: list[TaskHeat]


def _quantile(values: list[int], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low), 1)


def heatmap(
    session: Session, person: Person, version_id: int | None, unit_id: int | None, period: Period | None
) -> Heatmap:
    if not (person.has_role(Role.COORDINATOR) or person.has_role(Role.MODELER)):
        raise Forbidden("流程瓶颈图供县大数据局协调员和流程建模人员查看")
    versions = session.execute(
        select(ProcessVersion, func.count(ProcessInstance.id))
        .join(ProcessInstance, ProcessInstance.process_version_id == ProcessVersion.id)
        .group_by(ProcessVersion.id)
        .order_by(ProcessVersion.process_key, ProcessVersion.version.desc())
    ).all()
    units = list(session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.id)))
    if unit_id is not None and all(u.id != unit_id for u in units):
        raise NotFound("该单位不存在，请在“单位”中重新选择")
    if version_id is None and versions:
        version_id = versions[0][0].id  # the first process's newest version with cases
    if version_id is None:
        return Heatmap(None, versions, units, [])
    version = next((v for v, _ in versions if v.id == version_id), None)
    if version is None:
        raise NotFound("该流程版本不存在或还没有案件")
    return Heatmap(version, versions, units, _tasks(session, version, unit_id, period))


def _tasks(session: Session, version: ProcessVersion, unit_id: int | None, period: Period | None) -> list[TaskHeat]:
    query = (
        select(HumanTask)
        .join(ProcessInstance, HumanTask.instance_id == ProcessInstance.id)
        .where(ProcessInstance.process_version_id == version.id)
    )
    if unit_id is not None:
        query = query.where(HumanTask.unit_id == unit_id)
    if period is not None:
        query = query.where(HumanTask.created_at >= period.start_at, HumanTask.created_at < period.end_at)
    now, found = clock.now(), {}
    for task in session.scalars(query):
        heat = found.setdefault(task.task_key, {"name": task.name, "days": [], "late": 0, "judged": 0})
        if task.status == TaskStatus.COMPLETED and task.completed_at is not None:
            heat["days"].append(
                calendar.working_days_between(
                    session, clock.local(task.created_at).date(), clock.local(task.completed_at).date()
                )
            )
        if task.due_at is None or (task.status != TaskStatus.COMPLETED and task.due_at >= now):
            continue  # no deadline, or one still ahead: neither in time nor late yet
        if task.status == TaskStatus.CANCELLED and (task.completed_at or now) <= task.due_at:
            continue  # closed in time because the case ended
        heat["judged"] += 1
        heat["late"] += task.is_overdue(now)
    return [
        TaskHeat(
            key,
            heat["name"],
            len(heat["days"]),
            _quantile(heat["days"], 0.5),
            _quantile(heat["days"], 0.9),
            heat["judged"],
            heat["late"],
            round(heat["late"] / heat["judged"], 3) if heat["judged"] else None,
        )
        for key, heat in found.items()
    ]
