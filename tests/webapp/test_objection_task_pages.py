"""Every objection task page shows the case beside its form: facts, request, evidence, what it concerns, the transfer
note, the answers so far and what was asked for."""

from __future__ import annotations

import io
import re

from tests.helpers import csrf_token, login, person, review_task, text_of, unit
from tests.workflows.objections.helpers import open_task, raise_, rejected_application, step
from workflows.models import Application, Notification

FACTS = "审核意见认为依据不足，但《社会救助暂行办法》第十一条明确要求核对户籍"


def text_of_html(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _switch(client, username: str) -> None:
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, username)


def _page(client, ready, objection_id: int, key: str) -> str:
    return text_of(client.get(f"/tasks/{open_task(ready, objection_id, key).id}"))


def test_each_objection_step_shows_the_case_and_what_was_done_before(client, ready):
    app_id = rejected_application(ready)
    with ready() as s:
        number = s.get(Application, app_id).number
    objection_id = raise_(
        ready,
        application_id=app_id,
        facts=FACTS,
        request="请协调县公安局重新审核",
        attachments=[{"name": "驳回通知截图", "note": "审核意见原文"}],
    )
    login(client, "lina")
    triage = _page(client, ready, objection_id, "ob_triage")
    assert FACTS in triage and "请协调县公安局重新审核" in triage and "驳回通知截图 — 审核意见原文" in triage
    assert f"申请 {number}" in triage and "这是第一步" in triage
    step(ready, objection_id, "ob_triage", "lina", {"decision": "ask_info", "info_request": "请补充低保核对的授权文件"})
    _switch(client, "machao")
    assert "要求补充 请补充低保核对的授权文件" in _page(client, ready, objection_id, "ob_supplement")
    step(ready, objection_id, "ob_supplement", "machao", {"supplement": "已补充县政府授权文件（县政〔2026〕3号）"})
    step(ready, objection_id, "ob_triage", "lina", {"decision": "accept"})
    with ready() as s:
        gaj = str(unit(s, "gaj").id)
    step(
        ready,
        objection_id,
        "ob_transfer",
        "lina",
        {"responding_unit_ids": [gaj], "transfer_note": "请重点说明驳回的具体依据"},
    )
    _switch(client, "huangtao")
    answer = _page(client, ready, objection_id, "ob_answer_1")
    assert FACTS in answer and "转办说明 请重点说明驳回的具体依据" in answer and "县政〔2026〕3号" in answer
    step(
        ready, objection_id, "ob_answer_1", "huangtao", {"stance": "agree", "position": "同意重新审核，请补充授权文件"}
    )
    _switch(client, "lina")
    decide = _page(client, ready, objection_id, "ob_decide")
    assert "各单位答复（1） 县公安局 · 认可异议请求 同意重新审核，请补充授权文件" in decide
    assert "受理审查" in decide and "要求补充 请补充低保核对的授权文件" in decide and FACTS in decide


def test_the_reopened_review_shows_the_objection_and_the_coordinators_opinion_on_the_page_and_in_the_message(
    client, ready
):
    app_id = rejected_application(ready)
    objection_id = raise_(ready, application_id=app_id, facts=FACTS, request="请协调县公安局重新审核")
    step(ready, objection_id, "ob_triage", "lina", {"decision": "accept"})
    with ready() as s:
        gaj = str(unit(s, "gaj").id)
    step(ready, objection_id, "ob_transfer", "lina", {"responding_unit_ids": [gaj]})
    step(ready, objection_id, "ob_answer_1", "huangtao", {"stance": "agree", "position": "同意重新审核"})
    opinion = "申请依据充分，由县公安局重新审核并说明具体理由"
    step(ready, objection_id, "ob_decide", "lina", {"resolution": "agreed", "outcome": "upheld", "opinion": opinion})
    number = f"YY2026{objection_id:06d}"
    with ready() as s:
        message = (
            s.query(Notification)
            .filter_by(person_id=person(s, "huangtao").id, template="new_task")
            .order_by(Notification.id.desc())
            .first()
        )
        assert f"本次审核因异议 {number}（县民政局提出）成立而重新启动，县大数据局处理意见：{opinion}" in message.body
    login(client, "huangtao")
    html = client.get(f"/tasks/{review_task(ready, app_id).id}").get_data(as_text=True)
    rounds = text_of_html(html.split('id="case-rounds"')[1].split("</ul>")[0])
    assert "不通过" in rounds and f"异议成立，重新审核 · {number} （县民政局提出）" in rounds
    assert f"县大数据局处理意见：{opinion}" in rounds and f'href="/objections/{objection_id}"' in html


def test_an_application_reopened_by_an_objection_is_not_counted_as_corrected(client, ready):
    app_id = rejected_application(ready)
    objection_id = raise_(ready, application_id=app_id, facts=FACTS, request="请协调县公安局重新审核")
    step(ready, objection_id, "ob_triage", "lina", {"decision": "accept"})
    with ready() as s:
        gaj = str(unit(s, "gaj").id)
    step(ready, objection_id, "ob_transfer", "lina", {"responding_unit_ids": [gaj]})
    step(ready, objection_id, "ob_answer_1", "huangtao", {"stance": "agree", "position": "同意重新审核"})
    step(
        ready,
        objection_id,
        "ob_decide",
        "lina",
        {"resolution": "agreed", "outcome": "upheld", "opinion": "申请依据充分，由县公安局重新审核并说明具体理由"},
    )
    login(client, "machao")
    page = text_of(client.get(f"/applications/{app_id}"))
    assert "审核中" in page and "补正" not in page.split("提交时间")[1][:40]


def test_the_raiser_uploads_evidence_files_at_the_supplement_step_and_no_longer_once_accepted(client, ready):
    objection_id = raise_(ready, type="other", facts=FACTS, request="请督促修复")
    step(ready, objection_id, "ob_triage", "lina", {"decision": "ask_info", "info_request": "请补充接口中断的错误截图"})
    login(client, "machao")
    task_path = f"/tasks/{open_task(ready, objection_id, 'ob_supplement').id}"
    page = client.get(task_path).get_data(as_text=True)
    assert 'id="evidence-upload"' in page
    done = client.post(
        f"/objections/{objection_id}/files",
        follow_redirects=True,
        content_type="multipart/form-data",
        data={
            "csrf_token": csrf_token(client, task_path),
            "next": task_path,
            "files": (io.BytesIO(b"\x89PNG\r\n\x1a\n screenshot"), "错误截图.png"),
        },
    )
    assert done.request.path == task_path and "已上传 1 个证据文件" in text_of(done) and "错误截图.png" in text_of(done)
    step(ready, objection_id, "ob_supplement", "machao", {"supplement": "已上传错误截图"})
    step(ready, objection_id, "ob_triage", "lina", {"decision": "accept"})
    late = client.post(
        f"/objections/{objection_id}/files",
        follow_redirects=True,
        content_type="multipart/form-data",
        data={
            "csrf_token": csrf_token(client, f"/objections/{objection_id}"),
            "files": (io.BytesIO(b"%PDF-1.4 more"), "补充.pdf"),
        },
    )
    assert "异议已受理审查，不能再上传证据文件" in text_of(late) and "补充.pdf" not in text_of(late)


def test_the_correction_task_links_to_the_entrys_edit_page_and_its_refusal_says_where(client, ready):
    objection_id = raise_(
        ready,
        type="catalog_correction",
        resource_code="XY-GA-001",
        facts="目录中户籍地址的更新周期填写为每年，实际为实时更新",
        request="请更正目录",
    )
    step(ready, objection_id, "ob_triage", "lina", {"decision": "accept"})
    with ready() as s:
        gaj = str(unit(s, "gaj").id)
    step(ready, objection_id, "ob_transfer", "lina", {"responding_unit_ids": [gaj]})
    step(ready, objection_id, "ob_answer_1", "huangtao", {"stance": "agree", "position": "确有错误，将更正"})
    step(
        ready,
        objection_id,
        "ob_decide",
        "lina",
        {"resolution": "agreed", "outcome": "upheld", "opinion": "更新周期填写错误，由县公安局更正"},
    )
    login(client, "huangtao")
    path = f"/tasks/{open_task(ready, objection_id, 'ob_correct').id}"
    page = client.get(path).get_data(as_text=True)
    assert 'id="correction-edit" href="/catalog/resources/XY-GA-001/edit"' in page
    assert client.get("/catalog/resources/XY-GA-001/edit").status_code == 200
    refused = client.post(path, data={"csrf_token": csrf_token(client, path), "done_note": "已更正更新周期"})
    assert refused.status_code == 422
    assert "目录条目 XY-GA-001 还没有新的修订版本。请先点击本页“修改目录条目”按钮" in text_of(refused)
    assert 'id="correction-edit"' in refused.get_data(as_text=True)


def test_a_notice_needing_no_action_offers_to_view_it_and_says_the_decision_once(client, ready):
    objection_id = raise_(ready, type="other", facts=FACTS, request="请督促修复")
    step(ready, objection_id, "ob_triage", "lina", {"decision": "accept"})
    with ready() as s:
        gaj = str(unit(s, "gaj").id)
    step(ready, objection_id, "ob_transfer", "lina", {"responding_unit_ids": [gaj]})
    step(ready, objection_id, "ob_answer_1", "huangtao", {"stance": "agree", "position": "接口已修复并加强监测"})
    opinion = "异议成立。县公安局已修复接口，今后中断须在2小时内通报"
    step(ready, objection_id, "ob_decide", "lina", {"resolution": "agreed", "outcome": "upheld", "opinion": opinion})
    with ready() as s:
        notice = (
            s.query(Notification)
            .filter_by(person_id=person(s, "machao").id, template="objection")
            .order_by(Notification.id.desc())
            .first()
        )
    assert notice.subject.endswith("：异议成立") and opinion not in notice.subject
    said = "县公安局已修复接口，今后中断须在2小时内通报"  # the opinion without the outcome typed in front of it
    assert notice.body.count(said) == 1 and notice.body.count("异议成立") == 1 and "当前状态：已办结" in notice.body
    login(client, "machao")
    inbox = client.get("/inbox").get_data(as_text=True)
    item = inbox.split(notice.subject)[1].split("list-group-item")[0]
    assert f'href="/objections/{objection_id}">查看</a>' in item and "去办理" not in item
    _switch(client, "lina")
    tasks_inbox = client.get("/inbox").get_data(as_text=True)
    assert '">去办理</a>' in tasks_inbox  # lina's new tasks still say 去办理


def test_the_decision_form_asks_only_what_applies_to_the_objection_type_and_answer_steps_read_plainly(client, ready):
    app_id = rejected_application(ready)
    objection_id = raise_(ready, application_id=app_id, facts=FACTS, request="请协调县公安局重新审核")
    step(ready, objection_id, "ob_triage", "lina", {"decision": "accept"})
    with ready() as s:
        gaj = str(unit(s, "gaj").id)
    step(ready, objection_id, "ob_transfer", "lina", {"responding_unit_ids": [gaj]})
    login(client, "huangtao")
    answer = text_of(client.get(f"/tasks/{open_task(ready, objection_id, 'ob_answer_1').id}"))
    assert "答复异议" in answer and "答复单位一" not in answer
    step(ready, objection_id, "ob_answer_1", "huangtao", {"stance": "agree", "position": "同意重新审核"})
    _switch(client, "lina")
    decide = client.get(f"/tasks/{open_task(ready, objection_id, 'ob_decide').id}").get_data(as_text=True)
    assert 'name="application_action"' not in decide  # only the provider decides: nothing to choose about a grant
    assert 'name="grant_action"' not in decide and 'name="incident"' not in decide
    assert "资源申请异议成立的，退回提供单位重新审核" in text_of_html(decide)
