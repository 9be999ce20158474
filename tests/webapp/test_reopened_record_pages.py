"""While an upheld objection has sent a decided application back to review, the earlier record is not offered
for download as if its decision still held; the new decision's record is."""

from __future__ import annotations

from tests.helpers import decide, login, text_of
from tests.workflows.objections.helpers import accept_and_transfer, raise_, rejected_application, step
from workflows.sharing import records

UPHOLD = {"resolution": "agreed", "outcome": "upheld", "opinion": "申请依据充分，提供单位应重新审核并说明具体理由"}


def reopened(sessions) -> int:
    app_id = rejected_application(sessions)
    objection_id = raise_(sessions, application_id=app_id)
    accept_and_transfer(sessions, objection_id)
    step(sessions, objection_id, "ob_answer_1", "huangtao", {"stance": "agree", "position": "同意重新审核"})
    step(sessions, objection_id, "ob_decide", "lina", UPHOLD)
    return app_id


def test_the_earlier_record_cannot_be_downloaded_while_the_application_is_back_in_review(client, ready):
    app_id = reopened(ready)
    for who in ("machao", "huangtao", "lina"):
        login(client, who)
        answer = client.get(f"/applications/{app_id}")
        page = answer.get_data(as_text=True)
        assert "审核中" in text_of(answer) and f"/applications/{app_id}/record.pdf" not in page
        assert "这份记录所载的决定已因异议处理被撤销，申请正由县公安局重新审核" in text_of(answer)
        assert "在线核验" in text_of(answer)
        refused = client.get(f"/applications/{app_id}/record.pdf")
        assert refused.status_code == 409 and "重新作出决定后可下载新的审批记录" in text_of(refused)
        client.post("/logout", data={"csrf_token": page.split('name="csrf_token" value="')[1].split('"')[0]})


def test_the_new_decisions_record_is_offered_again_once_the_review_decides(client, ready):
    app_id = reopened(ready)
    decide(ready, app_id, decision="approve")
    with ready() as s:
        newest = records.for_application(s, app_id)
        newest_hash = newest.sha256
    login(client, "machao")
    page = client.get(f"/applications/{app_id}").get_data(as_text=True)
    assert f"/applications/{app_id}/record.pdf" in page and newest_hash in page and "已因异议处理被撤销" not in page
    download = client.get(f"/applications/{app_id}/record.pdf")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
