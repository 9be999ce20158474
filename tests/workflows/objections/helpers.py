"""Steps of an objection as the demo people take them (imported by the objection tests only)."""
from __future__ import annotations

from tests.helpers import MISSING_BASIS, apply, decide, person, unit
from workflows.engine import tasks
from workflows.models import HumanTask, Objection, TaskStatus
from workflows.objections import cases

FACTS = "我局申请的户籍数据被以“不同意”为由驳回，未说明具体依据，影响低保核对工作"


def raise_(sessions, username: str = "machao", **raw) -> int:
    body = {"type": "application_dispute", "facts": FACTS, "request": "请县大数据局协调提供单位重新审核"} | raw
    with sessions.begin() as s:
        return cases.raise_objection(s, person(s, username), body).id


def rejected_application(sessions) -> int:
    app_id = apply(sessions)
    decide(sessions, app_id, decision="reject", rejection_category="no_basis",
           reason="申请用途与所列法律依据不对应，缺少低保核对的授权文件", missing_basis=MISSING_BASIS)
    return app_id


def open_task(sessions, objection_id: int, key: str) -> HumanTask:
    with sessions() as s:
        return next(t for t in tasks.case_tasks(s, "objection", objection_id)
                    if t.task_key == key and t.status == TaskStatus.OPEN)


def step(sessions, objection_id: int, key: str, username: str, data: dict) -> None:
    task_id = open_task(sessions, objection_id, key).id
    with sessions.begin() as s:
        tasks.complete(s, person(s, username), task_id, data)


def state(sessions, objection_id: int) -> Objection:
    with sessions() as s:
        objection = s.get(Objection, objection_id)
        s.expunge(objection)
        return objection


def open_keys(sessions, objection_id: int) -> list[str]:
    with sessions() as s:
        return sorted(t.task_key for t in tasks.case_tasks(s, "objection", objection_id)
                      if t.status == TaskStatus.OPEN)


def accept_and_transfer(sessions, objection_id: int, *codes: str) -> None:
    step(sessions, objection_id, "ob_triage", "lina", {"decision": "accept"})
    with sessions() as s:
        ids = [str(unit(s, code).id) for code in codes or ("gaj",)]
    step(sessions, objection_id, "ob_transfer", "lina", {"responding_unit_ids": ids})
