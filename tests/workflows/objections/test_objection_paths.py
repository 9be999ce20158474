"""Each path of an objection through bpmn/objection.bpmn: not accepted, more information, agreed, coordinated, referred."""

import pytest
from sqlalchemy import select

from tests.helpers import person
from tests.workflows.objections.helpers import (
    accept_and_transfer,
    open_keys,
    raise_,
    rejected_application,
    state,
    step,
)
from workflows import audit_text
from workflows.errors import ValidationFailed
from workflows.models import AuditEvent, ObjectionOutcome, ObjectionStatus
from workflows.objections import cases, records


def test_a_raised_objection_waits_for_the_coordinators_triage_within_two_working_days(ready):
    objection_id = raise_(ready, application_id=rejected_application(ready))
    objection = state(ready, objection_id)
    assert objection.status == ObjectionStatus.SUBMITTED and objection.status.label == "已提交"
    assert open_keys(ready, objection_id) == ["ob_triage"]
    with ready() as s:
        assert cases.get_objection(s, person(s, "lina"), objection_id).concerned_unit.name == "县公安局"


def test_not_accepted_needs_a_specific_reason_and_ends_the_case(ready):
    objection_id = raise_(ready, application_id=rejected_application(ready))
    with pytest.raises(ValidationFailed) as refused:
        step(ready, objection_id, "ob_triage", "lina", {"decision": "reject", "reason": "不同意"})
    assert "不是具体不予受理的理由" in " ".join(refused.value.details)
    step(
        ready,
        objection_id,
        "ob_triage",
        "lina",
        {"decision": "reject", "reason": "该申请已由申请单位撤回后重新提交，本异议所涉决定已不存在"},
    )
    objection = state(ready, objection_id)
    assert objection.status == ObjectionStatus.NOT_ACCEPTED and "重新提交" in objection.not_accepted_reason
    assert open_keys(ready, objection_id) == []


def test_more_information_is_asked_once_only_and_the_raiser_alone_supplies_it(ready):
    objection_id = raise_(ready, application_id=rejected_application(ready))
    step(
        ready,
        objection_id,
        "ob_triage",
        "lina",
        {"decision": "ask_info", "info_request": "请补充驳回通知的截图和低保核对的文件依据"},
    )
    assert state(ready, objection_id).status == ObjectionStatus.AWAITING_INFO
    assert open_keys(ready, objection_id) == ["ob_supplement"]
    with pytest.raises(Exception, match="权限"):
        step(ready, objection_id, "ob_supplement", "zhuxia", {"supplement": "同单位的其他申请人代为补充"})
    step(ready, objection_id, "ob_supplement", "machao", {"supplement": "已附驳回通知截图及民政部门低保核对文件"})
    assert state(ready, objection_id).status == ObjectionStatus.SUBMITTED
    with pytest.raises(ValidationFailed) as refused:
        step(ready, objection_id, "ob_triage", "lina", {"decision": "ask_info", "info_request": "再补充一份材料"})
    assert "一次性告知" in " ".join(refused.value.details)
    step(ready, objection_id, "ob_triage", "wanglei", {"decision": "accept"})
    assert state(ready, objection_id).status == ObjectionStatus.ACCEPTED


def test_transferred_to_two_units_both_answer_and_the_agreed_outcome_is_recorded(ready):
    objection_id = raise_(
        ready,
        "huangtao",
        type="other",
        facts="县民政局与县公安局的人口数据口径不一致，核对结果互相矛盾",
        request="请统一口径",
    )
    accept_and_transfer(ready, objection_id, "gaj", "mzj")
    assert state(ready, objection_id).status == ObjectionStatus.TRANSFERRED
    assert open_keys(ready, objection_id) == ["ob_answer_1", "ob_answer_2"]
    step(ready, objection_id, "ob_answer_1", "huangtao", {"stance": "agree", "position": "同意按户籍口径统一"})
    assert open_keys(ready, objection_id) == ["ob_answer_2"]
    step(
        ready,
        objection_id,
        "ob_answer_2",
        "sunjie",
        {"stance": "agree", "position": "同意按户籍口径统一", "evidence": "《户口登记条例》"},
    )
    assert open_keys(ready, objection_id) == ["ob_decide"]
    step(
        ready,
        objection_id,
        "ob_decide",
        "lina",
        {"resolution": "agreed", "outcome": "upheld", "opinion": "两单位一致同意以户籍登记为准统一口径"},
    )
    objection = state(ready, objection_id)
    assert (objection.status, objection.outcome) == (ObjectionStatus.CLOSED, ObjectionOutcome.UPHELD)
    assert open_keys(ready, objection_id) == ["ob_rate"]
    step(ready, objection_id, "ob_rate", "huangtao", {"rating": "4", "rating_comment": "处理及时"})
    objection = state(ready, objection_id)
    assert (objection.status.label, objection.rating) == ("已评价", 4)
    assert open_keys(ready, objection_id) == []


def coordinate(
    ready, objection_id, result, opinion="经协调，申请用途符合《社会救助暂行办法》规定，应予共享", again=False
):
    if not again:
        step(ready, objection_id, "ob_decide", "lina", {"resolution": "coordinate"})
        assert state(ready, objection_id).status == ObjectionStatus.COORDINATING
    step(
        ready,
        objection_id,
        "ob_coordinate",
        "lina",
        {
            "meeting_date": "2026-02-13",
            "participants": "县大数据局李娜、县公安局黄涛、县民政局马超",
            "minutes": "双方陈述意见，县大数据局依据通知四(五)作出决定",
            "coordination_result": result,
            "opinion": opinion,
        },
    )


def test_coordinated_and_rejected_the_raiser_still_rates(ready):
    objection_id = raise_(ready, application_id=rejected_application(ready))
    accept_and_transfer(ready, objection_id)
    step(ready, objection_id, "ob_answer_1", "huangtao", {"stance": "disagree", "position": "申请依据不足，维持原决定"})
    with pytest.raises(ValidationFailed):
        coordinate(ready, objection_id, "rejected", opinion="不成立")
    coordinate(ready, objection_id, "rejected", opinion="申请所列依据不涉及户籍信息，原审核决定并无不当", again=True)
    objection = state(ready, objection_id)
    assert (objection.status, objection.outcome) == (ObjectionStatus.CLOSED, ObjectionOutcome.REJECTED)
    assert objection.coordination["participants"].startswith("县大数据局")
    assert open_keys(ready, objection_id) == ["ob_rate"]


def test_coordinated_and_upheld_the_decision_is_recorded_with_its_reasons(ready):
    objection_id = raise_(ready, application_id=rejected_application(ready))
    accept_and_transfer(ready, objection_id)
    step(ready, objection_id, "ob_answer_1", "huangtao", {"stance": "disagree", "position": "申请依据不足，维持原决定"})
    coordinate(ready, objection_id, "upheld")
    objection = state(ready, objection_id)
    assert (objection.status, objection.outcome) == (ObjectionStatus.CLOSED, ObjectionOutcome.UPHELD)
    assert "社会救助" in objection.opinion and objection.effect


def test_coordination_fails_the_case_is_referred_and_waits_for_the_county_governments_decision(ready):
    objection_id = raise_(ready, application_id=rejected_application(ready))
    accept_and_transfer(ready, objection_id)
    step(ready, objection_id, "ob_answer_1", "huangtao", {"stance": "disagree", "position": "涉及安全要求，不能共享"})
    coordinate(ready, objection_id, "refer", opinion="双方对安全要求的理解分歧较大，协调未能达成一致意见")
    assert open_keys(ready, objection_id) == ["ob_refer"]
    step(
        ready,
        objection_id,
        "ob_refer",
        "lina",
        {"referral_document": "夏数据〔2026〕3号 关于提请研究户籍数据共享争议的请示", "referred_on": "2026-02-13"},
    )
    objection = state(ready, objection_id)
    assert objection.status.label == "已提请县政府" and objection.outcome == ObjectionOutcome.REFERRED
    assert "3号" in objection.referral_document and str(objection.referred_on) == "2026-02-13"
    assert open_keys(ready, objection_id) == ["ob_government"]  # the county government decides, the bureau records it
    with ready() as s:
        assert records.for_objection(s, objection_id) is None  # nothing is decided yet: no record


def test_the_audit_trail_of_an_objection_reads_in_chinese(ready):
    objection_id = raise_(
        ready,
        "huangtao",
        type="other",
        facts="县民政局与县公安局的人口数据口径不一致，核对结果互相矛盾",
        request="请统一口径",
    )
    accept_and_transfer(ready, objection_id, "gaj", "mzj")
    with ready() as s:
        events = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject_type == "objection", AuditEvent.subject_id == str(objection_id))
            .order_by(AuditEvent.id)
        ).all()
        lines = audit_text.describe(s, list(events))
    assert [line.action for line in lines] == ["异议：已提交", "异议：已受理", "异议：已转办"]
    assert lines[0].subject == f"YY2026{objection_id:06d} 县公安局提出异议「县民政局与县公安局的人口数据口径…」"
    assert ("答复单位", "", "县公安局、县民政局") in lines[-1].changes


def test_a_coordination_in_the_future_or_a_referral_before_the_objection_was_raised_is_refused(ready):
    objection_id = raise_(ready, application_id=rejected_application(ready))
    accept_and_transfer(ready, objection_id)
    step(ready, objection_id, "ob_answer_1", "huangtao", {"stance": "disagree", "position": "涉及安全要求，不能共享"})
    step(ready, objection_id, "ob_decide", "lina", {"resolution": "coordinate"})
    meeting = {
        "participants": "县大数据局李娜、县公安局黄涛",
        "minutes": "双方陈述意见，未能达成一致",
        "coordination_result": "refer",
        "opinion": "双方对安全要求的理解分歧较大，协调未能达成一致意见",
    }
    with pytest.raises(ValidationFailed) as future:
        step(ready, objection_id, "ob_coordinate", "lina", meeting | {"meeting_date": "2030-01-01"})
    assert "协调日期：2030-01-01 晚于今天（2026-02-13），请填写实际发生的日期" in future.value.details
    step(ready, objection_id, "ob_coordinate", "lina", meeting | {"meeting_date": "2026-02-13"})
    with pytest.raises(ValidationFailed) as early:
        step(
            ready,
            objection_id,
            "ob_refer",
            "lina",
            {"referral_document": "夏数据〔2026〕3号 关于提请研究的请示", "referred_on": "2026-01-05"},
        )
    assert "提请日期：2026-01-05 早于异议提出的日期 2026-02-13，请核对" in early.value.details
    assert open_keys(ready, objection_id) == ["ob_refer"]


def test_an_answer_that_repeats_itself_is_refused_and_a_refusal_to_accept_is_asked_for_in_objection_words(ready):
    objection_id = raise_(ready, application_id=rejected_application(ready))
    with pytest.raises(ValidationFailed) as vague:
        step(ready, objection_id, "ob_triage", "lina", {"decision": "reject", "reason": "不同意"})
    message = " ".join(vague.value.details)
    assert "为什么不予受理" in message and "信息项" not in message
    accept_and_transfer(ready, objection_id)
    with pytest.raises(ValidationFailed) as repeated:
        step(ready, objection_id, "ob_answer_1", "huangtao", {"stance": "agree", "position": "同意同意"})
    assert "答复意见：“同意同意”是同一句话的重复" in " ".join(repeated.value.details)
    step(ready, objection_id, "ob_answer_1", "huangtao", {"stance": "agree", "position": "同意重新审核"})
    assert open_keys(ready, objection_id) == ["ob_decide"]
