"""Nobody's work is stranded: the last holder of a role with open tasks stays until they are handed on,
and the open tasks of a deactivated person wait, listed, for someone to take them over."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from workflows import audit, case_names, engine, events
from workflows.errors import Conflict, Forbidden, NotFound, ValidationFailed
from workflows.models import ROLE_LABELS_BY_CODE, HumanTask, Person, Role, RoleMembership, TaskStatus
from workflows.organisation.scope import AdminScope

SHOWN_TASKS = 20


class LastHolder(Conflict):
    """Removing this role would leave open tasks with nobody allowed to act on them."""

    code = "last_holder"


def open_role_tasks(session: Session, unit_id: int, role: str) -> list[HumanTask]:
    return list(
        session.scalars(
            select(HumanTask)
            .options(engine.TASK_ROWS)
            .where(HumanTask.unit_id == unit_id, HumanTask.role == str(role), HumanTask.status == TaskStatus.OPEN)
            .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id)
        )
    )


def describe(task: HumanTask) -> str:
    """One line naming a task the way the task list does."""
    who = f"，已由{task.assignee.display_name}认领" if task.assignee_id else ""
    name = case_names.of_instance(object_session(task), task.instance)
    return f"{task.name}（{name}{who}）"


def other_holders(session: Session, person_id: int, unit_id: int | None, role: str) -> list[Person]:
    """Active people other than this one holding the role in the unit (any unit when unit_id is None).

    Every holder's rows are locked, this person's too (PostgreSQL), so two administrators removing the last
    two holders at once are served one after the other, and the second sees that only one is left.
    """
    query = (
        select(RoleMembership.person_id)
        .join(Person, RoleMembership.person_id == Person.id)
        .where(RoleMembership.role == str(role), Person.active.is_(True))
        .order_by(RoleMembership.id)
        .with_for_update()
    )
    if unit_id is not None:
        query = query.where(RoleMembership.unit_id == unit_id)
    ids = sorted(set(session.scalars(query)) - {person_id})
    return [session.get(Person, i) for i in ids]


def check_not_last_sysadmin(session: Session, person: Person) -> None:
    if person.has_role(Role.SYSADMIN) and not other_holders(session, person.id, None, Role.SYSADMIN):
        raise Conflict(f"{person.display_name}是系统中唯一的系统管理员，至少要保留一名：请先为其他人授予系统管理员角色")


def stranded_tasks(session: Session, person: Person, unit_id: int, role: str) -> list[HumanTask]:
    """The open tasks nobody could act on once this person no longer holds the role there."""
    if other_holders(session, person.id, unit_id, role):
        return []
    return open_role_tasks(session, unit_id, role)


def refuse_stranding(session: Session, person: Person, unit_id: int, role: str, unit_name: str) -> None:
    """Raise LastHolder listing the tasks, when this person is the last to hold a role that has open tasks."""
    found = stranded_tasks(session, person, unit_id, role)
    if found:
        label = ROLE_LABELS_BY_CODE.get(role, role)
        more = [f"……另有 {len(found) - SHOWN_TASKS} 项"] if len(found) > SHOWN_TASKS else []
        raise LastHolder(
            f"{person.display_name}是{unit_name}唯一的{label}，本单位还有 {len(found)} 项{label}待办："
            f"请先为其他人授予{label}角色，或在取消时把这些待办转交给一位同事",
            [describe(t) for t in found[:SHOWN_TASKS]] + more,
        )


def hand_over(session: Session, actor_id: int | None, tasks: list[HumanTask], successor: Person) -> None:
    """Assign the tasks to the successor, who is told as when a colleague hands over a task."""
    actor = session.get(Person, actor_id) if actor_id else None
    for task in tasks:
        _set_assignee(session, actor_id, task, successor.id, "task:handed_over")
        if actor is not None:
            events.publish(session, "task.delegated", task=task, actor=actor, colleague=successor)


def release(session: Session, actor_id: int | None, person: Person, unit_id: int, role: str) -> int:
    """Tasks the person had claimed in that role go back to the unit's pool (they no longer hold it)."""
    tasks = session.scalars(
        select(HumanTask).where(
            HumanTask.assignee_id == person.id,
            HumanTask.unit_id == unit_id,
            HumanTask.role == str(role),
            HumanTask.status == TaskStatus.OPEN,
        )
    ).all()
    for task in tasks:
        _set_assignee(session, actor_id, task, None, "task:released")
    return len(tasks)


def _set_assignee(
    session: Session, actor_id: int | None, task: HumanTask, assignee_id: int | None, action: str
) -> None:
    before = task.assignee_id
    task.assignee_id = assignee_id
    audit.record(session, actor_id, "task", task.id, action, {"assignee_id": before}, {"assignee_id": assignee_id})


# --- tasks of deactivated people -------------------------------------------------


def waiting_tasks(session: Session, scope: AdminScope) -> list[HumanTask]:
    """Open tasks assigned to deactivated people, in the units this administrator looks after."""
    scope.require_admin()
    query = (
        select(HumanTask)
        .options(engine.TASK_ROWS)
        .join(Person, HumanTask.assignee_id == Person.id)
        .where(HumanTask.status == TaskStatus.OPEN, Person.active.is_(False))
        .order_by(HumanTask.id)
    )
    if not scope.everything:
        query = query.where(HumanTask.unit_id.in_(scope.unit_ids))
    return list(session.scalars(query))


def successors(session: Session, task: HumanTask) -> list[Person]:
    """Who may take the task over: active people of its unit with its role there (as a role's successor must be)."""
    return list(
        session.scalars(
            select(Person)
            .join(RoleMembership, RoleMembership.person_id == Person.id)
            .where(
                RoleMembership.unit_id == task.unit_id,
                RoleMembership.role == task.role,
                Person.active.is_(True),
                Person.unit_id == task.unit_id,
                Person.id != (task.assignee_id or 0),
            )
            .order_by(Person.id)
        )
    )


def reassign(session: Session, scope: AdminScope, task_id: int, username: str) -> HumanTask:
    """Give an open task to a colleague with its role, or (no username) back to the unit's pool."""
    task = session.get(HumanTask, task_id)
    if task is None:
        raise NotFound("任务不存在")
    if not scope.covers_unit(task.unit_id):
        raise Forbidden("您只能转交本单位的任务")
    if task.status != TaskStatus.OPEN:
        raise Conflict("该任务已办结或关闭，无需转交")
    username = (username or "").strip()
    if not username:
        _set_assignee(session, scope.actor_id, task, None, "task:released")
        return task
    successor = next((p for p in successors(session, task) if p.username == username), None)
    if successor is None:
        unit_name = task.unit.name if task.unit else "办理单位"
        raise ValidationFailed(
            [f"转交给：须为{unit_name}担任{ROLE_LABELS_BY_CODE.get(task.role, task.role)}的在用人员"]
        )
    hand_over(session, scope.actor_id, [task], successor)
    return task
