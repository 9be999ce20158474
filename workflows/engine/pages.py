"""What the page of one task shows, loaded up front: the form or its readable result, the deadline, the diagram."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy.orm import Session

from workflows import case_names
from workflows.engine import forms, runtime, tasks, versions
from workflows.models import HumanTask, Person, TaskStatus

_cases: dict[str, Callable] = {}
_initial: dict[tuple[str, str], Callable] = {}


def configure(cases: dict[str, Callable], initial: dict[tuple[str, str], Callable] | None = None) -> None:
    """Listed in workflows/bootstrap.py: fn(session, person, task) -> what a task page shows of its case,
    by the case's subject type (a data application shows the whole application beside the decision);
    fn(session, task) -> the values a task's form starts on, by (process, task), where the case already
    names them (the provider a demand names)."""
    _cases.clear()
    _cases.update(cases)
    _initial.clear()
    _initial.update(initial or {})


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
    case: object | None = None  # the subject's own page model, e.g. sharing.pages.ReviewCase
    case_name: str = ""
    initial: dict = field(default_factory=dict)  # the form's values before anything is typed
    recusal: str | None = None  # why this person, whose role would let them act, must step aside
    period: int | None = None  # this step's working days in the case's version


_PERIOD = re.compile(r"\{period:([A-Za-z_][\w-]*)\}")


def _with_periods(fields: list[dict], task: HumanTask) -> list[dict]:
    """A form text may say "{period:ob_answer_1}": the working days that task has in this case's version, so no
    period is ever typed into a form (a deploy that changes it changes what the form says)."""
    version = task.instance.process_version

    def fill(text: str) -> str:
        return (
            _PERIOD.sub(lambda m: str(versions.task_period(version, m[1]) or "规定"), text)
            if "{period:" in text
            else text
        )

    for f in fields:
        f["description"] = fill(f["description"])
        f["options"] = [(value, fill(label)) for value, label in f["options"]]
    return fields


def task_page(session: Session, person: Person, task_id: int) -> TaskPage:
    task = tasks.get_task(session, person, task_id)
    schema = tasks.form_schema(task)
    acting = task.status == TaskStatus.OPEN and runtime.can_act(session, person, task)
    page = TaskPage(
        task=task,
        can_act=acting,
        deadline=tasks.deadline(session, task),
        period=versions.task_period(task.instance.process_version, task.task_key),
    )
    if acting:
        page.fields = _with_periods(forms.rendered(session, schema, task), task)
        page.initial = {f["name"]: [value for value, _ in f["options"]] for f in page.fields if f.get("checked_all")}
        if starter := _initial.get((task.instance.process_version.process_key, task.task_key)):
            page.initial |= starter(session, task)
    if task.status == TaskStatus.COMPLETED:
        page.result = forms.readable(session, schema, task.result or {}, task)
    if task.status == TaskStatus.OPEN:
        page.colleagues = tasks.colleagues(session, person, task)
        page.recusal = runtime.recusal(session, person, task)
    page.done_ids, page.active_ids, page.active_names = runtime.progress(session, task.instance)
    page.case_name = case_names.of_instance(session, task.instance)
    if loader := _cases.get(task.instance.subject_type or ""):
        page.case = loader(session, person, task)
    return page
