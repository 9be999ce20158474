"""What the page of one task shows, loaded up front: the form or its readable result, the deadline, the diagram."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from workflows.engine import forms, runtime, tasks
from workflows.models import HumanTask, Person, TaskStatus


@dataclass
class TaskPage:
    task: HumanTask
    can_act: bool
    deadline: dict | None
    fields: list[dict] = field(default_factory=list)  # the form, while the person may act on it
    result: list[tuple[str, str]] = field(default_factory=list)  # what was decided, once completed
    colleagues: list[Person] = field(default_factory=list)
    done_ids: list[str] = field(default_factory=list)
    active_ids: list[str] = field(default_factory=list)
    active_names: list[str] = field(default_factory=list)


def task_page(session: Session, person: Person, task_id: int) -> TaskPage:
    task = tasks.get_task(session, person, task_id)
    schema = tasks.form_schema(task)
    acting = task.status == TaskStatus.OPEN and runtime.can_act(session, person, task)
    page = TaskPage(task=task, can_act=acting, deadline=tasks.deadline(session, task))
    if acting:
        page.fields = forms.rendered(session, schema, task)
    if task.status == TaskStatus.COMPLETED:
        page.result = forms.readable(session, schema, task.result or {}, task)
    if task.status == TaskStatus.OPEN:
        page.colleagues = tasks.colleagues(session, person, task)
    page.done_ids, page.active_ids, page.active_names = runtime.progress(session, task.instance)
    return page
