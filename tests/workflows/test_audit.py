"""The audit trail: events wait in the session, go to the database together, and vanish with a rollback."""
from sqlalchemy import event, func, select

from tests.helpers import person
from workflows import audit
from workflows.models import AuditEvent


def actions(session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "test")
                                .order_by(AuditEvent.id)))


def test_the_events_of_a_transaction_are_written_at_commit_in_the_order_recorded(sessions):
    with sessions.begin() as s:
        alice = person(s, "huangtao")
        for action in ("test:first", "test:second", "test:third"):
            audit.record(s, alice.id, "test", 1, action, {"n": 0}, {"n": 1})
    with sessions() as s:
        assert actions(s) == ["test:first", "test:second", "test:third"]
        first = s.scalars(select(AuditEvent).where(AuditEvent.action == "test:first")).one()
        assert (first.actor.username, first.subject_id, first.before, first.after) == ("huangtao", "1", {"n": 0},
                                                                                        {"n": 1})


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
