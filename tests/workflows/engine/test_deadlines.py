"""The sweep fires due timers once, on the working-day calendar, and loads only due cases."""

import threading
from datetime import datetime

from sqlalchemy import func, select

from tests.helpers import SH, at, complete, deploy_test_process, start_case
from workflows import clock
from workflows.engine import sweep
from workflows.models import AuditEvent, HumanTask, ProcessInstance, TaskStatus


def submitted_before_spring_festival(sessions) -> int:
    """A case whose review waits; its reminder is due at the start of the last working day, 02-27."""
    deploy_test_process(sessions)
    with at("2026-02-13T10:00:00"):
        case = start_case(sessions, "2026-02-13T10:00:00+08:00")
        complete(sessions, case, "machao", {"purpose": "核对"})
    return case


def open_task_names(sessions, case) -> list[str]:
    with sessions() as s:
        return sorted(
            t.name
            for t in s.scalars(
                select(HumanTask).where(HumanTask.instance_id == case, HumanTask.status == TaskStatus.OPEN)
            )
        )


def test_the_reminder_timer_waits_for_the_last_working_day(sessions):
    case = submitted_before_spring_festival(sessions)
    with sessions() as s:
        assert s.get(ProcessInstance, case).next_timer_at == datetime(2026, 2, 27, 0, 0, tzinfo=SH)
    with at("2026-02-26T23:59:00"):
        assert sweep.sweep(sessions).fired == 0
    assert open_task_names(sessions, case) == ["审核"]
    with at("2026-02-27T00:01:00"):
        result = sweep.sweep(sessions)
    assert (result.fired, result.instances) == (1, [case])
    assert open_task_names(sessions, case) == ["审核", "督办跟进"]  # a timer never decides
    with sessions() as s:
        assert s.get(ProcessInstance, case).next_timer_at is None


def test_a_review_after_the_deadline_is_recorded_as_late(sessions):
    case = submitted_before_spring_festival(sessions)
    with at("2026-03-02T09:00:00"):
        complete(sessions, case, "huangtao", {"decision": "approve", "reason": ""})
    with sessions() as s:
        event = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "task:completed").order_by(AuditEvent.id.desc())
        ).first()
        assert event.after["late"] is True


def test_the_sweep_loads_only_cases_whose_timer_is_due(sessions):
    due_case = submitted_before_spring_festival(sessions)
    with at("2026-02-20T10:00:00"):
        later = start_case(sessions, "2026-02-20T10:00:00+08:00")
        complete(sessions, later, "machao", {"purpose": "核对"})
    with at("2026-02-27T08:00:00"):
        result = sweep.sweep(sessions)
    assert result.instances == [due_case]


def test_tick_with_now_runs_the_sweep_as_if_at_that_time(sessions):
    case = submitted_before_spring_festival(sessions)
    with clock.frozen(datetime(2026, 2, 27, 9, 0, tzinfo=SH)):
        assert sweep.sweep(sessions).instances == [case]


def test_two_sweeps_at_once_fire_a_due_timer_once(committing_sessions):
    cases = [submitted_before_spring_festival(committing_sessions)]
    with at("2026-02-13T11:00:00"):
        for _ in range(5):
            case = start_case(committing_sessions, "2026-02-13T11:00:00+08:00")
            complete(committing_sessions, case, "machao", {"purpose": "核对"})
            cases.append(case)
    results, barrier = [], threading.Barrier(2)

    def run():
        barrier.wait()
        results.append(sweep.sweep(committing_sessions, batch=2))

    with at("2026-02-27T09:00:00"):
        threads = [threading.Thread(target=run) for _ in range(2)]
        [t.start() for t in threads]
        [t.join() for t in threads]
    fired = sorted(i for r in results for i in r.instances)
    assert fired == sorted(cases)
    with committing_sessions() as s:
        firings = s.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "instance:timer_fired")
        )
        assert firings == len(cases)
    assert all(open_task_names(committing_sessions, c) == ["审核", "督办跟进"] for c in cases)


def test_a_sweep_exactly_at_the_timer_instant_ends_and_the_next_one_fires(sessions):
    cases = [submitted_before_spring_festival(sessions) for _ in range(3)]
    with clock.frozen(datetime(2026, 2, 27, 0, 0, tzinfo=SH)):
        assert sweep.sweep(sessions, batch=2).instances == []  # SpiffWorkflow fires strictly after
    with clock.frozen(datetime(2026, 2, 27, 0, 0, 1, tzinfo=SH)):
        assert sorted(sweep.sweep(sessions, batch=2).instances) == sorted(cases)
