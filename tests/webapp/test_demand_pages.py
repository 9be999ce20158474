"""供需对接 pages: a demand recorded from a catalog entry keeps the entry and its unit."""

import re

from tests.helpers import csrf_token, login, person, unit
from workflows.catalog import demands
from workflows.engine import tasks
from workflows.models import TaskStatus


def test_a_demand_from_a_not_shared_entry_keeps_the_entry_and_its_unit_for_the_bureau(client, app, ready):
    login(client, "machao")
    form = client.get("/demands/new?resource=XY-GA-004").get_data(as_text=True)
    assert 'name="resource_code" value="XY-GA-004"' in form
    unit_id = re.search(r'name="unit_id" value="(\d+)"', form).group(1)
    answer = client.post(
        "/demands/new",
        data={
            "csrf_token": csrf_token(client, "/demands/new"),
            "unit_id": unit_id,
            "wanted_data": "刑事案件侦查信息（XY-GA-004）",
            "scenario": "核查低保申请人涉案情况",
            "resource_code": "XY-GA-004",
        },
    )
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "XY-GA-004 刑事案件侦查信息" in page and "县公安局" in page and "待分派" not in page
    assert "由县大数据局确认分派" in page and "协调中" in page
    coordinator = app.test_client()
    login(coordinator, "wanglei")
    assert "分派共享需求" in coordinator.get("/tasks/").get_data(as_text=True)


def test_answering_a_demand_with_an_unknown_catalog_code_shows_the_problem_under_the_field(client, ready):
    with ready.begin() as s:
        demand = demands.record_demand(
            s, person(s, "lina"), unit(s, "zwfw").id, "残疾人证信息", "政务服务办件中核验残疾人身份"
        )
        assign = [t for t in tasks.case_tasks(s, "demand", demand.id) if t.status == TaskStatus.OPEN][0]
        tasks.complete(
            s, person(s, "wanglei"), assign.id, {"decision": "assign", "provider_unit_id": str(unit(s, "cl").id)}
        )
        answer_id = [t.id for t in tasks.case_tasks(s, "demand", demand.id) if t.status == TaskStatus.OPEN][0]
    login(client, "jiahong")
    answer = client.post(
        f"/tasks/{answer_id}",
        data={
            "csrf_token": csrf_token(client, f"/tasks/{answer_id}"),
            "answer": "will_publish",
            "resource_code": "XY-NOPE-999",
        },
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "目录条目代码：“XY-NOPE-999”不是县残疾人联合会的目录条目（已发布或草稿），请核对代码" in page
    assert "答复共享需求" in client.get("/tasks/").get_data(as_text=True)


def test_looking_up_similar_entries_keeps_the_entry_the_form_was_opened_from(client, ready):
    login(client, "machao")
    form = client.get("/demands/new?resource=XY-GA-004").get_data(as_text=True)
    assert "关联目录条目：<code>XY-GA-004</code>" in form
    page = client.post(
        "/demands/new",
        data={
            "csrf_token": csrf_token(client, "/demands/new"),
            "unit_id": re.search(r'name="unit_id" value="(\d+)"', form)[1],
            "wanted_data": "户籍人口信息",
            "scenario": "",
            "resource_code": "XY-GA-004",
            "action": "check",
        },
    ).get_data(as_text=True)
    assert re.search(r'value="XY-GA-004" checked', page) and not re.search(r'id="s-none" value="" checked', page)


def open_assign_task(sessions, demand_id: int) -> int:
    with sessions() as s:
        return [t.id for t in tasks.case_tasks(s, "demand", demand_id) if t.status == TaskStatus.OPEN][0]


def test_assigning_a_demand_starts_on_the_provider_the_demand_names(client, ready):
    with ready.begin() as s:
        named = demands.record_demand(
            s,
            person(s, "machao"),
            unit(s, "mzj").id,
            "刑事案件侦查信息（XY-GA-004）",
            "核查低保申请人涉案情况",
            "XY-GA-004",
        )
        unnamed = demands.record_demand(s, person(s, "machao"), unit(s, "mzj").id, "残疾人证信息", "核验残疾人身份")
        police, ids = unit(s, "gaj").id, (named.id, unnamed.id)
    login(client, "wanglei")
    page = client.get(f"/tasks/{open_assign_task(ready, ids[0])}").get_data(as_text=True)
    assert re.search(rf'<option value="{police}" selected>县公安局</option>', page)
    assert len(re.findall(r"<option [^>]*selected", page)) == 1
    other = client.get(f"/tasks/{open_assign_task(ready, ids[1])}").get_data(as_text=True)
    assert '<option value="">请选择</option>' in other and not re.search(r"<option [^>]*selected", other)


def test_a_provider_cleared_before_a_refused_submission_stays_cleared(client, ready):
    with ready.begin() as s:
        demand_id = demands.record_demand(
            s,
            person(s, "machao"),
            unit(s, "mzj").id,
            "刑事案件侦查信息（XY-GA-004）",
            "核查低保申请人涉案情况",
            "XY-GA-004",
        ).id
    task_id = open_assign_task(ready, demand_id)
    login(client, "wanglei")
    refused = client.post(
        f"/tasks/{task_id}",
        data={"csrf_token": csrf_token(client, f"/tasks/{task_id}"), "decision": "assign", "provider_unit_id": ""},
    )
    assert refused.status_code == 422 and not re.search(r"<option [^>]*selected", refused.get_data(as_text=True))
