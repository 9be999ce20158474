"""Usage reports in: each record checked on its own, stored once by its id, rolled up by day in the same transaction.

Concurrency: the batch row (person, Idempotency-Key) is inserted first, so a second copy of the same batch waits on
it and then replays the first's answer; records are then stored once by their ids (workflows/usage/store.py).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import Row, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workflows import audit, clock, inputs
from workflows.db import is_postgres
from workflows.errors import Conflict, DomainError, Forbidden, ValidationFailed
from workflows.models import (
    Application,
    Grant,
    Interface,
    Person,
    Resource,
    ResourceRefresh,
    Unit,
    UsageBatch,
    UsageSource,
)
from workflows.usage import anomalies, store
from workflows.usage.inputs import (
    MAX_BODY_BYTES,
    MAX_RECORDS,
    MAX_RESOURCE_UPDATES,
    RECORD_MESSAGES,
    ResourceUpdateInput,
    UsageBatchInput,
    UsageRecordInput,
)

MAX_KEY = 100
NOT_JSON = '请求体应为 JSON 对象：{"records": [...], "resource_updates": [...]}'


@dataclass
class Report:
    """What a batch came to: the numbers the sender reads back, and each refused record by index and id."""

    accepted: int = 0
    duplicates: int = 0
    problems: list[dict] = field(default_factory=list)
    resource_updates: int = 0
    update_problems: list[dict] = field(default_factory=list)
    replayed: bool = False

    def answer(self) -> dict:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": len(self.problems),
            "resource_updates": self.resource_updates,
            "problems": self.problems,
            "resource_update_problems": self.update_problems,
        }


def require_platform(person: Person) -> None:
    if not person.is_platform:
        raise Forbidden("只有数据平台运营方的 API 令牌可以报送数据使用情况；各单位请在“数据使用”页面上传")


def ingest_json(session: Session, person: Person, key: str, body: bytes) -> Report:
    """POST /api/v1/usage: the platform's batch under its Idempotency-Key (the same key replays the first answer)."""
    require_platform(person)
    key = _key(key)
    if len(body) > MAX_BODY_BYTES:
        raise DomainError(f"请求体超过 {MAX_BODY_BYTES // (1024 * 1024)} MB，请分批发送（每批最多 {MAX_RECORDS} 条）")
    try:  # a batch whose every record is good is checked in one pass; any problem, and each is checked on its own
        batch = UsageBatchInput.model_validate_json(body or b"{}")
        records, updates = batch.records, batch.resource_updates
    except ValidationError:
        records, updates = _envelope(body)
    return ingest(session, person, key, hashlib.sha256(body).hexdigest(), records, updates, UsageSource.PLATFORM)


def _key(key: str | None) -> str:
    key = (key or "").strip()
    if not key:
        raise ValidationFailed(["请求头 Idempotency-Key：必填，同一批记录重发时使用同一个值"], "缺少 Idempotency-Key")
    if len(key) > MAX_KEY or not key.isprintable() or not key.isascii():
        raise ValidationFailed([f"请求头 Idempotency-Key：应为最多 {MAX_KEY} 个可见的 ASCII 字符"])
    return key


def _envelope(body: bytes) -> tuple[list, list]:
    try:
        data = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise DomainError(NOT_JSON) from None
    if not isinstance(data, dict):
        raise DomainError(NOT_JSON)
    if unknown := sorted(set(data) - {"records", "resource_updates"}):
        raise ValidationFailed([f"未知字段：{'、'.join(unknown)}（只接受 records 和 resource_updates）"])
    records, updates = data.get("records", []), data.get("resource_updates", [])
    if not isinstance(records, list) or not isinstance(updates, list):
        raise ValidationFailed(["records 和 resource_updates 应为数组"])
    if len(records) > MAX_RECORDS:
        raise ValidationFailed(
            [f"调用记录（records）：每批最多 {MAX_RECORDS} 条（现有 {len(records)} 条），请分批发送"]
        )
    if len(updates) > MAX_RESOURCE_UPDATES:
        raise ValidationFailed([f"数据更新情况（resource_updates）：每批最多 {MAX_RESOURCE_UPDATES} 条"])
    return records, updates


def ingest(
    session: Session,
    person: Person,
    key: str,
    digest: str,
    records: list,
    updates: list,
    source: UsageSource,
    id_prefix: str = "",
    allowed_units: set[int] | None = None,
) -> Report:
    """Store a batch once: its good records, rolled up, and the latest refresh time of each resource.

    id_prefix keeps an uploading unit's record ids apart from the platform's; allowed_units (None: any) limits the
    units a record may concern, as user or as provider."""
    if (stored := _stored(session, person.id, key, digest)) is not None:
        return stored
    batch = UsageBatch(
        person_id=person.id, idempotency_key=key, source=source, digest=digest, received_at=clock.now(), answer={}
    )
    try:
        with session.begin_nested():
            session.add(batch)
            session.flush()
    except IntegrityError:  # the same batch is being stored right now: its answer, once it is committed
        if (stored := _stored(session, person.id, key, digest)) is not None:
            return stored
        raise Conflict("同一批记录正在处理，请稍后用同一个 Idempotency-Key 重试") from None
    report = Report()
    rows, grants = _checked_rows(session, records, report, id_prefix, allowed_units)
    for row in rows:
        row["batch_id"] = batch.id
    stored_rows = store.store(session, rows)
    report.duplicates += len(rows) - len(stored_rows)
    report.accepted = len(stored_rows)
    anomalies.detect(session, stored_rows, grants)  # after the rollup: frequency and jumps read this batch's days too
    report.resource_updates = _refreshes(session, updates, report)
    report.problems.sort(key=lambda p: p["index"])
    batch.answer = report.answer()
    audit.record(
        session,
        person.id,
        "usage_batch",
        batch.id,
        "usage:ingested",
        None,
        {"source": source.value, "accepted": report.accepted, "duplicates": report.duplicates}
        | {"rejected": len(report.problems), "resource_updates": report.resource_updates},
    )
    return report


def _stored(session: Session, person_id: int, key: str, digest: str) -> Report | None:
    batch = session.scalar(
        select(UsageBatch).where(UsageBatch.person_id == person_id, UsageBatch.idempotency_key == key)
    )
    if batch is None:
        return None
    if batch.digest != digest:
        raise Conflict("该 Idempotency-Key 已用于另一批内容不同的记录；新的一批请使用新的 Idempotency-Key")
    answer = dict(batch.answer)
    return Report(
        answer["accepted"],
        answer["duplicates"],
        list(answer["problems"]),
        answer["resource_updates"],
        list(answer["resource_update_problems"]),
        replayed=True,
    )


# --- checking each record ---------------------------------------------------------


GRANT_FACTS = (Grant.id, Grant.unit_id, Grant.resource_id, Grant.scenario, Grant.valid_from, Grant.valid_until,
               Grant.revoked_at, Application.frequency)  # fmt: skip


@dataclass
class _Lookups:
    grants: dict[int, Row]  # GRANT_FACTS by id (anomalies.detect reads them too)
    by_number: dict[str, Row]  # … by application number
    units: dict[str, int]
    resources: dict[str, tuple[int, int]]  # code -> (id, provider unit id)
    interfaces: dict[str, tuple[int, int]]  # code -> (id, resource id)
    providers: dict[int, int]  # resource id -> provider unit id


def _checked_rows(
    session: Session, records: list, report: Report, prefix: str, allowed_units: set[int] | None
) -> tuple[list[dict], dict[int, Row]]:
    """The good records as rows (sorted by id, each with its Shanghai day), and the facts of the grants they name."""
    parsed: list[tuple[int, UsageRecordInput]] = []
    for index, raw in enumerate(records):
        if isinstance(raw, UsageRecordInput):
            parsed.append((index, raw))
            continue
        if not isinstance(raw, dict):
            report.problems.append(_problem(index, None, "每条记录应为 JSON 对象"))
            continue
        try:
            parsed.append((index, UsageRecordInput.model_validate(raw)))
        except ValidationError as error:
            message = "；".join(inputs.field_problems(error, UsageRecordInput, RECORD_MESSAGES))
            report.problems.append(_problem(index, raw.get("id"), message))
    found = _lookups(session, [record for _, record in parsed])
    rows, seen, now = [], set(), clock.now()
    for index, record in parsed:
        key = prefix + record.id
        row, message = _resolved(record, found, allowed_units)
        if message:
            report.problems.append(_problem(index, record.id, message))
        elif key in seen:
            report.duplicates += 1
        else:
            seen.add(key)
            row.update(record_key=key, received_at=now, day=clock.local(record.at).date())
            rows.append(row)
    rows.sort(key=lambda r: r["record_key"])  # one order of row locks for every batch
    return rows, found.grants | {grant.id: grant for grant in found.by_number.values()}


def _problem(index: int, record_id, message: str) -> dict:
    shown = record_id if isinstance(record_id, str) and len(record_id) <= 64 else None
    return {"index": index, "id": shown, "message": message}


def _lookups(session: Session, records: list[UsageRecordInput]) -> _Lookups:
    grant_ids = {r.grant_id for r in records if r.grant_id}
    numbers = {r.application_number for r in records if r.application_number}
    grants = (
        {g.id: g for g in session.execute(select(*GRANT_FACTS).join(Grant.application).where(Grant.id.in_(grant_ids)))}
        if grant_ids
        else {}
    )
    by_number = {}
    if numbers:
        query = select(Application.number, *GRANT_FACTS).join(Grant, Grant.application_id == Application.id)
        by_number = {g.number: g for g in session.execute(query.where(Application.number.in_(numbers)))}
    unit_codes = {r.unit_code for r in records if r.unit_code}
    resource_codes = {r.resource_code for r in records if r.resource_code}
    interface_codes = {r.interface_code for r in records if r.interface_code}
    units = dict(session.execute(select(Unit.code, Unit.id).where(Unit.code.in_(unit_codes))).all())
    resources = {
        code: (rid, provider)
        for code, rid, provider in session.execute(
            select(Resource.code, Resource.id, Resource.provider_unit_id).where(Resource.code.in_(resource_codes))
        )
    }
    interfaces = {
        code: (iid, rid)
        for code, iid, rid in session.execute(
            select(Interface.code, Interface.id, Interface.resource_id).where(Interface.code.in_(interface_codes))
        )
    }
    resource_ids = {g.resource_id for g in [*grants.values(), *by_number.values()]} | {
        rid for rid, _ in resources.values()
    }
    providers = dict(
        session.execute(select(Resource.id, Resource.provider_unit_id).where(Resource.id.in_(resource_ids))).all()
    )
    return _Lookups(grants, by_number, units, resources, interfaces, providers)


def _resolved(record: UsageRecordInput, found: _Lookups, allowed_units: set[int] | None) -> tuple[dict, str | None]:
    grant = None
    if record.grant_id is not None:
        grant = found.grants.get(record.grant_id)
        if grant is None:
            return {}, f"授权编号（grant_id）{record.grant_id} 不存在"
    if record.application_number:
        by_number = found.by_number.get(record.application_number)
        if by_number is None:
            return {}, f"申请编号（application_number）“{inputs.shown(record.application_number)}”没有对应的授权"
        if grant is not None and grant.id != by_number.id:
            return {}, "授权编号（grant_id）与申请编号（application_number）不是同一项授权"
        grant = by_number
    unit_id = found.units.get(record.unit_code) if record.unit_code else None
    if record.unit_code and unit_id is None:
        return {}, f"使用单位代码（unit_code）“{inputs.shown(record.unit_code)}”不存在"
    resource = found.resources.get(record.resource_code) if record.resource_code else None
    if record.resource_code and resource is None:
        return {}, f"目录条目代码（resource_code）“{inputs.shown(record.resource_code)}”不存在"
    if grant is not None:
        if (unit_id and unit_id != grant.unit_id) or (resource and resource[0] != grant.resource_id):
            return {}, "使用单位或目录条目与授权不一致，请核对授权编号"
        unit_id, resource_id = grant.unit_id, grant.resource_id
    else:
        resource_id = resource[0]
    interface_id = None
    if record.interface_code:
        interface = found.interfaces.get(record.interface_code)
        if interface is None or interface[1] != resource_id:
            return {}, f"接口编码（interface_code）“{inputs.shown(record.interface_code)}”不是该目录条目的数据接口"
        interface_id = interface[0]
    if allowed_units is not None and not ({unit_id, found.providers.get(resource_id)} & allowed_units):
        return {}, "只能上传报送单位作为使用单位或提供单位的调用记录（请核对所选的报送单位）"
    return {
        "grant_id": grant.id if grant else None,
        "unit_id": unit_id,
        "resource_id": resource_id,
        "interface_id": interface_id,
        "at": record.at,
        "call_type": record.call_type,
        "count": record.count,
        "failed": record.failed,
        "scenario": record.scenario,
    }, None


# --- resource refreshes --------------------------------------------------------


def _refreshes(session: Session, updates: list, report: Report) -> int:
    latest: dict[str, datetime] = {}
    for index, raw in enumerate(updates):
        try:
            update = ResourceUpdateInput.model_validate(raw if isinstance(raw, dict | ResourceUpdateInput) else {})
        except ValidationError as error:
            message = "；".join(inputs.field_problems(error, ResourceUpdateInput))
            report.update_problems.append({"index": index, "message": message})
            continue
        if update.resource_code not in latest or latest[update.resource_code] < update.updated_at:
            latest[update.resource_code] = update.updated_at
    ids = dict(session.execute(select(Resource.code, Resource.id).where(Resource.code.in_(latest))).all())
    for code in sorted(set(latest) - set(ids)):
        message = f"目录条目代码（resource_code）“{inputs.shown(code)}”不存在"
        report.update_problems.append({"index": None, "resource_code": code, "message": message})
    values = [
        {"resource_id": ids[c], "updated_at": at, "reported_at": clock.now()}
        for c, at in sorted(latest.items())
        if c in ids
    ]
    if values:
        table = ResourceRefresh.__table__
        statement = (postgresql if is_postgres(session) else sqlite).insert(table)
        newer = statement.excluded.updated_at > table.c.updated_at
        statement = statement.on_conflict_do_update(
            index_elements=["resource_id"],
            set_={"updated_at": statement.excluded.updated_at, "reported_at": statement.excluded.reported_at},
            where=newer,
        )
        session.execute(statement, values)
    return len(values)
