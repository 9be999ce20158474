"""The pages and the API hold the provider's authority and tell the truth: the bureau cannot approve over a refusal on
any path, a government decision is recorded with its document and reaches the provider's review page, the API gives
the records in order, a revocation by the bureau says so, and the objection form tells nothing of other units."""

from __future__ import annotations

import io

from tests.helpers import HOUSEHOLD, csrf_token, decide, login, person, review_task, text_of
from tests.workflows.objections.helpers import (
    accept_and_transfer,
    answered_usage_dispute,
    open_task,
    raise_,
    record_government_decision,
    rejected_application,
    step,
)
from workflows.models import Application, GrantStatus, Notification
from workflows.sharing import applications, grants

REFERRAL = "县公安局坚持认为户籍地址不能共享，与县民政局的低保核对职责分歧无法协调一致"
DISAGREES = {"stance": "disagree", "position": "仍认为依据不足，维持原决定，不同意共享户籍地址"}


def _referred_refusal(ready) -> tuple[int, int]:
    app_id = rejected_application(ready)
    objection_id = raise_(ready, application_id=app_id)
    accept_and_transfer(ready, objection_id)
    step(ready, objection_id, "ob_answer_1", "huangtao", DISAGREES)
    step(ready, objection_id, "ob_decide", "lina", {"resolution": "refer", "opinion": REFERRAL})
    step(
        ready,
        objection_id,
        "ob_refer",
        "lina",
        {"referral_document": "夏数据〔2026〕3号 关于提请研究户籍数据共享争议的请示", "referred_on": "2026-02-13"},
    )
    return app_id, objection_id


def test_the_api_cannot_record_agreement_over_a_disagreeing_provider_nor_approve_in_its_place(api, ready):
    app_id = rejected_application(ready)
    objection_id = raise_(ready, application_id=app_id)
    accept_and_transfer(ready, objection_id)
    step(ready, objection_id, "ob_answer_1", "huangtao", DISAGREES)
    task_id = open_task(ready, objection_id, "ob_decide").id
    refused = api.complete(
        task_id,
        {
            "resolution": "agreed",
            "outcome": "upheld",
            "application_action": "approve",
            "opinion": "低保核对属于法定职责，应当共享户籍信息",
        },
        "lina",
    )
    assert refused.status_code == 422 and "resolution" in refused.get_json()["fields"]
    assert "不能记录为意见一致" in refused.get_json()["fields"]["resolution"]
    with ready() as s:
        assert grants.for_application(s, app_id) is None and s.get(Application, app_id).status == "rejected"


def test_the_government_decision_is_recorded_with_its_document_and_shown_on_the_providers_review(client, ready):
    app_id, objection_id = _referred_refusal(ready)
    login(client, "lina")
    path = f"/tasks/{open_task(ready, objection_id, 'ob_government').id}"
    assert "县政府决定文件" in text_of(client.get(path))
    form = {
        "government_number": "夏政文〔2026〕12号",
        "government_decided_on": "2026-02-13",
        "government_outcome": "upheld",
        "government_content": "低保核对属于法定职责，县公安局应按申请共享户籍人口信息。",
    }
    refused = client.post(
        path, data=form | {"csrf_token": csrf_token(client, path)}, content_type="multipart/form-data"
    )
    assert refused.status_code == 422 and "请选择县政府决定文件" in text_of(refused)
    assert 'value="夏政文〔2026〕12号"' in refused.get_data(as_text=True)  # what was typed is still there
    done = client.post(
        path,
        data=form
        | {
            "csrf_token": csrf_token(client, path),
            "government_file": (io.BytesIO(b"%PDF-1.4 decision"), "夏政文〔2026〕12号.pdf"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert done.status_code == 200 and "夏政文〔2026〕12号.pdf" in text_of(done)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "huangtao")
    review = text_of(client.get(f"/tasks/{review_task(ready, app_id).id}"))
    assert "本次审核依据县政府决定重新启动" in review and "夏政文〔2026〕12号" in review
    assert "不能执行县政府决定" in review and "退回补正（暂停计时）" not in review
    decide(ready, app_id, decision="approve")
    with ready() as s:
        grant_id = grants.for_application(s, app_id).id
    order = text_of(client.get(f"/grants/{grant_id}/order"))  # the 授权提供单 says what the approval rests on
    assert "经县公安局审核（有条件共享，依县政府决定（夏政文〔2026〕12号）重新审核通过）" in order


def test_the_api_answer_carries_the_newest_record_and_every_record_in_order_after_a_reopened_review(api, ready):
    app_id, objection_id = _referred_refusal(ready)
    record_government_decision(ready, objection_id)
    reopened = api.get(f"/api/v1/applications/{app_id}", "machao").get_json()
    assert reopened["status"] == "in_review" and reopened["record"] is None
    assert [r["decision"] for r in reopened["records"]] == ["未通过"] and not reopened["records"][0]["current"]
    decide(ready, app_id, decision="approve")
    body = api.get(f"/api/v1/applications/{app_id}", "machao").get_json()
    assert [(r["decision"], r["current"]) for r in body["records"]] == [("未通过", False), ("已通过", True)]
    assert body["record"]["sha256"] == body["records"][-1]["sha256"]


def test_a_revocation_by_the_bureau_says_the_bureau_revoked_it_and_why_once(ready):
    app_id, _, objection_id = answered_usage_dispute(ready)
    step(
        ready,
        objection_id,
        "ob_decide",
        "lina",
        {
            "resolution": "agreed",
            "outcome": "upheld",
            "grant_action": "revoke",
            "opinion": "异议成立：超出申请的低保核对场景使用户籍数据",
        },
    )
    with ready() as s:
        assert grants.for_application(s, app_id).status == GrantStatus.REVOKED
        notice = s.query(Notification).filter_by(person_id=person(s, "machao").id, template="grant_revoked").one()
    assert "已被县政务服务和大数据管理局撤销" in notice.body and "提供单位撤销" not in notice.body
    assert f"根据异议 YY2026{objection_id:06d} 的处理决定：超出申请的低保核对场景使用户籍数据" in notice.body
    assert "异议成立" not in notice.body


def test_the_objection_form_answers_alike_for_another_units_application_and_for_none(client, ready):
    with ready.begin() as s:  # 县公安局 applies for 县不动产中心's data: nothing to do with 县民政局
        other = applications.apply(
            s,
            person(s, "sunhong"),
            HOUSEHOLD | {"resource_code": "XY-BDC-001", "items": ["不动产单元号"], "sensitive_justification": ""},
        )
        number = other.number
    login(client, "machao")
    answers = []
    for typed in (number, "SQ2026999999"):
        page = client.post(
            "/objections/new",
            data={
                "csrf_token": csrf_token(client, "/objections/new"),
                "type": "application_dispute",
                "facts": "审核结果没有说明具体理由，影响业务办理",
                "request": "请协调",
                "application_number": typed,
            },
        )
        answers.append(text_of(page).replace(f"“{typed}”", "“＊”").replace(f'value="{typed}"', ""))
    assert answers[0] == answers[1] and "不是本单位申请或审核的申请编号" in answers[0]
