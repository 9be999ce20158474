"""The 5-working-day rule without loopholes (RULES.md §5): specific reasons, 一次性告知, lateness that stays,
no approval of data that is no longer shared, 催办/督办 that say what they must."""

from datetime import date

import pytest
from sqlalchemy import select

from tests.helpers import (
    HOUSEHOLD,
    RETURN_ANSWERS,
    RETURN_LIST,
    apply,
    at,
    confirm_change,
    decide,
    household_as_entered,
    person,
    propose_not_shared,
    review_task,
    status,
)
from workflows.catalog import entries, proposals
from workflows.catalog.entries import InvalidEntry
from workflows.engine import forms, sweep, tasks
from workflows.errors import Conflict, ValidationFailed
from workflows.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    HumanTask,
    Notification,
    Resource,
    TaskStatus,
)
from workflows.sharing import applications, grants, pages, records, reviews
from workflows.supervision import timeliness

SPECIFIC = "申请的户籍地址信息项超出最低生活保障核对所需范围，请仅申请姓名和身份号码"
ANSWERS = RETURN_ANSWERS


def resubmit(sessions, app_id: int, username: str = "machao") -> None:
    with sessions() as s:
        task = next(
            t
            for t in tasks.case_tasks(s, "application", app_id)
            if t.task_key == "da_resubmit" and t.status == TaskStatus.OPEN
        )
    with sessions.begin() as s:
        tasks.complete(s, person(s, username), task.id, {"answers": ANSWERS})


def police_unit_figures(sessions):
    with sessions() as s:
        return {r.unit: r for r in timeliness.timeliness_by_unit(s, "reviewer")}["县公安局"]


# --- a rejection says why, specifically ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reason",
    [
        "不同意不同意不同意不同意",
        "不符合要求不符合条件",
        "不符合要求，不予通过，不同意",
        "aaaaaaaaaa",
        "1234567890",
        "申请范围超出履职需要",
    ],
)
def test_a_rejection_with_stock_phrases_repetition_or_no_substance_is_refused(ready, reason):
    app_id = apply(ready)
    with pytest.raises(ValidationFailed) as refused:
        decide(ready, app_id, decision="reject", reason=reason, rejection_category="scope_exceeds")
    assert "reason" in refused.value.fields and "请写明" in refused.value.fields["reason"]
    assert status(ready, app_id) == ApplicationStatus.IN_REVIEW


def test_a_specific_rejection_reason_is_accepted(ready):
    app_id = apply(ready)
    decide(ready, app_id, decision="reject", reason=SPECIFIC, rejection_category="scope_exceeds", concerns=["户籍地址"])
    assert status(ready, app_id) == ApplicationStatus.REJECTED


# --- 一次性告知: one return, listing each item -----------------------------------------------------------------


@pytest.mark.parametrize("reason", ["无", "补充材料", "请补充低保申请受理通知书\n无"])
def test_a_return_must_list_each_missing_material_specifically(ready, reason):
    app_id = apply(ready)
    with pytest.raises(ValidationFailed) as refused:
        decide(ready, app_id, decision="return", reason=reason)
    assert "补正事项" in refused.value.fields["reason"]
    assert status(ready, app_id) == ApplicationStatus.IN_REVIEW


def test_the_applicant_told_of_a_return_is_sent_to_the_resubmit_task_not_to_a_record(ready):
    app_id = apply(ready)
    decide(ready, app_id, decision="return", reason=RETURN_LIST)
    with ready() as s:
        told = s.scalars(
            select(Notification).where(
                Notification.person_id == person(s, "machao").id, Notification.template == "decision"
            )
        ).one()
    assert "补正后重新提交" in told.body and "请补充低保申请受理通知书扫描件" in told.body
    assert "审批记录" not in told.body


def test_an_application_is_returned_once_then_the_reviewer_approves_or_rejects(ready):
    app_id = apply(ready)
    decide(ready, app_id, decision="return", reason=RETURN_LIST)
    assert status(ready, app_id) == ApplicationStatus.RETURNED
    with ready() as s:
        assert reviews.returns(s, s.get(Application, app_id)) == 1
        assert not [
            t
            for t in tasks.case_tasks(s, "application", app_id)  # the clock stops while it is returned
            if t.task_key == "da_review" and t.status == TaskStatus.OPEN
        ]
    with at("2026-03-02T09:00:00"):
        resubmit(ready, app_id)
        task = review_task(ready, app_id)
        assert task.due_at.date() == date(2026, 3, 9)  # a new full period from the resubmission
        with ready() as s:
            task = s.get(HumanTask, task.id)
            decision = next(f for f in forms.fields(tasks.form_schema(task)) if f.name == "decision")
            assert [v for v, _ in forms.options(s, decision, task)] == ["approve", "reject"]
        with pytest.raises(ValidationFailed) as refused:
            decide(ready, app_id, decision="return", reason=RETURN_LIST)
        assert "只能退回补正一次" in refused.value.message and "decision" in refused.value.fields
        decide(ready, app_id, decision="approve")
    assert status(ready, app_id) == ApplicationStatus.APPROVED
    assert police_unit_figures(ready).returned == 1  # returns are counted for the coordinators
    with ready() as s:  # the record tells the whole round: what was asked and what the applicant answered
        timeline = records.for_application(s, app_id).content["timeline"]
    assert RETURN_LIST in [step.get("comment") for step in timeline]
    answered = next(step["answers"] for step in timeline if step.get("answers"))
    assert answered == [
        {"item": "请补充低保申请受理通知书扫描件", "answer": ANSWERS[0]},
        {"item": "请说明核对对象的范围和预计人数", "answer": ANSWERS[1]},
    ]


def test_a_rejection_records_no_items_as_granted_though_the_boxes_started_checked(ready):
    app_id = apply(ready)
    decide(
        ready,
        app_id,
        decision="reject",
        rejection_category="scope_exceeds",
        reason=SPECIFIC,
        concerns=["户籍地址"],
        approved_items=["姓名", "公民身份号码"],
    )
    with ready() as s:
        done = next(t for t in tasks.case_tasks(s, "application", app_id) if t.task_key == "da_review")
        assert "approved_items" not in done.result and "approved_until" not in done.result
        events = s.scalars(select(AuditEvent).where(AuditEvent.subject_type == "task")).all()
        assert all("approved_items" not in (e.after or {}) for e in events)


# --- lateness is a fact of each round -------------------------------------------------------------------------


def test_a_late_first_round_stays_late_after_an_on_time_second_round(ready):
    app_id = apply(ready)
    with at("2026-02-28T09:00:00"):
        sweep.sweep(ready)  # past the due day: 督办
        decide(ready, app_id, decision="return", reason=RETURN_LIST)
    with at("2026-03-02T09:00:00"):
        resubmit(ready, app_id)
        decide(ready, app_id, decision="approve")  # in time this round
    with ready() as s:
        app = s.get(Application, app_id)
        assert app.status == ApplicationStatus.APPROVED and app.late is True
    figures = police_unit_figures(ready)
    assert (figures.done_late, figures.done_on_time) == (1, 1)


def test_a_withdrawn_overdue_application_still_counts_as_overdue_for_the_provider(ready):
    app_id = apply(ready)
    with at("2026-03-03T09:00:00"):
        sweep.sweep(ready)
        assert police_unit_figures(ready).open_overdue == 1
        with ready.begin() as s:
            applications.withdraw(s, person(s, "machao"), app_id, "业务调整")
    with ready() as s:
        assert s.get(Application, app_id).late is True
    figures = police_unit_figures(ready)
    assert (figures.open_overdue, figures.done_late) == (0, 1)


def test_a_withdrawal_in_time_counts_neither_way(ready):
    app_id = apply(ready)
    with ready.begin() as s:
        applications.withdraw(s, person(s, "machao"), app_id, "业务调整")
    figures = police_unit_figures(ready)
    assert (figures.open_overdue, figures.done_late, figures.done_on_time) == (0, 0, 0)


def test_a_rejection_after_the_deadline_is_late(ready):
    app_id = apply(ready)
    with at("2026-03-03T09:00:00"):
        decide(
            ready, app_id, decision="reject", reason=SPECIFIC, rejection_category="scope_exceeds", concerns=["户籍地址"]
        )
    with ready() as s:
        assert s.get(Application, app_id).late is True


# --- 不予共享 and retired entries ---------------------------------------------------------------------------------


@pytest.mark.parametrize("basis", ["无", "根据相关规定不予共享", "不符合要求，不予共享"])
def test_not_shared_needs_a_specific_legal_or_policy_basis(ready, basis):
    with ready() as s:
        resource, raw, items = household_as_entered(s)
        with pytest.raises(InvalidEntry) as refused:
            entries.update_resource(
                s,
                person(s, "huangtao"),
                resource.id,
                raw | {"share_type": "not_shared", "share_condition": basis, "share_method": ""},
                items,
            )
    assert any("不予共享依据" in d and "法律" in d for d in refused.value.details), refused.value.details


def _made_not_shared(sessions) -> None:
    confirm_change(sessions, propose_not_shared(sessions))


def _retired(sessions) -> None:
    with sessions.begin() as s:
        resource_id = s.scalar(select(Resource.id).where(Resource.code == "XY-GA-001"))
        entries.retire(s, person(s, "huangtao"), resource_id, "该资源已并入人口综合库，原条目停用")
        change_id = proposals.open_change(s, resource_id).id
    confirm_change(sessions, change_id)


@pytest.mark.parametrize("change, word", [(_made_not_shared, "不予共享"), (_retired, "已停用")])
def test_a_review_shows_that_its_resource_stopped_being_shared_and_approval_is_refused(ready, change, word):
    app_id = apply(ready)
    change(ready)
    task = review_task(ready, app_id)
    with ready() as s:
        assert word in pages.task_warning(s, task)
        assert "approve" not in dict(reviews.review_decisions(s, s.get(HumanTask, task.id)))  # 通过 is not offered
        assert word in pages.application_page(s, person(s, "huangtao"), app_id).resource_warning
        told_applicant = pages.application_page(s, person(s, "machao"), app_id).resource_warning
        assert word in told_applicant and "撤回本申请" in told_applicant  # what the applicant can do, not the reviewer
        assert "请选择“不通过”" not in told_applicant
    with pytest.raises(Conflict) as refused:
        decide(ready, app_id, decision="approve")
    assert "不能审核通过" in refused.value.message and "不通过" in refused.value.message
    decide(
        ready,
        app_id,
        decision="reject",
        reason="该资源已改为不予共享或已停用，依据见资源目录中的说明",
        rejection_category="no_basis",
        missing_basis="资源已不予共享，依据《中华人民共和国居民身份证法》第十九条",
    )
    with ready() as s:
        assert grants.for_application(s, app_id) is None


def test_no_grant_can_be_created_for_a_resource_that_is_not_shared(ready):
    app_id = apply(ready)
    _made_not_shared(ready)
    with ready() as s:
        app = s.get(Application, app_id)
        with pytest.raises(Conflict) as refused:
            grants.create(s, app, ["姓名"], date(2026, 12, 31), person(s, "huangtao").id)
    assert "不能授权" in refused.value.message


# --- 催办 and 督办 ------------------------------------------------------------------------------------------------


def _notices(sessions, username: str, prefix: str) -> list[Notification]:
    with sessions() as s:
        return [
            n
            for n in s.scalars(select(Notification).where(Notification.person_id == person(s, username).id))
            if n.subject.startswith(prefix)
        ]


def test_reminder_and_escalation_carry_the_provisional_flag_and_escalation_reaches_the_late_reviewer(ready):
    with at("2026-12-28T10:00:00"), ready.begin() as s:  # five working days reach into 2027, not yet published
        app_id = applications.apply(s, person(s, "machao"), HOUSEHOLD).id
    assert review_task(ready, app_id).due_provisional
    with at("2027-01-04T08:30:00"):
        sweep.sweep(ready)
    with at("2027-01-05T09:00:00"):
        sweep.sweep(ready)
    (reminder,) = _notices(ready, "huangtao", "【催办】")
    (escalation,) = _notices(ready, "huangtao", "【督办】")  # the late reviewer hears it, not only the bureau
    assert "临时计算" in reminder.body and "临时计算" in escalation.body
    assert "临时计算" in _notices(ready, "wanglei", "【督办】")[0].body


def test_a_completed_task_shows_when_it_was_done_not_days_left(ready):
    app_id = apply(ready)
    task_id = review_task(ready, app_id).id
    decide(ready, app_id, decision="approve")
    with ready() as s:
        deadline = tasks.deadline(s, s.get(HumanTask, task_id))
    assert deadline["completed_at"] is not None and deadline["overdue"] is False
