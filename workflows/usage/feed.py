"""The machine-readable 授权提供单: every grant changed since a moment, for the city data platform, paged by an
opaque cursor over (changed_at, id) so that rows changing while the platform pages move on, never get lost."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, joinedload

from workflows import clock
from workflows.errors import ValidationFailed
from workflows.models import AffectedGrant, AffectedStatus, ApprovalRecord, Grant, Person, Resource
from workflows.usage.ingest import require_platform

MAX_LIMIT = 500
# A change is listed once it is this old: a transaction that stamped changed_at and commits a moment later must not
# land behind a cursor the platform has already passed (an expiry pass over many grants commits last).
SETTLE = timedelta(seconds=30)
BAD_CURSOR = "游标（cursor）无效：请原样使用上一页返回的 next_cursor，或去掉 cursor 从头读取"


class GrantFeedQuery(BaseModel):
    """GET /api/v1/grants for the platform's token: the grants changed since a moment."""

    model_config = ConfigDict(str_strip_whitespace=True)

    changed_since: Annotated[
        str,
        Field(
            title="变更起始时间",
            max_length=40,
            description="仅数据平台运营方令牌：ISO 8601 时间，返回此后有变更（新授权、撤销、到期、目录变更影响）的授权；不填为全部",
        ),
    ] = ""
    cursor: Annotated[
        str, Field(title="游标", max_length=200, description="仅数据平台运营方令牌：上一页返回的 next_cursor")
    ] = ""
    limit: Annotated[int, Field(title="每页条数", ge=1, le=MAX_LIMIT, description="仅数据平台运营方令牌")] = 200


@dataclass
class FeedPage:
    items: list[dict]
    next_cursor: str | None
    etag: str

    def body(self) -> dict:
        return {"items": self.items, "next_cursor": self.next_cursor}


SINCE_PROBLEM = "变更起始时间（changed_since）：应为 ISO 8601 时间，如 2026-03-01T08:00:00+08:00"


def _since(text: str) -> datetime | None:
    if not text:
        return None
    text = text.replace("Z", "+00:00").replace(" ", "+")  # an unencoded "+" in a query string arrives as a space
    try:
        return clock.parse_instant(text)
    except ValueError:
        raise ValidationFailed([SINCE_PROBLEM], SINCE_PROBLEM) from None


def encode_cursor(changed_at: datetime, grant_id: int) -> str:
    raw = json.dumps([clock.as_utc(changed_at).isoformat(), grant_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(text: str) -> tuple[datetime, int]:
    try:
        at, grant_id = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        return clock.parse_instant(at), int(grant_id)
    except (ValueError, TypeError):
        raise ValidationFailed([BAD_CURSOR], BAD_CURSOR) from None


def grant_feed(session: Session, person: Person, query: GrantFeedQuery) -> FeedPage:
    """One page of grants changed since `changed_since` (and at least SETTLE ago), oldest change first; next_cursor
    is None on the last page."""
    require_platform(person)
    since = _since(query.changed_since)
    statement = select(Grant).options(joinedload(Grant.resource).joinedload(Resource.provider_unit))
    statement = statement.where(Grant.changed_at <= clock.now() - SETTLE)
    if since is not None:
        statement = statement.where(Grant.changed_at > since)
    if query.cursor:
        at, grant_id = _decode_cursor(query.cursor)
        statement = statement.where(or_(Grant.changed_at > at, and_(Grant.changed_at == at, Grant.id > grant_id)))
    grants = list(session.scalars(statement.order_by(Grant.changed_at, Grant.id).limit(query.limit + 1)).unique())
    more, grants = len(grants) > query.limit, grants[: query.limit]
    items = _items(session, grants)
    next_cursor = encode_cursor(grants[-1].changed_at, grants[-1].id) if more else None
    digest = hashlib.sha256(
        json.dumps([items, next_cursor], ensure_ascii=False, sort_keys=True).encode("utf-8")
    ).hexdigest()
    return FeedPage(items, next_cursor, f'"{digest[:32]}"')


def _items(session: Session, grants: list[Grant]) -> list[dict]:
    ids = [g.id for g in grants]
    hashes = dict(
        session.execute(
            select(ApprovalRecord.id, ApprovalRecord.sha256).where(
                ApprovalRecord.id.in_([g.record_id for g in grants if g.record_id])
            )
        ).all()
    )
    open_changes = set(
        session.scalars(
            select(AffectedGrant.grant_id).where(
                AffectedGrant.grant_id.in_(ids), AffectedGrant.status == AffectedStatus.OPEN
            )
        )
    )
    today = clock.today()
    return [_item(g, hashes.get(g.record_id), g.id in open_changes, today) for g in grants]


def _item(grant: Grant, record_hash: str | None, under_review: bool, today) -> dict:
    status = grant.effective_status(today)
    return {
        "id": grant.id,
        "application_number": grant.application.number,
        "grantee_unit": {"code": grant.unit.code, "name": grant.unit.name},
        "provider_unit": {"code": grant.resource.provider_unit.code, "name": grant.resource.provider_unit.name},
        "resource_code": grant.resource.code,
        "resource_name": grant.resource.name,
        "items": list(grant.items),
        "scenario": grant.scenario,
        "valid_from": grant.valid_from.isoformat(),
        "valid_until": grant.valid_until.isoformat(),
        "status": status.value,
        "status_label": status.label,
        "revoked_at": clock.as_utc(grant.revoked_at).isoformat() if grant.revoked_at else None,
        "resource_change_pending": under_review,  # a catalog change reached it: the provider is deciding
        "record_sha256": record_hash,
        "changed_at": clock.as_utc(grant.changed_at).isoformat(),
    }
