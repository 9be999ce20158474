"""The periodic sweep: fire the timers of cases that are due, loading nothing else.

Each sweep takes due instances in small batches; on PostgreSQL rows are taken with
FOR UPDATE SKIP LOCKED so two schedulers never fire one timer twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import lazyload, sessionmaker, undefer

from workflows import clock
from workflows.db import is_postgres
from workflows.engine import runtime
from workflows.errors import DomainError
from workflows.models import HumanTask, InstanceStatus, ProcessInstance, TaskStatus
from workflows.unit_of_work import unit_of_work

log = logging.getLogger(__name__)
BATCH = 50


@dataclass
class SweepResult:
    fired: int = 0
    failed: list[int] = field(default_factory=list)
    instances: list[int] = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)  # why each failed case failed, for the sysadmin


def sweep(sessions: sessionmaker, batch: int = BATCH) -> SweepResult:
    """Fire every due timer once; a failing case is logged, left as it was and retried next sweep."""
    result, seen = SweepResult(), []
    while True:
        with unit_of_work(sessions) as session:
            due = _take_due(session, batch, seen)
            for instance in due:
                seen.append(instance.id)
                _fire_one(session, instance, result)
        if len(due) < batch:
            return result


def _take_due(session, batch: int, skip: list[int]) -> list[ProcessInstance]:
    """Cases whose timer has passed (strictly: SpiffWorkflow fires only after the instant), once per sweep."""
    query = (
        select(ProcessInstance)
        .options(undefer(ProcessInstance.state))  # each is restored: no read per case
        .where(ProcessInstance.status == InstanceStatus.RUNNING, ProcessInstance.next_timer_at < clock.now())
        .order_by(ProcessInstance.next_timer_at)
        .limit(batch)
    )
    if skip:
        query = query.where(ProcessInstance.id.not_in(skip))
    if is_postgres(session):
        query = query.options(lazyload(ProcessInstance.process_version)).with_for_update(
            skip_locked=True, of=ProcessInstance, key_share=True
        )
    return list(session.scalars(query).unique())


def _fire_one(session, instance: ProcessInstance, result: SweepResult) -> None:
    try:
        with session.begin_nested():
            fired = runtime.fire_due_timers(session, instance)
    except DomainError as err:
        log.error("timer of instance %s failed: %s", instance.id, err.message)
        result.failed.append(instance.id)
        result.errors[instance.id] = err.message
        session.expire(instance)
        return
    if fired:
        result.instances.append(instance.id)
        result.fired += len(fired)


def recompute_provisional(session, actor_id: int | None) -> int:
    """After a year's schedule is entered: recompute every open due date that was provisional; returns how many changed."""
    changed = 0
    instance_ids = set(
        session.scalars(
            select(HumanTask.instance_id).where(
                HumanTask.status == TaskStatus.OPEN, HumanTask.due_provisional.is_(True)
            )
        )
    )
    for instance in session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(instance_ids))):
        changed += runtime.recompute_deadlines(session, instance, actor_id)
    return changed
