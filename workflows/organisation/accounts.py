"""Logins, sessions and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, joinedload

from workflows import audit, clock, inputs
from workflows.errors import DomainError, NotFound, ValidationFailed
from workflows.models import ApiToken, LoginFailure, Person
from workflows.organisation import login_throttle
from workflows.organisation.login_throttle import LoginPolicy
from workflows.organisation.passwords import hash_password, password_problems, verify_password

CREDENTIAL_LIMITS = {"username": ("用户名", 64), "password": ("密码", 128)}


class LoginRefused(DomainError):
    status = 401
    code = "login_refused"


class AccountDeactivated(LoginRefused):
    """The right password of a deactivated account: told only to someone who knows that password."""

    status = 403
    code = "account_deactivated"


class OneTimePasswordExpired(LoginRefused):
    """The right one-time password, given too long ago: a new one must be asked for."""

    status = 403
    code = "one_time_password_expired"


class VendorAccountExpired(LoginRefused):
    """The right password of a vendor's account past its end date."""

    status = 403
    code = "vendor_account_expired"


class ApiOnlyAccount(LoginRefused):
    """The right password of the city data platform's machine account: it works through API tokens, not pages."""

    status = 403
    code = "api_only_account"


class LoginThrottled(DomainError):
    status = 429
    code = "too_many_attempts"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


THROTTLE_MESSAGES = {
    "account": "该账号登录失败次数过多，请 {wait}后再试；如忘记密码，请联系系统管理员重置",
    "address": "您所在网络的登录失败次数过多，请 {wait}后再试；如多人共用网络受到影响，请联系系统管理员",
}


def authenticate(
    session: Session, username: str, password: str, address: str, policy: LoginPolicy = LoginPolicy()
) -> Person:
    """Check a password, after any wait the throttle imposes; unknown names cost and answer the same as wrong passwords."""
    username = (username or "").strip().lower()  # saved in lower case; "MaChao" is machao, and throttled as one
    if problems := inputs.length_problems({"username": username, "password": password or ""}, CREDENTIAL_LIMITS):
        raise ValidationFailed(problems, "；".join(problems))
    key, address = username[:64], (address or "unknown")[:64]  # a longer name is unknown anyway
    wait = login_throttle.wait_before_login(session, key, address, policy)
    if wait is not None:
        audit.record(
            session,
            None,
            "login",
            key,
            "session:throttled",
            None,
            {"username": key, "address": address, "scope": wait.scope, "wait_seconds": wait.seconds},
        )
        raise LoginThrottled(THROTTLE_MESSAGES[wait.scope].format(wait=wait.text), wait.seconds)
    person = session.scalar(select(Person).where(Person.username == username))
    if not verify_password(person.password_hash if person is not None else None, password or ""):
        audit.record(session, None, "login", key, "session:login_failed", None, {"username": key, "address": address})
        login_throttle.record_failure(session, key, address, policy)
        raise LoginRefused("用户名或密码错误" + _next_wait_hint(session, key, address, policy))
    if not person.active:
        audit.record(
            session, None, "login", key, "session:deactivated_login", None, {"username": key, "address": address}
        )
        raise AccountDeactivated("您的账号已停用，不能登录。如需恢复，请联系本单位目录管理员或系统管理员")
    _refuse_expired_vendor(session, person, key, address)
    _refuse_platform(session, person, key, address)
    _refuse_expired_one_time_password(session, person, key, address, policy)
    login_throttle.forget_failures_from(session, key, address)
    audit.record(session, person.id, "person", person.id, "session:login", None, {"address": address})
    return person


def one_time_password_expired(person: Person, policy: LoginPolicy) -> bool:
    """A one-time password not changed within its lifetime no longer opens the account."""
    issued = person.one_time_password_issued_at
    return (
        person.must_change_password and issued is not None and clock.now() > issued + policy.one_time_password_lifetime
    )


def _refuse_expired_one_time_password(
    session: Session, person: Person, key: str, address: str, policy: LoginPolicy
) -> None:
    if one_time_password_expired(person, policy):
        audit.record(
            session,
            None,
            "login",
            key,
            "session:one_time_password_expired",
            None,
            {"username": key, "address": address},
        )
        hours = int(policy.one_time_password_lifetime.total_seconds() // 3600)
        raise OneTimePasswordExpired(
            f"您的一次性密码已过期（一次性密码 {hours} 小时内有效），不能再用于登录。"
            "请联系本单位目录管理员或系统管理员重新生成一次性密码"
        )


def _refuse_expired_vendor(session: Session, person: Person, key: str, address: str) -> None:
    if person.vendor is not None and person.vendor.is_expired(clock.today()):
        audit.record(
            session,
            None,
            "login",
            key,
            "session:vendor_expired_login",
            None,
            {"username": key, "address": address, "expires_on": person.vendor.expires_on.isoformat()},
        )
        raise VendorAccountExpired(
            f"您的运维厂商人员账号已于 {person.vendor.expires_on.isoformat()} 到期，不能再登录。"
            "如工作仍需继续，请联系本单位目录管理员重新开通"
        )


def _refuse_platform(session: Session, person: Person, key: str, address: str) -> None:
    if person.is_platform:
        audit.record(session, None, "login", key, "session:platform_login", None, {"username": key, "address": address})
        raise ApiOnlyAccount(
            "该账号是数据平台运营方的接口账号，只能通过 API 令牌读取授权清单和报送数据使用情况，不能登录网页。"
            "如需查看页面，请使用本人的工作账号"
        )


def may_keep_session(person: Person) -> bool:
    """A session stays open while the account is active and, for a vendor, not past its end date (never for the
    platform's machine account)."""
    return (
        person.active
        and not person.is_platform
        and (person.vendor is None or not person.vendor.is_expired(clock.today()))
    )


def _next_wait_hint(session: Session, username: str, address: str, policy: LoginPolicy) -> str:
    wait = login_throttle.account_wait(session, username, address, policy)
    return f"；失败次数较多，请 {wait.text}后再试" if wait else ""


def end_sessions(session: Session, person_id: int, actor_id: int | None, reason: str) -> int:
    """Every session cookie of this person stops working at once (logout, password change, deactivation)."""
    session.execute(
        update(Person).where(Person.id == person_id).values(session_generation=Person.session_generation + 1)
    )
    generation = session.scalar(select(Person.session_generation).where(Person.id == person_id))
    if generation is None:
        raise NotFound("用户不存在")
    audit.record(
        session, actor_id, "person", person_id, "session:ended", None, {"reason": reason, "generation": generation}
    )
    return generation


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
    audit.record(
        session,
        actor_id if actor_id is not None else person.id,
        "api_token",
        token.id,
        "api_token:created",
        None,
        {"person": person.username, "prefix": token.prefix},
    )
    return raw


def revoke_token(session: Session, person_id: int, token_id: int) -> None:
    token = session.get(ApiToken, token_id)
    if token is None or token.person_id != person_id:
        raise NotFound("令牌不存在")
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        audit.record(
            session, person_id, "api_token", token.id, "api_token:revoked", {"revoked": False}, {"revoked": True}
        )


def person_for_token(session: Session, raw: str) -> Person | None:
    token = session.scalar(
        select(ApiToken).options(joinedload(ApiToken.person)).where(ApiToken.token_hash == _digest(raw or ""))
    )
    if token is None or token.revoked_at is not None or not token.person.active:
        return None
    if token.person.is_vendor:  # the API carries applications and grants: never a vendor's
        return None
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_TOUCH_INTERVAL:
        token.last_used_at = now  # at most one write per token and interval, not one per request
    return token.person


def tokens_of(session: Session, person_id: int) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.person_id == person_id).order_by(ApiToken.id.desc())))


# --- passwords and lockouts ------------------------------------------------------


def change_password(
    session: Session,
    person_id: int,
    current: str,
    new: str,
    repeated: str,
    address: str,
    policy: LoginPolicy = LoginPolicy(),
) -> Person:
    """The person's own change: the current password is checked (and throttled) as at login; other sessions end."""
    person = session.get(Person, person_id)
    if person is None or not person.active:
        raise NotFound("用户不存在")
    key, address = person.username[:64], (address or "unknown")[:64]
    current_label = "一次性密码" if person.must_change_password else "当前密码"  # as the page labels it
    if wait := login_throttle.wait_before_login(session, key, address, policy):
        raise LoginThrottled(THROTTLE_MESSAGES[wait.scope].format(wait=wait.text), wait.seconds)
    typed = {"password": current or "", "new": new or "", "repeated": repeated or ""}
    labels = {"password": (current_label, 128), "new": ("新密码", 128), "repeated": ("再次输入新密码", 128)}
    if empty := [f"{labels[k][0]}：必填" for k, v in typed.items() if not v]:
        raise ValidationFailed(empty)
    if problems := inputs.length_problems(typed, labels):
        raise ValidationFailed(problems)
    if not verify_password(person.password_hash, current or ""):
        audit.record(
            session,
            person.id,
            "login",
            key,
            "session:login_failed",
            None,
            {"username": key, "address": address, "during": "password_change"},
        )
        login_throttle.record_failure(session, key, address, policy)
        forgot = "请核对管理员给您的一次性密码" if person.must_change_password else "忘记密码请联系管理员重置"
        raise ValidationFailed([f"{current_label}：不正确，请重新输入（{forgot}）"])
    problems = password_problems(new or "", person.username)
    if new != repeated:
        problems.append("再次输入新密码：两次输入的新密码不一致")
    if not problems and new == current:
        problems.append("新密码不能与当前密码相同")
    if problems:
        raise ValidationFailed(problems)
    was_one_time = person.must_change_password
    person.password_hash, person.must_change_password = hash_password(new), False
    person.one_time_password_issued_at = None
    session.execute(delete(LoginFailure).where(LoginFailure.username == key))
    audit.record(
        session,
        person.id,
        "person",
        person.id,
        "person:password_changed",
        None,
        {"after_one_time_password": was_one_time},
    )
    end_sessions(session, person.id, person.id, "password_changed")
    session.refresh(person)
    return person


def forget_failures(session: Session, actor_id: int | None, username: str) -> int:
    """Unlock an account: its failed logins no longer count (the audit trail keeps them)."""
    removed = session.execute(delete(LoginFailure).where(LoginFailure.username == username[:64])).rowcount
    audit.record(session, actor_id, "login", username[:64], "session:unlocked", {"failures": removed}, {"failures": 0})
    return removed
