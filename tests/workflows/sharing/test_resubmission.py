"""The 补正 step leads to what was asked (issue 18 item 8): a return is kept as a list of items, the applicant answers
each one (and may attach files), and the reviewer and the record read each answer beside its item."""

import pytest

from tests.helpers import RETURN_ANSWERS, RETURN_LIST, decide, person, returned, review_task, status
from workflows.engine import forms, tasks
from workflows.errors import ValidationFailed
from workflows.models import Application, ApplicationStatus, HumanTask, TaskStatus
from workflows.sharing import pages, records, uploads

ITEMS = ["请补充低保申请受理通知书扫描件", "请说明核对对象的范围和预计人数"]  # RETURN_LIST, one per line
ANSWERS = RETURN_ANSWERS
SCAN = b"%PDF-1.4\n% acceptance notice\n"


def resubmit(sessions, task_id: int, **data):
    with sessions.begin() as s:
        return tasks.complete(s, person(s, "machao"), task_id, data)


def test_a_return_is_kept_as_its_items_and_the_resubmission_form_asks_about_each(ready):
    app_id, task_id = returned(ready)
    with ready() as s:
        done = next(t for t in tasks.case_tasks(s, "application", app_id) if t.task_key == "da_review")
        assert done.result["return_items"] == ITEMS
        task = s.get(HumanTask, task_id)
        answers = next(f for f in forms.rendered(s, tasks.form_schema(task), task) if f["name"] == "answers")
    assert answers["widget"] == "answers" and [label for _, label in answers["options"]] == ITEMS


@pytest.mark.parametrize(
    "answers, field, said",
    [
        ([], "answers", "必填"),
        ([ANSWERS[0]], "answers", "要求补正 2 项"),
        ([ANSWERS[0], ""], "answers.1", "第 2 项答复（请说明核对对象的范围和预计人数）：请填写答复"),
        ([ANSWERS[0], "已补充"], "answers.1", "套话"),
        (["扫描件", ANSWERS[1]], "answers.0", "过于简略"),
        (["请补充低保申请受理通知书扫描件", ANSWERS[1]], "answers.0", "套话"),  # the question repeated
    ],
)
def test_each_item_needs_its_own_specific_answer(ready, answers, field, said):
    app_id, task_id = returned(ready)
    with pytest.raises(ValidationFailed) as refused:
        resubmit(ready, task_id, answers=answers)
    assert said in refused.value.fields[field], refused.value.fields
    assert status(ready, app_id) == ApplicationStatus.RETURNED


def test_answers_and_files_reach_the_next_review_and_the_record(ready):
    app_id, task_id = returned(ready)
    with ready.begin() as s:
        tokens, refused = uploads.stash(
            s, person(s, "machao"), [uploads.Chosen("受理通知书.pdf", "application/pdf", SCAN)]
        )
    assert refused == []
    resubmit(ready, task_id, answers=ANSWERS, attachments=tokens, resubmit_note="核对范围已在申请中同步修改")
    assert status(ready, app_id) == ApplicationStatus.IN_REVIEW
    with ready() as s:
        app = s.get(Application, app_id)
        assert [a.filename for a in app.attachments] == ["受理通知书.pdf"]
        assert s.get(HumanTask, task_id).result["attachments"] == ["受理通知书.pdf"]  # names, never tokens
        case = pages.review_case(s, person(s, "huangtao"), review_task(ready, app_id))
        completed = s.get(HumanTask, task_id)
        readable = forms.readable(s, tasks.form_schema(completed), completed.result, completed)
    asked, answered = case.rounds
    assert asked.items == ITEMS
    assert answered.answers == list(zip(ITEMS, ANSWERS)) and answered.files == ["受理通知书.pdf"]
    assert answered.text == "核对范围已在申请中同步修改"
    assert ("逐项答复", f"{ITEMS[0]}：{ANSWERS[0]}\n{ITEMS[1]}：{ANSWERS[1]}") in readable
    decide(ready, app_id, decision="approve")
    with ready() as s:
        step = next(x for x in records.for_application(s, app_id).content["timeline"] if x.get("answers"))
    assert step["answers"] == [{"item": i, "answer": a} for i, a in zip(ITEMS, ANSWERS)]
    assert step["attachments"] == ["受理通知书.pdf"]


def test_a_file_refused_by_the_attachment_rules_leaves_the_application_returned(ready):
    app_id, task_id = returned(ready)
    with ready.begin() as s:
        machao = person(s, "machao")
        for n in range(10):  # the application's ten attachments are already there
            uploads.applications.add_attachment(s, machao, app_id, f"材料{n}.pdf", "application/pdf", SCAN)
        tokens, _ = uploads.stash(s, machao, [uploads.Chosen("第十一个.pdf", "application/pdf", SCAN)])
    with pytest.raises(ValidationFailed) as refused:
        resubmit(ready, task_id, answers=ANSWERS, attachments=tokens)
    assert "最多 10 个附件" in refused.value.fields["attachments"]
    assert status(ready, app_id) == ApplicationStatus.RETURNED


def test_an_earlier_return_and_a_resubmission_with_one_note_still_read_as_they_were(ready):
    app_id, task_id = returned(ready)
    resubmit(ready, task_id, answers=ANSWERS)
    with ready.begin() as s:  # as a release before the answers stored them
        for task in tasks.case_tasks(s, "application", app_id):
            if task.task_key == "da_review" and task.status == TaskStatus.COMPLETED:
                task.result = {"decision": "return", "reason": RETURN_LIST}
            elif task.task_key == "da_resubmit":
                task.result = {"resubmit_note": "已上传受理通知书并说明核对范围"}
    with ready() as s:
        asked, answered = pages.review_case(s, person(s, "huangtao"), review_task(ready, app_id)).rounds
    assert asked.items == ITEMS  # split from the reason as typed
    assert (answered.text, answered.answers) == ("已上传受理通知书并说明核对范围", [])
