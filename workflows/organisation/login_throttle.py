"""How long a login must wait: a growing delay per account and address, a cap on accounts per address,
and an alert to the sysadmins when one account fails too often.

Keyed per account and address, so that an address guessing one person's password slows down
while the owner, typing the right password elsewhere, is not refused for it; per address across
distinct accounts, so that one password tried over many usernames stops while an office behind
one address survives a few typos; and per account over all addresses, so that guessing from many
addresses reaches a person (NIST SP 800-63B's 100 failures). No one is locked out for good, and
unknown usernames are counted exactly like known ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

import notifications
from workflows import audit, clock
from workflows.models import AuditEvent, LoginFailure
from workflows.organisation import directory

ACCOUNT_MEMORY = timedelta(days=1)  # an account's failures count until a successful login there, for at most a day
FAILURE_RETENTION = timedelta(days=7)  # then the periodic pass deletes them; the audit trail keeps each attempt
MAX_DOUBLINGS = 20  # keeps 2**n small; the delay is capped by the window long before this
CEILING_ACTION = "session:ceiling_reached"


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5  # per account from one address, before each further attempt from it must wait
    window: timedelta = timedelta(minutes=15)  # the longest an attempt waits; the span the address cap counts
    first_delay: timedelta = timedelta(seconds=30)  # doubled after every further failure, up to the window
    address_max_accounts: int = 20  # distinct accounts failing from one address within the window
    account_alert_failures: int = 100  # one account's failures within a day, from all addresses: tell the sysadmins
    one_time_password_lifetime: timedelta = timedelta(hours=72)  # unused one-time passwords stop working after it


@dataclass(frozen=True)
class Wait:
    scope: str  # "account" or "address"
    seconds: int

    @property
    def text(self) -> str:
        """The wait as people read it: seconds under a minute, whole minutes (rounded up) above."""
        if self.seconds < 60:
            return f"{self.seconds} 秒"
        return f"{math.ceil(self.seconds / 60)} 分钟"


def wait_before_login(session: Session, username: str, address: str, policy: LoginPolicy) -> Wait | None:
    """The wait imposed on this attempt, or None when it may go ahead."""
    now = clock.now()
    return _as_wait("address", _address_wait(session, address, policy, now)) or _as_wait(
        "account", _account_wait(session, username, address, policy, now)
    )


def account_wait(session: Session, username: str, address: str, policy: LoginPolicy) -> Wait | None:
    """The wait the account's next attempt from this address faces (told to the person right after a failure)."""
    return _as_wait("account", _account_wait(session, username, address, policy, clock.now()))


def longest_wait(session: Session, username: str, policy: LoginPolicy) -> Wait | None:
    """The longest wait any address faces for this account (the sysadmin's view)."""
    now = clock.now()
    rows = session.execute(
        select(func.count(), func.max(LoginFailure.at))
        .where(LoginFailure.username == username, LoginFailure.at >= now - ACCOUNT_MEMORY)
        .group_by(LoginFailure.address)
    )
    return _as_wait("account", max((_delay(count, last, policy, now) for count, last in rows), default=timedelta(0)))


def _as_wait(scope: str, remaining: timedelta) -> Wait | None:
    return Wait(scope, math.ceil(remaining.total_seconds())) if remaining > timedelta(0) else None


def _account_wait(session: Session, username: str, address: str, policy: LoginPolicy, now: datetime) -> timedelta:
    """Failures of this account from this address only: the owner elsewhere is not slowed by a guesser here."""
    count, last = session.execute(
        select(func.count(), func.max(LoginFailure.at)).where(
            LoginFailure.username == username, LoginFailure.address == address, LoginFailure.at >= now - ACCOUNT_MEMORY
        )
    ).one()
    return _delay(count, last, policy, now)


def _delay(count: int, last: datetime | None, policy: LoginPolicy, now: datetime) -> timedelta:
    """After max_failures, the next attempt waits first_delay × 2^(extra failures), at most the window, from the last one.

    Failures are remembered longer than the window, so a patient guesser settles at one try per window.
    """
    if count == 0 or count < policy.max_failures:
        return timedelta(0)
    doublings = min(count - policy.max_failures, MAX_DOUBLINGS)
    delay = min(policy.first_delay * 2**doublings, policy.window)
    return clock.as_utc(last) + delay - now


def _address_wait(session: Session, address: str, policy: LoginPolicy, now: datetime) -> timedelta:
    """At the cap of distinct accounts, the address waits until the least recent of them leaves the window."""
    recent = list(
        session.scalars(
            select(func.max(LoginFailure.at))
            .where(LoginFailure.address == address, LoginFailure.at >= now - policy.window)
            .group_by(LoginFailure.username)
            .order_by(func.max(LoginFailure.at).desc())
            .limit(policy.address_max_accounts)
        )
    )
    if not recent or len(recent) < policy.address_max_accounts:
        return timedelta(0)
    return clock.as_utc(recent[-1]) + policy.window - now


def record_failure(session: Session, username: str, address: str, policy: LoginPolicy) -> None:
    """Count a failed attempt against the account, the address and both; at the account's daily ceiling,
    tell every sysadmin, once a day per account."""
    now = clock.now()
    session.add(LoginFailure(username=username[:64], address=address[:64], at=now))
    session.flush()
    failures = session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.username == username[:64], LoginFailure.at >= now - ACCOUNT_MEMORY)
    )
    if failures >= policy.account_alert_failures and not _alerted_today(session, username[:64], now):
        addresses = session.scalar(
            select(func.count(LoginFailure.address.distinct())).where(
                LoginFailure.username == username[:64], LoginFailure.at >= now - ACCOUNT_MEMORY
            )
        )
        audit.record(
            session,
            None,
            "login",
            username[:64],
            CEILING_ACTION,
            None,
            {"username": username[:64], "failures": failures, "addresses": addresses},
        )
        notifications.send(
            session,
            directory.sysadmins(session),
            "login_ceiling",
            {"username": username[:64], "failures": failures, "addresses": addresses},
            "/org/logins",
        )


def _alerted_today(session: Session, username: str, now: datetime) -> bool:
    return (
        session.scalar(
            select(AuditEvent.id)
            .where(
                AuditEvent.subject_type == "login",
                AuditEvent.subject_id == username,
                AuditEvent.action == CEILING_ACTION,
                AuditEvent.at >= now - ACCOUNT_MEMORY,
            )
            .limit(1)
        )
        is not None
    )


def alerted_accounts(session: Session, usernames: list[str]) -> set[str]:
    """Which of these accounts reached the daily ceiling within the last day (the sysadmins were told)."""
    return set(
        session.scalars(
            select(AuditEvent.subject_id).where(
                AuditEvent.subject_type == "login",
                AuditEvent.action == CEILING_ACTION,
                AuditEvent.subject_id.in_(usernames),
                AuditEvent.at >= clock.now() - ACCOUNT_MEMORY,
            )
        )
    )


def forget_failures_from(session: Session, username: str, address: str) -> None:
    """A successful login forgives its own address's failures; guesses from elsewhere still count."""
    session.execute(
        delete(LoginFailure).where(LoginFailure.username == username[:64], LoginFailure.address == address[:64])
    )


def forget_old_failures(session: Session, retention: timedelta = FAILURE_RETENTION) -> int:
    """Delete failed logins past their retention (never within the day throttling reads); returns how many."""
    oldest_kept = clock.now() - max(retention, ACCOUNT_MEMORY)
    return (
        session.execute(
            delete(LoginFailure).where(LoginFailure.at < oldest_kept).execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )
