"""The task page: where the case stands, the deadline in working days, and a form with the case's own choices."""

from datetime import datetime

import time_machine

from tests.helpers import SH, apply, csrf_token, login, review_task, text_of


@time_machine.travel(datetime(2026, 2, 24, 9, 0, tzinfo=SH), tick=False)
def test_the_review_page_shows_the_step_the_deadline_and_the_requested_items(client, processes, demo_catalog):
    task_id = review_task(processes, apply(processes)).id
    login(client, "huangtao")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "当前环节：审核申请" in page
    assert "剩余 5 个工作日" in page  # received Tuesday 02-24: due Monday 03-02 (Saturday 02-28 is worked)
    for item in ("姓名", "公民身份号码", "户籍地址"):
        assert f'name="approved_items" value="{item}"' in page


def test_a_refused_decision_keeps_the_choice_and_says_why(client, processes, demo_catalog):
    with time_machine.travel(datetime(2026, 2, 24, 9, 0, tzinfo=SH), tick=False):
        task_id = review_task(processes, apply(processes)).id
        login(client, "huangtao")
        token = csrf_token(client, f"/tasks/{task_id}")
        response = client.post(
            f"/tasks/{task_id}",
            data={"csrf_token": token, "decision": "reject", "reason": "不同意", "rejection_category": "other"},
        )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "不是具体理由" in page
    assert 'value="reject" checked' in page


def test_a_reviewer_of_another_unit_cannot_open_the_task_nor_tell_it_from_one_that_does_not_exist(
    client, processes, demo_catalog
):
    with time_machine.travel(datetime(2026, 2, 24, 9, 0, tzinfo=SH), tick=False):
        task_id = review_task(processes, apply(processes)).id
    login(client, "lvping")
    other, missing = client.get(f"/tasks/{task_id}"), client.get("/tasks/999999")
    assert other.status_code == missing.status_code == 404
    assert text_of(other).replace(str(task_id), "") == text_of(missing).replace("999999", "")


def test_the_task_list_counts_working_days_left_and_marks_an_overdue_review_in_red(client, processes, demo_catalog):
    with time_machine.travel(datetime(2026, 2, 24, 9, 0, tzinfo=SH), tick=False):
        apply(processes)
        login(client, "huangtao")
        page = client.get("/tasks/").get_data(as_text=True)
        assert "剩余 5 个工作日" in page and "list-group-item-danger" not in page
    # due Monday 03-02 (Saturday 02-28 is a make-up working day); Thursday 03-05 is 3 working days later
    with time_machine.travel(datetime(2026, 3, 5, 9, 0, tzinfo=SH), tick=False):
        login(client, "huangtao")
        page = client.get("/tasks/").get_data(as_text=True)
        assert "已逾期 3 个工作日" in page and "list-group-item-danger" in page
