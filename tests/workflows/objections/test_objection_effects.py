"""Upheld objections act on what they concern through its services: a review reopened, a correction, a revocation."""

import pytest

from tests.helpers import apply, decide, person, review_task, status
from tests.workflows.objections.helpers import (
    accept_and_transfer,
    answered_usage_dispute,
    open_keys,
    raise_,
    rejected_application,
    state,
    step,
)
from workflows.catalog import entries
from workflows.engine import tasks
from workflows.errors import ValidationFailed
from workflows.models import (
    ApprovalRecord,
    AuditEvent,
    Correction,
    CorrectionStatus,
    Grant,
    GrantStatus,
    Notification,
    Objection,
    TaskStatus,
)
from workflows.objections import cases
from workflows.objections import records as objection_records
from workflows.sharing import grants, records, reviews

UPHOLD = {"resolution": "agreed", "outcome": "upheld", "opinion": "申请依据充分，提供单位应重新审核并说明具体理由"}


def test_an_upheld_application_dispute_reopens_the_review_and_the_reviewer_can_then_approve(ready):
    app_id = rejected_application(ready)
    objection_id = raise_(ready, application_id=app_id)
    accept_and_transfer(ready, objection_id)
    with ready() as s:
        assert cases.flags(s, application_id=app_id) == ["存在异议"]
    step(ready, objection_id, "ob_answer_1", "huangtao", {"stance": "agree", "position": "同意重新审核"})
    step(ready, objection_id, "ob_decide", "lina", UPHOLD)
    assert status(ready, app_id) == "in_review"
    review = review_task(ready, app_id)
    assert review.due_at is not None and review.unit.name == "县公安局"
    with ready() as s:
        assert cases.flags(s, application_id=app_id) == []  # decided: the flag is lifted
        steps = tasks.case_tasks(s, "application", app_id)
        assert [t.status for t in steps if t.task_key == "da_review"] == [TaskStatus.COMPLETED, TaskStatus.OPEN]
        reopened = s.query(AuditEvent).filter_by(action="application:reopened").one()
        assert reopened.after["objection_id"] == objection_id and "重新审核" in reopened.after["opinion"]
        assert [o.id for o in cases.linked(s, application_id=app_id)] == [objection_id]
    with ready() as s:
        first = records.for_application(s, app_id)
    decide(ready, app_id, decision="approve")
    assert status(ready, app_id) == "approved"
    with ready() as s:
        assert grants.for_application(s, app_id).status == GrantStatus.ACTIVE
        newest = records.for_application(s, app_id)  # each decision keeps its record; the newest holds
        assert (first.content["decision"], newest.content["decision"]) == ("未通过", "已通过")
        assert records.superseded_by(s, s.get(ApprovalRecord, first.id)).id == newest.id
        assert records.superseded_by(s, newest) is None


def test_an_upheld_catalog_correction_opens_a_task_that_closes_only_with_a_new_revision(ready):
    objection_id = raise_(
        ready,
        "machao",
        type="catalog_correction",
        resource_code="XY-GA-001",
        facts="目录中“户籍地址”信息项的更新周期写为每年，实际为实时更新",
        request="请更正更新周期",
    )
    accept_and_transfer(ready, objection_id)
    with ready() as s:
        resource_id = state(ready, objection_id).resource_id
        assert cases.flags(s, resource_id=resource_id) == ["存在异议"]
    step(ready, objection_id, "ob_answer_1", "huangtao", {"stance": "agree", "position": "确有错误，将更正"})
    step(ready, objection_id, "ob_decide", "lina", UPHOLD | {"opinion": "目录更新周期填写错误，由县公安局更正"})
    assert open_keys(ready, objection_id) == ["ob_correct"]
    with ready() as s:
        task = next(t for t in tasks.case_tasks(s, "objection", objection_id) if t.task_key == "ob_correct")
        assert task.unit.name == "县公安局" and task.due_at is not None
        assert cases.flags(s, resource_id=resource_id) == ["纠错中"]
    with pytest.raises(ValidationFailed) as refused:
        step(ready, objection_id, "ob_correct", "huangtao", {"done_note": "已经更正更新周期"})
    assert "新的修订版本" in " ".join(refused.value.details)
    with ready.begin() as s:
        huangtao = person(s, "huangtao")
        entry = entries.get_resource(s, huangtao, "XY-GA-001")
        entries.update_resource(
            s,
            huangtao,
            entry.id,
            entries.snapshot(entry) | {"summary": "户籍人口基本信息（实时更新）"},
            entries.snapshot(entry)["items"],
        )
    step(ready, objection_id, "ob_correct", "huangtao", {"done_note": "已将更新周期改为实时"})
    with ready() as s:
        assert cases.flags(s, resource_id=resource_id) == []
        objection = s.get(Objection, objection_id)
        assert s.query(AuditEvent).filter_by(action="resource:corrected").one().after["objection_id"] == objection_id
        assert any("已完成纠正" in n.subject or "已完成纠正" in n.body for n in _inbox(s, objection.raiser_id))
    assert open_keys(ready, objection_id) == ["ob_rate"]


def test_a_quality_correction_needs_the_date_the_data_was_corrected(ready):
    objection_id = raise_(
        ready,
        "machao",
        type="quality_dispute",
        resource_code="XY-GA-001",
        facts="共享的户籍数据中有大量已迁出人员仍显示为本县户籍",
        request="请核实并更正数据",
    )
    accept_and_transfer(ready, objection_id)
    step(ready, objection_id, "ob_answer_1", "huangtao", {"stance": "agree", "position": "数据同步延迟，将更正"})
    step(ready, objection_id, "ob_decide", "lina", UPHOLD)
    with pytest.raises(ValidationFailed):
        step(ready, objection_id, "ob_correct", "huangtao", {"done_note": "已重新同步迁出人员数据"})
    step(
        ready,
        objection_id,
        "ob_correct",
        "huangtao",
        {"done_note": "已重新同步迁出人员数据", "corrected_on": "2026-02-13"},
    )
    with ready() as s:
        correction = s.query(Correction).filter_by(objection_id=objection_id).one()
        assert correction.status == CorrectionStatus.DONE and str(correction.corrected_on) == "2026-02-13"


def test_an_upheld_usage_dispute_revokes_the_grant_and_records_an_incident(ready):
    app_id = apply(ready)
    decide(ready, app_id, decision="approve")
    with ready() as s:
        grant_id = grants.for_application(s, app_id).id
    objection_id = raise_(
        ready,
        "huangtao",
        type="usage_dispute",
        grant_id=grant_id,
        facts="县民政局将户籍数据用于招商引资统计，超出低保核对的应用场景",
        request="请撤销授权",
    )
    with ready() as s:
        assert state(ready, objection_id).concerned_unit_id == s.get(Grant, grant_id).unit_id
    accept_and_transfer(ready, objection_id, "mzj")
    with ready() as s:
        assert cases.flags(s, grant_id=grant_id) == ["存在异议"]
    step(
        ready,
        objection_id,
        "ob_answer_1",
        "sunjie",
        {"stance": "agree", "position": "确曾用于汇总统计，接受处理并整改"},
    )
    step(
        ready,
        objection_id,
        "ob_decide",
        "lina",
        UPHOLD
        | {"opinion": "超出申请的应用场景使用数据，违反谁使用谁负责的要求", "grant_action": "revoke", "incident": True},
    )
    with ready() as s:
        grant = s.get(Grant, grant_id)
        assert grant.status == GrantStatus.REVOKED
        assert (
            grant.revoked_reason
            == f"根据异议 YY2026{objection_id:06d} 的处理决定：超出申请的应用场景使用数据，违反谁使用谁负责的要求"
        )
        incident = s.query(AuditEvent).filter_by(action="unit:incident").one()
        assert str(incident.subject_id) == str(grant.unit_id)
        assert "撤销" in s.get(Objection, objection_id).effect


def _inbox(session, person_id):
    return session.query(Notification).filter_by(person_id=person_id).all()


RETURN = "请补充低保申请受理通知书扫描件\n请说明核对对象的范围和人数"


def test_an_upheld_dispute_against_a_return_sets_it_aside_and_the_provider_reviews_again(ready):
    app_id = apply(ready)
    decide(ready, app_id, decision="return", reason=RETURN)
    objection_id = raise_(
        ready,
        application_id=app_id,
        facts="退回要求的受理通知书并非法定材料，低保核对不需要该材料",
        request="请撤销退回，由县公安局继续审核",
    )
    accept_and_transfer(ready, objection_id)
    step(
        ready,
        objection_id,
        "ob_answer_1",
        "huangtao",
        {"stance": "agree", "position": "经核实确无必要补充该材料，同意继续审核"},
    )
    step(ready, objection_id, "ob_decide", "lina", UPHOLD)
    assert status(ready, app_id) == "in_review"
    assert state(ready, objection_id).effect.startswith("撤销退回补正，")
    with ready() as s:
        steps = tasks.case_tasks(s, "application", app_id)
        assert [(t.task_key, t.status) for t in steps if t.task_key == "da_resubmit"] == [
            ("da_resubmit", TaskStatus.CANCELLED)
        ]
        review = next(t for t in steps if t.task_key == "da_review" and t.status == TaskStatus.OPEN)
        assert review.due_at is not None and review.unit.name == "县公安局"

        assert "return" not in [v for v, _ in reviews.review_decisions(s, review)]  # 一次性告知: returned once already


def test_an_objection_on_an_application_without_a_decision_is_refused_saying_why(ready):
    app_id = apply(ready)
    with pytest.raises(ValidationFailed) as refused:
        raise_(ready, application_id=app_id)
    assert "提供单位正在审核，尚无审核结果" in " ".join(refused.value.details)


def test_the_record_of_a_usage_dispute_says_the_grant_was_already_revoked_not_that_it_was_kept(ready):
    _, grant_id, objection_id = answered_usage_dispute(ready)
    with ready.begin() as s:  # meanwhile the provider revokes it itself
        grants.revoke(s, person(s, "huangtao"), grant_id, "发现超出应用场景使用，依约撤销授权")
    step(
        ready,
        objection_id,
        "ob_decide",
        "lina",
        UPHOLD | {"opinion": "超出申请的低保核对场景使用户籍数据", "grant_action": "revoke"},
    )
    effect = state(ready, objection_id).effect
    assert "已撤销" in effect and "未再处理" in effect and "保留" not in effect
    with ready() as s:
        assert objection_records.for_objection(s, objection_id).content["effect"] == effect
