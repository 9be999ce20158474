"""Grants: the only authorisation for data to flow; they expire by the sweep and providers may revoke them."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, defaultload, lazyload

import notifications
from workflows import audit, clock, inputs, reasons
from workflows.db import is_postgres
from workflows.errors import Conflict, Forbidden, NotFound, ValidationFailed
from workflows.models import (
    Application,
    Grant,
    GrantStatus,
    Person,
    Resource,
    Role,
    ShareType,
    effective_grant_status,
)
from workflows.organisation import directory
from workflows.sharing import integrity, visibility

EXPIRY_NOTICE_DAYS = 7
REVOKE_REASON_LIMIT = 1000


def create(session: Session, app: Application, items: list[str], until: date, actor_id: int | None) -> Grant:
    """A grant only as reviewed: the provider's reviewer decided (or the data is 无条件共享) on shareable data.

    Nobody else grants: the county data bureau coordinates and supervises (四(五)), it never decides for a provider.
    """
    _check_grantable(session, app, items, actor_id)
    grant = Grant(
        application_id=app.id,
        unit_id=app.applicant_unit_id,
        resource_id=app.resource_id,
        items=list(items),
        scenario=app.scenario,
        valid_from=clock.today(),
        valid_until=until,
        status=GrantStatus.ACTIVE,
        created_at=clock.now(),
    )
    grant.data_protection = app.data_protection  # as reviewed: a later change of the application does not reach it
    session.add(grant)
    session.flush()
    audit.record(
        session,
        actor_id,
        "grant",
        grant.id,
        "grant:created",
        None,
        {"application": app.number, "unit_id": grant.unit_id, "items": grant.items, "valid_until": until.isoformat()},
    )
    return grant


def _check_grantable(session: Session, app: Application, items: list[str], actor_id: int | None) -> None:
    resource = app.resource
    if not integrity.shareable(resource):
        raise Conflict(f"“{resource.name}”已不予共享或已停用，不能授权。请刷新页面查看资源的最新状态")
    if resource.provider_unit_id != app.provider_unit_id:
        raise Conflict("申请的提供单位与资源的提供单位不一致，不能授权，请联系系统管理员核查")
    if actor_id is None:
        if resource.share_type != ShareType.UNCONDITIONAL:
            raise Conflict(f"“{resource.name}”为有条件共享资源，须由提供单位审核人审核通过后才能授权")
    elif not session.get(Person, actor_id).has_role(Role.REVIEWER, app.provider_unit_id):
        raise Forbidden("只有数据提供单位的审核人可以审核通过并授权")
    if not set(items) <= set(app.items):
        raise Conflict("授权的信息项超出了申请范围，不能授权")


def is_authorised(session: Session, unit_id: int, resource_id: int, item: str, on: date | None = None) -> bool:
    """Whether a unit may receive one info item of a resource today: only an active grant says yes."""
    on = on or clock.today()
    grants = session.scalars(
        select(Grant).where(
            Grant.unit_id == unit_id,
            Grant.resource_id == resource_id,
            Grant.status == GrantStatus.ACTIVE,
            Grant.valid_from <= on,
            Grant.valid_until >= on,
        )
    )
    return any(item in g.items for g in grants)


def can_revoke(person: Person, grant: Grant) -> bool:
    provider = grant.resource.provider_unit_id
    return person.has_role(Role.REVIEWER, provider) or person.has_role(Role.UNIT_ADMIN, provider)


_LOCK = (
    select(Grant).where(Grant.id == bindparam("id")).options(lazyload("*")).with_for_update(of=Grant, key_share=True)
)

REVOKE_HINT = "请写明具体原因：发现了什么违规使用、违反了哪项约定或规定"


def revoke(
    session: Session, actor: Person, grant_id: int, reason: str, objection_id: int | None = None, basis: str = ""
) -> Grant:
    """Revoke once: the grant's row is locked, so a second revocation or the expiry pass sees the first.

    A coordinator revokes only by deciding an upheld usage objection (objection_id names it, `basis` says so in
    the reason people read: "根据异议 YY… 的处理决定").
    """
    by_decision = objection_id is not None and actor.has_role(Role.COORDINATOR)
    grant = _decidable(session, actor, grant_id, "撤销", reason, REVOKE_HINT, by_decision)
    grant.status, grant.revoked_reason = GrantStatus.REVOKED, f"{basis}：{reason.strip()}" if basis else reason.strip()
    grant.revoked_by_id, grant.revoked_at = actor.id, clock.now()
    audit.record(
        session,
        actor.id,
        "grant",
        grant.id,
        "grant:revoked",
        {"status": "active"},
        {"status": "revoked", "reason": grant.revoked_reason}
        | ({"objection_id": objection_id} if objection_id else {}),
    )
    _notify(session, grant, "grant_revoked")
    return grant


KEEP_HINT = "请写明具体原因：为什么该单位在到期前仍可使用这些数据，例如正在办理的业务必须继续核对、已有哪些安全措施"


def keep(
    session: Session, actor: Person, grant_id: int, reason: str, removed_items: list[str], change: str
) -> tuple[Grant, list[str]]:
    """Keep a grant until it expires although its resource changed (change: what happened, for the grantee).

    Items removed from the entry stop being provided: they leave the grant, and a grant left with none cannot be
    kept. Returns the grant and the items it lost.
    """
    grant = _decidable(session, actor, grant_id, "保留", reason, KEEP_HINT)
    dropped = [item for item in grant.items if item in removed_items]
    if dropped and len(dropped) == len(grant.items):
        raise Conflict(f"该授权的信息项“{'、'.join(dropped)}”已全部从目录中删除，不能保留，请选择撤销")
    before = list(grant.items)
    grant.items = [item for item in grant.items if item not in dropped]
    grant.changed_at = clock.now()  # kept: the platform's grant feed shows the decision even when no item went
    audit.record(
        session,
        actor.id,
        "grant",
        grant.id,
        "grant:kept",
        {"items": before},
        {"items": grant.items, "reason": reason.strip(), "valid_until": grant.valid_until.isoformat()},
    )
    _notify(session, grant, "grant_kept", {"reason": reason.strip(), "dropped": "、".join(dropped), "what": change})
    return grant, dropped


def _decidable(
    session: Session, actor: Person, grant_id: int, verb: str, reason: str, hint: str, by_decision: bool = False
) -> Grant:
    """The grant's row, locked (a second decision or the expiry pass waits and then sees this one), once the actor
    may decide on it, it is still active and the reason says something specific."""
    grant = session.execute(_LOCK, {"id": grant_id}, execution_options={"populate_existing": True}).scalar()
    if grant is None or not visibility.grant_visible(actor, grant):
        raise NotFound("授权不存在")
    if not (by_decision or can_revoke(actor, grant)):
        raise Forbidden(f"只有数据提供单位的审核人或目录管理员可以{verb}授权")
    if grant.status != GrantStatus.ACTIVE:
        raise Conflict(f"授权已{GrantStatus(grant.status).label}")
    if problem := inputs.too_long(f"{verb}理由", (reason or "").strip(), REVOKE_REASON_LIMIT):
        raise ValidationFailed([problem])
    if problem := reasons.reason_problem(reason, f"{verb}理由", hint=hint):
        raise ValidationFailed([problem])
    return grant


def _notify(session: Session, grant: Grant, template: str, extra: dict | None = None) -> None:
    people = [grant.application.applicant] + directory.people_with_role(session, grant.unit_id, Role.UNIT_ADMIN)
    people += directory.leader_in_charge(session, grant.unit_id) if template == "grant_revoked" else []
    notifications.send(
        session, people, template, context(grant) | (extra or {}), f"/applications/{grant.application_id}"
    )


def notify_changed(session: Session, grant: Grant, what: str, change: str) -> None:
    """The grantee hears that the resource changed under its grant, before the provider decides on it."""
    _notify(session, grant, "resource_changed", {"what": what, "change": change})


def revoked_by_unit(grant: Grant) -> str:
    """Who revoked, as people name it: the provider, or the county data bureau on an objection it decided."""
    by = grant.revoked_by
    if by is None:
        return ""
    if can_revoke(by, grant):
        return grant.resource.provider_unit.name
    return next((m.unit.name for m in by.memberships if m.role == Role.COORDINATOR), by.unit.name)


def context(grant: Grant) -> dict:
    return {
        "unit_name": grant.unit.name,
        "resource_name": grant.resource.name,
        "number": grant.application.number,
        "valid_until": grant.valid_until.isoformat(),
        "reason": grant.revoked_reason,
        "revoked_by": revoked_by_unit(grant),
        "items": "、".join(grant.items),
    }


def expire_due(session: Session) -> tuple[int, int]:
    """Expire grants past their end; warn once a week ahead. Returns (expired, warned)."""
    today = clock.today()
    due = select(Grant).where(Grant.status == GrantStatus.ACTIVE, Grant.valid_until < today)
    if is_postgres(session):  # a grant being revoked right now is left to its revocation
        due = due.options(lazyload("*")).with_for_update(of=Grant, skip_locked=True, key_share=True)
    expired = session.scalars(due, execution_options={"populate_existing": True}).all()
    for grant in expired:
        grant.status = GrantStatus.EXPIRED
        audit.record(session, None, "grant", grant.id, "grant:expired", {"status": "active"}, {"status": "expired"})
        _notify(session, grant, "grant_expired")
    soon = session.scalars(
        select(Grant).where(
            Grant.status == GrantStatus.ACTIVE,
            Grant.expiry_notified.is_(False),
            Grant.valid_until <= today + timedelta(days=EXPIRY_NOTICE_DAYS),
        )
    ).all()
    for grant in soon:
        grant.expiry_notified = True
        _notify(session, grant, "grant_expiring")
    return len(expired), len(soon)


# A grant list shows each grant's application number only: not the application's own units, applicant and resource.
_LIST_LOAD = defaultload(Grant.application).lazyload("*")


def get_grant(session: Session, actor: Person, grant_id: int) -> Grant:
    """A grant as its page, its 授权提供单 and the API show it: to whom visibility.grant_visible allows, else absent."""
    grant = session.get(Grant, grant_id)
    if grant is None or not visibility.grant_visible(actor, grant):
        raise NotFound("授权不存在")
    return grant


def list_grants(session: Session, actor: Person, scope: str = "mine") -> list[Grant]:
    """mine: grants held by my units; provider: grants on my units' data; all: coordinators."""
    units = visibility.units_of(actor)
    query = select(Grant).options(_LIST_LOAD).order_by(Grant.id.desc())
    if scope == "provider":
        query = query.join(Resource, Grant.resource_id == Resource.id).where(Resource.provider_unit_id.in_(units))
    elif not (scope == "all" and actor.has_role(Role.COORDINATOR)):
        query = query.where(Grant.unit_id.in_(units))
    return list(session.scalars(query.limit(500)))


def for_application(session: Session, application_id: int) -> Grant | None:
    return session.scalar(select(Grant).where(Grant.application_id == application_id))


def ended_by_application(session: Session, application_ids: list[int]) -> dict[int, GrantStatus]:
    """Of these applications, those whose grant authorises nothing any more: revoked, or past its end even before
    the sweep marks it expired. A list of applications says so beside 已通过, in one query."""
    if not application_ids:
        return {}
    rows = session.execute(
        select(Grant.application_id, Grant.status, Grant.valid_until).where(Grant.application_id.in_(application_ids))
    )
    today, ended = clock.today(), {}
    for application_id, status, valid_until in rows:
        if (now := effective_grant_status(status, valid_until, today)) != GrantStatus.ACTIVE:
            ended[application_id] = now
    return ended
