"""Handing a task to a colleague: the colleague is told who handed what, the giver is told what they can still do."""

from datetime import datetime

import time_machine

from tests.helpers import SH, apply, csrf_token, login, review_task


def test_the_colleague_reads_who_handed_over_the_task_and_the_giver_what_remains(app, client, processes, demo_catalog):
    with time_machine.travel(datetime(2026, 2, 24, 9, 0, tzinfo=SH), tick=False):
        task_id = review_task(processes, apply(processes)).id
        login(client, "huangtao")
        response = client.post(
            f"/tasks/{task_id}/delegate",
            data={"username": "sunhong", "csrf_token": csrf_token(client, f"/tasks/{task_id}")},
        )
        assert response.status_code == 302
        page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
        assert (
            "此任务现由孙红办理。您是县公安局的审核人，可以查看进度；孙红放弃认领后，任务回到本单位待办，您即可认领办理"
            in page
        )
        assert "您可以查看进度。" not in page
        colleague = app.test_client()
        login(colleague, "sunhong")
        inbox = colleague.get("/inbox").get_data(as_text=True)
    assert "黄涛将任务转交给您：县公安局的“审核申请”" in inbox and "黄涛转交：" not in inbox
    assert "【转交】黄涛将“审核申请”转交给您" in inbox
