"""供需对接清单: matched demands list at once; others go to the bureau, the provider answers in time."""

from datetime import datetime

import pytest

from tests.helpers import SH, at, inbox_subjects, person, unit
from workflows.catalog import demands, entries
from workflows.engine import sweep, tasks
from workflows.errors import Forbidden, ValidationFailed
from workflows.models import Demand, DemandStatus, HumanTask, TaskStatus


def open_task(sessions, demand_id) -> HumanTask | None:
    with sessions() as s:
        found = [t for t in tasks.case_tasks(s, "demand", demand_id) if t.status == TaskStatus.OPEN]
        return found[0] if found else None


def do(sessions, username, task, **data):
    with sessions.begin() as s:
        tasks.complete(s, person(s, username), task.id, data)


def out_of_catalog(sessions) -> int:
    with at("2026-04-20T09:00:00"), sessions.begin() as s:
        return demands.record_demand(
            s, person(s, "lina"), unit(s, "zwfw").id, "残疾人证信息", "政务服务办件中核验残疾人身份"
        ).id


def test_a_demand_for_a_published_entry_is_matched_at_once(processes, demo_catalog):
    with processes.begin() as s:
        demand = demands.record_demand(
            s, person(s, "machao"), unit(s, "mzj").id, "不动产登记信息", "最低生活保障家庭经济状况核对", "XY-BDC-001"
        )
        assert demand.status == DemandStatus.MATCHED and demand.instance_id is None
        assert demand.resource.code == "XY-BDC-001" and demand.provider_unit_id == demand.resource.provider_unit_id


def test_a_demand_naming_an_entry_in_lower_case_with_a_trailing_space_is_matched(processes, demo_catalog):
    with processes.begin() as s:
        demand = demands.record_demand(
            s, person(s, "machao"), unit(s, "mzj").id, "不动产登记信息", "最低生活保障家庭经济状况核对", "xy-bdc-001 "
        )
        assert demand.status == DemandStatus.MATCHED and demand.resource.code == "XY-BDC-001"


def test_the_catalog_suggests_entries_that_may_already_cover_a_demand(processes, demo_catalog):
    with processes() as s:
        assert "XY-GA-001" in [r.code for r in demands.suggestions(s, "户籍人口信息")]


def test_an_out_of_catalog_demand_is_assigned_answered_and_resolved_with_a_new_entry(processes, demo_catalog):
    demand_id = out_of_catalog(processes)
    assign = open_task(processes, demand_id)
    assert (assign.name, assign.role, assign.unit.code) == ("分派共享需求", "coordinator", "zwfw")
    with processes() as s:
        cl_id = unit(s, "cl").id
    with at("2026-04-20T10:00:00"):
        do(processes, "wanglei", assign, decision="assign", provider_unit_id=str(cl_id))
    answer = open_task(processes, demand_id)
    assert (answer.name, answer.role, answer.unit_id) == ("答复共享需求", "unit_admin", cl_id)
    assert answer.due_at == datetime(2026, 4, 27, 23, 59, 59, tzinfo=SH)
    keeper = "jiahong"  # 县残联 section chief, its catalog keeper
    with at("2026-04-22T10:00:00"):
        do(processes, keeper, answer, answer="will_publish")
    close = open_task(processes, demand_id)
    assert close.name == "确认办结"
    with processes() as s, pytest.raises(ValidationFailed):
        tasks.complete(s, person(s, "wanglei"), close.id, {"outcome": "resolved", "resource_code": "XY-NONE-1"})
    with processes.begin() as s:
        entry = entries.create_resource(
            s,
            person(s, keeper),
            cl_id,
            {
                "name": "残疾人证核发信息",
                "summary": "残疾人证核发与等级",
                "category_class": "departmental",
                "format": "database",
                "share_type": "conditional",
                "share_condition": "用于身份核验",
                "share_method": "api",
                "open_type": "not_open",
                "update_cycle": "daily",
                "sensitivity": "important",
            },
            [{"name": "残疾人证号", "data_type": "字符型"}],
        )
        entries.publish(s, person(s, keeper), entry.id)
        code = entry.code
    do(processes, "wanglei", close, outcome="resolved", resource_code=f" {code.lower()} ")  # as typed
    with processes() as s:
        demand = s.get(Demand, demand_id)
        assert demand.status == DemandStatus.RESOLVED and demand.resource.code == code
        assert demand in demands.list_demands(s, person(s, "lina"))
    assert open_task(processes, demand_id) is None


def test_a_late_answer_is_escalated_to_the_bureau_and_the_demand_stays_open(processes, demo_catalog):
    demand_id = out_of_catalog(processes)
    with processes() as s:
        rsj = unit(s, "rsj").id
    with at("2026-04-20T10:00:00"):
        do(processes, "wanglei", open_task(processes, demand_id), decision="assign", provider_unit_id=rsj)
    with at("2026-04-28T09:00:00"):
        sweep.sweep(processes)
    with processes() as s:
        names = {t.name for t in tasks.case_tasks(s, "demand", demand_id) if t.status == TaskStatus.OPEN}
        assert names == {"答复共享需求", "督办：需求答复逾期"}
        assert s.get(Demand, demand_id).status == DemandStatus.COORDINATING
    assert any(subject.startswith("【督办】") for subject in inbox_subjects(processes, "zhangwei"))


def test_the_bureau_can_refer_a_demand_to_the_city(processes, demo_catalog):
    demand_id = out_of_catalog(processes)
    assign = open_task(processes, demand_id)
    with processes() as s, pytest.raises(ValidationFailed):
        tasks.complete(s, person(s, "wanglei"), assign.id, {"decision": "refer"})
    do(processes, "wanglei", open_task(processes, demand_id), decision="refer", note="涉及市级系统，报市局协调")
    with processes() as s:
        assert s.get(Demand, demand_id).status == DemandStatus.REFERRED
    assert open_task(processes, demand_id) is None


def test_an_applicant_of_another_unit_cannot_record_for_this_unit(processes):
    with processes() as s, pytest.raises(Forbidden):
        demands.record_demand(s, person(s, "machao"), unit(s, "gaj").id, "某数据", "某业务场景")


def test_a_demand_for_a_not_shared_entry_keeps_the_entry_and_its_unit_while_the_bureau_triages(processes, demo_catalog):
    with at("2026-04-20T09:00:00"), processes.begin() as s:
        demand = demands.record_demand(
            s, person(s, "machao"), unit(s, "mzj").id, "刑事案件侦查信息", "核查低保申请人涉案情况", "XY-GA-004"
        )
        demand_id, gaj_id = demand.id, unit(s, "gaj").id
        assert demand.status == DemandStatus.COORDINATING and demand.instance_id is not None
        assert (demand.resource.code, demand.provider_unit_id) == ("XY-GA-004", gaj_id)
    assign = open_task(processes, demand_id)
    assert (assign.name, assign.role) == ("分派共享需求", "coordinator")
    with at("2026-04-20T10:00:00"):
        do(processes, "wanglei", assign, decision="assign", provider_unit_id=str(gaj_id))
    answer = open_task(processes, demand_id)
    assert (answer.name, answer.unit_id) == ("答复共享需求", gaj_id)


def test_an_answer_naming_a_catalog_code_that_is_not_the_units_entry_is_refused_naming_the_field(
    processes, demo_catalog
):
    demand_id = out_of_catalog(processes)
    with processes() as s:
        cl_id = unit(s, "cl").id
    with at("2026-04-20T10:00:00"):
        do(processes, "wanglei", open_task(processes, demand_id), decision="assign", provider_unit_id=str(cl_id))
    answer = open_task(processes, demand_id)
    for code in ("XY-NOPE-999", "XY-GA-001"):  # none, and another unit's entry
        with processes() as s, pytest.raises(ValidationFailed) as caught:
            tasks.complete(s, person(s, "jiahong"), answer.id, {"answer": "will_publish", "resource_code": code})
        assert caught.value.fields == {
            "resource_code": f"目录条目代码：“{code}”不是县残疾人联合会的目录条目（已发布或草稿），请核对代码；尚未编目可留空"
        }
    assert open_task(processes, demand_id).name == "答复共享需求"
    with processes.begin() as s:
        entry = entries.create_resource(
            s,
            person(s, "jiahong"),
            cl_id,
            {
                "name": "残疾人证核发信息",
                "summary": "残疾人证核发与等级",
                "category_class": "departmental",
                "format": "database",
                "share_type": "conditional",
                "share_condition": "用于身份核验",
                "share_method": "api",
                "open_type": "not_open",
                "update_cycle": "daily",
                "sensitivity": "important",
            },
            [{"name": "残疾人证号", "data_type": "字符型"}],
        )
        code = entry.code
    do(processes, "jiahong", answer, answer="will_publish", resource_code=code.lower())
    with processes() as s:
        assert s.get(Demand, demand_id).answer == f"将编目发布：目录条目 {code}"
