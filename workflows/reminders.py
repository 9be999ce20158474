"""Who hears about a task: new task, 催办 before the deadline, 督办 after it. Timers never decide."""
from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

import notifications
from workflows import audit, clock, engine, events
from workflows.models import (
    HumanTask, Person, ProcessInstance, Responsibility, ResponsibilityKind, Role, RoleMembership, TaskStatus,
)


_CANDIDATES = select(Person).join(RoleMembership, RoleMembership.person_id == Person.id).where(
    RoleMembership.unit_id == bindparam("unit_id"), RoleMembership.role == bindparam("role"), Person.active.is_(True))


def candidates(session: Session, task: HumanTask) -> list[Person]:
    """The people who may act on the task: its assignee, or everyone with the lane's role in its unit."""
    if task.assignee_id:
        return [session.get(Person, task.assignee_id)]
    return list(session.scalars(_CANDIDATES, {"unit_id": task.unit_id, "role": task.role}))


def leader_in_charge(session: Session, unit_id: int | None) -> list[Person]:
    return list(session.scalars(select(Person).join(Responsibility, Responsibility.person_id == Person.id).where(
        Responsibility.unit_id == unit_id, Responsibility.kind == ResponsibilityKind.LEADER_IN_CHARGE)))


def coordinators(session: Session) -> list[Person]:
    return list(session.scalars(select(Person).join(RoleMembership, RoleMembership.person_id == Person.id).where(
        RoleMembership.role == Role.COORDINATOR, Person.active.is_(True)).distinct()))


def context(task: HumanTask) -> dict:
    return {"task_name": task.name, "process_name": task.instance.process_version.name,
            "instance_id": task.instance_id, "unit_name": task.unit.name if task.unit else "",
            "due_text": clock.fmt(task.due_at) if task.due_at else "", "provisional": task.due_provisional,
            "recipient_hint": ""}


def link(task: HumanTask) -> str:
    return f"/tasks/{task.id}"


@events.subscribe("task.opened")
def _new_task(session: Session, event: str, task: HumanTask) -> None:
    notifications.send(session, candidates(session, task), "new_task", context(task), link(task))


def _open_tasks(session: Session, instance: ProcessInstance, key: str | None) -> list[HumanTask]:
    query = select(HumanTask).options(engine.TASK_ROWS).where(HumanTask.instance_id == instance.id,
                                                               HumanTask.status == TaskStatus.OPEN)
    if key:
        query = query.where(HumanTask.task_key == key)
    return list(session.scalars(query))


@events.subscribe("bpmn.reminder")
def _reminder(session: Session, event: str, instance: ProcessInstance, values: dict) -> None:
    for task in _open_tasks(session, instance, values.get("task")):
        people = candidates(session, task) + leader_in_charge(session, task.unit_id)
        sent = notifications.send(session, people, "reminder", context(task), link(task))
        audit.record(session, None, "task", task.id, "task:reminded", None, {"recipients": sent})


@events.subscribe("bpmn.escalation")
def _escalation(session: Session, event: str, instance: ProcessInstance, values: dict) -> None:
    for task in _open_tasks(session, instance, values.get("task")):
        people = coordinators(session) + leader_in_charge(session, task.unit_id)
        sent = notifications.send(session, people, "escalation", context(task), link(task))
        audit.record(session, None, "task", task.id, "task:escalated", None,
                     {"recipients": sent, "due_at": task.due_at.isoformat() if task.due_at else None})
