"""Usage worth a look, found at ingest from the records just stored and the rollups: calls under no grant, outside
a grant's validity or after its revocation, under another scenario, on more days than the declared frequency
allows, or far above the grant's recent days. Found, listed on /usage/, never blocking the report."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import func, or_, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from workflows import audit, clock, inputs, reasons
from workflows.db import is_postgres
from workflows.errors import Conflict, FieldProblem, Forbidden, NotFound, ValidationFailed
from workflows.models import (
    NO_KEY,
    AnomalyKind,
    CallFrequency,
    Person,
    Resource,
    Role,
    UsageAnomaly,
    UsageDaily,
)
from workflows.usage import store

RECORDS_KEPT = 20  # record ids named per anomaly
JUMP_FACTOR = 10  # a day's calls above 10 times the mean of the 7 days before it
JUMP_MIN_DAYS = 3  # … of which at least 3 had calls
FREQUENCY_DAYS = {"once": 1, "monthly": 3, "weekly": 8}  # days with calls a declared frequency allows in 30 days
PER_RECORD = (AnomalyKind.NO_GRANT, AnomalyKind.GRANT_INACTIVE, AnomalyKind.SCENARIO)


class _Found:
    def __init__(self):
        self.rows: dict[tuple, dict] = {}

    def add(self, kind, grant_key: int, unit_id: int, resource_id: int, day: date, calls: int, keys, details=None):
        key = (kind.value, grant_key, unit_id, resource_id, day)
        row = self.rows.setdefault(key, {"calls": 0, "record_keys": [], "details": details or {}})
        row["calls"] += calls
        row["record_keys"] = (row["record_keys"] + [k for k in keys if k not in row["record_keys"]])[:RECORDS_KEPT]


def detect(session: Session, rows: list[dict], grants: dict) -> int:
    """Record the anomalies the stored rows show; returns how many (kind, grant, day) were found.

    grants: the facts of each grant the rows name (ingest.GRANT_FACTS: validity, revocation, scenario, declared
    frequency), as the ingest looked them up. Rows are counted by group first: a batch holds thousands of records
    and a few hundred (grant, day, scenario)."""
    if not rows:
        return 0
    groups: dict[tuple, list] = {}
    for row in rows:
        grant = grants.get(row["grant_id"])
        revoked = (
            grant is not None
            and grant.revoked_at is not None
            and clock.as_utc(row["at"]) >= clock.as_utc(grant.revoked_at)
        )
        key = (row["grant_id"], row["unit_id"], row["resource_id"], row["day"], row["scenario"], revoked)
        group = groups.setdefault(key, [0, []])
        group[0] += row["count"]
        if len(group[1]) < RECORDS_KEPT:
            group[1].append(row["record_key"])
    found = _Found()
    touched: dict[tuple[int, date], list[str]] = defaultdict(list)
    for (grant_id, unit_id, resource_id, day, scenario, revoked), (calls, keys) in groups.items():
        args = (unit_id, resource_id, day, calls, keys)
        if grant_id is None:
            found.add(AnomalyKind.NO_GRANT, NO_KEY, *args)
            continue
        grant = grants[grant_id]
        touched[(grant_id, day)] = (touched[(grant_id, day)] + keys)[:RECORDS_KEPT]
        if day < grant.valid_from or day > grant.valid_until or revoked:
            details = {"valid_from": grant.valid_from.isoformat(), "valid_until": grant.valid_until.isoformat()}
            if grant.revoked_at is not None:
                details["revoked_at"] = clock.fmt(grant.revoked_at)
            found.add(AnomalyKind.GRANT_INACTIVE, grant_id, *args, details)
        if scenario and scenario not in grant.scenario:
            found.add(AnomalyKind.SCENARIO, grant_id, *args, {"scenario": scenario})
    _from_rollups(session, grants, touched, found)
    _store(session, found)
    return len(found.rows)


def _from_rollups(session: Session, grants: dict, touched: dict, found: _Found) -> None:
    """Frequency and jumps read the grant's days from the rollups (this batch included): the 30 days before for a
    grant whose declared frequency limits its days, the 7 of the jump for the others."""
    if not touched:
        return
    last = max(day for _, day in touched)
    allowed = {g: FREQUENCY_DAYS.get(str(grants[g].frequency or "")) for g, _ in touched}
    limited = {g for g, days in allowed.items() if days is not None}
    first = min(day for _, day in touched)
    windows = [(limited, first - timedelta(days=29)), (set(allowed) - limited, first - timedelta(days=7))]
    if is_postgres(session):
        # psycopg prepares a statement it has run 5 times; PostgreSQL's generic plan for this one does not know the
        # days asked and reads every day of the grants (55 ms a batch instead of 10 at a million records)
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    daily: dict[int, dict[date, int]] = defaultdict(dict)
    for grant_key, day, calls in session.execute(
        select(UsageDaily.grant_key, UsageDaily.day, func.sum(UsageDaily.count))
        .where(or_(*(UsageDaily.grant_key.in_(ids) & (UsageDaily.day >= since) for ids, since in windows if ids)))
        .where(UsageDaily.day <= last)
        .group_by(UsageDaily.grant_key, UsageDaily.day)
    ):
        daily[grant_key][day] = int(calls)
    for (grant_id, day), keys in sorted(touched.items()):
        grant, days = grants[grant_id], daily[grant_id]
        where = (grant.unit_id, grant.resource_id, day, days.get(day, 0), keys)
        if grant_id in limited:
            used = sum(1 for d in days if day - timedelta(days=29) <= d <= day)
            if used > allowed[grant_id]:
                details = {"frequency": str(grant.frequency), "days": used, "allowed_days": allowed[grant_id]}
                found.add(AnomalyKind.FREQUENCY, grant_id, *where, details)
        before = [days.get(day - timedelta(days=n), 0) for n in range(1, 8)]
        mean = sum(before) / 7
        if sum(1 for c in before if c) >= JUMP_MIN_DAYS and days.get(day, 0) > JUMP_FACTOR * mean:
            found.add(AnomalyKind.JUMP, grant_id, *where, {"mean_before": round(mean, 1)})


def _store(session: Session, found: _Found) -> None:
    if not found.rows:
        return
    now = clock.now()
    names = ("kind", "grant_key", "unit_id", "resource_id", "day")
    table = UsageAnomaly.__table__
    for per_record in (True, False):
        values = [
            dict(zip(names, key)) | row | {"detected_at": now}
            for key, row in sorted(found.rows.items())
            if (AnomalyKind(key[0]) in PER_RECORD) is per_record
        ]
        if not values:
            continue
        if is_postgres(session):
            _store_on_postgres(session, values, per_record)
            continue
        statement = sqlite.insert(table)
        calls = table.c.calls + statement.excluded.calls if per_record else statement.excluded.calls
        extra = {} if per_record else {"details": statement.excluded.details}
        statement = statement.on_conflict_do_update(index_elements=list(names), set_={"calls": calls} | extra)
        session.execute(statement, values)


_COLUMNS = {  # the columns of the anomalies found in a batch, as COPY brings them in
    "kind": "varchar",
    "grant_key": "integer",
    "unit_id": "integer",
    "resource_id": "integer",
    "day": "date",
    "calls": "bigint",
    "record_keys": "jsonb",
    "details": "jsonb",
    "detected_at": "timestamptz",
}
_UPSERT = f"""
INSERT INTO usage_anomaly ({", ".join(_COLUMNS)})
SELECT {", ".join(_COLUMNS)} FROM usage_anomaly_incoming ORDER BY kind, grant_key, unit_id, resource_id, day
ON CONFLICT (kind, grant_key, unit_id, resource_id, day) DO UPDATE SET
"""


def _store_on_postgres(session: Session, values: list[dict], per_record: bool) -> None:
    """One statement for the batch's anomalies of a sort (a batch of calls under no grant finds thousands)."""
    rows = (
        [
            *(v[name] for name in list(_COLUMNS)[:6]),
            json.dumps(v["record_keys"]),
            json.dumps(v["details"]),
            v["detected_at"],
        ]
        for v in values
    )
    store.copy_to_temp(session, "usage_anomaly_incoming", _COLUMNS, rows)
    update = (
        "calls = usage_anomaly.calls + excluded.calls"
        if per_record
        else "calls = excluded.calls, details = excluded.details"
    )
    session.execute(text(_UPSERT + update))


def describe(anomaly: UsageAnomaly) -> str:
    """What the anomaly is, in the words of the /usage/ page."""
    d = anomaly.details or {}
    kind = AnomalyKind(anomaly.kind)
    if kind == AnomalyKind.NO_GRANT:
        return "调用记录未对应任何授权，请核实使用依据"
    if kind == AnomalyKind.GRANT_INACTIVE:
        text = f"授权有效期 {d.get('valid_from')} 至 {d.get('valid_until')}"
        return text + (f"，已于 {d['revoked_at']} 撤销" if d.get("revoked_at") else "")
    if kind == AnomalyKind.SCENARIO:
        return f"报送的应用场景“{d.get('scenario', '')}”不在授权的应用场景内"
    if kind == AnomalyKind.FREQUENCY:
        label = CallFrequency.label_of(d.get("frequency")) or d.get("frequency", "")
        return f"申请时申报的调用频次为“{label}”，近 30 天有 {d.get('days')} 天调用（至多 {d.get('allowed_days')} 天）"
    return f"当天调用 {anomaly.calls:,} 次，前 7 天日均 {d.get('mean_before')} 次"


def recent(session: Session, unit_id: int, days: int = 30) -> list[UsageAnomaly]:
    """The anomalies of the last days where the unit used the data or provides it, newest first."""
    since = clock.today() - timedelta(days=days - 1)
    provided = select(Resource.id).where(Resource.provider_unit_id == unit_id)
    return list(
        session.scalars(
            select(UsageAnomaly)
            .where(UsageAnomaly.day >= since)
            .where((UsageAnomaly.unit_id == unit_id) | UsageAnomaly.resource_id.in_(provided))
            .order_by(UsageAnomaly.day.desc(), UsageAnomaly.id.desc())
            .limit(200)
        )
    )


def unexplained(session: Session, unit_id: int, days: int = 30) -> int:
    """The anomalies of the last days in the unit's own calls that it has not explained yet (谁使用谁负责)."""
    since = clock.today() - timedelta(days=days - 1)
    return session.scalar(
        select(func.count())
        .select_from(UsageAnomaly)
        .where(UsageAnomaly.unit_id == unit_id, UsageAnomaly.day >= since, UsageAnomaly.explanation == "")
    )


EXPLANATION_MAX = 1000
EXPLAIN_HINT = "请写明具体情况：调用的业务、依据的授权或文件，以及已采取或将采取的措施"


def may_explain(person: Person, anomaly: UsageAnomaly) -> bool:
    """谁使用谁负责: the using unit's applicants and 目录管理员 answer for its calls, once."""
    return not anomaly.explanation and any(
        m.unit_id == anomaly.unit_id and m.role in (Role.APPLICANT, Role.UNIT_ADMIN) for m in person.memberships
    )


def may_dispute(person: Person, anomaly: UsageAnomaly) -> bool:
    """Who is offered a 数据使用异议 on the calls' grant: the provider of the data (not also the user of it), and the
    bureau's coordinators, who supervise use (六(三))."""
    if not anomaly.grant_key:
        return False
    mine = {m.unit_id for m in person.memberships} | {person.unit_id}
    provider = anomaly.resource.provider_unit_id in mine and anomaly.unit_id not in mine
    return provider or person.has_role(Role.COORDINATOR)


def explain(session: Session, actor: Person, anomaly_id: int, text: str) -> UsageAnomaly:
    """The using unit says what the calls were: shown beside the anomaly to the provider and the bureau."""
    anomaly = session.get(UsageAnomaly, anomaly_id) if 0 < anomaly_id < 2**31 else None
    if anomaly is None or anomaly.unit_id not in {m.unit_id for m in actor.memberships} | {actor.unit_id}:
        raise NotFound("该使用情况不存在，或不是本单位的调用")
    if anomaly.explanation:
        raise Conflict("本单位已说明过该情况，说明不再修改")
    if not may_explain(actor, anomaly):
        raise Forbidden("由使用单位的申请人或目录管理员说明本单位的调用情况")
    text = (text or "").strip()
    if len(text) > EXPLANATION_MAX:
        problem = inputs.too_long_message(EXPLANATION_MAX, len(text))
    else:
        problem = reasons.reason_problem(text, "情况说明", hint=EXPLAIN_HINT)
    if problem:
        raise ValidationFailed([FieldProblem("explanation", f"情况说明：{problem}")], "情况说明未保存，请按提示修改")
    anomaly.explanation, anomaly.explained_by_id, anomaly.explained_at = text, actor.id, clock.now()
    audit.record(
        session,
        actor.id,
        "usage_anomaly",
        anomaly.id,
        "usage_anomaly:explained",
        None,
        {"explanation": text},
        unit_id=anomaly.unit_id,
    )
    return anomaly
