"""Moving running cases to another version of their process, after a preview, one case at a time.

SpiffWorkflow's spec and workflow diffs decide whether a case can move: every step it waits at must still
exist in the new version, with the same role. A move is all or nothing per case and audited; the open
tasks keep their rows and get the deadlines of the new version's periods.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import audit, case_names, clock, events
from workflows.engine import runtime, serialization, versions
from workflows.errors import Conflict, NotFound
from workflows.models import (
    HumanTask,
    InstanceStatus,
    Person,
    ProcessInstance,
    ProcessVersion,
    TaskStatus,
)

MAX_LISTED = 200
_OPEN = TaskState.READY | TaskState.WAITING


@dataclass
class Move:
    """Whether one case can move, why not, and what moving it would change."""

    instance: ProcessInstance
    movable: bool
    reason: str = ""
    steps: list[str] = field(default_factory=list)  # the open steps, as people know them
    changes: list[str] = field(default_factory=list)  # e.g. "审核申请：到期 05-12 17:00 → 05-08 23:59"
    shortened: bool = False  # some open step would be due earlier: its people are told after the move


def names_of(session: Session, instance_ids: list[int]) -> list[str]:
    instances = list(session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(instance_ids))))
    named = case_names.for_instances(session, instances)
    return [named[i] for i in instance_ids if i in named]


def candidates(session: Session, source: ProcessVersion, target: ProcessVersion) -> list[Move]:
    """The running cases of one version, each judged against the target version (nothing is stored)."""
    if source.process_key != target.process_key or source.id == target.id:
        raise Conflict("只能在同一流程的两个不同版本之间迁移案件")
    instances = session.scalars(
        select(ProcessInstance)
        .where(ProcessInstance.process_version_id == source.id, ProcessInstance.status == InstanceStatus.RUNNING)
        .order_by(ProcessInstance.id)
        .limit(MAX_LISTED)
    )
    return [_judge(session, instance, target, write=False) for instance in instances]


def move(session: Session, actor: Person, instance_id: int, target_id: int) -> Move:
    """Move one case now, or raise Conflict with the reason it stays where it is."""
    versions.require_modeler(actor)
    target = session.get(ProcessVersion, target_id)
    instance = session.get(ProcessInstance, instance_id)
    if target is None or instance is None:
        raise NotFound("案件或目标版本不存在")
    instance = runtime.lock_instance(session, instance_id)
    name = case_names.of_instance(session, instance)
    if instance.process_version.process_key != target.process_key or instance.process_version_id == target.id:
        raise Conflict(f"{name} 不能迁移：不是同一流程，或已在第 {target.version} 版")
    if instance.status != InstanceStatus.RUNNING:
        raise Conflict(f"{name} {instance.status.label}，不需要迁移")  # the label says 已办结 or 已取消
    result = _judge(session, instance, target, write=True, actor_id=actor.id)
    if not result.movable:
        raise Conflict(f"{name} 不能迁移：{result.reason}")
    return result


def _judge(
    session: Session, instance: ProcessInstance, target: ProcessVersion, write: bool, actor_id: int | None = None
) -> Move:
    source = instance.process_version
    workflow = runtime._restore(session, instance)
    steps = [
        t.task_spec.bpmn_name or t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.READY, manual=True)
    ]
    reason = _obstacle(workflow, source, target)
    if reason:
        return Move(instance, False, reason, steps)
    spec, subprocess_specs = serialization.spec_for(target)
    top, _ = diff_workflow(serialization.registry(), workflow, spec, subprocess_specs)
    try:
        workflow.script_engine = runtime._script_engine(session, target)  # timers reset below re-evaluate with it
        migrate_workflow(top, workflow, spec)
        workflow.subprocess_specs = subprocess_specs
        runtime._advance(workflow, lambda: (workflow.refresh_timers(), workflow.do_engine_steps()))
        dues = _new_dues(session, workflow, instance)
    except Exception as exc:  # the case cannot run on the new version as it stands: it stays
        return Move(instance, False, f"在新版本上无法继续：{getattr(exc, 'message', exc)}", steps)
    changes = [
        f"“{row.name}”到期 {clock.fmt(row.due_at) or '无'} → {clock.fmt(due) or '无'}"
        for row, due, _ in dues
        if due != row.due_at
    ]
    shortened = any(_earlier(row.due_at, due) for row, due, _ in dues)
    if write:
        _store(session, instance, workflow, target, dues, actor_id, source)
    return Move(instance, True, "", steps, changes or ["办理期限不变"], shortened)


def _earlier(before: datetime | None, after: datetime | None) -> bool:
    return after is not None and (before is None or after < before)


def _obstacle(workflow, source: ProcessVersion, target: ProcessVersion) -> str:
    """Why the case cannot move: a step it waits at is gone, or is handled by another role in the target."""
    new_spec, _ = serialization.spec_for(target)
    old_roles, new_roles = serialization.roles_for(source), serialization.roles_for(target)
    for task in workflow.get_tasks(state=_OPEN):
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if not bpmn_id:
            continue
        name = task.task_spec.bpmn_name or bpmn_id
        if task.task_spec.name not in new_spec.task_specs:
            return f"当前环节“{name}”在第 {target.version} 版中已删除"
        if task.state == TaskState.READY and task.task_spec.manual and old_roles.get(bpmn_id) != new_roles.get(bpmn_id):
            return f"当前环节“{name}”在第 {target.version} 版中改由其他角色办理"
    if workflow.subprocesses:
        return "案件中有子流程，暂不支持迁移"
    return ""


def _new_dues(session: Session, workflow, instance: ProcessInstance) -> list[tuple[HumanTask, datetime | None, bool]]:
    rows = session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.status == TaskStatus.OPEN)
    )
    found = []
    for row in rows:
        task = workflow.get_task_from_id(UUID(row.spiff_task_id))
        if task is not None and task.state == TaskState.READY:
            due, provisional = runtime._due(session, task)
            found.append((row, due, provisional))
    return found


def _store(
    session: Session,
    instance: ProcessInstance,
    workflow,
    target: ProcessVersion,
    dues,
    actor_id: int | None,
    source: ProcessVersion,
) -> None:
    """Save the moved case with its rows and timers as the new version has them, in the caller's transaction."""
    moved = []
    for row, due, provisional in dues:
        task = workflow.get_task_from_id(UUID(row.spiff_task_id))
        row.name = task.task_spec.bpmn_name or row.name
        row.form = (task.task_spec.extensions or {}).get("formJsonSchemaFilename")
        if (due, provisional) != (row.due_at, row.due_provisional):
            audit.record(
                session,
                actor_id,
                "task",
                row.id,
                "task:due_recomputed",
                {"due_at": row.due_at.isoformat() if row.due_at else None},
                {"due_at": due.isoformat() if due else None, "reason": f"迁移到第 {target.version} 版"},
            )
            if due != row.due_at:
                moved.append((row, row.due_at))
            row.due_at, row.due_provisional = due, provisional
    instance.process_version = target
    runtime._sync(session, instance, workflow, actor_id)
    audit.record(
        session,
        actor_id,
        "instance",
        instance.id,
        "instance:migrated",
        {"version": source.version, "version_id": source.id},
        {
            "version": target.version,
            "version_id": target.id,
            "next_timer_at": instance.next_timer_at.isoformat() if instance.next_timer_at else None,
        },
    )
    for row, before in moved:  # whoever handles the step learns the new deadline
        events.publish(session, "task.due_moved", task=row, before=before, version=target.version)
