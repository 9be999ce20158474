"""Human task services for every process: check the form, let the domain react, advance the case."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import engine, forms
from workflows.errors import AlreadyHandled, Forbidden, NotFound
from workflows.models import HumanTask, Person, ProcessInstance, ProcessVersion, Role, TaskStatus

Handler = Callable[[Session, Person, HumanTask, dict], dict | None]
_handlers: dict[tuple[str, str], Handler] = {}


def handles(process_key: str, *task_keys: str):
    """Register a domain reaction to completing these tasks; it may refine the data or refuse."""

    def decorator(fn: Handler) -> Handler:
        for key in task_keys:
            _handlers[(process_key, key)] = fn
        return fn

    return decorator


def form_schema(task: HumanTask) -> dict | None:
    return (task.instance.process_version.forms or {}).get(task.form) if task.form else None


def get_task(session: Session, actor: Person, task_id: int) -> HumanTask:
    """A task its actor, the task's unit or a coordinator may look at."""
    task = session.get(HumanTask, task_id)
    if task is None:
        raise NotFound("任务不存在")
    if not (engine.can_act(session, actor, task) or actor.has_role(Role.COORDINATOR)
            or actor.unit_id == task.unit_id or task.completed_by_id == actor.id):
        raise Forbidden("您无权查看此任务")
    return task


def complete(session: Session, actor: Person, task_id: int, data: dict) -> HumanTask:
    from workflows import events

    events._load_listeners()  # the handlers live in the domain modules
    task = session.get(HumanTask, task_id)
    if task is None:
        raise NotFound("任务不存在")
    if not engine.can_act(session, actor, task):
        raise Forbidden("您没有办理此任务的权限：需要在办理单位担任相应角色，或由他人转交给您")
    if task.status != TaskStatus.OPEN:
        raise AlreadyHandled()
    schema = form_schema(task)
    clean = forms.validate(schema, data) if schema else {}
    handler = _handlers.get((task.instance.process_version.process_key, task.task_key))
    if handler is not None:
        clean = handler(session, actor, task, clean) or clean
    return engine.complete_task(session, task.id, actor, clean)


def history(session: Session, actor: Person, limit: int = 100) -> list[HumanTask]:
    """已办: tasks the person completed, newest first."""
    return list(session.scalars(select(HumanTask).where(HumanTask.completed_by_id == actor.id)
                                .order_by(HumanTask.completed_at.desc()).limit(limit)))


def case_tasks(session: Session, subject_type: str, subject_id) -> list[HumanTask]:
    """Every task of the cases about one subject, in order: the timeline's backbone."""
    return list(session.scalars(
        select(HumanTask).join(ProcessInstance).where(ProcessInstance.subject_type == subject_type,
                                                      ProcessInstance.subject_id == str(subject_id))
        .order_by(HumanTask.created_at, HumanTask.id)))


def open_tasks(session: Session, actor: Person, process_key: str = "", overdue_only: bool = False) -> list[HumanTask]:
    found = engine.open_tasks_for(session, actor)
    if process_key:
        found = [t for t in found if t.instance.process_version.process_key == process_key]
    if overdue_only:
        found = [t for t in found if t.is_overdue()]
    return found


def process_names(session: Session) -> dict[str, str]:
    rows = session.execute(select(ProcessVersion.process_key, ProcessVersion.name)
                           .order_by(ProcessVersion.version)).all()
    return {key: name for key, name in rows}


__all__ = ["complete", "case_tasks", "form_schema", "get_task", "handles", "history", "open_tasks"]


def deadline(session: Session, task: HumanTask) -> dict | None:
    """Due instant, working days left (negative when overdue) and the provisional flag, for pages."""
    from workflows import calendar, clock

    if task.due_at is None:
        return None
    end = task.completed_at or clock.now()
    left = calendar.working_days_between(session, clock.local(end).date(), clock.local(task.due_at).date())
    return {"due_at": task.due_at, "working_days_left": left, "overdue": task.is_overdue(),
            "provisional": task.due_provisional}
