"""Steps of an objection as the demo people take them (imported by the objection tests only)."""

from __future__ import annotations

from sqlalchemy import select

from tests.helpers import MISSING_BASIS, apply, decide, person, unit
from workflows.engine import tasks
from workflows.models import Grant, HumanTask, Objection, TaskStatus
from workflows.objections import cases
from workflows.sharing import uploads

FACTS = "我局申请的户籍数据被以“不同意”为由驳回，未说明具体依据，影响低保核对工作"


def raise_(sessions, username: str = "machao", **raw) -> int:
    body = {"type": "application_dispute", "facts": FACTS, "request": "请县大数据局协调提供单位重新审核"} | raw
    with sessions.begin() as s:
        return cases.raise_objection(s, person(s, username), body).id


def rejected_application(sessions) -> int:
    app_id = apply(sessions)
    decide(
        sessions,
        app_id,
        decision="reject",
        rejection_category="no_basis",
        reason="申请用途与所列法律依据不对应，缺少低保核对的授权文件",
        missing_basis=MISSING_BASIS,
    )
    return app_id


def open_task(sessions, objection_id: int, key: str) -> HumanTask:
    with sessions() as s:
        return next(
            t
            for t in tasks.case_tasks(s, "objection", objection_id)
            if t.task_key == key and t.status == TaskStatus.OPEN
        )


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
        return sorted(t.task_key for t in tasks.case_tasks(s, "objection", objection_id) if t.status == TaskStatus.OPEN)


DECISION_PDF = "%PDF-1.4\n% 夏政文〔2026〕12号 县政府关于人口数据共享争议的决定\n%%EOF\n".encode()


def record_government_decision(
    sessions, objection_id: int, outcome: str = "upheld", username: str = "lina", **extra
) -> None:
    """The coordinator records the decision with its document, chosen on the same form."""
    with sessions.begin() as s:
        tokens, _ = uploads.stash(
            s, person(s, username), [uploads.Chosen("县政府决定.pdf", "application/pdf", DECISION_PDF)]
        )
    step(
        sessions,
        objection_id,
        "ob_government",
        username,
        {
            "government_number": "夏政文〔2026〕12号",
            "government_decided_on": "2026-02-13",
            "government_content": "经县政府数据共享工作领导小组研究，低保核对属于法定职责，县公安局应按申请共享户籍人口信息。",
            "government_outcome": outcome,
            "government_file": tokens,
        }
        | extra,
    )


OUT_OF_SCENARIO = "县民政局将户籍数据用于招商引资统计，超出低保核对的应用场景"
ADMITTED = {"stance": "agree", "position": "确曾用于汇总统计，接受处理并整改"}


def answered_usage_dispute(sessions) -> tuple[int, int, int]:
    """县公安局 disputes how 县民政局 uses its approved grant; 县民政局 answers that it did: (app, grant, objection)."""
    app_id = apply(sessions)
    decide(sessions, app_id, decision="approve")
    with sessions() as s:
        grant_id = s.scalar(select(Grant.id).where(Grant.application_id == app_id))
    objection_id = raise_(
        sessions, "huangtao", type="usage_dispute", grant_id=grant_id, facts=OUT_OF_SCENARIO, request="请撤销授权"
    )
    accept_and_transfer(sessions, objection_id, "mzj")
    step(sessions, objection_id, "ob_answer_1", "sunjie", ADMITTED)
    return app_id, grant_id, objection_id


def accept_and_transfer(sessions, objection_id: int, *codes: str) -> None:
    step(sessions, objection_id, "ob_triage", "lina", {"decision": "accept"})
    with sessions() as s:
        ids = [str(unit(s, code).id) for code in codes or ("gaj",)]
    step(sessions, objection_id, "ob_transfer", "lina", {"responding_unit_ids": ids})
