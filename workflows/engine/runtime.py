"""Running cases: start, complete a task, fire due timers, cancel, recompute deadlines, and who may act.

Every operation runs inside the caller's transaction and never commits: if anything
raises, the caller rolls back and the in-memory workflow is simply dropped.
"""

from __future__ import annotations

from typing import Callable

import logging
from datetime import datetime
from uuid import UUID

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent, EventBasedGateway
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, joinedload, lazyload, undefer
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from workflows import audit, calendar, clock, events
from workflows.engine import explain, lint, sandbox, serialization
from workflows.engine.versions import latest_version
from workflows.errors import AlreadyHandled, EngineStepFailed, Forbidden, NotFound
from workflows.models import (
    HumanTask,
    InstanceStatus,
    Person,
    ProcessInstance,
    ProcessVersion,
    Role,
    TaskStatus,
    Unit,
    UnitKind,
)

log = logging.getLogger(__name__)


class _ClockDatetime(datetime):
    """SpiffWorkflow's timers ask datetime.now(); route that through our clock."""

    @classmethod
    def now(cls, tz=None):
        current = clock.now()
        return current.astimezone(tz) if tz else current


spiff_timer.datetime = _ClockDatetime


# --- restricted scripting -----------------------------------------------------


def _script_engine(session: Session, version: ProcessVersion) -> PythonScriptEngine:
    """A fresh engine per operation; what scripts emit() waits in .emitted until the step succeeds."""
    return sandbox.script_engine(session, serialization.periods_for(version))


# --- loading rows ----------------------------------------------------------------

# Task rows in lists join their case and its process version, whose form schemas (a JSON
# document parsed for every row) only the page of a single task needs.
# Statements run on every request are built once at import (module constants with bind
# parameters): SQLAlchemy then skips rebuilding them and recomputing their cache key.
TASK_ROWS = joinedload(HumanTask.instance).joinedload(ProcessInstance.process_version).defer(ProcessVersion.forms)


def _restore(session: Session, instance: ProcessInstance) -> BpmnWorkflow:
    workflow = serialization.load(instance.process_version, instance.state)
    workflow.script_engine = _script_engine(session, instance.process_version)
    return workflow


# --- running cases -----------------------------------------------------------


def start(
    session: Session,
    process_key: str,
    actor_id: int | None,
    unit_id: int | None,
    data: dict | None = None,
    subject: tuple[str, object] | None = None,
) -> ProcessInstance:
    """Start a case on the latest version of a process and run it to its first wait."""
    version = latest_version(session, process_key)
    if version is None:
        raise NotFound(f"流程“{process_key}”尚未部署，请联系流程建模人员部署后再试")
    spec, subprocess_specs = serialization.spec_for(version)
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=_script_engine(session, version))
    workflow.data.update(data or {})
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(data or {})
    _advance(workflow, workflow.do_engine_steps)
    # inserted with its state and timer, so that _sync finds nothing left to UPDATE
    instance = ProcessInstance(
        process_version=version,
        state=serialization.dump(workflow),
        started_by_id=actor_id,
        unit_id=unit_id,
        next_timer_at=_next_timer(workflow),
        subject_type=subject[0] if subject else None,
        subject_id=str(subject[1]) if subject else None,
        started_at=clock.now(),
    )
    session.add(instance)
    session.flush()
    _sync(session, instance, workflow, actor_id, new=True)
    audit.record(
        session,
        actor_id,
        "instance",
        instance.id,
        "instance:started",
        None,
        {"process": process_key, "version": version.version, "status": instance.status},
    )
    return instance


def complete_task(
    session: Session, task_id: int, actor: Person, data: dict | None = None, *, authorised: bool = False, prepare=None
) -> HumanTask:
    """Complete a human task as actor; exactly one of two concurrent completions wins.

    Every step on a case takes the case's row first (lock_instance), then the task row, then whatever
    `prepare(task)` (the domain handler) changes, so two steps on one case never wait for each other in
    opposite orders. authorised=True means the caller has just checked can_act in this transaction.
    """
    task = session.get(HumanTask, task_id, options=[TASK_ROWS])  # its case's version comes along, then is reused
    if task is None:
        raise NotFound("任务不存在或已被删除")
    if not (authorised or can_act(session, actor, task)):
        raise Forbidden("您没有办理此任务的权限：需要在办理单位担任相应角色")
    instance = lock_instance(session, task.instance_id, known=task.instance.process_version)
    now = clock.now()
    claimed = session.execute(
        update(HumanTask)
        .where(HumanTask.id == task_id, HumanTask.status == TaskStatus.OPEN)
        .values(status=TaskStatus.COMPLETED, completed_at=now, completed_by_id=actor.id, result=data or {})
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise AlreadyHandled()
    if prepare is not None:
        data = prepare(task) or data
        session.execute(
            update(HumanTask)
            .where(HumanTask.id == task_id)
            .values(result=data or {})
            .execution_options(synchronize_session=False)
        )
    for name, value in (
        ("status", TaskStatus.COMPLETED),
        ("completed_at", now),
        ("completed_by_id", actor.id),
        ("result", data or {}),
    ):
        set_committed_value(task, name, value)
    workflow = _restore(session, instance)
    spiff_task = workflow.get_task_from_id(UUID(task.spiff_task_id))
    if spiff_task is None or spiff_task.state != TaskState.READY:
        raise AlreadyHandled()

    def run():
        spiff_task.data.update(data or {})
        spiff_task.run()
        workflow.do_engine_steps()

    with audit.acting_for(task.unit_id):
        _advance(workflow, run)
        _sync(session, instance, workflow, actor.id)
        audit.record(
            session,
            actor.id,
            "task",
            task.id,
            "task:completed",
            {"status": TaskStatus.OPEN.value},
            {"status": TaskStatus.COMPLETED.value, "result": data or {}, "late": task.is_overdue()},
        )
    return task


def lock_instance(session: Session, instance_id: int, known: ProcessVersion | None = None) -> ProcessInstance:
    """The case's row, locked for this transaction and read fresh: the first lock of every step on a case.

    On PostgreSQL a concurrent step on the same case waits here, then sees what the other committed;
    SQLite runs one writer at a time anyway. No join: after the wait PostgreSQL rechecks only the locked row and
    would pair a case moved meanwhile with its old version row, so the version is read afterwards. FOR NO KEY
    UPDATE, so rows that merely reference the case (its tasks, audit events) need not wait.
    """
    instance = session.execute(
        select(ProcessInstance)
        .where(ProcessInstance.id == instance_id)
        .options(undefer(ProcessInstance.state), lazyload(ProcessInstance.process_version))
        .with_for_update(of=ProcessInstance, key_share=True)
        .execution_options(populate_existing=True)
    ).scalar_one()
    # a version is never changed once deployed: the one the step already read (`known`) or the session holds serves
    # (a lazy load here would inherit populate_existing and read it again)
    if known is None or known.id != instance.process_version_id:  # not known, or the case was moved meanwhile
        known = session.get(ProcessVersion, instance.process_version_id)
    set_committed_value(instance, "process_version", known)
    return instance


def fire_due_timers(session: Session, instance: ProcessInstance) -> list[str]:
    """Fire the timers of one case that are due now; returns the names of those that fired."""
    workflow = _restore(session, instance)
    before = {e.name for e in workflow.waiting_events()}
    _advance(workflow, lambda: (workflow.refresh_timers(), workflow.do_engine_steps()))
    fired = sorted(before - {e.name for e in workflow.waiting_events()})
    _sync(session, instance, workflow, None)
    if fired:
        audit.record(
            session,
            None,
            "instance",
            instance.id,
            "instance:timer_fired",
            None,
            {"timers": fired, "next_timer_at": instance.next_timer_at.isoformat() if instance.next_timer_at else None},
        )
    return fired


def _advance(workflow: BpmnWorkflow, step):
    try:
        return step()
    except (SpiffWorkflowException, sandbox.ScriptRejected) as exc:
        raise EngineStepFailed(
            f"流程执行出错，本次操作未生效，案件保持原状：{_reason(exc)}。请联系流程建模人员"
        ) from exc


def _reason(exc: Exception) -> str:
    task_spec = getattr(exc, "task_spec", None)
    step = getattr(task_spec, "bpmn_name", None) or getattr(task_spec, "bpmn_id", None)
    return explain.cause(exc) + (f"（环节“{step}”）" if step else "")


def _sync(
    session: Session, instance: ProcessInstance, workflow: BpmnWorkflow, actor_id: int | None, new: bool = False
) -> None:
    """Mirror ready user tasks and the next timer beside the state, save with the version check, publish."""
    opened, closed = _mirror_tasks(session, instance, workflow, actor_id, new)
    instance.next_timer_at = _next_timer(workflow)
    completed_now = workflow.is_completed() and instance.status != InstanceStatus.COMPLETED
    if workflow.is_completed():
        instance.status = InstanceStatus.COMPLETED
        instance.ended_at = instance.ended_at or clock.now()
        instance.next_timer_at = None
    instance.state = serialization.dump(workflow)
    try:
        session.flush()
    except StaleDataError as exc:
        raise AlreadyHandled("该案件刚被他人处理，本次操作未生效，请刷新后重试") from exc
    for name, values in workflow.script_engine.emitted:
        events.publish(session, f"bpmn.{name}", instance=instance, values=values)
    workflow.script_engine.emitted.clear()
    for row in closed:
        events.publish(session, "task.closed", task=row)
    for row in opened:
        events.publish(session, "task.opened", task=row)
    if completed_now:
        events.publish(session, "instance.completed", instance=instance)


def _mirror_tasks(
    session: Session, instance: ProcessInstance, workflow: BpmnWorkflow, actor_id: int | None, new: bool = False
):
    """Open a row for every newly ready user task; close rows whose task the process moved past.

    A case started just now (new) has no rows yet, so there is nothing to look up.
    """
    ready = {str(t.id): t for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
    open_rows = [] if new else session.scalars(_OPEN_ROWS, {"instance_id": instance.id}).all()
    for row in open_rows:
        if row.spiff_task_id not in ready:
            row.status = TaskStatus.CANCELLED
            row.completed_at = clock.now()
            audit.record(
                session, actor_id, "task", row.id, "task:closed_by_process", {"status": "open"}, {"status": "cancelled"}
            )
    known = {row.spiff_task_id for row in open_rows}
    opened = [_task_row(session, instance, t) for spiff_id, t in ready.items() if spiff_id not in known]
    if opened:
        session.add_all(opened)
        session.flush()  # one INSERT for all new rows: their ids name them in the audit trail
        for row in opened:
            audit.record(
                session,
                None,
                "task",
                row.id,
                "task:opened",
                None,
                {
                    "name": row.name,
                    "role": row.role,
                    "unit_id": row.unit_id,
                    "due_at": row.due_at.isoformat() if row.due_at else None,
                },
            )
    closed = [row for row in open_rows if row.status == TaskStatus.CANCELLED]
    return opened, closed


_OPEN_ROWS = (
    select(HumanTask)
    .options(lazyload(HumanTask.instance))  # the locked case is in the session already
    .where(HumanTask.instance_id == bindparam("instance_id"), HumanTask.status == TaskStatus.OPEN)
)


def _task_row(session: Session, instance: ProcessInstance, spiff_task) -> HumanTask:
    """The queryable mirror of a ready user task: lane's role, unit, form and due date."""
    spec = spiff_task.task_spec
    props = (spec.extensions or {}).get("properties", {})
    code = serialization.roles_for(instance.process_version).get(spec.bpmn_id)
    role = Role(code) if code else lint.role_for_lane(spec.lane)
    due_at, provisional = _due(session, spiff_task)
    return HumanTask(
        instance_id=instance.id,
        spiff_task_id=str(spiff_task.id),
        task_key=spec.bpmn_id or spec.name,
        name=spec.bpmn_name or spec.bpmn_id or spec.name,
        role=role.value if role else "",
        unit_id=_task_unit(session, instance, spiff_task, role, props.get("unit")),
        form=(spec.extensions or {}).get("formJsonSchemaFilename"),
        status=TaskStatus.OPEN,
        due_at=due_at,
        due_provisional=provisional,
        created_at=clock.now(),
    )


def _due(session: Session, spiff_task) -> tuple[datetime | None, bool]:
    """The end of the task's period (its `period` property), or of its `due` expression; none without either."""
    props = (spiff_task.task_spec.extensions or {}).get("properties", {})
    expression = f'task_due("{spiff_task.task_spec.bpmn_id}")' if props.get("period") else props.get("due")
    if not expression:
        return None, False
    value = _advance(spiff_task.workflow, lambda: spiff_task.workflow.script_engine.evaluate(spiff_task, expression))
    due_at = clock.parse_instant(value)
    provisional = calendar.span_is_provisional(session, clock.today(), clock.local(due_at).date())
    return due_at, provisional


def _task_unit(session, instance, spiff_task, role, unit_var: str | None) -> int | None:
    if unit_var:
        value = spiff_task.data.get(unit_var)
        return int(value) if value not in (None, "") else None
    if role is not None and role.value == "coordinator":
        if _COORDINATOR_UNIT not in session.info:  # asked once per transaction, however many tasks open
            session.info[_COORDINATOR_UNIT] = session.scalar(
                select(Unit.id).where(Unit.kind == UnitKind.COORDINATOR).order_by(Unit.id).limit(1)
            )
        return session.info[_COORDINATOR_UNIT]
    return instance.unit_id


_COORDINATOR_UNIT = "engine.coordinator_unit_id"


def _next_timer(workflow: BpmnWorkflow) -> datetime | None:
    instants = []
    for event in workflow.waiting_events():
        value = event.value
        if isinstance(value, dict):
            value = value.get("next")
        if isinstance(value, str):
            try:
                instants.append(spiff_timer.TimerEventDefinition.get_datetime(value))
            except ValueError:
                continue
    return min(instants) if instants else None


_recusals: dict[str, Callable] = {}


def configure_recusals(recusals: dict[str, Callable]) -> None:
    """Per process: fn(session, person, task) -> why this person must step aside from the task (回避), or None."""
    _recusals.clear()
    _recusals.update(recusals)


def recusal(session: Session, person: Person, task: HumanTask) -> str | None:
    check = _recusals.get(task.instance.process_version.process_key) if _recusals else None
    return check(session, person, task) if check is not None else None


def can_act(session: Session, person: Person, task: HumanTask) -> bool:
    """The lane's role in the task's unit, or the person the task is assigned to, unless they must step aside.

    Reads the person's memberships (loaded once per session and needed by the pages anyway);
    a task without a unit matches no membership.
    """
    if task.assignee_id is not None:
        allowed = task.assignee_id == person.id
    else:
        allowed = any(m.role == task.role and m.unit_id == task.unit_id for m in person.memberships)
    return allowed and recusal(session, person, task) is None


def inspect(session: Session, instance: ProcessInstance) -> tuple[set[str], dict]:
    """The ids of the user tasks ready in the stored state, and the case's data (the integrity check)."""
    workflow = _restore(session, instance)
    ready = {str(t.id) for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
    return ready, _data(workflow)


def _data(workflow: BpmnWorkflow) -> dict:
    return dict(workflow.data) | {k: v for t in workflow.get_tasks(state=TaskState.READY) for k, v in t.data.items()}


def task_data(session: Session, instance: ProcessInstance) -> dict:
    """The case's current data as the engine sees it (for pages that show a case)."""
    return _data(_restore(session, instance))


# What waits without being a step of the case: the timers on a task's border (催办, 逾期督办) wait beside the task,
# and a gateway waits for the other branches to arrive.
_NOT_STEPS = (BoundaryEvent, ExclusiveGateway, UnstructuredJoin, EventBasedGateway)


def progress(session: Session, instance: ProcessInstance) -> tuple[list[str], list[str], list[str]]:
    """BPMN element ids already passed and the steps active now (to colour the diagram), and those steps' names."""
    workflow = _restore(session, instance)
    done, active, names = set(), set(), []
    for task in workflow.get_tasks():
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if not bpmn_id:
            continue
        if task.state == TaskState.COMPLETED:
            done.add(bpmn_id)
        elif task.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED) and not isinstance(
            task.task_spec, _NOT_STEPS
        ):
            active.add(bpmn_id)
            names.append(task.task_spec.bpmn_name or bpmn_id)
    return sorted(done - active), sorted(active), list(dict.fromkeys(names))


def cancel(session: Session, instance_id: int, actor_id: int | None, reason: str) -> ProcessInstance:
    """Stop a running case (e.g. the applicant withdraws): its open tasks close, its timers stop."""
    instance = lock_instance(session, instance_id)
    if instance.status != InstanceStatus.RUNNING:
        return instance
    workflow = _restore(session, instance)
    _advance(workflow, workflow.cancel)
    _sync(session, instance, workflow, actor_id)
    instance.status, instance.ended_at, instance.next_timer_at = InstanceStatus.CANCELLED, clock.now(), None
    audit.record(
        session,
        actor_id,
        "instance",
        instance.id,
        "instance:cancelled",
        {"status": InstanceStatus.RUNNING.value},
        {"status": InstanceStatus.CANCELLED.value, "reason": reason},
    )
    return instance


def recompute_deadlines(session: Session, instance: ProcessInstance, actor_id: int | None) -> int:
    """Re-evaluate a case's timers and task due dates (after a year's schedule is entered); returns changes."""
    workflow = _restore(session, instance)
    for task in workflow.get_tasks(state=TaskState.WAITING):
        if isinstance(getattr(task.task_spec, "event_definition", None), spiff_timer.TimerEventDefinition):
            task.internal_data.pop("event_value", None)
    _advance(workflow, workflow.refresh_timers)
    changed = 0
    for row in session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.status == TaskStatus.OPEN)
    ):
        spiff_task = workflow.get_task_from_id(UUID(row.spiff_task_id))
        if spiff_task is None:
            continue
        due_at, provisional = _due(session, spiff_task)
        if due_at is not None and (due_at, provisional) != (row.due_at, row.due_provisional):
            audit.record(
                session,
                actor_id,
                "task",
                row.id,
                "task:due_recomputed",
                {"due_at": row.due_at.isoformat() if row.due_at else None, "provisional": row.due_provisional},
                {"due_at": due_at.isoformat(), "provisional": provisional},
            )
            row.due_at, row.due_provisional = due_at, provisional
            changed += 1
    _sync(session, instance, workflow, actor_id)
    return changed
