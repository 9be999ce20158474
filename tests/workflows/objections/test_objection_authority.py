"""Only the provider grants (四(三)); the county data bureau coordinates (四(五)): an objection decision reopens the
provider's review, is not upheld, or goes to the county government, whose decision the provider then carries out
or answers why it cannot."""

import pytest
from sqlalchemy import select, update

from tests.helpers import MISSING_BASIS, decide, person, review_task, status, unit
from tests.workflows.objections.helpers import (
    accept_and_transfer,
    open_keys,
    open_task,
    raise_,
    record_government_decision,
    rejected_application,
    state,
    step,
)
from workflows.engine import tasks
from workflows.errors import ValidationFailed
from workflows.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    Grant,
    GrantStatus,
    HumanTask,
    Notification,
    Objection,
    ObjectionStatus,
    TaskStatus,
)
from workflows.objections import handling as objections_handling
from workflows.objections import integrity as objection_integrity
from workflows.sharing import grants, integrity, records, reviews
from workflows.sharing import pages as sharing_pages

REFERRAL = "县公安局坚持认为户籍地址不能共享，与县民政局的低保核对职责分歧无法协调一致"
DISAGREES = {"stance": "disagree", "position": "仍认为依据不足，维持原决定，不同意共享户籍地址"}
COORDINATED = {
    "meeting_date": "2026-02-13",
    "participants": "县大数据局李娜、县公安局黄涛、县民政局马超",
    "minutes": "双方陈述意见，县公安局坚持原决定",
}


def _disputed_refusal(ready) -> tuple[int, int]:
    """县公安局 refused 县民政局's application, 县民政局 objects, 县公安局 answers that it still disagrees."""
    app_id = rejected_application(ready)
    objection_id = raise_(ready, application_id=app_id)
    accept_and_transfer(ready, objection_id)
    step(ready, objection_id, "ob_answer_1", "huangtao", DISAGREES)
    return app_id, objection_id


def _no_grant_and_consistent(ready, app_id):
    with ready() as s:
        assert grants.for_application(s, app_id) is None
        assert integrity.check(s) == [] and objection_integrity.check(s) == []


def test_agreement_cannot_be_recorded_while_the_provider_disagrees(ready):
    app_id, objection_id = _disputed_refusal(ready)
    with pytest.raises(ValidationFailed) as refused:
        step(
            ready,
            objection_id,
            "ob_decide",
            "lina",
            {"resolution": "agreed", "outcome": "upheld", "opinion": "低保核对属于法定职责，应当共享户籍信息"},
        )
    assert "县公安局答复“不认可异议请求”" in refused.value.details[0]
    assert "组织协调" in refused.value.details[0] and "提请县政府" in refused.value.details[0]
    assert open_keys(ready, objection_id) == ["ob_decide"]  # the case is exactly as it was
    assert status(ready, app_id) == ApplicationStatus.REJECTED
    _no_grant_and_consistent(ready, app_id)


def test_agreement_is_recorded_when_every_answer_matches_the_outcome(ready):
    app_id, objection_id = _disputed_refusal(ready)
    step(
        ready,
        objection_id,
        "ob_decide",
        "lina",
        {"resolution": "agreed", "outcome": "rejected", "opinion": "县公安局的不通过理由具体，符合规定，异议不成立"},
    )
    assert state(ready, objection_id).status == "closed" and status(ready, app_id) == ApplicationStatus.REJECTED


def test_choosing_coordination_records_no_outcome_even_if_the_form_carried_one(ready):
    app_id, objection_id = _disputed_refusal(ready)
    step(
        ready,
        objection_id,
        "ob_decide",
        "lina",
        {"resolution": "coordinate", "outcome": "upheld", "opinion": "本应协调，却误选了处理结果"},
    )
    objection = state(ready, objection_id)
    assert objection.outcome is None and objection.opinion == "" and objection.status == "coordinating"
    with ready() as s:
        done = next(t for t in tasks.case_tasks(s, "objection", objection_id) if t.task_key == "ob_decide")
        assert "outcome" not in done.result and "opinion" not in done.result


def test_an_upheld_dispute_after_coordination_reopens_the_providers_review_and_grants_nothing(ready):
    app_id, objection_id = _disputed_refusal(ready)
    step(ready, objection_id, "ob_decide", "lina", {"resolution": "coordinate"})
    step(
        ready,
        objection_id,
        "ob_coordinate",
        "lina",
        COORDINATED
        | {
            "coordination_result": "upheld",
            "opinion": "低保核对属于法定职责，《社会救助暂行办法》第十一条授权核对户籍",
        },
    )
    assert status(ready, app_id) == ApplicationStatus.IN_REVIEW
    review = review_task(ready, app_id)
    assert review.unit.name == "县公安局" and review.due_at is not None
    _no_grant_and_consistent(ready, app_id)
    with ready() as s:
        offered = [value for value, _ in reviews.review_decisions(s, s.get(HumanTask, review.id))]
    assert offered == ["approve", "reject", "return"]
    assert "5个工作日内作出决定" in state(ready, objection_id).effect


def test_the_provider_may_refuse_again_after_a_reopened_review_and_no_path_ends_in_a_grant(ready):
    app_id, objection_id = _disputed_refusal(ready)
    step(ready, objection_id, "ob_decide", "lina", {"resolution": "coordinate"})
    step(
        ready,
        objection_id,
        "ob_coordinate",
        "lina",
        COORDINATED
        | {
            "coordination_result": "upheld",
            "opinion": "低保核对属于法定职责，《社会救助暂行办法》第十一条授权核对户籍",
        },
    )
    decide(
        ready,
        app_id,
        decision="reject",
        rejection_category="security",
        provision="《个人信息保护法》第二十八条",
        reason="户籍地址属于敏感个人信息，依《个人信息保护法》第二十八条须单独同意，本次仍不能提供",
    )
    assert status(ready, app_id) == ApplicationStatus.REJECTED
    _no_grant_and_consistent(ready, app_id)


def test_a_referral_whose_government_decision_orders_sharing_reaches_the_providers_review(ready):
    app_id, objection_id = _disputed_refusal(ready)
    step(ready, objection_id, "ob_decide", "lina", {"resolution": "refer", "opinion": REFERRAL})
    step(
        ready,
        objection_id,
        "ob_refer",
        "lina",
        {"referral_document": "夏数据〔2026〕3号 关于提请研究户籍数据共享争议的请示", "referred_on": "2026-02-13"},
    )
    with pytest.raises(ValidationFailed) as refused:  # the decision is recorded with its document
        step(
            ready,
            objection_id,
            "ob_government",
            "lina",
            {
                "government_number": "夏政文〔2026〕12号",
                "government_decided_on": "2026-02-13",
                "government_content": "低保核对属于法定职责，县公安局应按申请共享户籍人口信息。",
                "government_outcome": "upheld",
            },
        )
    assert "县政府决定文件" in refused.value.details[0]
    record_government_decision(ready, objection_id)
    objection = state(ready, objection_id)
    assert objection.government_decision["number"] == "夏政文〔2026〕12号" and objection.status == "closed"
    assert status(ready, app_id) == ApplicationStatus.IN_REVIEW  # reopened: the provider decides, nothing granted
    _no_grant_and_consistent(ready, app_id)
    review = review_task(ready, app_id)
    with ready() as s:
        task = s.get(HumanTask, review.id)
        assert [v for v, _ in reviews.review_decisions(s, task)] == ["approve", "cannot"]
        assert reviews.government_decision(s, task.instance)["number"] == "夏政文〔2026〕12号"
    decide(ready, app_id, decision="approve")
    assert status(ready, app_id) == ApplicationStatus.APPROVED
    with ready() as s:
        grant = grants.for_application(s, app_id)
        assert grant.status == GrantStatus.ACTIVE
        created = s.query(AuditEvent).filter_by(action="grant:created", subject_id=str(grant.id)).one()
        assert created.actor_id == person(s, "huangtao").id  # the provider's reviewer, not the bureau
        assert records.for_grant(s, grant).content["decision"] == "已通过"
        assert integrity.check(s) == [] and objection_integrity.check(s) == []


def test_a_provider_that_cannot_carry_out_the_decision_answers_why_and_the_bureau_coordinates(ready):
    app_id, objection_id = _disputed_refusal(ready)
    step(ready, objection_id, "ob_decide", "lina", {"resolution": "refer", "opinion": REFERRAL})
    step(
        ready,
        objection_id,
        "ob_refer",
        "lina",
        {"referral_document": "夏数据〔2026〕3号 关于提请研究户籍数据共享争议的请示", "referred_on": "2026-02-13"},
    )
    record_government_decision(ready, objection_id)
    with pytest.raises(ValidationFailed):  # a bare refusal is not an answer
        decide(ready, app_id, decision="cannot", reason="不同意")
    with pytest.raises(ValidationFailed):  # nor is a rejection: the decision stands unless it cannot be carried out
        decide(
            ready,
            app_id,
            decision="reject",
            rejection_category="other",
            reason="户籍地址信息项依法不能对外提供给其他单位",
        )
    decide(
        ready,
        app_id,
        decision="cannot",
        reason="户籍地址库由省公安厅垂直管理，本局无权限向县级平台推送，需省厅授权后方能提供",
    )
    assert status(ready, app_id) == ApplicationStatus.COORDINATING
    _no_grant_and_consistent(ready, app_id)
    with ready() as s:
        coordinate = next(
            t
            for t in tasks.case_tasks(s, "application", app_id)
            if t.task_key == "da_coordinate" and t.status == TaskStatus.OPEN
        )
        assert coordinate.unit.name == "县政务服务和大数据管理局" and coordinate.role == "coordinator"
        coordinate_id = coordinate.id
    with ready.begin() as s:  # the bureau sends it back to the provider with its opinion: a new full period
        tasks.complete(
            s,
            person(s, "wanglei"),
            coordinate_id,
            {"next_step": "reopen", "opinion": "已协调省公安厅同意授权，请县公安局按县政府决定重新审核"},
        )
    assert status(ready, app_id) == ApplicationStatus.IN_REVIEW
    decide(ready, app_id, decision="cannot", reason="省公安厅尚未出具书面授权文件，本局仍无权限推送户籍地址数据")
    with ready() as s:
        coordinate_id = next(
            t.id
            for t in tasks.case_tasks(s, "application", app_id)
            if t.task_key == "da_coordinate" and t.status == TaskStatus.OPEN
        )
    with ready.begin() as s:  # or closes it on the provider's answer: not approved, reported to the county government
        tasks.complete(
            s,
            person(s, "wanglei"),
            coordinate_id,
            {"next_step": "conclude", "opinion": "省厅授权文件未到，按未通过办结并报告县政府领导小组"},
        )
    assert status(ready, app_id) == ApplicationStatus.REJECTED
    _no_grant_and_consistent(ready, app_id)
    with ready() as s:
        app = s.get(Application, app_id)
        assert app.decided_by.username == "huangtao"  # the provider's answer is the decision, not the bureau's
        content = records.for_application(s, app_id).content
    timeline = [step["step"] for step in content["timeline"]]
    assert "依据县政府决定重新审核（夏政文〔2026〕12号，异议 YY2026" in " ".join(timeline)
    assert timeline.count("研究提供单位意见") == 2
    said = [(step["step"], step.get("result")) for step in content["timeline"] if step.get("result")]
    assert said[0] == ("审核申请", "不通过（缺乏法律或政策依据；缺少或不足的依据：" + MISSING_BASIS + "）")
    assert [r for _, r in said[1:]] == [
        "不能执行县政府决定",
        "再次协调，退回提供单位重新审核",
        "不能执行县政府决定",
        "按未通过办结并报告县政府",
    ]
    assert content["decision"] == "未通过" and "县大数据局协调后按未通过办结并报告县政府" in content["closing_note"]
    with ready() as s:  # the applicant's page and message say how it closed, not only 未通过 and the provider's reason
        machao = person(s, "machao")
        assert "县大数据局协调后按未通过办结" in sharing_pages.application_page(s, machao, app_id).closing_note
        last = s.scalars(
            select(Notification)
            .where(Notification.person_id == machao.id, Notification.template == "decision")
            .order_by(Notification.id.desc())
        ).first()
        assert "审批结果：未通过" in last.body and "办结说明：县公安局答复不能执行县政府决定" in last.body


def test_no_grant_can_rest_on_anything_but_the_providers_approval(ready):
    """A grant planted on a refused application (as the bureau's old binding conclusion made) is found."""
    app_id = rejected_application(ready)
    with ready.begin() as s:
        app = s.get(Application, app_id)
        app.status, app.decided_by_id = ApplicationStatus.APPROVED, person(s, "lina").id
        s.add(
            Grant(
                application_id=app.id,
                unit_id=app.applicant_unit_id,
                resource_id=app.resource_id,
                items=list(app.items),
                scenario=app.scenario,
                valid_from=app.valid_until.replace(year=2026),
                valid_until=app.valid_until,
                status=GrantStatus.ACTIVE,
                created_at=app.created_at,
            )
        )
    with ready() as s:
        found = [str(p) for p in integrity.check(s)]
    assert any("授权不是基于提供单位审核人的通过决定" in p for p in found)


def test_check_integrity_reports_an_objection_whose_status_or_effect_disagrees_with_what_happened(app, ready):
    app_id = rejected_application(ready)
    objection_id = raise_(ready, application_id=app_id)
    accept_and_transfer(ready, objection_id)  # transferred: the answer is open
    with ready.begin() as s:  # an incident leaves it 已办结 with its answer still open, claiming a reopened review
        s.execute(
            update(Objection)
            .where(Objection.id == objection_id)
            .values(status=ObjectionStatus.CLOSED, outcome="upheld", effect="申请退回县公安局重新审核")
        )
    broken = app.test_cli_runner().invoke(args=["check-integrity"])
    assert broken.exit_code == 1
    assert f"异议 YY2026{objection_id:06d}：状态为“已办结”，待办环节却是（ob_answer_1）" in broken.output
    assert "处理结果记载“重新审核”，申请却没有重新审核" in broken.output


def test_once_the_county_government_decided_no_further_dispute_of_the_application_is_taken(ready):
    app_id, objection_id = _disputed_refusal(ready)
    step(ready, objection_id, "ob_decide", "lina", {"resolution": "refer", "opinion": REFERRAL})
    step(
        ready,
        objection_id,
        "ob_refer",
        "lina",
        {"referral_document": "夏数据〔2026〕3号 关于提请研究户籍数据共享争议的请示", "referred_on": "2026-02-13"},
    )
    record_government_decision(ready, objection_id, "rejected")
    with pytest.raises(ValidationFailed) as refused:
        raise_(ready, application_id=app_id)
    assert "本申请的争议已提请县政府决定（夏政文〔2026〕12号），并已按该决定办理，不再受理资源申请异议" in " ".join(
        refused.value.details
    )


def test_the_coordination_form_names_every_problem_at_once(ready):
    """A future date, an empty list of participants and a stock opinion are all refused in one answer, not one
    submit after another."""
    app_id, objection_id = _disputed_refusal(ready)
    step(ready, objection_id, "ob_decide", "lina", {"resolution": "coordinate"})
    with pytest.raises(ValidationFailed) as refused:
        step(
            ready,
            objection_id,
            "ob_coordinate",
            "lina",
            {
                "meeting_date": "2027-03-01",
                "participants": "无",
                "minutes": "无",
                "coordination_result": "upheld",
                "opinion": "不同意",
            },
        )
    assert set(refused.value.fields) == {"meeting_date", "participants", "minutes", "opinion"}
    assert "晚于今天" in refused.value.fields["meeting_date"] and "套话" in refused.value.fields["opinion"]
    with pytest.raises(ValidationFailed) as referral:
        step(
            ready,
            objection_id,
            "ob_coordinate",
            "lina",
            COORDINATED
            | {
                "coordination_result": "refer",
                "opinion": "双方分歧在于户籍地址是否属于低保核对必需信息项，协调未能一致",
            },
        )
        step(ready, objection_id, "ob_refer", "lina", {"referral_document": "无", "referred_on": "2027-01-01"})
    assert set(referral.value.fields) == {"referral_document", "referred_on"}


def test_the_bureau_is_neither_offered_nor_taken_as_a_responding_unit(ready):
    app_id = rejected_application(ready)
    objection_id = raise_(ready, application_id=app_id)  # 县民政局 against 县公安局
    step(ready, objection_id, "ob_triage", "lina", {"decision": "accept"})
    task_id = open_task(ready, objection_id, "ob_transfer").id
    with ready() as s:
        offered = [name for _, name in objections_handling.responding_units(s, s.get(HumanTask, task_id))]
        bureau = unit(s, "zwfw").id
    assert offered[0] == "县公安局" and "县政务服务和大数据管理局" not in offered
    with pytest.raises(ValidationFailed) as refused:
        step(ready, objection_id, "ob_transfer", "lina", {"responding_unit_ids": [str(bureau)]})
    assert "不作为答复单位" in refused.value.fields["responding_unit_ids"]
