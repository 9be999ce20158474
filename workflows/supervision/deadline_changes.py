"""Who hears that a task's deadline moved because its case moved to another process version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

import notifications
from workflows import clock
from workflows.models import HumanTask
from workflows.supervision.reminders import candidates, context, link


def due_moved(session: Session, event: str, task: HumanTask, before: datetime | None, version: int) -> None:
    """The assignee, or the unit's people with the task's role, get the new deadline; a shorter one says so."""
    shorter = task.due_at is not None and (before is None or task.due_at < before)
    notifications.send(
        session,
        candidates(session, task),
        "task_due_moved",
        context(session, task)
        | {"before_text": clock.fmt(before) if before else "无", "version": version, "shorter": shorter},
        link(task),
    )
