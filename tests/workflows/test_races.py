"""Two people acting on one application at the same moment: one wins, the other hears 409, nothing forbidden remains.

Each pair runs many times with two real threads (50 times on PostgreSQL, where rows are locked one by one and
deadlocks are possible; fewer on SQLite, which queues every writer). After each trial the integrity check
(the same one `flask check-integrity` runs) must find nothing wrong.
"""

from __future__ import annotations

import os
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.helpers import HOUSEHOLD, PRODUCT_FORMS, THREE_DAYS, at, person, race
from workflows import engine
from workflows.engine import moving, tasks, versions
from workflows.models import (
    AccountKind,
    Application,
    ApplicationStatus,
    AuditEvent,
    Grant,
    GrantStatus,
    HumanTask,
    Incident,
    Person,
    TaskStatus,
    Unit,
    UsageAnomaly,
    UsageSource,
)
from workflows.incidents import service as incidents
from workflows.objections import cases as objection_cases
from workflows.sharing import applications, grants, integrity
from workflows.usage import ingest

TRIALS = 50 if os.environ.get("TEST_DATABASE_URL") else 8
REASON = "申请的公民身份号码超出低保核对所需范围，请改为只申请姓名和户籍地址后重新申请"


def _apply(sessions) -> int:
    with sessions.begin() as s:
        return applications.apply(s, person(s, "machao"), HOUSEHOLD).id


def _review_task(sessions, app_id: int) -> int:
    with sessions() as s:
        return s.scalar(
            select(HumanTask.id)
            .join(Application, Application.instance_id == HumanTask.instance_id)
            .where(
                Application.id == app_id,
                HumanTask.task_key == applications.REVIEW_TASK,
                HumanTask.status == TaskStatus.OPEN,
            )
        )


def _decision(username: str, data: dict):
    def act(s, app_id, task_id):
        tasks.complete(s, person(s, username), task_id, dict(data))

    return act


approve = _decision("huangtao", {"decision": "approve"})
approve_too = _decision("sunhong", {"decision": "approve"})
reject = _decision(
    "sunhong",
    {"decision": "reject", "reason": REASON, "rejection_category": "scope_exceeds", "concerns": ["公民身份号码"]},
)
give_back = _decision("sunhong", {"decision": "return", "reason": "请补充低保申请受理通知书扫描件，并说明核对对象范围"})


def withdraw(s, app_id, task_id):
    applications.withdraw(s, person(s, "machao"), app_id, "业务调整，不再需要")


def _race(sessions, first, second, app_id: int, task_id: int | None) -> list[str]:
    return race(sessions, lambda s: first(s, app_id, task_id), lambda s: second(s, app_id, task_id))


def _assert_consistent(sessions) -> None:
    with sessions() as s:
        assert integrity.check(s) == []


@pytest.mark.parametrize(
    "first, second",
    [(withdraw, approve), (withdraw, reject), (approve, reject), (approve, approve_too)],
    ids=["withdraw-approve", "withdraw-reject", "approve-reject", "approve-approve"],
)
def test_two_exclusive_actions_at_once_end_with_one_winner_and_a_409(committing_sessions, ready, first, second):
    for _ in range(TRIALS):
        app_id = _apply(ready)
        outcomes = _race(ready, first, second, app_id, _review_task(ready, app_id))
        assert outcomes == ["409", "ok"]
        _assert_consistent(ready)
    with ready() as s:
        withdrawn = s.scalars(select(Application.id).where(Application.status == ApplicationStatus.WITHDRAWN)).all()
        assert s.scalar(select(Grant.id).where(Grant.application_id.in_(withdrawn))) is None


def test_withdrawing_while_the_reviewer_returns_it_leaves_a_consistent_case(committing_sessions, ready):
    for _ in range(TRIALS):
        app_id = _apply(ready)
        outcomes = _race(ready, withdraw, give_back, app_id, _review_task(ready, app_id))
        assert outcomes in (["409", "ok"], ["ok", "ok"])  # returned first, then withdrawn: both are allowed
        _assert_consistent(ready)
        with ready() as s:
            assert s.get(Application, app_id).status in (ApplicationStatus.WITHDRAWN, ApplicationStatus.RETURNED)


def _approved_grant(sessions) -> int:
    app_id = _apply(sessions)
    task_id = _review_task(sessions, app_id)
    with sessions.begin() as s:
        tasks.complete(
            s,
            person(s, "huangtao"),
            task_id,
            {"decision": "approve", "approved_until": (date(2026, 2, 13) + timedelta(days=3)).isoformat()},
        )
    with sessions() as s:
        return grants.for_application(s, app_id).id


def test_two_revocations_at_once_revoke_once(committing_sessions, ready):
    def revoke_as(username):
        def act(s, app_id, grant_id):
            grants.revoke(s, person(s, username), grant_id, "发现超范围使用，依约撤销授权")

        return act

    for _ in range(TRIALS):
        grant_id = _approved_grant(ready)
        assert _race(ready, revoke_as("huangtao"), revoke_as("sunhong"), 0, grant_id) == ["409", "ok"]
        _assert_consistent(ready)


def test_revoking_while_the_grant_expires_keeps_the_first_outcome(committing_sessions, ready):
    grant_ids = [_approved_grant(ready) for _ in range(TRIALS)]
    with at("2026-02-20T09:00:00"):  # past every grant's end (13 Feb + 3 days)

        def revoke(s, app_id, grant_id):
            grants.revoke(s, person(s, "huangtao"), grant_id, "发现超范围使用，依约撤销授权")

        def expire(s, app_id, grant_id):
            grants.expire_due(s)

        for grant_id in grant_ids:
            outcomes = _race(ready, revoke, expire, 0, grant_id)
            assert outcomes in (["409", "ok"], ["ok", "ok"])
            with ready() as s:
                grant = s.get(Grant, grant_id)
                revoked = outcomes.count("ok") == 2
                assert grant.status == (GrantStatus.REVOKED if revoked else GrantStatus.EXPIRED)
                changes = s.scalars(
                    select(AuditEvent.action).where(
                        AuditEvent.subject_type == "grant",
                        AuditEvent.subject_id == str(grant_id),
                        AuditEvent.action.in_(["grant:revoked", "grant:expired"]),
                    )
                ).all()
                assert len(changes) == 1  # the loser changed nothing
    _assert_consistent(ready)


def _draft(sessions, username: str, scenario: str) -> int:
    with sessions.begin() as s:
        applicant = person(s, username)
        return applications.save_draft(s, applicant, applicant.unit_id, HOUSEHOLD | {"scenario": scenario}).id


def _submit(username: str, app_id: int):
    return lambda s: applications.submit(s, person(s, username), app_id)


def test_two_applicants_of_one_unit_submitting_at_once_both_get_their_case(committing_sessions, ready):
    for trial in range(TRIALS):
        mine = _draft(ready, "machao", f"{HOUSEHOLD['scenario']}（第{trial}批低保）")
        theirs = _draft(ready, "zhuxia", f"{HOUSEHOLD['scenario']}（第{trial}批特困供养）")
        assert race(ready, _submit("machao", mine), _submit("zhuxia", theirs)) == ["ok", "ok"]
    _assert_consistent(ready)
    with ready() as s:
        assert (
            s.scalar(select(func.count(Application.id)).where(Application.status == ApplicationStatus.IN_REVIEW))
            == 2 * TRIALS
        )


def test_one_need_submitted_by_two_applicants_at_once_starts_one_case(committing_sessions, ready):
    for trial in range(TRIALS):
        scenario = f"{HOUSEHOLD['scenario']}（第{trial}批）"
        mine, theirs = _draft(ready, "machao", scenario), _draft(ready, "zhuxia", scenario)
        assert race(ready, _submit("machao", mine), _submit("zhuxia", theirs)) == ["409", "ok"]
    _assert_consistent(ready)


def _apply_as(username: str, scenario: str):
    return lambda s: applications.apply(s, person(s, username), HOUSEHOLD | {"scenario": scenario})


def test_two_applicants_of_one_unit_applying_through_the_api_at_once_both_get_their_case(committing_sessions, ready):
    for trial in range(TRIALS):
        assert race(
            ready,
            _apply_as("machao", f"{HOUSEHOLD['scenario']}（第{trial}批低保）"),
            _apply_as("zhuxia", f"{HOUSEHOLD['scenario']}（第{trial}批特困供养）"),
        ) == ["ok", "ok"]
    _assert_consistent(ready)


def _cases_on_the_old_version(sessions) -> tuple[list[tuple[int, int, int]], int]:
    """TRIALS applications in review on version 1, then version 2 deployed: each (application, review task, case)
    and the new version's id."""
    app_ids = [_draft(sessions, "machao", f"{HOUSEHOLD['scenario']}（第{trial}批）") for trial in range(TRIALS)]
    for app_id in app_ids:
        with sessions.begin() as s:
            applications.submit(s, person(s, "machao"), app_id)
    cases = [(app_id, _review_task(sessions, app_id), _case_of(sessions, app_id)) for app_id in app_ids]
    with sessions.begin() as s:
        engine.deploy(s, THREE_DAYS, PRODUCT_FORMS, None, note="审核期限改为 3 个工作日")
        return cases, versions.version_by_number(s, "data_application", 2).id


def _case_of(sessions, app_id: int) -> int:
    with sessions() as s:  # one session at a time: SQLite lets one connection write, and each begins IMMEDIATE
        return s.get(Application, app_id).instance_id


def _mover(instance_id: int, version_id: int):
    return lambda s, *_: moving.move(s, person(s, "liuyang"), instance_id, version_id)


def test_moving_a_case_while_its_review_is_decided_ends_on_one_version_without_an_error(committing_sessions, ready):
    cases, newer = _cases_on_the_old_version(ready)
    for app_id, task_id, instance_id in cases:
        assert _race(ready, _mover(instance_id, newer), approve, app_id, task_id) in (["409", "ok"], ["ok", "ok"])
        with ready() as s:
            assert s.get(Application, app_id).status == ApplicationStatus.APPROVED
    _assert_consistent(ready)


def test_three_identical_move_requests_at_once_move_the_case_once(committing_sessions, ready):
    cases, newer = _cases_on_the_old_version(ready)
    for _, _, instance_id in cases:
        move = _mover(instance_id, newer)
        assert race(ready, move, move, move) == ["409", "409", "ok"]
        with ready() as s:
            assert (
                s.scalar(
                    select(func.count(AuditEvent.id)).where(
                        AuditEvent.action == "instance:migrated", AuditEvent.subject_id == str(instance_id)
                    )
                )
                == 1
            )
    _assert_consistent(ready)


def _calls_of_mzj_under_no_grant(sessions) -> int:
    """县民政局 calls 公安局's data under no grant: one anomaly (the platform's report)."""
    with sessions.begin() as s:
        platform = s.scalar(select(Person).where(Person.account_kind == AccountKind.PLATFORM))
        record = {"id": "r-1", "unit_code": "mzj", "resource_code": "XY-GA-001", "at": "2026-03-24T10:00:00+08:00"}
        record |= {"call_type": "interface", "count": 9, "failed": 0, "scenario": "低保核对"}
        ingest.ingest(s, platform, "r", "r", [record], [], UsageSource.PLATFORM)
        return s.scalar(select(func.max(UsageAnomaly.id)))


def test_two_coordinators_recording_an_incident_from_one_anomaly_at_once_record_one(committing_sessions, ready):
    with at("2026-03-25T10:00:00"):
        anomaly = _calls_of_mzj_under_no_grant(ready)
        with ready() as s:
            mzj = s.scalar(select(Unit.id).where(Unit.code == "mzj"))
        form = {"unit_id": mzj, "anomaly_id": anomaly, "occurred_on": "2026-03-24", "measures": "已责令停止调用"}
        form |= {"account": "使用异常监测发现县民政局无授权调用户籍数据", "data_affected": "户籍人口基本信息"}

        def record_as(username):
            return lambda s: incidents.record_incident(s, person(s, username), dict(form))

        assert race(ready, record_as("lina"), record_as("liuyang")) == ["409", "ok"]
    with ready() as s:
        assert s.scalar(select(func.count(Incident.id)).where(Incident.anomaly_id == anomaly)) == 1


def test_one_objection_sent_twice_at_once_is_raised_once(committing_sessions, ready):
    form = {
        "type": "catalog_correction",
        "resource_code": "XY-GA-001",
        "facts": "目录中户籍人口基本信息的更新周期写为每年，实际为实时更新",
        "request": "请更正该目录条目的更新周期",
    }
    with at("2026-03-25T10:00:00"):
        raise_it = lambda s: objection_cases.raise_objection(s, person(s, "sunjie"), dict(form))  # noqa: E731
        assert race(ready, raise_it, raise_it) == ["409", "ok"]
