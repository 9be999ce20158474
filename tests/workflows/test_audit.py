"""The audit trail: events wait in the session, go to the database together, and vanish with a rollback."""

import json

import pytest
from sqlalchemy import event, func, select

from tests.helpers import PRODUCT_BPMN_DIR, RETURN_LIST, apply, decide, person, unit
from workflows import audit, audit_text, bootstrap
from workflows.models import AuditEvent
from workflows.sharing.audit_events import NEXT_STEPS, REVIEW_DECISIONS


def actions(session) -> list[str]:
    return list(
        session.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "test").order_by(AuditEvent.id))
    )


def test_the_events_of_a_transaction_are_written_at_commit_in_the_order_recorded(sessions):
    with sessions.begin() as s:
        alice = person(s, "huangtao")
        for action in ("test:first", "test:second", "test:third"):
            audit.record(s, alice.id, "test", 1, action, {"n": 0}, {"n": 1})
    with sessions() as s:
        assert actions(s) == ["test:first", "test:second", "test:third"]
        first = s.scalars(select(AuditEvent).where(AuditEvent.action == "test:first")).one()
        assert (first.actor.username, first.subject_id, first.before, first.after) == (
            "huangtao",
            "1",
            {"n": 0},
            {"n": 1},
        )


def test_the_events_go_to_the_database_in_one_insert(sessions, db_engine):
    inserts = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO audit_event"):
            inserts.append(statement)

    event.listen(db_engine, "before_cursor_execute", count)
    try:
        with sessions.begin() as s:
            for n in range(5):
                audit.record(s, None, "test", n, "test:many")
            person(s, "huangtao")  # a query that does not read the audit trail leaves them waiting
    finally:
        event.remove(db_engine, "before_cursor_execute", count)
    assert len(inserts) == 1
    with sessions() as s:
        assert actions(s) == ["test:many"] * 5


def test_a_query_of_the_same_transaction_sees_the_events_recorded_so_far(sessions):
    with sessions() as s:
        audit.record(s, None, "test", 1, "test:seen")
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.subject_type == "test")) == 1
        events, total = audit.list_events(s, audit.AuditFilter(subject_type="test"))
        assert total == 1 and [e.action for e in events] == ["test:seen"]
        audit.record(s, None, "test", 2, "test:later")
        assert actions(s) == ["test:seen", "test:later"]


def test_a_rolled_back_savepoint_drops_only_the_events_recorded_inside_it(sessions):
    with sessions.begin() as s:
        audit.record(s, None, "test", 1, "test:before")
        try:
            with s.begin_nested():
                audit.record(s, None, "test", 2, "test:inside")
                raise RuntimeError("the step fails")
        except RuntimeError:
            pass
        with s.begin_nested():
            audit.record(s, None, "test", 3, "test:kept")
        audit.record(s, None, "test", 4, "test:after")
    with sessions() as s:
        assert actions(s) == ["test:before", "test:kept", "test:after"]


def test_a_rollback_or_a_session_closed_without_commit_writes_nothing(sessions):
    with sessions() as s:
        audit.record(s, None, "test", 1, "test:rolled_back")
        s.rollback()
        audit.record(s, None, "test", 2, "test:committed")
        s.commit()
    with sessions() as s:
        audit.record(s, None, "test", 3, "test:closed")
    with sessions() as s:
        assert actions(s) == ["test:committed"]


def test_each_event_keeps_the_unit_acted_for_though_the_actor_has_moved_to_another_unit(ready):
    app_id = apply(ready)  # machao, for 县民政局
    with ready.begin() as s:
        person(s, "huangtao").unit_id = unit(s, "mzj").id  # moved to 县民政局, still a reviewer of 县公安局
    decide(ready, app_id, decision="approve")
    with ready() as s:
        units = {
            e.action: e.unit.name
            for e in s.scalars(
                select(AuditEvent).where(
                    AuditEvent.action.in_(["application:submitted", "task:completed", "grant:created"])
                )
            )
        }
        assert units == {"application:submitted": "县民政局", "task:completed": "县公安局", "grant:created": "县公安局"}


def test_an_event_outside_any_step_is_stamped_with_the_actors_own_unit_unless_told_otherwise(sessions):
    with sessions.begin() as s:
        huangtao = person(s, "huangtao")
        audit.record(s, huangtao.id, "test", 1, "test:own")
        audit.record(s, huangtao.id, "test", 2, "test:told", unit_id=unit(s, "mzj").id)
        with audit.acting_for(unit(s, "zwfw").id):
            audit.record(s, huangtao.id, "test", 3, "test:step")
        audit.record(s, None, "test", 4, "test:system")
    with sessions() as s:
        stamped = {
            e.action: e.unit.code if e.unit else None
            for e in s.scalars(select(AuditEvent).where(AuditEvent.subject_type == "test"))
        }
    assert stamped == {"test:own": "gaj", "test:told": "mzj", "test:step": "zwfw", "test:system": None}


def test_every_choice_of_every_task_form_reads_in_chinese_on_the_audit_page():
    """A task's result is shown on the audit page by its choices' labels, never as the code the form sends."""
    raw = []
    for schema in sorted(PRODUCT_BPMN_DIR.joinpath("forms").glob("*.schema.json")):
        if schema.name.endswith("_start.schema.json"):  # a start form fills the subject, whose own labels apply
            continue
        for key, field in json.loads(schema.read_text(encoding="utf-8")).get("properties", {}).items():
            for value in field.get("enum") or (field.get("items") or {}).get("enum") or []:
                if isinstance(value, str) and value and audit_text._text("task", key, value, "task:completed") == value:
                    raw.append(f"{schema.name} {key}={value}")
    assert raw == []


def test_a_review_decision_reads_on_the_audit_page_as_the_record_states_it(ready):
    app_id = apply(ready)
    decide(ready, app_id, decision="return", reason=RETURN_LIST)
    with ready() as s:
        completed = s.scalars(select(AuditEvent).where(AuditEvent.action == "task:completed")).one()
        line = audit_text.describe(s, [completed])[0]
    assert line.action == "办理任务"
    result = next(after for what, _, after in line.changes if what == "办理结果")
    assert f"审核意见：{REVIEW_DECISIONS['return']}" in result.split("；") and "return" not in result


def test_the_same_code_reads_in_the_words_of_the_form_that_sent_it():
    """approve, reject and return mean different things in different forms: each form's choice reads as its own."""

    def read(form: str, key: str, value: str) -> str:
        return audit_text._text("task", key, value, "task:completed", f"{form}.schema.json")

    assert read("application_review", "decision", "reject") == "不通过"
    assert read("objection_triage", "decision", "reject") == "不予受理"
    assert read("entry_change_confirm", "decision", "approve") == "确认"
    assert read("catalog_update_confirm", "decision", "return") == "退回"
    # the bureau's closing of a case the provider could not carry out is reported to the county government,
    # as the record and the form say
    assert (
        read("application_coordinate", "next_step", "conclude") == NEXT_STEPS["conclude"] == "按未通过办结并报告县政府"
    )
    assert audit_text.label("application:coordination_closed") == "县大数据局协调办结（按未通过办结并报告县政府）"


def test_a_label_two_features_declare_differently_stops_the_bootstrap():
    try:
        with pytest.raises(ValueError, match="declared twice"):
            audit_text.configure(
                [audit_text.Events(actions={"x:done": "办结"}), audit_text.Events(actions={"x:done": "完成"})]
            )
        with pytest.raises(ValueError, match="declared twice"):
            audit_text.configure(
                [
                    audit_text.Events(values={"decision": {"approve": "通过"}}),
                    audit_text.Events(values={"decision": {"approve": "同意"}}),
                ]
            )
    finally:
        bootstrap.bootstrap()
    assert audit_text.label("x:done") is None and audit_text.label("task:completed") == "办理任务"
