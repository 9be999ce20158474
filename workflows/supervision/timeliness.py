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
    returned: int = 0  # reviews answered with 退回补正 (一次性告知: one per application)

    @property
    def on_time_rate(self) -> float | None:
        """Of the tasks whose day has come, those done by it: one still open past its day is late too, as on the
        unit scorecard (it read 100 % beside “逾期未办 1”)."""
        due = self.done_late + self.done_on_time + self.open_overdue
        return None if due == 0 else self.done_on_time / due


def timeliness_by_unit(session: Session, role: str | None = None) -> list[UnitTimeliness]:
    """Tasks with a deadline, per responsible unit: still open past it, done late, done in time, and returns.

    Lateness is never erased (§5): a task closed because its case was withdrawn after its deadline counts as late;
    one closed in time counts neither way.
    """
    now, rows = clock.now(), {}
    query = select(HumanTask, Unit.name).join(Unit, HumanTask.unit_id == Unit.id).where(HumanTask.due_at.is_not(None))
    if role:
        query = query.where(HumanTask.role == role)
    for task, unit_name in session.execute(query):
        entry = rows.setdefault(unit_name, UnitTimeliness(unit_name))
        if task.status == TaskStatus.OPEN:
            entry.open_overdue += task.due_at < now
        elif task.is_overdue():
            entry.done_late += 1
        elif task.status == TaskStatus.COMPLETED:
            entry.done_on_time += 1
        entry.returned += task.status == TaskStatus.COMPLETED and (task.result or {}).get("decision") == "return"
    return sorted(rows.values(), key=lambda r: (-r.open_overdue, -r.done_late, r.unit))
