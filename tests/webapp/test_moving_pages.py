"""The modeler previews the running cases of a version, then moves one or all of them to another version."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.helpers import csrf_token, inbox_subjects, login, person, text_of
from tests.helpers import PRODUCT_FORMS as FORMS
from tests.helpers import THREE_DAYS, apply, at, review_task
from workflows import engine
from workflows.engine import tasks
from workflows.models import Application, ProcessInstance

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def two_versions(processes, demo_catalog):
    """Two applications waiting for review on version 1, then version 2 with a 3-day review."""
    with at("2026-02-13T10:00:00"):
        first, second = apply(processes), apply(processes)
        with processes.begin() as s:
            engine.deploy(s, THREE_DAYS, FORMS, None, note="审核期限改为 3 个工作日")
        yield processes, first, second


def test_the_preview_lists_each_running_case_and_what_moving_it_changes(client, two_versions):
    sessions, first, _ = two_versions
    login(client, "liuyang")
    page = client.get("/processes/data_application/move?from=1&to=2").get_data(as_text=True)
    case = review_task(sessions, first).instance_id
    assert f'id="case-{case}"' in page and "可以迁移" in page and "可迁移 2 件" in page
    assert "“审核申请”到期 2026-02-27 23:59 → 2026-02-25 23:59" in page


def test_moving_one_case_leaves_the_other_on_its_version(client, two_versions):
    sessions, first, second = two_versions
    login(client, "liuyang")
    token = csrf_token(client, "/processes/data_application/move")
    case = review_task(sessions, first).instance_id
    with at("2026-02-13T11:00:00"):
        page = client.post(
            "/processes/data_application/move",
            data={"csrf_token": token, "from": "1", "to": "2", "instance_id": str(case)},
            follow_redirects=True,
        ).get_data(as_text=True)
    with sessions() as s:
        number = s.get(Application, first).number
    assert f"已把 1 个案件（{number} 县民政局申请「户籍人口基本信息」）迁移到第 2 版" in page and "可迁移 1 件" in page
    assert review_task(sessions, first).due_at == datetime(2026, 2, 25, 23, 59, 59, tzinfo=SH)
    assert review_task(sessions, second).due_at == datetime(2026, 2, 27, 23, 59, 59, tzinfo=SH)


def test_moving_all_cases_moves_every_movable_one(client, two_versions):
    sessions, first, second = two_versions
    login(client, "liuyang")
    token = csrf_token(client, "/processes/data_application/move")
    with at("2026-02-13T11:00:00"):
        page = client.post(
            "/processes/data_application/move",
            data={"csrf_token": token, "from": "1", "to": "2", "all": "1"},
            follow_redirects=True,
        ).get_data(as_text=True)
    assert "已把 2 个案件" in page and "第 1 版没有进行中的案件" in page
    with sessions() as s:
        assert {i.process_version.version for i in s.scalars(select(ProcessInstance))} == {2}


def test_a_move_without_a_choice_explains_itself(client, two_versions):
    login(client, "liuyang")
    token = csrf_token(client, "/processes/data_application/move")
    response = client.post("/processes/data_application/move", data={"csrf_token": token, "from": "1", "to": "2"})
    assert response.status_code == 422 and "请选择要迁移的案件" in response.get_data(as_text=True)


def test_the_preview_names_each_case_and_marks_a_shortened_deadline(client, two_versions):
    sessions, first, _ = two_versions
    login(client, "liuyang")
    page = text_of(client.get("/processes/data_application/move?from=1&to=2"))
    with sessions() as s:
        number = s.get(Application, first).number
    assert f"{number} 县民政局申请「户籍人口基本信息」" in page
    assert "“审核申请”到期 2026-02-27 23:59 → 2026-02-25 23:59 期限缩短 迁移后办理人将收到新期限的通知" in page


def test_after_a_move_the_assignee_or_the_units_reviewers_get_the_new_deadline(client, two_versions):
    sessions, first, second = two_versions
    claimed = review_task(sessions, first).id
    with sessions.begin() as s:
        tasks.claim(s, person(s, "huangtao"), claimed)
    before = {name: inbox_subjects(sessions, name) for name in ("huangtao", "sunhong")}
    login(client, "liuyang")
    token = csrf_token(client, "/processes/data_application/move")
    with at("2026-02-13T11:00:00"):
        client.post("/processes/data_application/move", data={"csrf_token": token, "from": "1", "to": "2", "all": "1"})
    new = {name: inbox_subjects(sessions, name)[len(before[name]) :] for name in before}
    with sessions() as s:
        first_number, second_number = s.get(Application, first).number, s.get(Application, second).number
    moved = "【期限提前】审核申请：{} 县民政局申请「户籍人口基本信息」，新期限 2026-02-25 23:59"
    assert new["huangtao"] == [moved.format(first_number), moved.format(second_number)]
    assert new["sunhong"] == [moved.format(second_number)]
