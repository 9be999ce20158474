"""The engine runs cases on pinned process versions, keeps rows beside its state, and never half-saves."""

import threading
from datetime import datetime

import pytest
import time_machine
from sqlalchemy import func, select

from tests.helpers import (
    BPMN_DIR,
    SH,
    complete,
    deploy_test_process,
    open_task,
    person,
    start_case,
    unit,
)
from workflows import engine
from workflows.engine import serialization
from workflows.errors import AlreadyHandled, EngineStepFailed, Forbidden
from workflows.models import (
    AuditEvent,
    HumanTask,
    InstanceStatus,
    Notification,
    ProcessInstance,
)

THREE_STEP = (BPMN_DIR / "three_step.bpmn").read_text(encoding="utf-8")


@pytest.fixture
def process(sessions):
    """The three-step process, on a day during Spring Festival: before any reminder is due."""
    deploy_test_process(sessions)
    with time_machine.travel(datetime(2026, 2, 16, 9, 0, tzinfo=SH), tick=False):
        yield sessions


def test_a_case_runs_through_its_three_user_tasks_in_their_lanes(process):
    case = start_case(process)
    with process() as s:
        first = open_task(s, case)
        assert (first.name, first.role, first.unit.code) == ("填写申请", "applicant", "mzj")
    complete(process, case, "machao", {"purpose": "最低生活保障家庭经济状况核对"})
    with process() as s:
        review = open_task(s, case)
        assert (review.name, review.role, review.unit.code) == ("审核", "reviewer", "gaj")
        assert review.due_at == datetime(2026, 2, 27, 23, 59, 59, tzinfo=SH)
    complete(process, case, "huangtao", {"decision": "approve", "reason": ""})
    complete(process, case, "wanglei", {})
    with process() as s:
        instance = s.get(ProcessInstance, case)
        assert instance.status == InstanceStatus.COMPLETED
        assert engine.task_data(s, instance)["label"] == "通过"


def test_a_saved_case_restores_and_continues_identically(process):
    case = start_case(process)
    complete(process, case, "machao", {"purpose": "核对"})
    with process() as s:
        instance = s.get(ProcessInstance, case)
        stored = instance.state
        first = serialization.load(instance.process_version, stored)
        again = serialization.load(instance.process_version, stored)
        assert serialization.dump(first) == serialization.dump(again) == stored
        assert [t.task_spec.name for t in first.get_tasks()] == [t.task_spec.name for t in again.get_tasks()]
    complete(process, case, "huangtao", {"decision": "reject", "reason": "用途与共享条件不符"})
    with process() as s:
        assert engine.task_data(s, s.get(ProcessInstance, case))["label"] == "不通过"


def test_a_new_version_does_not_change_cases_already_running(process):
    running = start_case(process)
    assert deploy_test_process(process, xml=THREE_STEP.replace('name="审核"', 'name="审核（新版）"')) == 2
    complete(process, running, "machao", {"purpose": "核对"})
    newer = start_case(process)
    complete(process, newer, "machao", {"purpose": "核对"})
    with process() as s:
        assert open_task(s, running).name == "审核"
        assert s.get(ProcessInstance, running).process_version.version == 1
        assert open_task(s, newer).name == "审核（新版）"


def test_the_current_step_is_the_task_and_not_the_reminder_timer_on_its_border(process):
    case = start_case(process)
    complete(process, case, "machao", {"purpose": "核对"})
    with process() as s:
        done, active, names = engine.progress(s, s.get(ProcessInstance, case))
    assert (active, names) == (["ts_review"], ["审核"])  # ts_remind (催办) waits on its border, it is no step
    assert {"ts_start", "ts_fill"} <= set(done)


def test_deploying_the_same_content_again_keeps_the_version(process):
    assert deploy_test_process(process) == 1


def test_a_reviewer_of_another_unit_cannot_complete_the_task(process):
    case = start_case(process)
    complete(process, case, "machao", {"purpose": "核对"})
    with process() as s, pytest.raises(Forbidden):
        engine.complete_task(s, open_task(s, case).id, person(s, "sunjie"), {"decision": "approve"})


def test_a_script_error_leaves_the_stored_case_exactly_as_before(process):
    broken = THREE_STEP.replace(
        'decided = decision\nlabel = "通过" if decision == "approve" else "不通过"', "ratio = 1 / len(reason)"
    )
    deploy_test_process(process, xml=broken)
    case = start_case(process)
    complete(process, case, "machao", {"purpose": "核对"})
    with process() as s:
        before = s.get(ProcessInstance, case)
        snapshot = (before.state, before.lock_version, before.next_timer_at)
    with process() as s:
        with pytest.raises(EngineStepFailed) as caught:
            engine.complete_task(s, open_task(s, case).id, person(s, "huangtao"), {"decision": "approve", "reason": ""})
        s.rollback()
    assert "案件保持原状" in caught.value.message
    with process() as s:
        after = s.get(ProcessInstance, case)
        assert (after.state, after.lock_version, after.next_timer_at) == snapshot
        assert open_task(s, case).name == "审核"


def test_two_reviewers_completing_the_same_task_at_once_one_wins(committing_sessions, process):
    case = start_case(process)
    complete(process, case, "machao", {"purpose": "核对"})
    with process() as s:
        task_id = open_task(s, case).id
    outcomes, barrier = [], threading.Barrier(2)

    def attempt(username):
        barrier.wait()
        try:
            with process.begin() as s:
                engine.complete_task(s, task_id, person(s, username), {"decision": "approve", "reason": username})
            outcomes.append("ok")
        except AlreadyHandled as err:
            outcomes.append(err.message)

    threads = [threading.Thread(target=attempt, args=(name,)) for name in ("huangtao", "sunhong")]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(outcomes, key=len) == ["ok", AlreadyHandled().message]
    with process() as s:
        assert open_task(s, case).name == "归档"
        completions = s.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "task:completed")
        )
        assert completions == 2  # the applicant's and exactly one review


def test_completing_an_already_completed_task_says_it_was_handled(process):
    case = start_case(process)
    with process() as s:
        task_id = open_task(s, case).id
    complete(process, case, "machao", {"purpose": "核对"})
    with process() as s, pytest.raises(AlreadyHandled):
        engine.complete_task(s, task_id, person(s, "machao"), {"purpose": "again"})


def test_tasks_that_become_ready_together_are_all_mirrored_audited_and_announced(sessions):
    deploy_test_process(sessions, "two_at_once.bpmn")
    with sessions.begin() as s:
        case = engine.start(s, "two_at_once", None, unit(s, "mzj").id, {"provider_unit_id": unit(s, "gaj").id}).id
    with sessions() as s:
        rows = s.scalars(select(HumanTask).where(HumanTask.instance_id == case).order_by(HumanTask.id)).all()
        assert [(r.name, r.unit.code, r.status) for r in rows] == [
            ("第一审核", "gaj", "open"),
            ("第二审核", "gaj", "open"),
        ]
        opened = s.scalars(
            select(AuditEvent.subject_id).where(AuditEvent.action == "task:opened").order_by(AuditEvent.id)
        ).all()
        assert opened == [str(r.id) for r in rows]
        inbox = s.scalars(select(Notification).where(Notification.template == "new_task")).all()
        assert sorted((n.person_id, n.link) for n in inbox) == sorted(
            (p.id, f"/tasks/{r.id}") for r in rows for p in (person(s, "huangtao"), person(s, "sunhong"))
        )
