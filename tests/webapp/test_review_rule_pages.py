"""What people see of the review rules: the API's late flag, returns on the coordinators' workbench, a done task's
time, the warning on a review whose resource stopped being shared, and the one-return choice on the form."""

from sqlalchemy import select

from tests.helpers import (
    RETURN_ANSWERS,
    RETURN_LIST,
    apply,
    at,
    confirm_change,
    csrf_token,
    decide,
    login,
    person,
    review_task,
    text_of,
)
from workflows.catalog import entries, proposals
from workflows.engine import tasks
from workflows.models import Resource, TaskStatus
from workflows.sharing import applications

ANSWERS = RETURN_ANSWERS


def test_the_api_says_late_for_an_open_review_past_its_deadline(api):
    created = api.apply()
    assert created["late"] is False
    with at("2026-03-02T09:00:00"):
        detail = api.get(f"/api/v1/applications/{created['id']}").get_json()
        listed = next(a for a in api.get("/api/v1/applications").get_json()["items"] if a["id"] == created["id"])
        reviewer_view = api.get(f"/api/v1/applications/{created['id']}", "huangtao").get_json()
    assert detail["late"] is True and listed["late"] is True and reviewer_view["late"] is True


def test_returns_are_shown_to_coordinators_and_a_done_review_says_when(app, ready):
    app_id = apply(ready)
    task_id = review_task(ready, app_id).id
    decide(ready, app_id, decision="return", reason=RETURN_LIST)
    coordinator, reviewer = app.test_client(), app.test_client()
    login(coordinator, "lina")
    bench = text_of(coordinator.get("/"))
    assert "退回补正" in bench and "县公安局" in bench
    login(reviewer, "huangtao")
    page = text_of(reviewer.get(f"/tasks/{task_id}"))
    assert "已于 2026-02-13 10:00 办理（按期）" in page and "剩余" not in page


def test_the_form_offers_no_second_return_and_the_service_refuses_one(client, ready):
    app_id = apply(ready)
    decide(ready, app_id, decision="return", reason=RETURN_LIST)
    with ready() as s:
        resubmit = next(t for t in tasks.case_tasks(s, "application", app_id) if t.status == TaskStatus.OPEN)
    with ready.begin() as s:
        tasks.complete(s, person(s, "machao"), resubmit.id, {"answers": ANSWERS})
    task_id = review_task(ready, app_id).id
    login(client, "huangtao")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'value="approve"' in page and 'value="reject"' in page and 'value="return"' not in page
    refused = client.post(
        f"/tasks/{task_id}",
        data={"csrf_token": csrf_token(client, f"/tasks/{task_id}"), "decision": "return", "reason": RETURN_LIST},
    )
    assert refused.status_code == 422 and "只能退回补正一次" in text_of(refused)


def test_a_review_warns_when_its_resource_was_retired(client, ready):
    app_id = apply(ready)
    with ready.begin() as s:
        resource_id = s.scalar(select(Resource.id).where(Resource.code == "XY-GA-001"))
        entries.retire(s, person(s, "huangtao"), resource_id, "该资源已并入人口综合库，原条目停用")
        change_id = proposals.open_change(s, resource_id).id
    confirm_change(ready, change_id)  # a published entry retires once the county data bureau confirms it
    task_id = review_task(ready, app_id).id
    login(client, "huangtao")
    assert "已停用，不能审核通过" in text_of(client.get(f"/tasks/{task_id}"))
    assert "已停用，不能审核通过" in text_of(client.get(f"/applications/{app_id}"))


def test_the_api_refuses_stock_reasons_and_a_second_return_like_the_form(api):
    created = api.apply()
    task = api.review_task(created["id"])
    for reason in ("不符合要求，不予通过，不同意", "1234567890"):
        refused = api.complete(task["id"], {"decision": "reject", "reason": reason, "rejection_category": "other"})
        assert refused.status_code == 422 and "reason" in refused.get_json()["fields"]
    assert api.complete(task["id"], {"decision": "return", "reason": RETURN_LIST}).status_code == 200
    resubmit = next(t for t in api.get("/api/v1/tasks").get_json()["items"] if t.get("application_id") == created["id"])
    assert api.complete(resubmit["id"], {"answers": ANSWERS}, "machao").status_code == 200
    again = api.review_task(created["id"])
    refused = api.complete(again["id"], {"decision": "return", "reason": RETURN_LIST})
    assert refused.status_code == 422 and "只能退回补正一次" in refused.get_json()["message"]
    assert "decision" in refused.get_json()["fields"]


def test_a_withdrawn_overdue_application_still_reads_as_late(client, ready):
    app_id = apply(ready)
    with at("2026-03-03T09:00:00"):
        with ready.begin() as s:
            applications.withdraw(s, person(s, "machao"), app_id, "业务调整")
        login(client, "machao")
        page = text_of(client.get(f"/applications/{app_id}"))
    assert "审核逾期" in page and "逾期未办，流程结束时关闭" in page
