"""Every period an objection's pages, messages and effects state comes from the process version, never from text:
a deploy of 3 working days makes them all say 3."""

from pathlib import Path

from tests.helpers import person, review_task, unit
from tests.workflows.objections.helpers import accept_and_transfer, raise_, rejected_application, state, step
from workflows import engine
from workflows.engine import lint, pages, tasks
from workflows.models import Notification

BPMN = Path(__file__).resolve().parents[3] / "bpmn"
FORMS = lint.load_forms(BPMN / "forms")


def _deploy(ready, name: str, task: str, days: int) -> None:
    xml = (BPMN / name).read_text(encoding="utf-8")
    marker = f'id="{task}"'
    head, tail = xml.split(marker, 1)
    before, rest = tail.split('name="period" value="', 1)
    xml = head + marker + before + f'name="period" value="{days}' + rest[rest.index('"') :]
    with ready.begin() as s:
        engine.deploy(s, xml, FORMS, None, note=f"{task} 期限改为 {days} 个工作日")


def test_the_reopened_review_is_announced_with_the_period_of_the_current_version(ready):
    app_id = rejected_application(ready)
    _deploy(ready, "data_application.bpmn", "da_review", 3)
    objection_id = raise_(ready, application_id=app_id)
    accept_and_transfer(ready, objection_id)
    step(ready, objection_id, "ob_answer_1", "huangtao", {"stance": "agree", "position": "同意按异议重新审核本申请"})
    step(
        ready,
        objection_id,
        "ob_decide",
        "lina",
        {"resolution": "agreed", "outcome": "upheld", "opinion": "申请依据充分，由县公安局重新审核并说明具体理由"},
    )
    assert "3个工作日内作出决定" in state(ready, objection_id).effect
    assert "5个工作日" not in state(ready, objection_id).effect
    assert review_task(ready, app_id).due_at is not None


def test_the_transfer_message_and_form_state_the_answer_period_of_the_version(ready):
    _deploy(ready, "objection.bpmn", "ob_answer_1", 3)
    objection_id = raise_(
        ready, "machao", type="other", facts="县公安局共享接口多次中断，影响低保核对业务的开展", request="请督促修复"
    )
    step(ready, objection_id, "ob_triage", "lina", {"decision": "accept"})
    with ready() as s:
        task = next(t for t in tasks.case_tasks(s, "objection", objection_id) if t.task_key == "ob_transfer")
        form = pages.task_page(s, person(s, "lina"), task.id).fields
    assert any("各单位自转办起3个工作日内答复" in f["description"] for f in form)
    with ready() as s:
        gaj = str(unit(s, "gaj").id)
    step(ready, objection_id, "ob_transfer", "lina", {"responding_unit_ids": [gaj]})
    with ready() as s:
        bodies = [n.body for n in s.query(Notification).filter_by(person_id=person(s, "machao").id)]
    assert any("各单位自转办起3个工作日内答复" in b for b in bodies)
    assert not any("5个工作日" in b for b in bodies)
