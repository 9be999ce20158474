"""The applications API end to end: apply, review through /tasks, decide with specific reasons, records, grants."""

import html
import re
import threading

import pytest
from sqlalchemy import func, select

from tests.helpers import HOUSEHOLD, HOUSEHOLD_FORM, NARROWED, login, submit_form
from workflows.models import AuditEvent, Notification, OutboxEmail

COMPANY = {
    "resource_code": "XY-SJ-001",
    "items": ["企业名称", "统一社会信用代码"],
    "scenario": "企业开办一件事中核验企业登记信息",
    "basis": "《优化营商环境条例》",
    "purpose": "核验企业登记状态",
    "frequency": "每日",
    "valid_until": "2027-02-13",
    "undertaking": True,
}
SPECIFIC = "申请的户籍地址信息项超出最低生活保障核对所需范围，请仅申请姓名和身份号码"


def test_the_whole_journey_from_application_to_a_rejection_with_a_record(api):
    created = api.apply()
    assert created["status"] == "in_review" and created["number"].startswith("SQ2026")
    assert created["due_at"] == "2026-02-27T15:59:59+00:00"  # 5 working days, end of day in Shanghai
    task = api.review_task(created["id"])
    assert (task["process"], task["due_at"]) == ("data_application", created["due_at"])
    assert api.get("/api/v1/tasks", "huangtao", process="catalog_update").get_json()["items"] == []
    assert api.get("/api/v1/tasks", "huangtao", overdue="1").get_json()["items"] == []

    refused = api.complete(task["id"], {"decision": "reject", "reason": "不同意"})
    assert refused.status_code == 422 and refused.get_json()["code"] == "validation_failed"
    assert any(d.startswith("理由：") for d in refused.get_json()["details"])  # with the missing category, at once
    assert set(refused.get_json()["fields"]) == {"reason", "rejection_category"}

    done = api.complete(task["id"], {"decision": "reject", "reason": SPECIFIC, "rejection_category": "other"})
    assert done.status_code == 200
    assert done.get_json()["task"]["status"] == "completed"
    app = done.get_json()["application"]
    assert (app["status"], app["decision_reason"], app["rejection_category"]) == ("rejected", SPECIFIC, "other")
    assert app["grant"] is None and app["due_at"] is None and app["late"] is False

    detail = api.get(f"/api/v1/applications/{created['id']}").get_json()
    assert detail["status_label"] == "未通过" and detail["decided_at"]
    assert [s["step"] for s in detail["timeline"]][0] == "提交申请"
    review = detail["timeline"][-1]
    assert (review["unit"], review["actor"], review["on_time"], review["result"]["reason"]) == (
        "县公安局",
        "黄涛",
        True,
        SPECIFIC,
    )
    record = detail["record"]
    assert record["url"] == f"/api/v1/applications/{created['id']}/record.pdf"
    assert record["verify_url"] == f"/verify/{record['sha256']}"
    pdf = api.get(record["url"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_the_record_of_an_undecided_application_is_not_found_yet(api):
    created = api.apply()
    response = api.get(f"/api/v1/applications/{created['id']}/record.pdf")
    assert response.status_code == 404 and "审批记录" in response.get_json()["message"]


def test_an_approval_with_narrowed_items_creates_the_grant_listed_under_grants(api):
    created = api.apply()
    task = api.review_task(created["id"])
    done = api.complete(
        task["id"],
        {
            "decision": "approve",
            "approved_items": ["姓名", "公民身份号码"],
            "approved_until": "2026-12-31",
            "reason": NARROWED,
        },
    )
    app = done.get_json()["application"]
    assert app["status"] == "approved" and app["record"] is not None
    assert (app["grant"]["items"], app["grant"]["valid_until"]) == (["姓名", "公民身份号码"], "2026-12-31")
    held = api.get("/api/v1/grants").get_json()["items"]
    assert [(g["application_id"], g["unit"], g["resource_code"], g["status"], g["status_label"]) for g in held] == [
        (created["id"], "县民政局", "XY-GA-001", "active", "有效")
    ]
    assert held[0]["items"] == ["姓名", "公民身份号码"] and held[0]["valid_from"] == "2026-02-13"
    assert [g["id"] for g in api.get("/api/v1/grants", "huangtao", scope="provider").get_json()["items"]] == [
        held[0]["id"]
    ]
    assert api.get("/api/v1/grants", "huangtao").get_json()["items"] == []


def test_an_unconditional_resource_is_approved_at_once_without_a_due_date(api):
    created = api.apply(**COMPANY | {"sensitive_justification": ""})
    assert (created["status"], created["due_at"], created["frequency"]) == ("approved", None, "daily")
    assert created["grant"]["status"] == "active" and created["record"]["sha256"]


def test_a_not_shared_resource_answers_422_not_shareable(api):
    response = api.post("/api/v1/applications", HOUSEHOLD | {"resource_code": "XY-GA-004", "items": ["案件编号"]})
    assert response.status_code == 422
    assert response.get_json()["code"] == "not_shareable" and "供需对接清单" in response.get_json()["message"]


def test_an_unknown_resource_answers_404(api):
    response = api.post("/api/v1/applications", HOUSEHOLD | {"resource_code": "XY-NOPE-9"})
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"


def test_a_person_without_the_applicant_role_cannot_apply(api):
    response = api.post("/api/v1/applications", HOUSEHOLD, "huangtao")
    assert response.status_code == 403 and "申请人" in response.get_json()["message"]


def test_every_validation_problem_is_listed_at_once(api):
    response = api.post(
        "/api/v1/applications",
        {
            "resource_code": "XY-GA-001",
            "items": ["姓名", "指纹"],
            "scenario": "核验",
            "frequency": "hourly",
            "valid_until": "2030-01-01",
        },
    )
    assert response.status_code == 422
    details = " ".join(response.get_json()["details"])
    for field in ("指纹", "应用场景", "法律或政策依据", "用途", "预计调用频次", "有效期至", "使用承诺"):
        assert field in details


def test_a_bad_date_blank_scenario_missing_reason_and_undertaking_are_named_field_by_field_at_once(api):
    body = HOUSEHOLD | {
        "valid_until": "2031-01-01",
        "scenario": "   ",
        "sensitive_justification": "",
        "undertaking": False,
        "basis": "x",
        "frequency": "",
    }

    response = api.post("/api/v1/applications", body)

    assert response.status_code == 422
    fields = response.get_json()["fields"]
    assert set(fields) == {"valid_until", "scenario", "sensitive_justification", "undertaking", "basis", "frequency"}
    assert fields["basis"] == "法律或政策依据：请写明具体的法律、法规或政策文件名称及条款，至少 4 个字"
    assert fields["frequency"] == "预计调用频次：请选择调用频次"


@pytest.mark.parametrize(
    "changes",
    [
        {"scenario": "核" * 2001, "basis": "法" * 1001, "items": ["姓" * 101]},
        {
            "scenario": "核验",
            "basis": "x",
            "purpose": "",
            "frequency": "",
            "valid_until": "2031-01-01",
            "undertaking": False,
        },
        {"valid_until": "2027/02/13", "frequency": "偶尔", "items": ["姓名", "指纹"], "sensitive_justification": ""},
    ],
)
def test_the_same_bad_application_is_told_the_same_words_beside_the_form_fields_and_in_the_api(api, client, changes):
    answer = api.post("/api/v1/applications", HOUSEHOLD | changes)
    login(client, "machao")
    form = HOUSEHOLD_FORM | {k: v for k, v in changes.items() if k != "undertaking"}
    page = submit_form(client, form | ({"undertaking": ""} if "undertaking" in changes else {}), action="submit")
    beside_fields = re.findall(r'<div class="invalid-feedback d-block">(.*?)</div>', page.get_data(as_text=True))
    assert answer.status_code == page.status_code == 422
    assert sorted(answer.get_json()["fields"].values()) == sorted(html.unescape(m) for m in beside_fields)
    assert set(answer.get_json()["fields"]) >= {name for name in changes if name != "sensitive_justification"}


def test_a_reviewer_of_another_unit_can_neither_decide_nor_see_the_application(api):
    created = api.apply()
    task = api.review_task(created["id"])
    # 县民政局's reviewer sees his unit's application, so hears 403; 县人社局's sees nothing of it, so hears 404
    for stranger, status, code in (("sunjie", 403, "forbidden"), ("lvping", 404, "not_found")):
        response = api.complete(task["id"], {"decision": "approve"}, stranger)
        assert response.status_code == status and response.get_json()["code"] == code
    assert api.get(f"/api/v1/applications/{created['id']}", "lvping").status_code == 404
    assert api.get(f"/api/v1/applications/{created['id']}/record.pdf", "lvping").status_code == 404
    assert api.get(f"/api/v1/applications/{created['id']}", "huangtao").status_code == 200
    assert api.get("/api/v1/applications", "lvping", scope="provider").get_json()["items"] == []


def test_a_stranger_completing_a_task_gets_403_in_chinese_and_leaves_no_trace(api):
    created = api.apply()
    task = api.review_task(created["id"])
    api.headers("sunjie")  # the token (and its audit row) exists before

    def counts():
        with api.sessions() as s:
            return [s.scalar(select(func.count()).select_from(t)) for t in (AuditEvent, Notification, OutboxEmail)]

    before = counts()
    response = api.complete(task["id"], {"decision": "reject", "reason": SPECIFIC}, "sunjie")
    assert response.status_code == 403 and "您没有办理此任务的权限" in response.get_json()["message"]
    assert counts() == before
    assert api.get(f"/api/v1/applications/{created['id']}").get_json() == created


def test_the_completion_answers_the_application_exactly_as_reading_it_afterwards(api):
    created = api.apply()
    assert api.get(f"/api/v1/applications/{created['id']}").get_json() == created
    for decision in (
        {"decision": "approve"},
        {"decision": "reject", "reason": SPECIFIC, "rejection_category": "other"},
    ):
        app_id = api.apply()["id"]
        done = api.complete(api.review_task(app_id)["id"], decision).get_json()
        assert done["application"] == api.get(f"/api/v1/applications/{app_id}", "huangtao").get_json()


def test_two_reviewers_completing_the_same_task_at_once_one_wins_and_the_other_gets_409(committing_sessions, api, app):
    created = api.apply()
    task = api.review_task(created["id"])
    headers = {name: api.headers(name) for name in ("huangtao", "sunhong")}
    start, answers = threading.Barrier(2), {}

    def decide(name):
        client = app.test_client()
        start.wait()
        answers[name] = client.post(
            f"/api/v1/tasks/{task['id']}/complete", headers=headers[name], json={"decision": "approve"}
        )

    threads = [threading.Thread(target=decide, args=(name,)) for name in headers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(r.status_code for r in answers.values()) == [200, 409]
    loser = next(r for r in answers.values() if r.status_code == 409).get_json()
    assert loser["code"] == "already_handled" and "已由他人办理" in loser["message"]
    again = api.complete(task["id"], {"decision": "reject", "reason": SPECIFIC}, "sunhong")
    assert again.status_code == 409 and again.get_json()["code"] == "already_handled"
    assert api.get(f"/api/v1/applications/{created['id']}").get_json()["status"] == "approved"


def test_a_returned_application_is_resubmitted_through_the_applicants_own_task(api):
    created = api.apply()
    task = api.review_task(created["id"])
    returned = api.complete(task["id"], {"decision": "return", "reason": "请补充低保审核的受理通知书编号"})
    assert returned.get_json()["application"]["status"] == "returned"
    resubmit = api.review_task(created["id"], "machao")
    assert api.complete(resubmit["id"], {"answers": 5}, "machao").status_code == 422
    done = api.complete(resubmit["id"], {"answers": ["受理通知书编号为民低保〔2026〕18号"]}, "machao")
    assert done.status_code == 200 and done.get_json()["application"]["status"] == "in_review"
    assert done.get_json()["application"]["due_at"] == "2026-02-27T15:59:59+00:00"
    assert api.review_task(created["id"])["id"] != task["id"]


def test_the_applicant_withdraws_an_open_application_and_the_task_disappears(api):
    created = api.apply()
    response = api.post(f"/api/v1/applications/{created['id']}/withdraw", {"reason": "业务调整，不再需要该数据"})
    assert response.status_code == 200 and response.get_json()["status"] == "withdrawn"
    assert api.get("/api/v1/tasks", "huangtao").get_json()["items"] == []
    again = api.post(f"/api/v1/applications/{created['id']}/withdraw")
    assert again.status_code == 409 and "不能撤回" in again.get_json()["message"]


def test_the_provider_cannot_withdraw_someone_elses_application(api):
    created = api.apply()
    assert api.post(f"/api/v1/applications/{created['id']}/withdraw", {}, "huangtao").status_code == 403


def test_the_application_list_filters_by_scope_and_status(api):
    created = api.apply()
    api.apply(**COMPANY)

    def ids(username="machao", **params):
        return [a["id"] for a in api.get("/api/v1/applications", username, **params).get_json()["items"]]

    assert len(ids()) == 2 and ids(status="in_review") == [created["id"]] and len(ids(status="已通过")) == 1
    assert ids("huangtao", scope="provider") == [created["id"]] and ids("huangtao") == []
    assert len(ids("wanglei", scope="all")) == 2
    summary = api.get("/api/v1/applications").get_json()["items"][-1]
    assert (summary["resource_name"], summary["provider_unit"], summary["status_label"]) == (
        "户籍人口基本信息",
        "县公安局",
        "审核中",
    )
    for bad in ({"scope": "everyone"}, {"status": "lost"}):
        response = api.get("/api/v1/applications", **bad)
        assert response.status_code == 422 and "不是可选的值" in response.get_json()["details"][0]
    assert api.get("/api/v1/grants", scope="nobody").status_code == 422


@pytest.mark.parametrize(
    "body, status",
    [
        ("not json", 400),
        ("[1, 2]", 400),
        ("null", 400),
        ('"text"', 400),
    ],
)
def test_a_body_that_is_not_a_json_object_answers_400(api, body, status):
    for path in ("/api/v1/applications", "/api/v1/tasks/1/complete", "/api/v1/applications/1/withdraw"):
        response = api.post(path, data=body, content_type="application/json")
        assert response.status_code == status
        assert response.get_json() == {"code": "bad_request", "message": "请求体应为 JSON 对象"}


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"items": 5}, "items"),
        ({"items": [1, 2]}, "items"),
        ({"undertaking": "yes"}, "undertaking"),
        ({"valid_until": "tomorrow"}, "有效期至"),
        ({"valid_until": 20270213}, "valid_until"),
        ({"scenario": {"text": "x"}}, "scenario"),
        ({"unit_id": "abc"}, "unit_id"),
        ({"unit_id": True}, "unit_id"),
        ({"resource_code": None}, "resource_code"),
        ({"resource_code": ["XY-GA-001"]}, "resource_code"),
        ({"frequency": 3}, "frequency"),
        ({"valid_until": "2027-02-30"}, "有效期至"),
    ],
)
def test_wrong_json_types_answer_422_with_the_field_named(api, changes, expected):
    response = api.post("/api/v1/applications", HOUSEHOLD | changes)
    assert response.status_code == 422
    assert expected in " ".join(response.get_json()["details"])


@pytest.mark.parametrize(
    "body",
    [
        {"decision": "maybe"},
        {"decision": ["approve"]},
        {"decision": {"x": 1}},
        {"decision": "approve", "approved_items": 7},
        {"decision": "approve", "approved_until": "tomorrow"},
        {"decision": "approve", "approved_items": [{"a": 1}]},
        {"decision": "return"},
        {},
    ],
)
def test_a_bad_completion_answers_422_and_leaves_the_task_open(api, body):
    created = api.apply()
    task = api.review_task(created["id"])
    response = api.complete(task["id"], body)
    assert response.status_code == 422, response.get_json()
    assert api.review_task(created["id"])["id"] == task["id"]


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/v1/applications/abc"),
        ("get", "/api/v1/applications/99999999999999999999"),
        ("get", "/api/v1/applications/0"),
        ("get", "/api/v1/applications/123456"),
        ("get", "/api/v1/applications/2147483648/record.pdf"),
        ("post", "/api/v1/tasks/abc/complete"),
        ("post", "/api/v1/tasks/99999999999999999999/complete"),
        ("post", "/api/v1/tasks/123456/complete"),
        ("post", "/api/v1/applications/-1/withdraw"),
    ],
)
def test_ids_that_are_not_there_answer_404_in_json(api, method, path):
    response = getattr(api, method)(path, **({"body": {"decision": "approve"}} if method == "post" else {}))
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"


def test_a_huge_body_answers_413_in_json(api, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    response = api.post("/api/v1/applications", HOUSEHOLD | {"scenario": "大" * 2000})
    assert response.status_code == 413 and response.get_json()["code"] == "too_large"
    assert "最多 0 MB" not in response.get_json()["message"] and "未被接收" in response.get_json()["message"]
