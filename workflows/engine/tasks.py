"""Human task services for every process: check the form, let the domain react, advance the case."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Callable

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session

from workflows import audit, calendar, clock, events, inputs
from workflows.engine import forms
from workflows.engine.runtime import TASK_ROWS, can_act, complete_task, configure_recusals, recusal
from workflows.errors import AlreadyHandled, Forbidden, NotFound, ValidationFailed, unknown_choice
from workflows.models import (
    Application,
    AuditEvent,
    HumanTask,
    Person,
    ProcessInstance,
    ProcessVersion,
    Resource,
    Role,
    RoleMembership,
    TaskStatus,
)

Handler = Callable[[Session, Person, HumanTask, dict], dict | None]
FILTER_LIMITS = {"process_key": ("流程", 64), "resource": ("资源关键词", 50)}
USERNAME_LIMIT = 64
OVERDUE = {"1": True, "0": False, "true": True, "false": False, "yes": True, "no": False}
OVERDUE_CHOICES = [(value, "只看已逾期" if only else "全部") for value, only in OVERDUE.items()]


def _overdue(value):
    if isinstance(value, bool):
        return value
    if (text := str(value).strip()).lower() not in OVERDUE:
        raise inputs.refused(unknown_choice("overdue", text, OVERDUE_CHOICES))
    return OVERDUE[text.lower()]


_overdue.choice = True  # a blank overdue= is refused in the API like any value that is none of these


class TaskQuery(BaseModel):
    """GET /api/v1/tasks: the person's open tasks of one process, or only the overdue ones."""

    model_config = ConfigDict(str_strip_whitespace=True)

    process: str = Field(
        "", title="流程", max_length=FILTER_LIMITS["process_key"][1], description="按流程标识筛选，如 data_application"
    )
    overdue: Annotated[
        bool, BeforeValidator(_overdue), inputs.choices_schema(OVERDUE_CHOICES, "是否只看已逾期，不填为全部")
    ] = False


ClosedNotice = Callable[[Session, HumanTask], str | None]
_handlers: dict[tuple[str, str], Handler] | None = None
_closed_notices: dict[str, ClosedNotice] = {}
_visibility: dict[str, Callable] = {}


def configure(
    handlers: dict[tuple[str, str], Handler],
    closed_notices: dict[str, ClosedNotice] | None = None,
    recusals: dict[str, Callable] | None = None,
    visibility: dict[str, Callable] | None = None,
) -> None:
    """Which domain function answers the completion of which (process, task); listed in workflows/bootstrap.py.

    A handler runs once the case is locked: it may refine the form's data or refuse the completion.
    closed_notices: per process, why a task closed without anyone handling it, in the user's words.
    recusals: per process, who must step aside from a task their role would let them do.
    visibility: per subject type, fn(session, person, subject_id) -> whether the person may see that case at all
    (a task page shows the case: only to those who may see it).
    """
    global _handlers, _closed_notices
    _handlers = dict(handlers)
    _closed_notices = dict(closed_notices or {})
    _visibility.clear()
    _visibility.update(visibility or {})
    configure_recusals(recusals or {})


def closed_message(session: Session, actor: Person, task: HumanTask) -> str:
    """Why a task can no longer be completed: done by this person, closed by the case (e.g. withdrawn), or by another."""
    if task.status == TaskStatus.COMPLETED and task.completed_by_id == actor.id:
        return f"您已于{clock.fmt(task.completed_at)}办理此任务，无需重复提交"
    if task.status == TaskStatus.CANCELLED:
        notice = _closed_notices.get(task.instance.process_version.process_key)
        if notice is not None and (message := notice(session, task)):
            return message
        return "此任务所在的案件已终止，无需办理"
    return AlreadyHandled().message


def form_schema(task: HumanTask) -> dict | None:
    return (task.instance.process_version.forms or {}).get(task.form) if task.form else None


def can_view(session: Session, person: Person, task: HumanTask) -> bool:
    """Who may open a task: who may act on it or completed it, and whoever may see its case (the subject's own
    rule); for cases without one, its unit's people and coordinators."""
    if task.completed_by_id == person.id or can_act(session, person, task):
        return True
    visible = _visibility.get(task.instance.subject_type or "")
    if visible is not None:
        return visible(session, person, task.instance.subject_id)
    return (
        person.has_role(Role.COORDINATOR)
        or person.unit_id == task.unit_id
        or any(m.unit_id == task.unit_id for m in person.memberships)
    )


def viewable(session: Session, person: Person, found: list[HumanTask]) -> set[int]:
    """The ids among these tasks the person may open (a timeline links only those)."""
    return {t.id for t in found if can_view(session, person, t)}


@dataclass
class Timeline:
    steps: list[HumanTask]
    viewable: set[int]  # the steps this person may open


def timeline(session: Session, person: Person, subject_type: str, subject_id) -> Timeline:
    """Every step of the cases about one subject, and which of them the person may open."""
    steps = case_tasks(session, subject_type, subject_id)
    return Timeline(steps, viewable(session, person, steps))


def get_task(session: Session, actor: Person, task_id: int) -> HumanTask:
    task = session.get(HumanTask, task_id)
    if task is None:
        raise NotFound("任务不存在")
    if not can_view(session, actor, task):  # the same answer as for a number that does not exist
        raise NotFound("任务不存在")
    return task


def complete(session: Session, actor: Person, task_id: int, data: dict) -> HumanTask:
    """Check the form, let the domain react once the case is locked, advance; listeners hear task.completed."""
    if _handlers is None:
        raise events.NotConfigured("workflows.bootstrap.bootstrap() must run before a task is completed")
    task = session.get(HumanTask, task_id)
    if task is None or not can_view(session, actor, task):
        raise NotFound("任务不存在")
    if not can_act(session, actor, task):
        raise Forbidden(
            recusal(session, actor, task) or "您没有办理此任务的权限：需要在办理单位担任相应角色，或由他人转交给您"
        )
    if task.status != TaskStatus.OPEN:
        raise AlreadyHandled(closed_message(session, actor, task))
    schema = form_schema(task)
    clean = forms.validate(schema, data) if schema else {}
    handler = _handlers.get((task.instance.process_version.process_key, task.task_key))
    prepare = (lambda locked: handler(session, actor, locked, clean)) if handler is not None else None
    with audit.acting_for(task.unit_id):  # what the step and its listeners record was done for the task's unit
        try:
            task = complete_task(session, task.id, actor, clean, authorised=True, prepare=prepare)
        except AlreadyHandled:
            session.refresh(task)  # closed a moment ago, by someone else or by the case: say which
            if task.status == TaskStatus.OPEN:
                raise
            raise AlreadyHandled(closed_message(session, actor, task)) from None
        events.publish(session, "task.completed", task=task)
    return task


def history(session: Session, actor: Person, limit: int = 100) -> list[HumanTask]:
    """已办: tasks the person completed, newest first."""
    return list(
        session.scalars(
            select(HumanTask)
            .where(HumanTask.completed_by_id == actor.id)
            .order_by(HumanTask.completed_at.desc())
            .limit(limit)
        )
    )


_CASE_TASKS = (
    select(HumanTask)
    .join(ProcessInstance)
    .where(ProcessInstance.subject_type == bindparam("type"), ProcessInstance.subject_id == bindparam("id"))
    .options(TASK_ROWS)
    .order_by(HumanTask.created_at, HumanTask.id)
)


def case_tasks(session: Session, subject_type: str, subject_id) -> list[HumanTask]:
    """Every task of the cases about one subject, in order: the timeline's backbone."""
    return list(session.scalars(_CASE_TASKS, {"type": subject_type, "id": str(subject_id)}))


def open_tasks(
    session: Session,
    actor: Person,
    process_key: str = "",
    overdue_only: bool = False,
    unit_id: int | None = None,
    resource: str = "",
) -> list[HumanTask]:
    """待办, overdue first then by due date, filtered by process, overdue, unit and resource keyword."""
    if problems := inputs.length_problems({"process_key": process_key, "resource": resource}, FILTER_LIMITS):
        raise ValidationFailed(problems, "筛选条件有误，请按提示修改")
    found = open_tasks_for(session, actor)
    if process_key:
        found = [t for t in found if t.instance.process_version.process_key == process_key]
    if overdue_only:
        found = [t for t in found if t.is_overdue()]
    if unit_id:
        found = [t for t in found if t.unit_id == unit_id]
    if resource:
        names = subject_resources(session, found)
        found = [t for t in found if resource in names.get(t.instance_id, "")]
    return sorted(found, key=lambda t: (not t.is_overdue(), t.due_at is None, t.due_at or clock.now(), t.id))


def subject_resources(session: Session, found: list[HumanTask]) -> dict[int, str]:
    """Resource code and name of each application case among the tasks, in one query."""
    ids = {int(t.instance.subject_id) for t in found if t.instance.subject_type == "application"}
    if not ids:
        return {}
    rows = session.execute(
        select(Application.instance_id, Resource.code, Resource.name)
        .join(Resource, Application.resource_id == Resource.id)
        .where(Application.id.in_(ids))
    )
    return {instance_id: f"{code} {name}" for instance_id, code, name in rows}


NUDGES = {"task:escalated": "督办", "task:reminded": "催办"}


def nudges(session: Session, found: list[HumanTask]) -> dict[int, str]:
    """Which listed tasks were 催办 or 督办 (the stronger wins), by task id, in one query over the audit trail."""
    ids = [str(t.id) for t in found if t.status == TaskStatus.OPEN]
    if not ids:
        return {}
    rows = session.execute(
        select(AuditEvent.subject_id, AuditEvent.action).where(
            AuditEvent.subject_type == "task", AuditEvent.subject_id.in_(ids), AuditEvent.action.in_(list(NUDGES))
        )
    )
    marks: dict[int, str] = {}
    for subject_id, action in rows:
        if marks.get(int(subject_id)) != "督办":
            marks[int(subject_id)] = NUDGES[action]
    return marks


def process_names(session: Session) -> dict[str, str]:
    rows = session.execute(
        select(ProcessVersion.process_key, ProcessVersion.name).order_by(ProcessVersion.version)
    ).all()
    return {key: name for key, name in rows}


def deadline(session: Session, task: HumanTask) -> dict | None:
    """Due instant, working days left (negative when overdue) and the provisional flag, for pages; a task no longer
    open says when it was done (completed_at, closed) instead of days left."""
    if task.due_at is None:
        return None
    end = task.completed_at or clock.now()
    left = calendar.working_days_between(session, clock.local(end).date(), clock.local(task.due_at).date())
    return {
        "due_at": task.due_at,
        "working_days_left": left,
        "overdue": task.is_overdue(),
        "provisional": task.due_provisional,
        "completed_at": task.completed_at if task.status != TaskStatus.OPEN else None,
        "closed": task.status == TaskStatus.CANCELLED,
    }


def open_deadlines(session: Session, instance_ids: list[int], task_key: str) -> dict[int, dict]:
    """The deadline of each listed case's open task `task_key`, by case, in one query (for lists)."""
    if not instance_ids:
        return {}
    found = session.scalars(
        select(HumanTask).where(
            HumanTask.instance_id.in_(instance_ids), HumanTask.task_key == task_key, HumanTask.status == TaskStatus.OPEN
        )
    )
    return {task.instance_id: deadline(session, task) for task in found}


def _candidate_or_assignee(session: Session, actor: Person, task: HumanTask) -> None:
    if task.status != TaskStatus.OPEN:
        raise AlreadyHandled()
    if not (actor.has_role(task.role, task.unit_id) or task.assignee_id == actor.id):
        raise Forbidden("只有办理单位中担任相应角色的人员可以认领或转交此任务")
    if why := recusal(session, actor, task):
        raise Forbidden(why)


def _assign(session: Session, actor: Person, task: HumanTask, assignee_id: int | None, action: str) -> HumanTask:
    before = task.assignee_id
    task.assignee_id = assignee_id
    audit.record(
        session,
        actor.id,
        "task",
        task.id,
        f"task:{action}",
        {"assignee_id": before},
        {"assignee_id": assignee_id},
        unit_id=task.unit_id,
    )
    return task


def claim(session: Session, actor: Person, task_id: int) -> HumanTask:
    """Take a task so colleagues see it is being handled; only the claimer may then complete it."""
    task = get_task(session, actor, task_id)
    _candidate_or_assignee(session, actor, task)
    if task.assignee_id not in (None, actor.id):
        raise AlreadyHandled("该任务已由他人认领，如需接手请联系认领人转交")
    return _assign(session, actor, task, actor.id, "claimed")


def unclaim(session: Session, actor: Person, task_id: int) -> HumanTask:
    task = get_task(session, actor, task_id)
    if task.assignee_id != actor.id:
        raise Forbidden("只有认领人可以放弃认领")
    return _assign(session, actor, task, None, "unclaimed")


def delegate(session: Session, actor: Person, task_id: int, username: str) -> HumanTask:
    """Hand a task to a colleague with the same role in the same unit (e.g. when on leave)."""
    task = get_task(session, actor, task_id)
    _candidate_or_assignee(session, actor, task)
    if task.assignee_id not in (None, actor.id):
        raise Forbidden("该任务已由他人认领，只有认领人可以转交")
    if problem := inputs.too_long("转交对象（用户名）", (username or "").strip(), USERNAME_LIMIT):
        raise ValidationFailed([problem])
    colleague = session.scalar(select(Person).where(Person.username == (username or "").strip()))
    if colleague is None or colleague.id == actor.id or not colleague.has_role(task.role, task.unit_id):
        raise ValidationFailed(["转交对象：须为本单位担任相同角色的其他同事"])
    if recusal(session, colleague, task):
        raise ValidationFailed([f"转交对象：{colleague.display_name}须回避此事项，请转交给其他同事"])
    _assign(session, actor, task, colleague.id, "delegated")
    events.publish(session, "task.delegated", task=task, actor=actor, colleague=colleague)
    return task


def colleagues(session: Session, actor: Person, task: HumanTask) -> list[Person]:
    """Who a task can be handed to (not those who must step aside from it)."""
    found = session.scalars(
        select(Person)
        .join(RoleMembership, RoleMembership.person_id == Person.id)
        .where(
            RoleMembership.unit_id == task.unit_id,
            RoleMembership.role == task.role,
            Person.id != actor.id,
            Person.active.is_(True),
        )
    )
    return [p for p in found if recusal(session, p, task) is None]


def _actionable(person: Person):
    """Open tasks the person may act on: by role in unit, or assigned to them."""
    conditions = [
        (HumanTask.unit_id == m.unit_id) & (HumanTask.role == m.role) & HumanTask.assignee_id.is_(None)
        for m in person.memberships
    ]
    conditions.append(HumanTask.assignee_id == person.id)
    return (HumanTask.status == TaskStatus.OPEN) & or_(*conditions)


def open_tasks_for(session: Session, person: Person) -> list[HumanTask]:
    """Open tasks the person may act on, by due date (not those they must step aside from)."""
    query = (
        select(HumanTask)
        .options(TASK_ROWS)
        .where(_actionable(person))
        .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id)
    )
    return [t for t in session.scalars(query) if recusal(session, person, t) is None]


def count_open_for(session: Session, person: Person) -> int:
    """How many open tasks the person may act on (the navbar's badge), counted by the database; coordinators, who
    may have to step aside from some, are counted task by task."""
    if person.has_role(Role.COORDINATOR):
        return len(open_tasks_for(session, person))
    return session.scalar(select(func.count()).select_from(HumanTask).where(_actionable(person)))
