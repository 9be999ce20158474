"""The in-app inbox: unread count in the header, a list, mark as read, and the retention of read messages."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from workflows import clock
from workflows.models import Notification


def unread_count(session: Session, person_id: int) -> int:
    return session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.person_id == person_id, Notification.read_at.is_(None))
    )


def inbox(session: Session, person_id: int, limit: int = 100) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.person_id == person_id)
            .order_by(Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(session: Session, person_id: int, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, every) notification of the person as read."""
    query = update(Notification).where(Notification.person_id == person_id, Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    return session.execute(query.values(read_at=clock.now())).rowcount


def forget_read(session: Session, retention: timedelta) -> int:
    """Delete messages read and older than the retention; unread ones stay until read (the audit trail keeps what
    happened, a message only tells of it). Returns how many."""
    return (
        session.execute(
            delete(Notification)
            .where(Notification.read_at.is_not(None), Notification.created_at < clock.now() - retention)
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )
