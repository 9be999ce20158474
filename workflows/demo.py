"""Loads the fictional demo units, people, roles and responsible persons shipped in workflows/seed/."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import audit, clock
from workflows.audit_text import Events
from workflows.catalog import demands
from workflows.incidents import service as incidents
from workflows.models import (
    AccountKind,
    UsageBatch,
    UsageSource,
    CategoryClass,
    DataType,
    Demand,
    Incident,
    InfoItem,
    Interface,
    ObjectClass,
    OpenType,
    Person,
    Resource,
    ResourceFormat,
    ResourceStatus,
    Responsibility,
    RoleMembership,
    Sensitivity,
    ShareMethod,
    ShareType,
    Unit,
    UpdateCycle,
)
from workflows.organisation.passwords import hash_password
from workflows.usage import ingest as usage_ingest

SEED_DIR = Path(__file__).parent / "seed"
DEMO_PASSWORD = "Demo@2026"
DEMO_PARTS = {"org": "单位和人员", "catalog": "资源目录"}
AUDIT_EVENTS = Events(
    actions={"demo:seeded": "载入演示数据"},
    subjects={"demo": "演示数据"},
    subject_names={"demo": lambda part: f"演示数据（{DEMO_PARTS.get(part, '其他')}）"},
    keys={"people": "人员", "units": "单位", "resources": "目录条目", "interfaces": "数据接口"},
)


def read_csv(name: str) -> list[dict]:
    with open(SEED_DIR / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def seed_org(session: Session, password: str = DEMO_PASSWORD) -> dict[str, int]:
    """Idempotent: units and people already present (by code/username) are left as they are."""
    units = {u.code: u for u in session.scalars(select(Unit))}
    added = {"units": 0, "people": 0}
    for row in read_csv("units.csv"):
        if row["code"] not in units:
            units[row["code"]] = Unit(
                code=row["code"],
                name=row["name"],
                short_name=row["short_name"],
                kind=row["kind"],
                credit_code=row["credit_code"],
            )
            session.add(units[row["code"]])
            added["units"] += 1
    session.flush()
    existing = set(session.scalars(select(Person.username)))
    shared_hash = hash_password(password)  # one hash for all demo people keeps seeding fast
    for row in read_csv("people.csv"):
        if row["username"] in existing:
            continue
        unit = units[row["unit_code"]]
        person = Person(
            username=row["username"],
            display_name=row["display_name"],
            unit_id=unit.id,
            position=row["position"],
            password_hash=shared_hash,
            email=f"{row['username']}@xiayi.gov.example",
            account_kind=AccountKind.parse(row["account_kind"]) or AccountKind.PERSON,
        )
        person.memberships = [RoleMembership(unit_id=unit.id, role=r) for r in row["roles"].split(";") if r]
        session.add(person)
        session.flush()
        if row["responsibility"]:
            session.add(Responsibility(unit_id=unit.id, person_id=person.id, kind=row["responsibility"]))
        added["people"] += 1
    if any(added.values()):
        audit.record(session, None, "demo", "org", "demo:seeded", None, added)
    session.flush()
    return added


def seed_catalog(session: Session) -> dict[str, int]:
    """Published demo resources with their info items and interfaces (idempotent by code)."""
    units = {u.code: u.id for u in session.scalars(select(Unit))}
    existing = set(session.scalars(select(Resource.code)))
    items_by_code: dict[str, list[dict]] = {}
    for row in read_csv("info_items.csv"):
        items_by_code.setdefault(row["resource_code"], []).append(row)
    added = {"resources": 0, "interfaces": 0}
    for row in read_csv("resources.csv"):
        if row["code"] in existing:
            continue
        resource = _demo_resource(row, units[row["provider_unit_code"]])
        resource.items = [
            InfoItem(
                position=i,
                name=item["name"],
                data_type=DataType.parse(item["data_type"]),
                length=int(item["length"]) if item["length"] else None,
                sensitive=item["sensitive"] == "yes",
            )
            for i, item in enumerate(items_by_code.get(row["code"], []))
        ]
        session.add(resource)
        added["resources"] += 1
    session.flush()
    ids = dict(session.execute(select(Resource.code, Resource.id)).all())
    have = set(session.scalars(select(Interface.code)))
    for row in read_csv("interfaces.csv"):
        if row["code"] in have:
            continue
        scenarios = [s for s in row["business_scenarios"].split(";") if s]
        session.add(
            Interface(
                code=row["code"],
                resource_id=ids[row["resource_code"]],
                name=row["name"],
                object_class=ObjectClass.parse(row["object_class"]),
                business_scenarios=scenarios,
                scenarios_text=" ".join(scenarios),
                method=row["method"],
            )
        )
        added["interfaces"] += 1
    if any(added.values()):
        audit.record(session, None, "demo", "catalog", "demo:seeded", None, added)
    session.flush()
    seed_usage(session)
    return added


DEMO_USAGE_KEY = "demo-seed"
DEMO_USAGE_DAYS = (2, 9, 20)  # each interface's demo calls fall on these days before today


def seed_usage(session: Session) -> int:
    """The calls of the last weeks, reported through the usage ingest as the platform would (once): interfaces.csv
    says how many calls each interface had in 30 days. Returns the records stored."""
    platform = session.scalar(select(Person).where(Person.account_kind == AccountKind.PLATFORM))
    if platform is None or session.scalar(
        select(UsageBatch.id).where(UsageBatch.person_id == platform.id, UsageBatch.idempotency_key == DEMO_USAGE_KEY)
    ):
        return 0
    providers = dict(session.execute(select(Resource.code, Resource.provider_unit_id)).all())
    units = [u for u in session.scalars(select(Unit).order_by(Unit.code)) if u.active]
    records, now = [], clock.now()
    for n, row in enumerate(read_csv("interfaces.csv")):
        total = int(row["calls_30_days"])
        user = next(u for u in units[n % len(units) :] + units if u.id != providers[row["resource_code"]])
        for part, days in enumerate(DEMO_USAGE_DAYS):
            count = total // len(DEMO_USAGE_DAYS) + (total % len(DEMO_USAGE_DAYS) if part == 0 else 0)
            records.append(
                {
                    "id": f"demo-{row['code']}-{part}",
                    "unit_code": user.code,
                    "resource_code": row["resource_code"],
                    "interface_code": row["code"],
                    "at": (now - timedelta(days=days)).isoformat(),
                    "call_type": "interface",
                    "count": count,
                    "failed": count // 200,
                    "scenario": row["business_scenarios"].split(";")[0],
                }
            )
    report = usage_ingest.ingest(session, platform, DEMO_USAGE_KEY, DEMO_USAGE_KEY, records, [], UsageSource.PLATFORM)
    return report.accepted


def _demo_resource(row: dict, unit_id: int) -> Resource:
    return Resource(
        code=row["code"],
        name=row["name"],
        provider_unit_id=unit_id,
        category_class=CategoryClass.parse(row["category_class"]),
        category_path=row["category_path"],
        summary=row["summary"],
        format=ResourceFormat.parse(row["format"]),
        share_type=ShareType.parse(row["share_type"]),
        share_condition=row["share_condition"],
        share_method=ShareMethod.parse(row["share_method"]),
        open_type=OpenType.parse(row["open_type"]),
        update_cycle=UpdateCycle.parse(row["update_cycle"]),
        sensitivity=Sensitivity.parse(row["sensitivity"]),
        published_on=date.fromisoformat(row["published_on"]),
        status=ResourceStatus.PUBLISHED,
        revision=1,
        updated_at=clock.now(),
    )


def seed_demands(session: Session) -> int:
    """The demo supply-demand list; the out-of-catalog rows start their coordination (idempotent)."""
    if session.scalar(select(Demand.id).limit(1)) is not None:
        return 0
    units = {u.code: u.id for u in session.scalars(select(Unit))}
    rows = read_csv("demands.csv")
    for row in rows:
        demands.record_demand(
            session,
            None,
            units[row["requesting_unit_code"]],
            row["wanted_data"],
            row["scenario"],
            row["resource_code"] if row["in_catalog"] == "yes" else "",
        )
    return len(rows)


# Two fictional incidents recorded by the bureau's section chief: one still being handled, one handled.
DEMO_INCIDENTS = [
    (
        "rsj",
        12,
        "窗口工作人员在办理社保补贴时，将打印的核验结果留在公共打印机上约半小时，被其他办事群众看到",
        "姓名、公民身份号码、参保状态，1 条",
        "当即收回打印件并粉碎；窗口打印改为本人刷卡取件；对工作人员进行提醒谈话",
        "已处置：打印机改为刷卡取件，已组织窗口人员学习数据安全要求",
    ),
    (
        "scj",
        3,
        "业务科室将市场主体核验结果导出到个人 U 盘带回家中整理，违反本单位数据不出内网的规定",
        "企业名称、统一社会信用代码、法定代表人姓名，约 200 条",
        "已收回 U 盘并删除数据；责成科室写出书面说明；全局开展一次数据安全检查",
        "",
    ),
]


def seed_incidents(session: Session) -> int:
    """Demo 安全事件, so that the list, the workbench count and an incident's history show something (idempotent)."""
    if session.scalar(select(Incident.id).limit(1)) is not None:
        return 0
    lina = session.scalar(select(Person).where(Person.username == "lina"))
    units = {u.code: u.id for u in session.scalars(select(Unit))}
    for code, days_ago, account, data_affected, measures, handled in DEMO_INCIDENTS:
        if code not in units or lina is None:
            return 0
        incident = incidents.record_incident(
            session,
            lina,
            {
                "unit_id": units[code],
                "occurred_on": (clock.today() - timedelta(days=days_ago)).isoformat(),
                "account": account,
                "data_affected": data_affected,
                "measures": measures,
            },
        )
        if handled:
            incidents.change_status(session, lina, incident.id, {"status": "handled", "note": handled})
    return len(DEMO_INCIDENTS)
