"""Periods are defined once, on the task in the process version: its due date and its timers read the same property."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.helpers import PRODUCT_BPMN_DIR, login, person, unit
from tests.helpers import HOUSEHOLD, apply, at, review_task
from workflows import engine
from workflows.catalog import changes
from workflows.engine import lint, sweep
from workflows.models import Notification
from workflows.sharing import applications

SH = ZoneInfo("Asia/Shanghai")
BPMN = PRODUCT_BPMN_DIR
APPLICATION = (BPMN / "data_application.bpmn").read_text(encoding="utf-8")
FORMS = lint.load_forms(BPMN / "forms")
FIVE = '<spiffworkflow:property name="period" value="5" />'


def with_period(text: str) -> str:
    return APPLICATION.replace(FIVE, f'<spiffworkflow:property name="period" value="{text}" />')


@pytest.fixture
def ready(processes, demo_catalog):
    with at("2026-02-13T10:00:00"):
        yield processes


def test_a_new_version_with_a_shorter_period_applies_to_new_cases_only(ready):
    before = apply(ready)
    with ready.begin() as s:
        assert engine.deploy(s, with_period("3"), FORMS, None, note="审核期限改为 3 个工作日").version.version == 2
    after = apply(ready)
    assert review_task(ready, before).due_at == datetime(2026, 2, 27, 23, 59, 59, tzinfo=SH)  # 5 working days
    assert review_task(ready, after).due_at == datetime(2026, 2, 25, 23, 59, 59, tzinfo=SH)  # 3, holiday skipped
    with ready() as s:
        assert applications.review_period(s) == 3


def test_the_reminder_follows_the_period_of_the_version(ready):
    with ready.begin() as s:
        engine.deploy(s, with_period("3"), FORMS, None, note="审核期限改为 3 个工作日")
    apply(ready)
    with at("2026-02-25T08:30:00"):  # the last of the 3 working days
        sweep.sweep(ready)
    with ready() as s:
        subjects = s.scalars(select(Notification.subject).where(Notification.person_id == person(s, "huangtao").id))
        assert any(subject.startswith("【催办】") for subject in subjects)


@pytest.mark.parametrize(
    "period, message",
    [
        ("abc", "应为 1 到 1000 之间的工作日数"),
        ("0", "应为 1 到 1000"),
        ("5.5", "应为 1 到 1000"),
        ("１０", "应为 1 到 1000"),
    ],
)
def test_a_period_that_is_not_a_whole_number_of_working_days_is_refused(period, message):
    found = [str(i) for i in engine.check(with_period(period), FORMS)[0]]
    assert any(i.startswith("[da_review]") and message in i for i in found), found


def test_a_period_needs_the_field_it_counts_from():
    xml = APPLICATION.replace('<spiffworkflow:property name="period_start" value="received_at" />', "")
    found = [str(i) for i in engine.check(xml, FORMS)[0]]
    assert any(i.startswith("[da_review]") and "period_start" in i for i in found), found


def test_a_timer_naming_a_task_without_a_period_is_refused():
    xml = APPLICATION.replace(
        '<bpmn:timeDate>task_due("da_review")</bpmn:timeDate>', '<bpmn:timeDate>task_due("da_resubmit")</bpmn:timeDate>'
    )
    found = [str(i) for i in engine.check(xml, FORMS)[0]]
    assert any(
        i.startswith("[da_overdue]") and "引用的环节“补正后重新提交”（da_resubmit）没有设置办理期限" in i for i in found
    ), found


def test_a_catalog_change_is_due_when_its_update_task_is(processes, demo_catalog):
    with at("2026-02-13T10:00:00"), processes.begin() as s:
        change = changes.register_change(
            s, person(s, "sunjie"), unit(s, "mzj").id, "law_revision", "《社会救助暂行办法》修订", "2026-02-13"
        )
        assert str(change.due_on) == "2026-03-05"  # 10 working days: two make-up Saturdays count, the holiday not
        assert changes.update_period(s) == 10


def test_the_application_form_states_the_period_of_the_current_version(ready, client):
    with ready.begin() as s:
        engine.deploy(s, with_period("4"), FORMS, None, note="审核期限改为 4 个工作日")
    login(client, "machao")
    page = client.get(f"/applications/new?resource={HOUSEHOLD['resource_code']}").get_data(as_text=True)
    assert "提供单位在 4 个工作日内审核" in page
