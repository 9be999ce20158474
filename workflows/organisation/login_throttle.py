"""How long a login must wait: a growing delay per account and a cap on failures per address.

Keyed per account (any address) so that guessing one person's password slows down wherever it
comes from, and per address (any account) so that one password tried across many usernames stops;
neither locks a person out for good, and unknown usernames are counted exactly like known ones.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflows import clock
from workflows.models import LoginFailure

ACCOUNT_MEMORY = timedelta(days=1)  # an account's failures count until a successful login, for at most a day
MAX_DOUBLINGS = 20  # keeps 2**n small; the delay is capped by the window long before this


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5  # per account, before each further attempt must wait
    window: timedelta = timedelta(minutes=15)  # the longest an account waits; the span the address cap counts
    first_delay: timedelta = timedelta(seconds=30)  # doubled after every further failure, up to the window
    address_max_failures: int = 20  # per address, across all accounts, within the window


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
    return (_as_wait("address", _address_wait(session, address, policy, now))
            or _as_wait("account", _account_wait(session, username, policy, now)))


def account_wait(session: Session, username: str, policy: LoginPolicy) -> Wait | None:
    """The wait the account's next attempt faces (told to the person right after a failure)."""
    return _as_wait("account", _account_wait(session, username, policy, clock.now()))


def _as_wait(scope: str, remaining: timedelta) -> Wait | None:
    return Wait(scope, math.ceil(remaining.total_seconds())) if remaining > timedelta(0) else None


def _account_wait(session: Session, username: str, policy: LoginPolicy, now: datetime) -> timedelta:
    """After max_failures, the next attempt waits first_delay × 2^(extra failures), at most the window, from the last one.

    Failures are remembered longer than the window, so a patient guesser settles at one try per window.
    """
    count, last = session.execute(select(func.count(), func.max(LoginFailure.at)).where(
        LoginFailure.username == username, LoginFailure.at >= now - ACCOUNT_MEMORY)).one()
    if count == 0 or count < policy.max_failures:
        return timedelta(0)
    doublings = min(count - policy.max_failures, MAX_DOUBLINGS)
    delay = min(policy.first_delay * 2 ** doublings, policy.window)
    return clock.as_utc(last) + delay - now


def _address_wait(session: Session, address: str, policy: LoginPolicy, now: datetime) -> timedelta:
    """At the cap, the address waits until the oldest of its last `cap` failures leaves the window."""
    recent = list(session.scalars(select(LoginFailure.at).where(
        LoginFailure.address == address, LoginFailure.at >= now - policy.window)
        .order_by(LoginFailure.at.desc()).limit(policy.address_max_failures)))
    if not recent or len(recent) < policy.address_max_failures:
        return timedelta(0)
    return clock.as_utc(recent[-1]) + policy.window - now


def record_failure(session: Session, username: str, address: str) -> None:
    """Count a failed attempt against both the account and the address."""
    session.add(LoginFailure(username=username[:64], address=address[:64], at=clock.now()))
    session.flush()
