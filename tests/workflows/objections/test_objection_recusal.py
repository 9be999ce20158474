"""A coordinator who raised an objection, or who acts for the unit it concerns, steps aside (回避): they neither see it
in their 待办 nor triage, transfer or decide it; a colleague does."""

import pytest

from tests.helpers import person
from tests.workflows.objections.helpers import open_task, raise_, step
from workflows.engine import tasks
from workflows.errors import Forbidden, ValidationFailed
from workflows.objections import cases

BUREAU_DATA = {
    "type": "other",
    "facts": "县大数据局政务服务事项目录的更新周期与实际不符，影响各单位引用",
    "request": "请核实并更正",
}


def test_the_coordinator_who_raised_an_objection_cannot_triage_it_and_a_colleague_can(ready):
    objection_id = raise_(ready, "lina", **BUREAU_DATA)
    triage = open_task(ready, objection_id, "ob_triage")
    with ready() as s:
        lina = person(s, "lina")
        assert triage.id not in [t.id for t in tasks.open_tasks(s, lina)]
        assert "提出人" in cases.recusal(s, lina, s.get(type(triage), triage.id))
        assert tasks.count_open_for(s, lina) == len(tasks.open_tasks_for(s, lina))
    with pytest.raises(Forbidden) as refused:
        step(ready, objection_id, "ob_triage", "lina", {"decision": "accept"})
    assert "回避" in refused.value.message
    with pytest.raises(Forbidden), ready.begin() as s:
        tasks.claim(s, person(s, "lina"), triage.id)
    step(ready, objection_id, "ob_triage", "wanglei", {"decision": "accept"})  # a colleague handles it


def test_a_coordinator_who_works_for_the_unit_concerned_steps_aside_but_one_who_only_coordinates_does_not(ready):
    objection_id = raise_(
        ready,
        "machao",
        type="catalog_correction",
        resource_code="XY-ZW-001",
        facts="县大数据局政务服务事项目录中事项名称与省平台不一致",
        request="请更正目录",
    )
    step(ready, objection_id, "ob_triage", "wanglei", {"decision": "accept"})
    transfer = open_task(ready, objection_id, "ob_transfer")
    with ready() as s:
        assert "所涉单位" in cases.recusal(s, person(s, "lina"), s.get(type(transfer), transfer.id))
        assert cases.recusal(s, person(s, "wanglei"), s.get(type(transfer), transfer.id)) is None
        colleagues = [p.username for p in tasks.colleagues(s, person(s, "wanglei"), s.get(type(transfer), transfer.id))]
    assert "lina" not in colleagues and "liuyang" in colleagues
    with pytest.raises(ValidationFailed), ready.begin() as s:  # nor can it be handed to her
        tasks.delegate(s, person(s, "wanglei"), transfer.id, "lina")


def test_a_sysadmin_of_the_bureau_reads_no_objection_task_page_they_may_not_see(client, ready):
    from tests.helpers import login

    objection_id = raise_(
        ready, "machao", type="other", facts="县公安局共享接口多次中断，影响低保核对业务的开展", request="请督促修复"
    )
    triage = open_task(ready, objection_id, "ob_triage")
    login(client, "chenjing")
    assert client.get(f"/objections/{objection_id}").status_code == 404
    page = client.get(f"/tasks/{triage.id}")
    assert page.status_code in (403, 404)
    assert "接口多次中断" not in page.get_data(as_text=True)
