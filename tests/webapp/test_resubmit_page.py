"""The applicant's 补正后重新提交 page leads to what was asked (issue 18 item 8): each item the reviewer listed with its
own answer box, files attached on the same page and kept when the answers are refused, a link to edit the application,
and the reviewer's next page showing each answer beside its item."""

import io
import re

from tests.helpers import RETURN_ANSWERS, csrf_token, login, returned, review_task, text_of
from workflows.models import Application

ANSWERS = RETURN_ANSWERS
SCAN = b"%PDF-1.4\n% acceptance notice\n"


def _send(client, task_id: int, answers: list[str], files=(), pending=()):
    data = {
        "csrf_token": csrf_token(client, f"/tasks/{task_id}"),
        "answers": answers,
        "pending": list(pending),
        "attachments": [(io.BytesIO(body), name) for name, body in files],
    }
    return client.post(f"/tasks/{task_id}", data=data, content_type="multipart/form-data")


def test_the_page_lists_each_item_with_its_own_answer_box_a_file_field_and_the_edit_link(client, ready):
    app_id, task_id = returned(ready)
    login(client, "machao")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert (
        "第 1 项：</span>请补充低保申请受理通知书扫描件" in page
        and "第 2 项：</span>请说明核对对象的范围和预计人数" in page
    )
    assert page.count('name="answers"') == 2 and 'type="file" id="f-attachments" name="attachments" multiple' in page
    assert 'enctype="multipart/form-data"' in page
    assert f'href="/applications/{app_id}/edit">修改申请内容</a>' in page


def test_refused_answers_keep_what_was_typed_and_the_chosen_file_then_the_resubmission_carries_both(app, client, ready):
    app_id, task_id = returned(ready)
    login(client, "machao")
    refused = _send(client, task_id, [ANSWERS[0], "已补充"], files=[("受理通知书.pdf", SCAN)])
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert re.search(r'id="error-answers-2">第 2 项答复（请说明核对对象的范围和预计人数）：[^<]*套话', page)
    assert ANSWERS[0] in page and "已上传：受理通知书.pdf" in page and "无需重新选择" in page
    token = re.search(r'name="pending" value="([^"]+)"', page).group(1)

    done = _send(client, task_id, ANSWERS, pending=[token])
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/applications/{app_id}")
    with ready() as s:
        assert [a.filename for a in s.get(Application, app_id).attachments] == ["受理通知书.pdf"]
    reviewer = app.test_client()
    login(reviewer, "huangtao")
    rounds = text_of(reviewer.get(f"/tasks/{review_task(ready, app_id).id}"))
    assert f"请补充低保申请受理通知书扫描件 答复：{ANSWERS[0]}" in rounds
    assert f"请说明核对对象的范围和预计人数 答复：{ANSWERS[1]}" in rounds and "补充附件：受理通知书.pdf" in rounds


def test_a_file_that_is_not_a_pdf_or_image_is_named_with_the_answers_problems(client, ready):
    app_id, task_id = returned(ready)
    login(client, "machao")
    refused = _send(client, task_id, ["", ANSWERS[1]], files=[("名单.xlsx", b"PK\x03\x04")])
    page = text_of(refused)
    assert refused.status_code == 422 and "只接受 PDF、PNG 或 JPEG 文件（名单.xlsx）" in page
    assert "第 1 项答复（请补充低保申请受理通知书扫描件）：请填写答复" in page
    with ready() as s:
        assert s.get(Application, app_id).attachments == [] and s.get(Application, app_id).status == "returned"


def test_the_api_names_the_answer_that_is_missing_in_the_words_of_the_page(client, api, ready):
    app_id, task_id = returned(ready)
    login(client, "machao")
    said = re.search(r'id="error-answers-2">([^<]*)<', _send(client, task_id, [ANSWERS[0], ""]).get_data(as_text=True))
    refused = api.complete(task_id, {"answers": [ANSWERS[0], ""]}, "machao")
    assert refused.status_code == 422 and refused.get_json()["fields"] == {"answers.1": said.group(1)}
    assert api.complete(task_id, {"answers": ANSWERS}, "machao").get_json()["application"]["status"] == "in_review"
