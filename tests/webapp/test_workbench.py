"""The workbench and the task API show a person the open tasks of their role in their unit."""

from datetime import datetime

import time_machine

from tests.helpers import SH, complete, deploy_test_process, login, start_case, text_of
from workflows.organisation import accounts


def a_case_waiting_for_review(sessions) -> int:
    deploy_test_process(sessions)
    case = start_case(sessions)
    complete(sessions, case, "machao", {"purpose": "核对"})
    return case


@time_machine.travel(datetime(2026, 2, 16, 9, 0, tzinfo=SH), tick=False)
def test_the_reviewer_of_the_provider_unit_sees_the_task_with_its_due_date(client, sessions):
    a_case_waiting_for_review(sessions)
    login(client, "huangtao")
    page = client.get("/").get_data(as_text=True)
    assert "审核" in page and "2026-02-27 23:59" in page and "已逾期" not in page


@time_machine.travel(datetime(2026, 2, 16, 9, 0, tzinfo=SH), tick=False)
def test_a_reviewer_of_another_unit_does_not_see_it(client, sessions):
    a_case_waiting_for_review(sessions)
    login(client, "sunjie")
    assert "暂无待办任务" in client.get("/").get_data(as_text=True)


def test_an_overdue_task_is_shown_in_red(client, sessions):
    with time_machine.travel(datetime(2026, 2, 16, 9, 0, tzinfo=SH), tick=False):
        a_case_waiting_for_review(sessions)
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=SH), tick=False):
        login(client, "huangtao")
        page = client.get("/").get_data(as_text=True)
    assert "已逾期" in page and "list-group-item-danger" in page


@time_machine.travel(datetime(2026, 2, 16, 9, 0, tzinfo=SH), tick=False)
def test_the_task_api_lists_the_callers_open_tasks(client, sessions):
    case = a_case_waiting_for_review(sessions)
    with sessions.begin() as s:
        reviewer, other = accounts.create_token(s, "huangtao"), accounts.create_token(s, "sunjie")
    items = client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {reviewer}"}).get_json()["items"]
    assert [(t["name"], t["process"], t["instance_id"]) for t in items] == [("审核", "three_step", case)]
    assert items[0]["due_at"] == "2026-02-27T15:59:59+00:00"
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {other}"}).get_json() == {"items": []}


def test_a_person_with_a_responsibility_reads_its_unit_and_what_it_means_on_the_workbench(client):
    login(client, "wanglei")
    page = text_of(client.get("/"))
    assert "县政务服务和大数据管理局 · 分管领导" in page and "催办、督办" in page
