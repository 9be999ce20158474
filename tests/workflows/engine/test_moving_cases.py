"""Running cases move to another version only after a preview, one at a time, all or nothing, audited.

A case keeps its open task (same row, same engine task) and gets the deadline of the new version's period;
a case whose current step is gone, or is handled by another role, stays where it is with the reason.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.helpers import (
    APPLICATION_XML,
    BPMN_DIR,
    PRODUCT_FORMS,
    THREE_DAYS,
    apply,
    at,
    decide,
    deploy_test_process,
    person,
    review_task,
    status,
    unit,
)
from workflows import engine
from workflows.engine import moving, versions
from workflows.errors import Conflict, Forbidden
from workflows.models import (
    ApplicationStatus,
    AuditEvent,
    HumanTask,
    ProcessInstance,
    TaskStatus,
)

SH = ZoneInfo("Asia/Shanghai")
APPLICATION, FORMS = APPLICATION_XML, PRODUCT_FORMS
THREE_STEP = (BPMN_DIR / "three_step.bpmn").read_text(encoding="utf-8")


@pytest.fixture
def ready(processes, demo_catalog):
    with at("2026-02-13T10:00:00"):
        yield processes


def pair(s, key: str):
    return versions.version_by_number(s, key, 1), versions.version_by_number(s, key, 2)


def test_a_moved_case_keeps_its_open_task_and_gets_the_new_deadline(ready):
    app_id = apply(ready)
    before = review_task(ready, app_id)
    assert before.due_at == datetime(2026, 2, 27, 23, 59, 59, tzinfo=SH)  # 5 working days, the holiday skipped
    with ready.begin() as s:
        engine.deploy(s, THREE_DAYS, FORMS, None, note="审核期限改为 3 个工作日")
    with ready() as s:
        preview = moving.candidates(s, *pair(s, "data_application"))
        assert [(m.instance.id, m.movable, m.steps) for m in preview] == [(before.instance_id, True, ["审核申请"])]
        assert preview[0].changes == ["“审核申请”到期 2026-02-27 23:59 → 2026-02-25 23:59"]
    with ready.begin() as s:
        moving.move(s, person(s, "liuyang"), before.instance_id, pair(s, "data_application")[1].id)
    after = review_task(ready, app_id)
    assert (after.id, after.spiff_task_id, after.status) == (before.id, before.spiff_task_id, TaskStatus.OPEN)
    assert after.due_at == datetime(2026, 2, 25, 23, 59, 59, tzinfo=SH)
    with ready() as s:
        case = s.get(ProcessInstance, before.instance_id)
        assert case.process_version.version == 2
        assert case.next_timer_at == datetime(2026, 2, 25, 0, 0, tzinfo=SH)  # the reminder, on the new last day
        moved = s.scalar(select(AuditEvent).where(AuditEvent.action == "instance:migrated"))
        assert (moved.before["version"], moved.after["version"]) == (1, 2) and moved.actor_id == person(s, "liuyang").id
    decide(ready, app_id, decision="approve")  # the case goes on, on its new version
    assert status(ready, app_id) == ApplicationStatus.APPROVED


def start_three_step(sessions) -> int:
    with sessions.begin() as s:
        return engine.start(
            s,
            "three_step",
            person(s, "machao").id,
            unit(s, "mzj").id,
            {"provider_unit_id": unit(s, "gaj").id, "submitted_at": "2026-02-13T10:00:00+08:00"},
        ).id


@pytest.mark.parametrize(
    "change, reason",
    [
        (lambda xml: xml.replace("ts_fill", "ts_fill_in"), "当前环节“填写申请”在第 2 版中已删除"),
        (
            lambda xml: xml.replace("<bpmn:flowNodeRef>ts_fill</bpmn:flowNodeRef>", "").replace(
                "<bpmn:flowNodeRef>ts_archive</bpmn:flowNodeRef>",
                "<bpmn:flowNodeRef>ts_archive</bpmn:flowNodeRef><bpmn:flowNodeRef>ts_fill</bpmn:flowNodeRef>",
            ),
            "当前环节“填写申请”在第 2 版中改由其他角色办理",
        ),
    ],
)
def test_a_case_whose_step_is_gone_or_changed_hands_stays_where_it_is_with_the_reason(sessions, change, reason):
    deploy_test_process(sessions)
    case_id = start_three_step(sessions)
    deploy_test_process(sessions, xml=change(THREE_STEP))
    with sessions() as s:
        stored = s.get(ProcessInstance, case_id)
        before = (stored.state, stored.lock_version, stored.process_version_id)
        [judged] = moving.candidates(s, *pair(s, "three_step"))
        assert (judged.movable, judged.reason) == (False, reason)
    with sessions() as s, pytest.raises(Conflict) as caught:
        moving.move(s, person(s, "liuyang"), case_id, pair(s, "three_step")[1].id)
    assert reason in caught.value.message
    with sessions() as s:
        stored = s.get(ProcessInstance, case_id)
        assert (stored.state, stored.lock_version, stored.process_version_id) == before
        assert s.scalar(select(HumanTask.status).where(HumanTask.instance_id == case_id)) == TaskStatus.OPEN


def test_only_a_modeler_moves_cases(sessions):
    deploy_test_process(sessions)
    case_id = start_three_step(sessions)
    deploy_test_process(sessions, xml=THREE_STEP.replace('name="填写申请"', 'name="填写用途"'))
    with sessions() as s, pytest.raises(Forbidden):
        moving.move(s, person(s, "lina"), case_id, pair(s, "three_step")[1].id)


def test_a_cancelled_case_is_not_moved_and_the_message_says_so_once(sessions):
    deploy_test_process(sessions)
    case_id = start_three_step(sessions)
    deploy_test_process(sessions, xml=THREE_STEP.replace('name="填写申请"', 'name="填写用途"'))
    with sessions.begin() as s:
        engine.cancel(s, case_id, person(s, "machao").id, "不再需要")
    with sessions() as s, pytest.raises(Conflict) as caught:
        moving.move(s, person(s, "liuyang"), case_id, pair(s, "three_step")[1].id)
    assert caught.value.message.endswith(" 已取消，不需要迁移") and "已已" not in caught.value.message
