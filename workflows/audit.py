"""Append-only audit trail; every state change in a service calls record().

Events wait in the session and are written together, one multi-row INSERT, when the
transaction commits, or earlier when a query of the same transaction reads the audit trail.
A rollback drops the events recorded inside what it rolls back (a savepoint or everything).

Each event keeps the unit its actor acted for, as it was then: given to record(), or set around
a step by acting_for() (a task's unit, an application's unit), or else the actor's own unit.
"""

from __future__ import annotations

import contextlib
import weakref
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event, func, insert, select
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.sql.util import find_tables

from workflows import clock, inputs
from workflows.models import AuditEvent, Person

_PENDING = "audit_pending"  # session.info key: [(transaction recorded in, row), ...]
_acting_unit: ContextVar[int | None] = ContextVar("audit_acting_unit", default=None)


@contextlib.contextmanager
def acting_for(unit_id: int | None):
    """Events recorded inside are stamped with this unit: the step acts for it, whoever's unit the actor is in."""
    token = _acting_unit.set(unit_id)
    try:
        yield
    finally:
        _acting_unit.reset(token)


def record(
    session: Session,
    actor_id: int | None,
    subject_type: str,
    subject_id,
    action: str,
    before: dict | None = None,
    after: dict | None = None,
    unit_id: int | None = None,
) -> None:
    row = {
        "at": clock.now(),
        "actor_id": actor_id,
        "subject_type": subject_type,
        "subject_id": str(subject_id),
        "action": action,
        "before": before,
        "after": after,
        "unit_id": _acted_for(session, actor_id) if unit_id is None else unit_id,
    }
    if not session.in_transaction():
        session.begin()  # as Session.add does: the event belongs to the transaction starting now
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((transaction, row))


def _acted_for(session: Session, actor_id: int | None) -> int | None:
    if (unit_id := _acting_unit.get()) is not None or actor_id is None:
        return unit_id
    with session.no_autoflush:
        actor = session.get(Person, actor_id)  # the current user: already in the session, no query
    return actor.unit_id if actor is not None else None


def write_pending(session: Session) -> int:
    """Insert the events recorded so far in this transaction; returns how many."""
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.execute(insert(AuditEvent.__table__), [row for _, row in pending])
    return len(pending or ())


@event.listens_for(Session, "before_commit")
def _write_on_commit(session: Session) -> None:
    write_pending(session)


@event.listens_for(Session, "do_orm_execute")
def _write_before_reading(state) -> None:
    if state.session.info.get(_PENDING) and _reads_audit(state.statement):
        write_pending(state.session)


_reads: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # statements built once are looked at once


def _reads_audit(statement) -> bool:
    try:
        return _reads[statement]
    except KeyError:
        pass
    except TypeError:  # not weakly referenceable: look every time
        return AuditEvent.__table__ in find_tables(statement, check_columns=True, include_aliases=True)
    found = _reads[statement] = AuditEvent.__table__ in find_tables(statement, check_columns=True, include_aliases=True)
    return found


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    pending = session.info.get(_PENDING)
    if pending:
        pending[:] = [
            (t, row) for t, row in pending if previous_transaction.nested and not _within(t, previous_transaction)
        ]


@event.listens_for(Session, "after_transaction_end")
def _forget_at_the_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # committed (already written), rolled back or closed
        session.info.pop(_PENDING, None)


def _within(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


@dataclass
class AuditFilter:
    actor: str = ""
    action: str = ""
    subject_type: str = ""
    subject_id: str = ""
    since: datetime | None = None
    until: datetime | None = None
    unit_id: int | None = None  # the unit acted for


# No stored value is longer than its column, so a longer filter can only be a typo or a probe.
FILTER_LIMITS = {
    "actor": ("操作人", 64),
    "action": ("动作", 60),
    "subject_type": ("对象类型", 40),
    "subject_id": ("对象编号", 64),
}


def filter_problems(flt: AuditFilter) -> list[str]:
    return inputs.length_problems(vars(flt), FILTER_LIMITS)


def list_events(session: Session, flt: AuditFilter, page: int = 1, per_page: int = 50):
    """Newest first, filtered; returns (events, total)."""
    query = select(AuditEvent)
    if flt.actor:
        query = query.join(Person, AuditEvent.actor_id == Person.id).where(
            (Person.username == flt.actor) | (Person.display_name.contains(flt.actor))
        )
    if flt.action:
        # a chosen action (session:login) is that action, not session:login_failed; a bare word matches any
        query = query.where(
            AuditEvent.action == flt.action if ":" in flt.action.strip(":") else AuditEvent.action.contains(flt.action)
        )
    if flt.subject_type:
        query = query.where(AuditEvent.subject_type == flt.subject_type)
    if flt.subject_id:
        query = query.where(AuditEvent.subject_id == flt.subject_id)
    if flt.unit_id:
        query = query.where(AuditEvent.unit_id == flt.unit_id)
    if flt.since:
        query = query.where(AuditEvent.at >= flt.since)
    if flt.until:
        query = query.where(AuditEvent.at < flt.until)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(AuditEvent.id.desc()).limit(per_page).offset((page - 1) * per_page)).all()
    return rows, total
