"""二(三): a catalog change opens an update task due 10 working days after the change took effect, with 催办 and 督办
but no auto-decision; it closes only with a revision of the unit's catalog or the bureau's confirmation that none is
affected."""

from datetime import date, datetime

import pytest
from sqlalchemy import select

from tests.helpers import SCHEDULE_2027_AFTER_NEW_YEAR as SCHEDULE
from tests.helpers import BPMN_DIR, PRODUCT_BPMN_DIR, SH, at, inbox_subjects, person, unit
from workflows import bootstrap
from workflows import engine as wf_engine
from workflows.catalog import changes as catalog_changes
from workflows.catalog import entries
from workflows.engine import lint, sweep, tasks, versions
from workflows.errors import Forbidden, ValidationFailed
from workflows.models import AuditEvent, ChangeStatus, HumanTask, InstanceStatus, Resource, TaskStatus


def register(sessions, effective_on="2026-02-13", username="huangtao"):
    with at(f"{effective_on}T10:00:00"), sessions.begin() as s:
        change = catalog_changes.register_change(
            s,
            person(s, username),
            unit(s, "gaj").id,
            "law_revision",
            "《居民身份证法》修订，新增电子证照信息项",
            effective_on,
        )
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


def revise(sessions, code="XY-GA-002", summary="本县居民身份证申领、换领和补领信息（增加电子证照信息项）"):
    with sessions.begin() as s:
        entry = s.scalar(select(Resource).where(Resource.code == code))
        snapshot = entries.snapshot(entry)
        entries.update_resource(s, person(s, "huangtao"), entry.id, snapshot | {"summary": summary}, snapshot["items"])


def finish(sessions, change_id, data, username="huangtao", task_name="更新目录"):
    task_id = open_tasks(sessions, change_id)[task_name].id
    with sessions.begin() as s:
        tasks.complete(s, person(s, username), task_id, data)


REVISED = {"outcome": "revised", "resource_code": "XY-GA-002", "done_note": "居民身份证办理信息新增电子证照信息项"}
NONE_AFFECTED = {"outcome": "none_affected", "done_note": "本次修订只涉及证件制发流程，本局目录条目的信息项不受影响"}


def test_updating_late_closes_the_escalation_and_is_recorded_as_late(processes, demo_catalog):
    change_id = register(processes)
    with at("2026-03-06T09:00:00"):
        sweep.sweep(processes)
        revise(processes)
        finish(processes, change_id, REVISED)
    assert open_tasks(processes, change_id) == {}
    with processes() as s:
        change = catalog_changes.get_change(s, person(s, "huangtao"), change_id)
        assert change.status == ChangeStatus.DONE and catalog_changes.is_late(change)
        assert change.resource.code == "XY-GA-002" and change.resource_revision == 2
        done = s.scalars(select(AuditEvent).where(AuditEvent.action == "catalog_change:done")).one()
        assert done.after["late"] is True
        supervise = s.scalar(select(HumanTask).where(HumanTask.task_key == "cu_supervise"))
        assert supervise.status == TaskStatus.CANCELLED


def test_only_the_units_keeper_or_a_coordinator_registers_a_change(processes):
    with processes() as s, pytest.raises(Forbidden):
        catalog_changes.register_change(
            s, person(s, "machao"), unit(s, "gaj").id, "law_revision", "某法修订", "2026-02-13"
        )
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
        days, changed = operations.import_schedule(
            s, 2027, "date,kind,name\n2027-01-01,holiday,元旦\n" + SCHEDULE, None
        )
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


def test_a_change_registered_after_it_took_effect_counts_its_ten_days_from_the_effective_date(processes):
    with at("2026-11-30T10:00:00"), processes.begin() as s:
        change = catalog_changes.register_change(
            s,
            person(s, "huangtao"),
            unit(s, "gaj").id,
            "law_revision",
            "《居民身份证法》修订，新增电子证照信息项",
            "2026-11-20",
        )
        change_id, due_on, late = change.id, change.due_on, change.registered_late
    assert (due_on, late) == (date(2026, 12, 4), False)  # 10 working days after 11-20, not after 11-30
    assert open_tasks(processes, change_id)["更新目录"].due_at == datetime(2026, 12, 4, 23, 59, 59, tzinfo=SH)


def test_the_catalog_change_registered_after_its_effective_date_is_late_at_once(processes):
    with at("2026-11-30T10:00:00"), processes.begin() as s:
        change = catalog_changes.register_change(
            s,
            person(s, "huangtao"),
            unit(s, "gaj").id,
            "law_revision",
            "《居民身份证法》修订，新增电子证照信息项",
            "2026-11-02",
        )
        change_id, due_on = change.id, change.due_on
        assert change.registered_late is True and catalog_changes.is_late(change)
    assert due_on == date(2026, 11, 16)
    assert open_tasks(processes, change_id)["更新目录"].is_overdue(datetime(2026, 11, 30, 10, 0, tzinfo=SH))
    with at("2026-11-30T10:01:00"):
        sweep.sweep(processes)  # the next pass of the scheduler: 督办 at once, no "due today" 催办
    subjects = inbox_subjects(processes, "huangtao")
    assert any(s.startswith("【督办】") for s in subjects) and not any(s.startswith("【催办】") for s in subjects)
    assert any(s.startswith("【督办】") for s in inbox_subjects(processes, "wanglei"))
    with processes() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "catalog_change:registered")).one()
        assert event.after["registered_late"] is True


def test_update_closes_only_with_an_entry_of_the_unit_revised_after_the_registration(processes, demo_catalog):
    with at("2026-02-12T10:00:00"):
        revise(processes)  # the day before: no evidence of an update made for this change
    change_id = register(processes)
    with at("2026-02-24T10:00:00"):
        with pytest.raises(ValidationFailed) as refused:
            finish(processes, change_id, REVISED)
        assert "请先在“本单位目录”中修改受影响的条目" in refused.value.details[0]
        with processes() as s:
            assert catalog_changes.revised_entries(s, open_tasks(processes, change_id)["更新目录"]) == []
        revise(processes, summary="本县居民身份证申领、换领和补领信息（2026年修订）")
        with processes() as s:
            offered = catalog_changes.revised_entries(s, open_tasks(processes, change_id)["更新目录"])
        assert offered == [("XY-GA-002", "XY-GA-002 居民身份证办理信息（第 3 版，2026-02-24 10:00）")]
        finish(processes, change_id, REVISED)
    with processes() as s:
        change = catalog_changes.get_change(s, person(s, "huangtao"), change_id)
        assert (change.status, change.resource_revision) == (ChangeStatus.DONE, 3)
        assert not catalog_changes.is_late(change)


def test_no_entry_affected_goes_to_the_bureau_which_confirms_it(processes):
    change_id = register(processes)
    with at("2026-02-24T10:00:00"):
        finish(processes, change_id, NONE_AFFECTED)
    confirm = open_tasks(processes, change_id)["确认无受影响的目录条目"]
    assert confirm.role == "coordinator"
    assert confirm.due_at == datetime(2026, 3, 2, 23, 59, 59, tzinfo=SH)  # 02-28 is a make-up working day
    with processes() as s:
        assert catalog_changes.get_change(s, person(s, "huangtao"), change_id).status == ChangeStatus.CONFIRMING
    with at("2026-02-25T10:00:00"):
        finish(processes, change_id, {"decision": "confirm"}, "wanglei", "确认无受影响的目录条目")
    with processes() as s:
        change = catalog_changes.get_change(s, person(s, "huangtao"), change_id)
        assert change.status == ChangeStatus.NO_EFFECT and not catalog_changes.is_late(change)
        assert s.get(HumanTask, confirm.id).instance.status == InstanceStatus.COMPLETED
    assert any("确认没有受影响的目录条目" in subject for subject in inbox_subjects(processes, "huangtao"))


def test_the_bureau_returns_the_statement_with_a_specific_reason_and_the_deadline_stays(processes):
    change_id = register(processes)
    with at("2026-02-24T10:00:00"):
        finish(processes, change_id, NONE_AFFECTED)
        with pytest.raises(ValidationFailed) as refused:
            finish(
                processes, change_id, {"decision": "return", "reason": "不同意"}, "wanglei", "确认无受影响的目录条目"
            )
        assert "退回理由" in refused.value.details[0]
        finish(
            processes,
            change_id,
            {"decision": "return", "reason": "户籍人口基本信息条目需要增加电子证照号码信息项"},
            "wanglei",
            "确认无受影响的目录条目",
        )
    update = open_tasks(processes, change_id)["更新目录"]
    assert update.due_at == datetime(2026, 3, 5, 23, 59, 59, tzinfo=SH)  # still 10 working days from 02-13
    with processes() as s:
        change = catalog_changes.get_change(s, person(s, "huangtao"), change_id)
        assert change.status == ChangeStatus.OPEN and change.return_reason.startswith("户籍人口基本信息条目")
    assert any("退回" in subject for subject in inbox_subjects(processes, "huangtao"))


@pytest.mark.parametrize(
    "typed, message",
    [
        ("2020-01-01", "生效日期：2020-01-01 早于一年前，请核对年份"),
        ("2028-01-01", "生效日期：2028-01-01 晚于一年后，请核对年份"),
    ],
)
def test_an_effective_date_more_than_a_year_away_is_refused_as_a_likely_typo(processes, typed, message):
    with at("2026-11-30T10:00:00"), processes() as s, pytest.raises(ValidationFailed) as caught:
        catalog_changes.register_change(
            s,
            person(s, "huangtao"),
            unit(s, "gaj").id,
            "law_revision",
            "《居民身份证法》修订，新增电子证照信息项",
            typed,
        )
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


V1_DONE_FORM = {
    "title": "目录更新完成情况",
    "type": "object",
    "required": ["done_note"],
    "properties": {
        "done_note": {
            "type": "string",
            "title": "更新情况说明",
            "minLength": 4,
            "maxLength": 2000,
            "x-widget": "textarea",
        }
    },
}


def test_a_case_started_on_version_1_keeps_its_form_and_closes_with_its_note(sessions):
    """Running cases keep the version they started on: version 1 asked only for a note."""
    forms = lint.load_forms(PRODUCT_BPMN_DIR / "forms")
    v1_contract = wf_engine.ProcessContract(
        catalog_changes.PROCESS,
        tasks={
            catalog_changes.UPDATE_TASK: wf_engine.TaskContract("更新目录", "unit_admin", "unit_id", ("done_note",))
        },
    )
    versions.configure([v1_contract])  # as deployed by the release before this one
    try:
        with sessions.begin() as s:
            wf_engine.deploy(
                s,
                (BPMN_DIR / "catalog_update_v1.bpmn").read_text(encoding="utf-8"),
                forms | {"catalog_update_done.schema.json": V1_DONE_FORM},
                None,
            )
    finally:
        bootstrap.bootstrap()
    old_case = register(sessions)
    with sessions.begin() as s:
        wf_engine.deploy(
            s,
            (PRODUCT_BPMN_DIR / "catalog_update.bpmn").read_text(encoding="utf-8"),
            forms,
            None,
            "更新目录须有修订版本或经确认无受影响条目",
        )
    new_case = register(sessions)
    with at("2026-02-24T10:00:00"):
        with pytest.raises(ValidationFailed):
            finish(sessions, new_case, {"done_note": "新增电子证照信息项两项"})
        finish(sessions, old_case, {"done_note": "新增电子证照信息项两项"})
    with sessions() as s:
        assert catalog_changes.get_change(s, person(s, "huangtao"), old_case).status == ChangeStatus.DONE
        assert catalog_changes.get_change(s, person(s, "huangtao"), new_case).status == ChangeStatus.OPEN
