"""Deadlines of an objection in working days, read from the process version: 催办 before, 督办 after, never decided."""

import pytest

from tests.helpers import at, inbox_subjects
from tests.workflows.objections.helpers import accept_and_transfer, open_keys, raise_, state, step
from workflows import clock
from workflows.engine import latest_version, sweep, task_period, tasks
from workflows.errors import Forbidden, NotFound
from workflows.models import ObjectionStatus, TaskStatus

OTHER = {"type": "other", "facts": "县民政局与县公安局的人口数据口径不一致，核对结果互相矛盾", "request": "请统一口径"}


def due_day(sessions, objection_id, key):
    with sessions() as s:
        task = next(t for t in tasks.case_tasks(s, "objection", objection_id) if t.task_key == key)
        return clock.local(task.due_at).date().isoformat()


def test_periods_come_from_the_process_version(ready):
    with ready() as s:
        version = latest_version(s, "objection")
        assert [task_period(version, k) for k in ("ob_triage", "ob_answer_1", "ob_correct")] == [2, 5, 10]


def test_triage_is_reminded_on_its_last_day_escalated_after_and_never_decided_by_timeout(ready):
    with at("2026-03-05T10:00:00"):  # a Thursday
        objection_id = raise_(ready, "machao", **OTHER)
    assert due_day(ready, objection_id, "ob_triage") == "2026-03-09"  # two working days: Friday, Monday
    with at("2026-03-06T20:00:00"):
        sweep.sweep(ready)
    assert not any(s.startswith("【催办】") for s in inbox_subjects(ready, "lina"))
    with at("2026-03-09T08:30:00"):
        sweep.sweep(ready)
    assert any(s.startswith("【催办】") for s in inbox_subjects(ready, "lina"))
    with at("2026-03-10T09:00:00"):
        sweep.sweep(ready)
    assert any(s.startswith("【督办】") for s in inbox_subjects(ready, "wanglei"))
    assert state(ready, objection_id).status == ObjectionStatus.SUBMITTED
    assert open_keys(ready, objection_id) == ["ob_triage"]
    with at("2026-03-10T10:00:00"):
        step(ready, objection_id, "ob_triage", "lina", {"decision": "accept"})
    assert state(ready, objection_id).status == ObjectionStatus.ACCEPTED


def test_each_responding_unit_has_five_working_days_from_the_transfer(ready):
    with at("2026-03-05T10:00:00"):
        objection_id = raise_(ready, "machao", **OTHER)
        accept_and_transfer(ready, objection_id, "gaj", "mzj")
    assert due_day(ready, objection_id, "ob_answer_1") == due_day(ready, objection_id, "ob_answer_2") == "2026-03-12"
    with at("2026-03-12T08:30:00"):
        sweep.sweep(ready)
    assert any(s.startswith("【催办】") for s in inbox_subjects(ready, "huangtao"))
    assert any(s.startswith("【催办】") for s in inbox_subjects(ready, "sunjie"))
    with at("2026-03-12T15:00:00"):
        step(ready, objection_id, "ob_answer_2", "sunjie", {"stance": "agree", "position": "同意统一口径"})
    with at("2026-03-13T09:00:00"):
        sweep.sweep(ready)
    escalations = [s for s in inbox_subjects(ready, "wanglei") if s.startswith("【督办】")]
    assert len(escalations) == 1  # only the unit that has not answered is escalated
    assert open_keys(ready, objection_id) == ["ob_answer_1"]
    assert state(ready, objection_id).status == ObjectionStatus.TRANSFERRED


RAISED_BY_MACHAO = {
    "type": "other",
    "facts": "县公安局共享接口多次中断，影响低保核对业务的正常开展",
    "request": "请督促修复",
}


@pytest.mark.parametrize(
    "username, allowed", [("lina", True), ("wanglei", True), ("huangtao", False), ("machao", False), ("sunjie", False)]
)
def test_only_coordinators_triage(ready, username, allowed):
    objection_id = raise_(ready, "machao", **RAISED_BY_MACHAO)
    if allowed:
        step(ready, objection_id, "ob_triage", username, {"decision": "accept"})
        assert state(ready, objection_id).status == ObjectionStatus.ACCEPTED
    else:  # who may not even see the step hears that it does not exist
        with pytest.raises((Forbidden, NotFound)):
            step(ready, objection_id, "ob_triage", username, {"decision": "accept"})


@pytest.mark.parametrize(
    "username, allowed", [("huangtao", True), ("sunjie", False), ("lina", False), ("machao", False), ("sunhong", False)]
)
def test_only_the_responding_units_keeper_answers(ready, username, allowed):
    objection_id = raise_(ready, "machao", **RAISED_BY_MACHAO)
    accept_and_transfer(ready, objection_id, "gaj")
    answer = {"stance": "agree", "position": "已安排修复接口"}
    if allowed:
        step(ready, objection_id, "ob_answer_1", username, answer)
        assert open_keys(ready, objection_id) == ["ob_decide"]
    else:
        with pytest.raises(Forbidden):
            step(ready, objection_id, "ob_answer_1", username, answer)


@pytest.mark.parametrize("username", ["huangtao", "zhuxia", "lina"])
def test_only_coordinators_decide_and_only_the_raiser_rates(ready, username):
    objection_id = raise_(ready, "machao", **RAISED_BY_MACHAO)
    accept_and_transfer(ready, objection_id, "gaj")
    step(ready, objection_id, "ob_answer_1", "huangtao", {"stance": "agree", "position": "已安排修复接口"})
    decision = {"resolution": "agreed", "outcome": "upheld", "opinion": "接口已修复，督促县公安局加强运维"}
    if username != "lina":
        with pytest.raises(Forbidden):
            step(ready, objection_id, "ob_decide", username, decision)
    step(ready, objection_id, "ob_decide", "wanglei", decision)
    with pytest.raises(Forbidden):
        step(ready, objection_id, "ob_rate", username, {"rating": "1"})
    step(ready, objection_id, "ob_rate", "machao", {"rating": "5"})
    with ready() as s:
        assert all(t.status != TaskStatus.OPEN for t in tasks.case_tasks(s, "objection", objection_id))


def test_the_coordinators_decision_is_reminded_and_escalated_too_but_never_taken_by_timeout(ready):
    with at("2026-03-05T10:00:00"):
        objection_id = raise_(ready, "machao", **OTHER)
        accept_and_transfer(ready, objection_id, "gaj")
        step(ready, objection_id, "ob_answer_1", "huangtao", {"stance": "agree", "position": "同意统一口径"})
    assert due_day(ready, objection_id, "ob_decide") == "2026-03-12"
    before = len([s for s in inbox_subjects(ready, "wanglei") if s.startswith("【督办】")])
    with at("2026-03-13T09:00:00"):
        sweep.sweep(ready)
    assert len([s for s in inbox_subjects(ready, "wanglei") if s.startswith("【督办】")]) == before + 1
    assert open_keys(ready, objection_id) == ["ob_decide"]
    assert state(ready, objection_id).status == ObjectionStatus.TRANSFERRED
