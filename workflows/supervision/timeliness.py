"""督导考核 figures from the system's own records: overdue and late tasks per unit."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import clock
from workflows.models import HumanTask, TaskStatus, Unit


@dataclass
class UnitTimeliness:
    unit: str
    open_overdue: int = 0
    done_late: int = 0
    done_on_time: int = 0

    @property
    def on_time_rate(self) -> float | None:
        done = self.done_late + self.done_on_time
        return None if done == 0 else self.done_on_time / done


def timeliness_by_unit(session: Session, role: str | None = None) -> list[UnitTimeliness]:
    """Tasks with a deadline, per responsible unit: still open past it, done late, done in time."""
    now, rows = clock.now(), {}
    query = select(HumanTask, Unit.name).join(Unit, HumanTask.unit_id == Unit.id).where(
        HumanTask.due_at.is_not(None), HumanTask.status != TaskStatus.CANCELLED)
    if role:
        query = query.where(HumanTask.role == role)
    for task, unit_name in session.execute(query):
        entry = rows.setdefault(unit_name, UnitTimeliness(unit_name))
        if task.status == TaskStatus.OPEN:
            entry.open_overdue += task.due_at < now
        elif task.is_overdue():
            entry.done_late += 1
        else:
            entry.done_on_time += 1
    return sorted(rows.values(), key=lambda r: (-r.open_overdue, -r.done_late, r.unit))
