"""Who hears about a task: new task, 催办 before the deadline, 督办 after it. Timers never decide."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

import notifications
from workflows import audit, case_names, clock, engine
from workflows.models import HumanTask, Person, ProcessInstance, TaskStatus
from workflows.organisation.directory import coordinators, leader_in_charge, people_with_role
from workflows.sharing import applications
from workflows.sharing import reviews

# The templates a diagram may choose for its reminders and escalations: emit("reminder", task=…, template=…).
TASK_TEMPLATES = {"reminder": "催办（今日到期）", "escalation": "督办（已逾期）", "new_task": "新待办提醒"}


def _template(values: dict, default: str) -> str:
    chosen = values.get("template")
    return chosen if chosen in TASK_TEMPLATES else default


def candidates(session: Session, task: HumanTask) -> list[Person]:
    """The people who may act on the task: its assignee, or everyone with the lane's role in its unit."""
    if task.assignee_id:
        return [session.get(Person, task.assignee_id)]
    return people_with_role(session, task.unit_id, task.role)


def _audience(session: Session, task: HumanTask, people: list[Person]) -> list[Person]:
    """Who is told about a task: never someone who must step aside from it (the raiser of an objection is not
    asked to triage it, reminded or escalated about it)."""
    return [p for p in people if engine.recusal(session, p, task) is None]


def _objection_note(session: Session, task: HumanTask) -> str:
    """A review reopened by an upheld objection says so, with the coordinator's opinion to weigh."""
    if task.task_key != applications.REVIEW_TASK:
        return ""
    notes = []
    for o in reviews.objections_before(session, task.instance):
        decision = o.government_decision or {}
        if decision.get("outcome") == "upheld":
            notes.append(
                f"本次审核依据县政府决定（{decision['number']}，{decision['decided_on']}）重新启动（异议 {o.number}），"
                f"决定内容：{decision['content']}。请通过，或写明不能执行的具体理由（报县大数据局协调）\n"
            )
        else:
            notes.append(
                f"本次审核因异议 {o.number}（{o.raiser_unit.name}提出）成立而重新启动，县大数据局处理意见：{o.opinion}\n"
            )
    if again := reviews.coordinated_again(session, task.instance):
        notes.append(f"县大数据局已就本单位“不能执行”的答复再次协调，协调意见：{again}\n")
    return "".join(notes)


def context(session: Session, task: HumanTask) -> dict:
    return {
        "objection_note": _objection_note(session, task),
        "task_name": task.name,
        "process_name": task.instance.process_version.name,
        "case_name": case_names.of_instance(session, task.instance),
        "unit_name": task.unit.name if task.unit else "",
        "due_text": clock.fmt(task.due_at) if task.due_at else "",
        "provisional": task.due_provisional,
    }


# What context() gives, for showing the task templates in the modeler: kept beside it so the keys stay the same.
SAMPLE_CONTEXT = {
    "objection_note": "",
    "task_name": "审核申请",
    "process_name": "数据共享申请",
    "case_name": "SQ2026000123 县民政局申请「户籍人口基本信息」",
    "unit_name": "县公安局",
    "due_text": "2026-05-12 23:59",
    "provisional": False,
}


def link(task: HumanTask) -> str:
    return f"/tasks/{task.id}"


def new_task(session: Session, event: str, task: HumanTask) -> None:
    notifications.send(
        session, _audience(session, task, candidates(session, task)), "new_task", context(session, task), link(task)
    )


def delegated(session: Session, event: str, task: HumanTask, actor: Person, colleague: Person) -> None:
    notifications.send(
        session, [colleague], "task_delegated", context(session, task) | {"actor_name": actor.display_name}, link(task)
    )


def _open_tasks(session: Session, instance: ProcessInstance, key: str | None) -> list[HumanTask]:
    query = (
        select(HumanTask)
        .options(engine.TASK_ROWS)
        .where(HumanTask.instance_id == instance.id, HumanTask.status == TaskStatus.OPEN)
    )
    if key:
        query = query.where(HumanTask.task_key == key)
    return list(session.scalars(query))


def remind(session: Session, event: str, instance: ProcessInstance, values: dict) -> None:
    """The last-day 催办, unless the deadline has already passed when the timer fires (a sweep that ran late
    after scheduler downtime): "今日到期" would then be false, and the 督办 fired in the same sweep says it."""
    for task in _open_tasks(session, instance, values.get("task")):
        if task.is_overdue():
            continue
        people = _audience(session, task, candidates(session, task) + leader_in_charge(session, task.unit_id))
        sent = notifications.send(session, people, _template(values, "reminder"), context(session, task), link(task))
        audit.record(session, None, "task", task.id, "task:reminded", None, {"recipients": sent})


def escalate(session: Session, event: str, instance: ProcessInstance, values: dict) -> None:
    for task in _open_tasks(session, instance, values.get("task")):
        people = _audience(
            session, task, candidates(session, task) + coordinators(session) + leader_in_charge(session, task.unit_id)
        )
        sent = notifications.send(session, people, _template(values, "escalation"), context(session, task), link(task))
        audit.record(
            session,
            None,
            "task",
            task.id,
            "task:escalated",
            None,
            {"recipients": sent, "due_at": task.due_at.isoformat() if task.due_at else None},
        )
