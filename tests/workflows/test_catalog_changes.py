"""二(三): a catalog change opens an update task due in 10 working days, with 催办 and 督办 but no auto-decision."""
from datetime import date, datetime

import pytest
from sqlalchemy import select

from tests.helpers import SCHEDULE_2027_AFTER_NEW_YEAR as SCHEDULE
from tests.helpers import SH, at, inbox_subjects, person, unit
from workflows.catalog import changes as catalog_changes
from workflows.engine import sweep, tasks
from workflows.errors import Forbidden, ValidationFailed
from workflows.models import AuditEvent, ChangeStatus, HumanTask, TaskStatus


def register(sessions, effective_on="2026-02-13", username="huangtao"):
    with at(f"{effective_on}T10:00:00"), sessions.begin() as s:
        change = catalog_changes.register_change(s, person(s, username), unit(s, "gaj").id, "law_revision",
                                                 "《居民身份证法》修订，新增电子证照信息项", effective_on)
        return change.id


def open_tasks(sessions, change_id):
    with sessions() as s:
        return {t.name: t for t in tasks.case_tasks(s, "catalog_change", change_id) if t.status == TaskStatus.OPEN}


def test_the_update_task_is_due_ten_working_days_after_the_change_across_spring_festival(processes):
    change_id = register(processes)
    update = open_tasks(processes, change_id)["更新目录"]
    assert update.unit.code == "gaj" and update.role == "unit_admin"
    assert update.due_at == datetime(2026, 3, 5, 23, 59, 59, tzinfo=SH)
    with processes() as s:
        assert s.get(type(update), update.id).instance.subject_id == str(change_id)
    assert any("更新目录" in subject for subject in inbox_subjects(processes, "huangtao"))


def test_the_keeper_is_reminded_on_the_last_day_and_the_bureau_escalates_after_it(processes):
    change_id = register(processes)
    with at("2026-03-04T18:00:00"):
        sweep.sweep(processes)
    assert not any("催办" in s for s in inbox_subjects(processes, "huangtao"))
    with at("2026-03-05T08:00:00"):
        sweep.sweep(processes)
    assert any(s.startswith("【催办】") for s in inbox_subjects(processes, "huangtao"))
    assert any(s.startswith("【催办】") for s in inbox_subjects(processes, "zhaomin"))  # the unit's 分管领导
    assert not any(s.startswith("【催办】") for s in inbox_subjects(processes, "sunhong"))  # not a keeper
    with at("2026-03-06T09:00:00"):
        sweep.sweep(processes)
    names = open_tasks(processes, change_id)
    assert set(names) == {"更新目录", "督办：目录更新逾期"}  # still the unit's to do: no decision by timeout
    assert names["更新目录"].is_overdue()
    assert any(s.startswith("【督办】") for s in inbox_subjects(processes, "wanglei"))  # a coordinator
    assert any(s.startswith("【督办】") for s in inbox_subjects(processes, "zhaomin"))


def test_updating_late_closes_the_escalation_and_is_recorded_as_late(processes):
    change_id = register(processes)
    with at("2026-03-06T09:00:00"):
        sweep.sweep(processes)
        with processes.begin() as s:
            update = open_tasks(processes, change_id)["更新目录"]
            tasks.complete(s, person(s, "huangtao"), update.id, {"done_note": "新增电子证照信息项两项"})
    assert open_tasks(processes, change_id) == {}
    with processes() as s:
        change = catalog_changes.get_change(s, person(s, "huangtao"), change_id)
        assert change.status == ChangeStatus.DONE and catalog_changes.is_late(change)
        done = s.scalars(select(AuditEvent).where(AuditEvent.action == "catalog_change:done")).one()
        assert done.after["late"] is True
        supervise = s.scalar(select(HumanTask).where(HumanTask.task_key == "cu_supervise"))
        assert supervise.status == TaskStatus.CANCELLED


def test_only_the_units_keeper_or_a_coordinator_registers_a_change(processes):
    with processes() as s, pytest.raises(Forbidden):
        catalog_changes.register_change(s, person(s, "machao"), unit(s, "gaj").id, "law_revision", "某法修订", "2026-02-13")
    assert register(processes, username="wanglei")


def test_a_bad_change_is_refused_with_every_problem(processes):
    with processes() as s, pytest.raises(ValidationFailed) as caught:
        catalog_changes.register_change(s, person(s, "huangtao"), unit(s, "gaj").id, "改名", "", "2026-02-30")
    assert len(caught.value.details) == 3


def test_a_change_late_in_december_has_a_provisional_due_date(processes):
    change_id = register(processes, "2026-12-24")
    with processes() as s:
        change = catalog_changes.get_change(s, person(s, "huangtao"), change_id)
        assert change.due_provisional is True and change.due_on == date(2027, 1, 7)
    assert open_tasks(processes, change_id)["更新目录"].due_provisional is True


def test_entering_the_2027_schedule_recomputes_provisional_deadlines_and_audits_them(processes):
    from workflows import operations

    change_id = register(processes, "2026-12-24")
    with at("2026-12-24T11:00:00"), processes.begin() as s:
        # 2027-01-01 a holiday, as the State Council will publish it; weekends stay rest days
        days, changed = operations.import_schedule(s, 2027, "date,kind,name\n2027-01-01,holiday,元旦\n" + SCHEDULE, None)
    assert days == 365 and changed == 1
    task = open_tasks(processes, change_id)["更新目录"]
    assert task.due_provisional is False and task.due_at == datetime(2027, 1, 8, 23, 59, 59, tzinfo=SH)
    with processes() as s:
        change = catalog_changes.get_change(s, person(s, "huangtao"), change_id)
        assert (change.due_on, change.due_provisional) == (date(2027, 1, 8), False)
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "task:due_recomputed")).one()
        assert event.before["provisional"] is True
        instance = s.get(type(task.instance), task.instance_id)
        assert instance.next_timer_at == datetime(2027, 1, 8, 0, 0, tzinfo=SH)  # the reminder moved too


def test_a_change_registered_after_it_took_effect_counts_its_ten_days_from_registration(processes):
    with at("2026-11-30T10:00:00"), processes.begin() as s:
        change = catalog_changes.register_change(s, person(s, "huangtao"), unit(s, "gaj").id, "law_revision",
                                                 "《居民身份证法》修订，新增电子证照信息项", "2026-11-20")
        change_id, effective_on, due_on = change.id, change.effective_on, change.due_on
    assert (effective_on, due_on) == (date(2026, 11, 20), date(2026, 12, 14))  # 10 working days after 11-30
    with at("2026-12-01T09:00:00"):
        sweep.sweep(processes)
    names = open_tasks(processes, change_id)
    assert set(names) == {"更新目录"} and not names["更新目录"].is_overdue()
    assert not any(s.startswith(("【督办】", "【催办】")) for s in inbox_subjects(processes, "huangtao"))


@pytest.mark.parametrize("typed, message", [
    ("2020-01-01", "生效日期：2020-01-01 早于一年前，请核对年份"),
    ("2028-01-01", "生效日期：2028-01-01 晚于一年后，请核对年份"),
])
def test_an_effective_date_more_than_a_year_away_is_refused_as_a_likely_typo(processes, typed, message):
    with at("2026-11-30T10:00:00"), processes() as s, pytest.raises(ValidationFailed) as caught:
        catalog_changes.register_change(s, person(s, "huangtao"), unit(s, "gaj").id, "law_revision",
                                        "《居民身份证法》修订，新增电子证照信息项", typed)
    assert caught.value.details[0].startswith(message)
    with processes() as s:
        assert s.scalars(select(HumanTask)).all() == []


def test_a_sweep_running_late_after_the_deadline_sends_the_escalation_but_no_due_today_reminder(processes):
    change_id = register(processes)  # due 2026-03-05 23:59; the scheduler was down from 03-04 to 03-06
    with at("2026-03-06T09:00:00"):
        sweep.sweep(processes)
    subjects = inbox_subjects(processes, "huangtao")
    assert any(s.startswith("【督办】") for s in subjects)
    assert not any(s.startswith("【催办】") for s in subjects)
    assert not any(s.startswith("【催办】") for s in inbox_subjects(processes, "zhaomin"))
    assert set(open_tasks(processes, change_id)) == {"更新目录", "督办：目录更新逾期"}
