"""The reviewer decides from the task page alone: the whole application beside the form, items checked by default,
what is checked is what is granted, and 常用意见 inserted into the reason."""

import re
from datetime import datetime

import pytest
import time_machine

from tests import scenarios
from tests.helpers import NARROWED, SH, apply, csrf_token, decide, login, person, review_task, text_of, unit
from workflows.engine import tasks
from workflows.errors import Forbidden, ValidationFailed
from workflows.models import Application
from workflows.sharing import grants, opinions

NAME = "{number} 县民政局申请「户籍人口基本信息」"


@pytest.fixture
def waiting(processes, demo_catalog):
    with time_machine.travel(datetime(2026, 2, 24, 9, 0, tzinfo=SH), tick=False):
        app_id = apply(processes)
        with processes() as s:
            name = NAME.format(number=s.get(Application, app_id).number)
        yield app_id, review_task(processes, app_id).id, name


def _checked(page: str) -> set[str]:
    return set(re.findall(r'name="approved_items" value="([^"]+)" checked', page))


def test_the_task_page_shows_the_whole_application_with_every_item_checked(client, waiting):
    app_id, task_id, name = waiting
    login(client, "huangtao")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert name in page and "案件 #" not in page
    for fact in (
        "县民政局",
        "马超",
        "有条件共享",
        "最低生活保障家庭经济状况核对中核验申请人户籍",
        "《社会救助暂行办法》第十一条",
        "核验低保申请人及家庭成员户籍",
        "每日",
        "2027-02-13",
        "核对家庭成员身份必须使用身份证号",
    ):
        assert fact in page, fact
    assert "公民身份号码（敏感）" in page and "这是第一轮审核" in page
    assert "最后一个工作日系统发出催办" in page and "不会因超时自动作出决定" in page
    assert _checked(page) == {"姓名", "公民身份号码", "户籍地址"}
    assert "不选则按" not in page and "opinions.js" in page


def test_an_unchecked_item_is_not_granted(client, processes, waiting):
    app_id, task_id, name = waiting
    login(client, "huangtao")
    token = csrf_token(client, f"/tasks/{task_id}")
    answer = client.post(
        f"/tasks/{task_id}",
        data={"csrf_token": token, "decision": "approve", "approved_items": ["姓名", "户籍地址"], "reason": NARROWED},
    )
    assert answer.status_code == 302
    with processes() as s:
        assert grants.for_application(s, app_id).items == ["姓名", "户籍地址"]


def test_leaving_an_item_out_of_an_approval_needs_a_specific_reason_beside_the_reason_box(client, processes, waiting):
    app_id, task_id, name = waiting
    login(client, "huangtao")
    token = csrf_token(client, f"/tasks/{task_id}")
    said = []
    for reason in ("", "不同意"):
        answer = client.post(
            f"/tasks/{task_id}",
            data={
                "csrf_token": token,
                "decision": "approve",
                "reason": reason,
                "approved_items": ["姓名", "公民身份号码"],
            },
        )
        assert answer.status_code == 422 and 'id="error-reason"' in answer.get_data(as_text=True)
        said.append(text_of(answer))
    assert "未同意提供 户籍地址，须在理由中写明原因" in said[0] and "“不同意”只是套话" in said[1]
    with processes() as s:
        assert grants.for_application(s, app_id) is None  # nothing granted by a refused step
    client.post(
        f"/tasks/{task_id}",
        data={
            "csrf_token": token,
            "decision": "approve",
            "reason": NARROWED,
            "approved_items": ["姓名", "公民身份号码"],
        },
    )
    with processes() as s:
        assert grants.for_application(s, app_id).items == ["姓名", "公民身份号码"]


def test_approving_with_nothing_checked_is_refused_next_to_the_items(client, processes, waiting):
    app_id, task_id, name = waiting
    login(client, "huangtao")
    token = csrf_token(client, f"/tasks/{task_id}")
    answer = client.post(f"/tasks/{task_id}", data={"csrf_token": token, "decision": "approve"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'id="error-approved_items"' in page and "至少勾选一项" in page
    assert _checked(page) == set()  # what the reviewer unchecked stays unchecked
    with processes() as s:
        assert grants.for_application(s, app_id) is None


def test_personal_opinions_are_ones_own_and_unit_opinions_are_kept_by_the_unit_admin(processes, demo_catalog):
    with processes.begin() as s:
        gaj = unit(s, "gaj").id
        with pytest.raises(Forbidden):
            opinions.add(s, person(s, "sunhong"), "请补充加盖公章的申请函原件扫描件", gaj)  # a reviewer, not the admin
        mine = opinions.add(s, person(s, "sunhong"), "请补充低保申请受理通知书扫描件").id
        shared = opinions.add(s, person(s, "huangtao"), "申请信息项超出所述应用场景的履职需要", gaj).id
    with processes.begin() as s:
        assert [o.id for o in opinions.for_person(s, person(s, "sunhong"), gaj)] == [mine, shared]
        assert [o.id for o in opinions.for_person(s, person(s, "huangtao"), gaj)] == [shared]  # not sunhong's own
        assert opinions.for_person(s, person(s, "sunjie")) == []  # another unit sees neither
        with pytest.raises(Forbidden):
            opinions.delete(s, person(s, "sunhong"), shared)
        with pytest.raises(Forbidden):
            opinions.delete(s, person(s, "huangtao"), mine)
        opinions.delete(s, person(s, "huangtao"), shared)


def test_opinions_appear_beside_the_reason_and_are_managed_on_their_page(client, waiting):
    app_id, task_id, name = waiting
    login(client, "huangtao")
    token = csrf_token(client, "/tasks/opinions")
    assert client.post("/tasks/opinions", data={"csrf_token": token, "text": "短"}).status_code == 422
    assert (
        client.post("/tasks/opinions", data={"csrf_token": token, "text": "请补充低保申请受理通知书扫描件"}).status_code
        == 302
    )
    page = client.get("/tasks/opinions").get_data(as_text=True)
    assert "请补充低保申请受理通知书扫描件" in page and "县公安局全体审核人" in page  # huangtao keeps his unit's
    task_page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'class="btn btn-sm btn-outline-secondary opinion-insert' in task_page
    assert 'data-text="请补充低保申请受理通知书扫描件"' in task_page and 'data-target="f-reason"' in task_page
    assert "管理常用意见" in task_page


def test_the_applicants_resubmit_task_offers_no_reviewers_opinion_tools(client, processes, waiting):
    app_id, task_id, _ = waiting
    decide(
        processes,
        app_id,
        decision="return",
        reason="1. 请补充低保申请受理通知书扫描件\n2. 请说明核对对象的范围和预计人数",
    )
    with processes() as s:
        resubmit = next(t for t in tasks.case_tasks(s, "application", app_id) if t.task_key == "da_resubmit")
    login(client, "machao")
    page = text_of(client.get(f"/tasks/{resubmit.id}"))
    assert "逐项答复" in page and "管理常用意见" not in page


def test_a_long_opinion_is_not_cut_by_the_page_but_refused_naming_the_limit(client, waiting):
    login(client, "huangtao")
    form = client.get("/tasks/opinions").get_data(as_text=True)
    textarea = re.search(r'<textarea[^>]*id="opinion-text"[^>]*>', form).group(0)
    assert "maxlength" not in textarea  # a browser would cut a pasted text silently

    answer = client.post(
        "/tasks/opinions", data={"csrf_token": csrf_token(client, "/tasks/opinions"), "text": "请补充材料" * 120}
    )

    assert answer.status_code == 422
    assert "意见内容：不能超过 500 个字（现有 600 个字）" in text_of(answer) and "已保存" not in text_of(answer)


def test_a_duplicate_opinion_on_the_page_says_it_was_not_saved_again(client, waiting):
    login(client, "sunhong")
    token = csrf_token(client, "/tasks/opinions")
    assert (
        client.post("/tasks/opinions", data={"csrf_token": token, "text": "请补充低保申请受理通知书扫描件"}).status_code
        == 302
    )

    answer = client.post("/tasks/opinions", data={"csrf_token": token, "text": "请补充低保申请受理通知书扫描件"})

    assert answer.status_code == 422 and "已有相同的一条，未重复保存" in text_of(answer)
    assert "我的常用意见（1）" in text_of(client.get("/tasks/opinions"))


def test_task_lists_and_the_inbox_name_the_case_by_number_unit_and_resource(client, waiting):
    name = waiting[2]
    login(client, "huangtao")
    for path in ("/tasks/", "/", "/inbox"):
        page = text_of(client.get(path))
        assert name in page and "案件 #" not in page, path


def test_the_audit_trail_names_cases_and_tasks_and_reads_the_decision_in_chinese(app, client, processes, waiting):
    app_id, task_id, name = waiting
    login(client, "huangtao")
    token = csrf_token(client, f"/tasks/{task_id}")
    client.post(
        f"/tasks/{task_id}",
        data={"csrf_token": token, "decision": "approve", "approved_items": ["姓名"], "reason": NARROWED},
    )
    client = app.test_client()
    login(client, "chenjing")
    page = text_of(client.get("/admin/audit?subject_type=task"))
    assert f"任务“审核申请”（{name}）" in page and "黄涛（县公安局）" in page
    assert "审核意见：" in page and "通过" in page and "approve" not in page
    page = text_of(client.get("/admin/audit?subject_type=application"))
    assert name in page and "2026-02-24 09:00" in page  # Shanghai time, as the clock stood


def test_the_service_grants_what_is_listed_refuses_an_empty_list_and_reads_a_missing_list_as_everything(
    processes, demo_catalog
):
    with time_machine.travel(datetime(2026, 2, 24, 9, 0, tzinfo=SH), tick=False):
        listed, empty, missing = apply(processes), apply(processes), apply(processes)
        decide(processes, listed, decision="approve", approved_items=["公民身份号码"], reason=NARROWED)
        with pytest.raises(ValidationFailed) as refused:
            decide(processes, empty, decision="approve", approved_items=[])
        assert "approved_items" in refused.value.fields and "至少勾选一项" in refused.value.fields["approved_items"]
        decide(processes, missing, decision="approve")
    with processes() as s:
        assert grants.for_application(s, listed).items == ["公民身份号码"]
        assert grants.for_application(s, empty) is None
        assert grants.for_application(s, missing).items == ["姓名", "公民身份号码", "户籍地址"]


def test_reminded_and_escalated_tasks_are_marked_in_lists_and_the_inbox(app, processes):
    scenarios.build(processes)  # one review passed its 5 working days: 催办 on the last day, 督办 after
    reviewer, coordinator = app.test_client(), app.test_client()
    with scenarios.at("2026-03-02T10:00:00"):
        login(reviewer, "huangtao")
        login(coordinator, "wanglei")
        listed = reviewer.get("/tasks/").get_data(as_text=True)
        assert re.search(r'nudge">督办</span>\s*</div>\s*<div class="case-name">SQ2026\d{6} 县民政局申请', listed)
        assert 'nudge">催办</span>' in reviewer.get("/inbox").get_data(as_text=True)
        assert 'nudge">督办</span>' in coordinator.get("/inbox").get_data(as_text=True)
        bench = text_of(coordinator.get("/"))
    assert re.search(
        r"督办：逾期未办的案件（1） SQ2026\d{6} 县民政局申请「户籍人口基本信息」 审核申请 · 办理单位 县公安局 · "
        r"已逾期 2 个工作日",
        bench,
    )


def test_nothing_checked_and_a_bad_validity_are_both_shown_at_once(client, waiting):
    app_id, task_id, name = waiting
    login(client, "huangtao")
    token = csrf_token(client, f"/tasks/{task_id}")
    answer = client.post(
        f"/tasks/{task_id}", data={"csrf_token": token, "decision": "approve", "approved_until": "2030-01-01"}
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'id="error-approved_items"' in page and 'id="error-approved_until"' in page
