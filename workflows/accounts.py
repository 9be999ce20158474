"""Logins, API tokens and what a person sees on their workbench."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, joinedload

from workflows import audit, clock, engine, inputs, supervision
from workflows.errors import DomainError, NotFound, ValidationFailed
from workflows.models import ApiToken, HumanTask, LoginFailure, Person, Responsibility, Role, RoleMembership
from workflows.passwords import verify_password


CREDENTIAL_LIMITS = {"username": ("用户名", 64), "password": ("密码", 128)}


class LoginRefused(DomainError):
    status = 401
    code = "login_refused"


class LoginThrottled(DomainError):
    status = 429
    code = "too_many_attempts"


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)


def authenticate(session: Session, username: str, password: str, address: str,
                 policy: LoginPolicy = LoginPolicy()) -> Person:
    """Check a password; after too many failures from one address the account waits out the window."""
    username = (username or "").strip()
    if problems := inputs.length_problems({"username": username, "password": password or ""}, CREDENTIAL_LIMITS):
        raise ValidationFailed(problems, "；".join(problems))
    since = clock.now() - policy.window
    failures = session.scalar(select(func.count()).select_from(LoginFailure).where(
        LoginFailure.username == username, LoginFailure.address == address, LoginFailure.at >= since))
    if failures >= policy.max_failures:
        minutes = int(policy.window.total_seconds() // 60)
        raise LoginThrottled(f"登录失败次数过多，请 {minutes} 分钟后再试，或联系系统管理员重置密码")
    person = session.scalar(select(Person).where(Person.username == username))
    if person is None or not person.active or not verify_password(person.password_hash, password or ""):
        session.add(LoginFailure(username=username[:64], address=address[:64], at=clock.now()))
        left = policy.max_failures - failures - 1
        hint = f"，还可尝试 {left} 次" if left > 0 else "，账号已暂时锁定"
        raise LoginRefused(f"用户名或密码错误{hint}")
    session.execute(delete(LoginFailure).where(LoginFailure.username == username,
                                               LoginFailure.address == address))
    audit.record(session, person.id, "person", person.id, "session:login", None, {"address": address})
    return person


def record_logout(session: Session, person_id: int) -> None:
    audit.record(session, person_id, "person", person_id, "session:logout")


# --- API tokens ---------------------------------------------------------------

TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def create_token(session: Session, username: str, actor_id: int | None = None) -> str:
    """A new token, returned once in clear; only its hash is kept."""
    person = session.scalar(select(Person).where(Person.username == username))
    if person is None:
        raise NotFound(f"用户“{username}”不存在")
    raw = "xy_" + secrets.token_urlsafe(32)
    token = ApiToken(person_id=person.id, token_hash=_digest(raw), prefix=raw[:10], created_at=clock.now())
    session.add(token)
    session.flush()
    audit.record(session, actor_id if actor_id is not None else person.id, "api_token", token.id,
                 "api_token:created", None, {"person": person.username, "prefix": token.prefix})
    return raw


def revoke_token(session: Session, person_id: int, token_id: int) -> None:
    token = session.get(ApiToken, token_id)
    if token is None or token.person_id != person_id:
        raise NotFound("令牌不存在")
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        audit.record(session, person_id, "api_token", token.id, "api_token:revoked",
                     {"revoked": False}, {"revoked": True})


def person_for_token(session: Session, raw: str) -> Person | None:
    token = session.scalar(select(ApiToken).options(joinedload(ApiToken.person))
                           .where(ApiToken.token_hash == _digest(raw or "")))
    if token is None or token.revoked_at is not None or not token.person.active:
        return None
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_TOUCH_INTERVAL:
        token.last_used_at = now  # at most one write per token and interval, not one per request
    return token.person


def tokens_of(session: Session, person_id: int) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.person_id == person_id)
                                .order_by(ApiToken.id.desc())))


# --- workbench ---------------------------------------------------------------

@dataclass
class Workbench:
    person: Person
    roles_by_unit: dict[str, list[str]] = field(default_factory=dict)
    responsibilities: list[Responsibility] = field(default_factory=list)
    open_tasks: list[HumanTask] = field(default_factory=list)
    timeliness: list = field(default_factory=list)  # per unit, for coordinators (督办)

    @property
    def overdue_count(self) -> int:
        return sum(1 for t in self.open_tasks if t.is_overdue())


def workbench(session: Session, person_id: int) -> Workbench:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("用户不存在")
    bench = Workbench(person=person)
    for m in session.scalars(select(RoleMembership).where(RoleMembership.person_id == person_id)
                             .order_by(RoleMembership.unit_id, RoleMembership.id)):
        bench.roles_by_unit.setdefault(m.unit.name, []).append(m.role)
    bench.responsibilities = list(session.scalars(select(Responsibility).where(
        Responsibility.person_id == person_id)))
    bench.open_tasks = engine.open_tasks_for(session, person)
    if person.has_role(Role.COORDINATOR):
        bench.timeliness = [row for row in supervision.timeliness_by_unit(session) if row.open_overdue or row.done_late]
    return bench
