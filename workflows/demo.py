"""Loads the fictional demo units, people, roles and responsible persons shipped in workflows/seed/."""
from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import audit
from workflows.models import Person, Responsibility, RoleMembership, Unit
from workflows.passwords import hash_password

SEED_DIR = Path(__file__).parent / "seed"
DEMO_PASSWORD = "Demo@2026"


def read_csv(name: str) -> list[dict]:
    with open(SEED_DIR / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def seed_org(session: Session, password: str = DEMO_PASSWORD) -> dict[str, int]:
    """Idempotent: units and people already present (by code/username) are left as they are."""
    units = {u.code: u for u in session.scalars(select(Unit))}
    added = {"units": 0, "people": 0}
    for row in read_csv("units.csv"):
        if row["code"] not in units:
            units[row["code"]] = Unit(code=row["code"], name=row["name"], short_name=row["short_name"],
                                      kind=row["kind"], credit_code=row["credit_code"])
            session.add(units[row["code"]])
            added["units"] += 1
    session.flush()
    existing = set(session.scalars(select(Person.username)))
    shared_hash = hash_password(password)  # one hash for all demo people keeps seeding fast
    for row in read_csv("people.csv"):
        if row["username"] in existing:
            continue
        unit = units[row["unit_code"]]
        person = Person(username=row["username"], display_name=row["display_name"], unit_id=unit.id,
                        position=row["position"], password_hash=shared_hash,
                        email=f"{row['username']}@xiayi.gov.example")
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
