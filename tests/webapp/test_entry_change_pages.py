"""What people see when an entry stops sharing: the form's refusal, the entry waiting for the bureau, the bureau's and
the provider's task pages, and the change on the grant's page, its 授权提供单 and /grants; and a catalog change
registered late."""

from __future__ import annotations

from sqlalchemy import select

from tests.helpers import (
    BASIS,
    apply,
    at,
    confirm_change,
    csrf_token,
    decide,
    household_as_entered,
    login,
    person,
    propose_not_shared,
    text_of,
    unit,
)
from workflows.catalog import changes as catalog_changes
from workflows.engine import tasks
from workflows.models import AffectedGrant, HumanTask, Resource, ShareType, TaskStatus
from workflows.sharing import grants

KEEP = "低保年度复核正在进行，复核结束前仍须核对户籍，届时不再续期"


def edit_form(sessions, **changes) -> dict:
    """The edit form of XY-GA-001 as the keeper would send it, with some fields changed."""
    with sessions() as s:
        _, raw, items = household_as_entered(s)
    form = {k: ("" if v is None else ";".join(v) if isinstance(v, list) else str(v)) for k, v in raw.items()}
    form |= {
        "item_name": [i["name"] for i in items],
        "item_type": [str(i["data_type"]) for i in items],
        "item_length": [str(i["length"] or "") for i in items],
        "item_sensitive": ["yes" if i["sensitive"] else "no" for i in items],
    }
    return form | changes


def open_task(sessions, change_id: int, key: str) -> HumanTask:
    with sessions() as s:
        return next(
            t
            for t in tasks.case_tasks(s, "entry_change", change_id)
            if t.task_key == key and t.status == TaskStatus.OPEN
        )


def test_the_form_refuses_a_not_shared_switch_without_a_named_law_and_says_what_to_write(client, ready):
    login(client, "huangtao")
    path = "/catalog/resources/XY-GA-001/edit"
    answer = client.post(
        path,
        data=edit_form(
            ready, share_type="not_shared", share_method="", share_condition="本单位领导研究决定暂缓共享该类数据资源"
        )
        | {"csrf_token": csrf_token(client, path)},
    )
    page = text_of(answer)
    assert (
        answer.status_code == 422 and "没有写明具体的法律、行政法规或政策文件" in page and "国办发〔2021〕6号" in page
    )
    assert "本单位领导研究决定暂缓共享该类数据资源" in answer.get_data(as_text=True)  # what was typed stays
    with ready() as s:
        assert s.scalar(select(Resource).where(Resource.code == "XY-GA-001")).share_type == ShareType.CONDITIONAL


def test_a_not_shared_switch_saved_on_the_form_shows_as_waiting_for_the_bureau(client, ready):
    login(client, "huangtao")
    path = "/catalog/resources/XY-GA-001/edit"
    answer = client.post(
        path,
        data=edit_form(ready, share_type="not_shared", share_method="", share_condition=BASIS)
        | {"csrf_token": csrf_token(client, path)},
        follow_redirects=True,
    )
    page = text_of(answer)
    assert "须经县大数据局确认后生效，确认前条目保持原状" in page
    assert f"待县大数据局确认：改为不予共享（依据：{BASIS}）" in page and "有条件共享" in page
    assert "查看办理过程" in page


def test_the_bureau_confirms_on_its_task_page_and_the_provider_keeps_a_grant_from_its_own(app, ready):
    app_id = apply(ready)
    decide(ready, app_id, decision="approve")
    change_id = propose_not_shared(ready)
    bureau, provider, grantee = app.test_client(), app.test_client(), app.test_client()
    login(bureau, "wanglei")
    confirm = open_task(ready, change_id, "ec_confirm").id
    page = text_of(bureau.get(f"/tasks/{confirm}"))
    assert "有效授权 1 项（县民政局" in page and f"改为不予共享（依据：{BASIS}）" in page
    done = bureau.post(
        f"/tasks/{confirm}", data={"csrf_token": csrf_token(bureau, f"/tasks/{confirm}"), "decision": "approve"}
    )
    assert done.status_code == 302 and done.location.endswith(f"/catalog/entry-changes/{change_id}")
    login(provider, "huangtao")
    task_id = open_task(ready, change_id, "ag_decide").id
    page = text_of(provider.get(f"/tasks/{task_id}"))
    assert "受影响的授权（1）" in page and "保留至到期（2027-02-13）" in page
    with ready() as s:
        row = s.scalar(select(AffectedGrant)).id
    refused = provider.post(
        f"/grants/affected/{row}",
        data={"csrf_token": csrf_token(provider, f"/tasks/{task_id}"), "decision": "keep", "reason": "同意"},
    )
    assert refused.status_code == 422 and "保留至到期理由" in text_of(refused)
    reopened = provider.get(f"/grants/affected/{row}")  # the address the refusal left in the browser, reloaded
    assert reopened.status_code == 302 and reopened.location.endswith(f"/tasks/{task_id}")
    stranger = app.test_client()
    login(stranger, "gaopeng")  # 县人社局: neither party to the grant
    assert stranger.get(f"/grants/affected/{row}").status_code == 404  # not even told the grant exists
    kept = provider.post(
        f"/grants/affected/{row}",
        data={"csrf_token": csrf_token(provider, f"/tasks/{task_id}"), "decision": "keep", "reason": KEEP},
        follow_redirects=True,
    )
    assert "任务已办结" in text_of(kept) and "保留至到期" in text_of(kept)
    note = f"资源已改为不予共享（依据：{BASIS}）；提供单位决定保留至 2027-02-13：{KEEP}"
    login(grantee, "machao")
    with ready() as s:
        grant_id = grants.for_application(s, app_id).id
    assert note in text_of(grantee.get(f"/applications/{app_id}"))
    assert note in text_of(grantee.get("/grants"))
    order = text_of(grantee.get(f"/grants/{grant_id}/order"))
    assert note in order and "本提供单已失效" not in order


def test_a_published_entry_is_retired_only_once_the_bureau_confirms(client, ready):
    login(client, "huangtao")
    path = "/catalog/resources/XY-GA-001"
    answer = client.post(
        f"{path}/retire",
        data={"csrf_token": csrf_token(client, path), "reason": "该资源已并入人口综合库，原条目停用"},
        follow_redirects=True,
    )
    page = text_of(answer)
    assert "已提交县大数据局确认" in page and "待县大数据局确认：停用条目（理由：该资源已并入人口综合库" in page
    assert "已发布" in page


def test_the_change_page_is_for_the_bureau_and_the_providers_people(app, ready):
    change_id = propose_not_shared(ready)
    for username, status in (("wanglei", 200), ("sunhong", 200), ("machao", 404), ("sunjie", 404)):
        client = app.test_client()
        login(client, username)
        assert client.get(f"/catalog/entry-changes/{change_id}").status_code == status, username
    confirm_change(
        ready, change_id, decision="return", reason="居民身份证法第十九条不禁止向履职部门共享，请改为有条件共享"
    )
    client = app.test_client()
    login(client, "huangtao")
    page = text_of(client.get(f"/catalog/entry-changes/{change_id}"))
    assert "已退回" in page and "居民身份证法第十九条不禁止" in page and "确认目录条目变更" in page


def test_a_catalog_change_registered_after_its_deadline_is_flagged_on_the_list_the_page_and_the_task(client, processes):
    with at("2026-11-30T10:00:00"):
        login(client, "huangtao")
        with processes() as s:
            gaj = unit(s, "gaj").id
        answer = client.post(
            "/catalog/changes",
            data={
                "csrf_token": csrf_token(client, "/catalog/changes"),
                "unit_id": str(gaj),
                "kind": "law_revision",
                "description": "《居民身份证法》修订，新增电子证照信息项",
                "effective_on": "2026-11-02",
            },
            follow_redirects=True,
        )
        page = text_of(answer)
        assert "登记时已过，此事项已逾期" in page and "登记时已逾期" in page
        assert "2026-11-16 23:59（自生效之日起 10 个工作日）" in page
        assert "登记时已逾期" in text_of(client.get("/catalog/changes"))
        with processes() as s:
            change = catalog_changes.list_changes(s, person(s, "huangtao"))[0]
            task = next(t for t in tasks.case_tasks(s, "catalog_change", change.id) if t.status == TaskStatus.OPEN)
        page = text_of(client.get(f"/tasks/{task.id}"))
    assert "登记时已逾期" in page and "本单位目录" in page and "本单位没有受影响的目录条目" in page
