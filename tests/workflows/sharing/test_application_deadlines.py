"""The 5-working-day review across Spring Festival: 催办 on the last day, 督办 after, never a decision by timeout."""

from sqlalchemy import select

from tests.helpers import HOUSEHOLD, at, person, review_task
from workflows.engine import sweep, tasks
from workflows.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    Notification,
    TaskStatus,
)
from workflows.sharing import applications
from workflows.supervision import timeliness


def subjects(sessions, username):
    with sessions() as s:
        return [
            n.subject for n in s.scalars(select(Notification).where(Notification.person_id == person(s, username).id))
        ]


def submitted_on_friday_before_spring_festival(sessions) -> int:
    with at("2026-02-13T16:00:00"), sessions.begin() as s:
        return applications.apply(s, person(s, "machao"), HOUSEHOLD).id


def test_reminder_escalation_and_a_late_approval(processes, demo_catalog):
    app_id = submitted_on_friday_before_spring_festival(processes)
    with at("2026-02-26T20:00:00"):
        sweep.sweep(processes)  # four working days later (the holiday does not count): nothing yet
    assert not any("催办" in s for s in subjects(processes, "huangtao"))
    with at("2026-02-27T08:30:00"):
        sweep.sweep(processes)  # the last working day: 催办 to the reviewers and the 分管领导
    assert any(s.startswith("【催办】") for s in subjects(processes, "huangtao"))
    assert any(s.startswith("【催办】") for s in subjects(processes, "zhaomin"))
    with at("2026-02-28T09:00:00"):
        sweep.sweep(processes)  # a make-up Saturday after the due day: 督办
    with processes() as s:
        open_names = {t.name for t in tasks.case_tasks(s, "application", app_id) if t.status == TaskStatus.OPEN}
        assert open_names == {"审核申请", "督办：审核逾期"}
        assert s.get(Application, app_id).status == ApplicationStatus.IN_REVIEW  # never decided by timeout
        by_unit = {r.unit: r for r in timeliness.timeliness_by_unit(s, "reviewer")}
        assert by_unit["县公安局"].open_overdue == 1
    assert any(s.startswith("【督办】") for s in subjects(processes, "wanglei"))
    with at("2026-03-02T10:00:00"):
        task_id = review_task(processes, app_id).id
        with processes.begin() as s:
            tasks.complete(s, person(s, "huangtao"), task_id, {"decision": "approve"})
    with processes() as s:
        app = s.get(Application, app_id)
        assert app.status == ApplicationStatus.APPROVED and app.late is True
        completed = s.scalars(select(AuditEvent).where(AuditEvent.action == "task:completed")).all()
        assert completed[-1].after["late"] is True
        assert all(t.status != TaskStatus.OPEN for t in tasks.case_tasks(s, "application", app_id))
        by_unit = {r.unit: r for r in timeliness.timeliness_by_unit(s, "reviewer")}
        assert (by_unit["县公安局"].open_overdue, by_unit["县公安局"].done_late) == (0, 1)


def test_a_review_in_time_is_not_late(processes, demo_catalog):
    app_id = submitted_on_friday_before_spring_festival(processes)
    with at("2026-02-24T09:00:00"):
        task_id = review_task(processes, app_id).id
        with processes.begin() as s:
            tasks.complete(s, person(s, "huangtao"), task_id, {"decision": "approve"})
    with processes() as s:
        assert s.get(Application, app_id).late is False
