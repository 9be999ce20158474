"""Completing a review: refused before anything happens when not allowed, and every trace written when it is."""

import pytest
from sqlalchemy import select

from tests.helpers import HOUSEHOLD, apply, person, review_task
from workflows.engine import tasks
from workflows.errors import Forbidden
from workflows.models import (
    Application,
    AuditEvent,
    HumanTask,
    Notification,
    OutboxEmail,
    Person,
    TaskStatus,
)
from workflows.sharing import applications

SPECIFIC = "申请的户籍地址信息项超出最低生活保障核对所需范围，请仅申请姓名和身份号码"


def traces(s, since: int = 0) -> dict[str, list[tuple]]:
    """What the audit trail, the inbox and the outbox hold after audit row `since`, by person username."""
    name = {p.id: p.username for p in s.scalars(select(Person))}
    audit = s.scalars(select(AuditEvent).where(AuditEvent.id > since).order_by(AuditEvent.id))
    return {
        "audit": sorted((e.action, e.subject_type, name.get(e.actor_id)) for e in audit),
        "inbox": sorted((name[n.person_id], n.template) for n in s.scalars(select(Notification))),
        "outbox": sorted((name[m.person_id], m.to_address) for m in s.scalars(select(OutboxEmail))),
    }


def last_audit_id(sessions) -> int:
    with sessions() as s:
        return s.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0


def test_a_reviewer_of_another_unit_is_refused_before_the_domain_reacts(ready):
    app_id = apply(ready)
    task_id = review_task(ready, app_id).id
    before = last_audit_id(ready)
    with ready() as s:
        with pytest.raises(Forbidden) as refused:
            tasks.complete(s, person(s, "sunjie"), task_id, {"decision": "reject", "reason": SPECIFIC})
        assert "您没有办理此任务的权限" in refused.value.message
        assert not (s.new or s.dirty or s.deleted)  # the review handler never ran
        assert s.get(Application, app_id).decided_by_id is None
    with ready() as s:
        assert s.get(HumanTask, task_id).status == TaskStatus.OPEN
        assert traces(s, before)["audit"] == []


def test_an_approval_writes_every_audit_event_notification_and_email(ready):
    app_id = apply(ready)
    with ready() as s:
        assert traces(s)["inbox"] == [("huangtao", "new_task"), ("sunhong", "new_task")]
    task_id = review_task(ready, app_id).id
    before = last_audit_id(ready)
    with ready.begin() as s:
        tasks.complete(s, person(s, "huangtao"), task_id, {"decision": "approve"})
    with ready() as s:
        found = traces(s, before)
        assert found["audit"] == sorted(
            [
                ("task:completed", "task", "huangtao"),
                ("application:approved", "application", "huangtao"),
                ("grant:created", "grant", "huangtao"),
                ("record:created", "application", None),
            ]
        )
        assert found["inbox"] == [("huangtao", "new_task"), ("machao", "decision"), ("sunhong", "new_task")]
        assert found["outbox"] == [
            ("huangtao", "huangtao@xiayi.gov.example"),
            ("machao", "machao@xiayi.gov.example"),
            ("sunhong", "sunhong@xiayi.gov.example"),
        ]


def test_a_rejection_writes_every_audit_event_notification_and_email(ready):
    app_id = apply(ready)
    task_id = review_task(ready, app_id).id
    before = last_audit_id(ready)
    with ready.begin() as s:
        tasks.complete(
            s,
            person(s, "huangtao"),
            task_id,
            {"decision": "reject", "reason": SPECIFIC, "rejection_category": "scope_exceeds", "concerns": ["户籍地址"]},
        )
    with ready() as s:
        found = traces(s, before)
        assert found["audit"] == sorted(
            [
                ("task:completed", "task", "huangtao"),
                ("application:rejected", "application", "huangtao"),
                ("record:created", "application", None),
            ]
        )
        assert ("machao", "decision") in found["inbox"] and len(found["outbox"]) == 3


def test_submitting_writes_the_application_case_and_task_events_and_tells_every_reviewer(ready):
    before = last_audit_id(ready)
    with ready.begin() as s:
        applications.apply(s, person(s, "machao"), HOUSEHOLD)
    with ready() as s:
        found = traces(s, before)
        assert found["audit"] == sorted(
            [
                ("application:saved", "application", "machao"),
                ("application:submitted", "application", "machao"),
                ("instance:started", "instance", "machao"),
                ("task:opened", "task", None),
            ]
        )
        assert found["inbox"] == [("huangtao", "new_task"), ("sunhong", "new_task")]
        assert [to for _, to in found["outbox"]] == ["huangtao@xiayi.gov.example", "sunhong@xiayi.gov.example"]
