"""The workbench and the task API show a person the open tasks of their role in their unit."""

import re
from datetime import datetime

import time_machine
from sqlalchemy import func, select

from tests.helpers import SH, at, complete, deploy_test_process, login, person, start_case, text_of, unit
from workflows.incidents import service as incidents
from workflows.models import AccountKind, Person, Scorecard, UsageSource
from workflows.organisation import accounts
from workflows.supervision import scorecards
from workflows.usage import ingest

INCIDENT = {
    "occurred_on": "2026-03-20",
    "account": "户政股一名经办人将核对结果表格发到了工作微信群，群内有非本单位人员",
    "data_affected": "姓名、公民身份号码，约 40 条",
    "measures": "已要求撤回并删除聊天记录，对经办人进行约谈",
}


def a_case_waiting_for_review(sessions) -> int:
    deploy_test_process(sessions)
    case = start_case(sessions)
    complete(sessions, case, "machao", {"purpose": "核对"})
    return case


@time_machine.travel(datetime(2026, 2, 16, 9, 0, tzinfo=SH), tick=False)
def test_the_reviewer_of_the_provider_unit_sees_the_task_with_its_due_date(client, sessions):
    a_case_waiting_for_review(sessions)
    login(client, "huangtao")
    page = client.get("/").get_data(as_text=True)
    assert "审核" in page and "2026-02-27 23:59" in page and "已逾期" not in page


@time_machine.travel(datetime(2026, 2, 16, 9, 0, tzinfo=SH), tick=False)
def test_a_reviewer_of_another_unit_does_not_see_it(client, sessions):
    a_case_waiting_for_review(sessions)
    login(client, "sunjie")
    assert "暂无待办任务" in client.get("/").get_data(as_text=True)


def test_an_overdue_task_is_shown_in_red(client, sessions):
    with time_machine.travel(datetime(2026, 2, 16, 9, 0, tzinfo=SH), tick=False):
        a_case_waiting_for_review(sessions)
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=SH), tick=False):
        login(client, "huangtao")
        page = client.get("/").get_data(as_text=True)
    assert "已逾期" in page and "list-group-item-danger" in page


@time_machine.travel(datetime(2026, 2, 16, 9, 0, tzinfo=SH), tick=False)
def test_the_task_api_lists_the_callers_open_tasks(client, sessions):
    case = a_case_waiting_for_review(sessions)
    with sessions.begin() as s:
        reviewer, other = accounts.create_token(s, "huangtao"), accounts.create_token(s, "sunjie")
    items = client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {reviewer}"}).get_json()["items"]
    assert [(t["name"], t["process"], t["instance_id"]) for t in items] == [("审核", "three_step", case)]
    assert items[0]["due_at"] == "2026-02-27T15:59:59+00:00"
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {other}"}).get_json() == {"items": []}


def test_a_person_with_a_responsibility_reads_its_unit_and_what_it_means_on_the_workbench(client):
    login(client, "wanglei")
    page = text_of(client.get("/"))
    assert "县政务服务和大数据管理局 · 分管领导" in page and "催办、督办" in page


def glance_of(client, unit_name: str) -> str:
    return " ".join(
        text_of(client.get("/")).split(f"{unit_name} · 本单位数据共享概况")[1].split("我的单位与角色")[0].split()
    )


def counted(glance: str, line: str) -> int:
    return int(re.search(rf"{line} (\d+) [项件]", glance).group(1))


def test_a_units_first_responsible_sees_where_the_unit_stands_and_each_line_opens_its_list(client, march_reviews):
    with at("2026-03-25T10:00:00"):
        login(client, "yangjun")  # 县公安局's 第一责任人, no role of his own
        before = glance_of(client, "县公安局")
        with march_reviews.begin() as s:
            platform = s.scalar(select(Person).where(Person.account_kind == AccountKind.PLATFORM))
            stray = {"id": "x-1", "unit_code": "gaj", "resource_code": "XY-MZ-001", "at": "2026-03-24T10:00:00+08:00"}
            calls = [stray | {"call_type": "table", "count": 3}]
            ingest.ingest(s, platform, "k", "k", calls, [], UsageSource.PLATFORM)  # under no grant: to explain
            incidents.record_incident(s, person(s, "lina"), INCIDENT | {"unit_id": unit(s, "gaj").id})
        after = glance_of(client, "县公安局")
    assert "2026年2月考核 考核结果在月初第一个工作日生成" in before
    for line in ("近 30 天待本单位说明的使用异常", "处置中的安全事件"):
        assert counted(after, line) == counted(before, line) + 1, line
    with at("2026-04-01T10:00:00"):
        with march_reviews.begin() as s:
            scorecards.keep_closed(s)
            gaj = unit(s, "gaj").id
            kept = s.scalar(select(Scorecard).where(Scorecard.period == "2026-03", Scorecard.unit_id == gaj))
            ranked = s.scalar(select(func.count()).select_from(Scorecard).where(Scorecard.period == "2026-03"))
        login(client, "yangjun")
        glance = glance_of(client, "县公安局")
        body = client.get("/").get_data(as_text=True)
        card = text_of(client.get(f"/supervision/scorecards/{gaj}?period=2026-03"))
        incidents_page = client.get(f"/incidents/?unit={gaj}&status=handling").get_data(as_text=True)
    assert f"2026年3月考核 {kept.score} 分 · 全县第 {kept.rank} 名（共 {ranked} 个单位）" in glance
    assert "县公安局" in card and "审核办理" in card  # the line opens the unit's own card
    assert counted(glance, "本单位逾期未办的任务") == 1  # the review due on 27 March, still open, named:
    assert re.search(r"SQ2026\d+ 县民政局申请「[^」]+」 · 审核申请（审核人）· 已逾期 \d+ 个工作日", glance)
    assert (
        f'/supervision/scorecards/{gaj}?period=2026-03"' in body
        and f"/incidents/?unit={gaj}&amp;status=handling" in body
    )
    assert f'<option value="{gaj}" selected>县公安局</option>' in incidents_page  # the link's filter, shown


def test_someone_with_no_responsibility_has_no_unit_glance(client):
    login(client, "machao")
    assert "本单位数据共享概况" not in text_of(client.get("/"))


def test_a_units_leader_without_a_role_finds_data_usage_in_the_menu(client):
    login(client, "wugang")  # 县民政局's 第一责任人: no role, answers for the unit's use of data
    menu = client.get("/").get_data(as_text=True).split("</nav>")[0]
    assert 'href="/usage/"' in menu and client.get("/usage/").status_code == 200
