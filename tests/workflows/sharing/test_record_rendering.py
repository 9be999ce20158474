"""Record PDFs have a time budget: a record that fails is marked, retried later with a back-off, and never blocks others."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import undefer

from tests.helpers import apply, at, decide, login
from workflows import clock
from workflows.models import ApprovalRecord
from workflows.sharing import records

REASON = "申请的户籍地址信息项超出最低生活保障核对所需范围，请仅申请姓名和身份号码"


@pytest.fixture
def decided(processes, demo_catalog):
    """Two rejected applications with their records; the first record's content cannot be rendered."""
    with at("2026-02-13T10:00:00"):
        ids = [apply(processes) for _ in range(2)]
        for app_id in ids:
            decide(
                processes,
                app_id,
                decision="reject",
                reason=REASON,
                rejection_category="scope_exceeds",
                concerns=["户籍地址"],
            )
        with processes.begin() as s:
            broken = s.scalar(select(ApprovalRecord).where(ApprovalRecord.application_id == ids[0]))
            s.execute(
                update(ApprovalRecord)
                .where(ApprovalRecord.id == broken.id)
                .values(content=broken.content | {"timeline": 5})
            )  # not a list: the template fails
        yield processes, ids


def _record(sessions, app_id) -> ApprovalRecord:
    with sessions() as s:
        return s.scalar(
            select(ApprovalRecord).options(undefer(ApprovalRecord.pdf)).where(ApprovalRecord.application_id == app_id)
        )


def test_a_failing_record_is_marked_and_the_others_are_still_rendered(decided):
    sessions, (broken, fine) = decided
    with at("2026-02-13T10:05:00"):
        assert records.render_pending(sessions) == 1
    failed, rendered = _record(sessions, broken), _record(sessions, fine)
    assert failed.render_attempts == 1 and failed.render_error and failed.pdf is None
    assert clock.fmt(failed.next_render_at) == "2026-02-13 10:07"  # two minutes later
    assert rendered.pdf.startswith(b"%PDF")


def test_a_failed_record_waits_for_its_back_off_before_the_next_try(decided):
    sessions, (broken, _) = decided
    with at("2026-02-13T10:05:00"):
        records.render_pending(sessions)
    with at("2026-02-13T10:06:00"):
        assert records.render_pending(sessions) == 0
    assert _record(sessions, broken).render_attempts == 1  # not tried again within 2 minutes
    with at("2026-02-13T10:08:00"):
        records.render_pending(sessions)
    retried = _record(sessions, broken)
    assert retried.render_attempts == 2
    with at("2026-02-13T10:11:00"):
        records.render_pending(sessions)
    assert _record(sessions, broken).render_attempts == 2  # the next wait is 4 minutes


def test_rendering_past_its_time_budget_is_stopped_with_a_chinese_reason(decided):
    sessions, (_, fine) = decided
    record = _record(sessions, fine)
    with pytest.raises(records.RenderFailed) as stopped:
        records.render_within(record.content, record.sha256, seconds=0)
    assert "已中止" in str(stopped.value)


def test_downloading_a_record_that_cannot_be_made_says_to_come_back_and_the_sysadmin_sees_it(decided, client):
    sessions, (broken, _) = decided
    login(client, "machao")
    with at("2026-02-13T10:05:00"):
        answer = client.get(f"/applications/{broken}/record.pdf")
    assert answer.status_code == 503 and "正在生成" in answer.get_data(as_text=True)
    assert answer.headers["Retry-After"] == "120"
    admin = client.application.test_client()
    login(admin, "chenjing")
    page = admin.get("/admin/records").get_data(as_text=True)
    assert "已尝试" in page and "1 次" in page
