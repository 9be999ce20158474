"""Anomalies found at ingest: calls under no grant, outside the grant's life, under another scenario, on more days
than the declared frequency, or far above the grant's recent days; listed on the unit's usage page."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.helpers import COMPANY_CHECKS, at, login, person
from workflows.models import AnomalyKind, UsageAnomaly
from workflows.sharing import grants
from workflows.usage import ingest


@pytest.fixture
def granted(api) -> int:
    """县民政局's grant on the company register, declared weekly, from 13 February 2026."""
    return api.apply(**COMPANY_CHECKS)["grant"]["id"]


def send(sessions, key: str, records: list[dict], now: str = "2026-03-20T10:00:00") -> None:
    with at(now), sessions.begin() as s:
        ingest.ingest_json(s, person(s, "platform"), key, json.dumps({"records": records}).encode())


def record(n: int, day: str, **extra) -> dict:
    return {"id": f"a-{n}", "at": f"{day}T09:00:00+08:00", "call_type": "interface", "count": 10} | extra


def found(sessions) -> dict[str, UsageAnomaly]:
    with sessions() as s:
        return {  # the demo's own calls (under no grant, months away) are not these tests'
            a.kind.value: a for a in s.scalars(select(UsageAnomaly)) if any(k.startswith("a-") for k in a.record_keys)
        }


def test_a_call_under_no_grant_is_an_anomaly_naming_its_records(api):
    send(api.sessions, "k", [record(1, "2026-03-19", unit_code="mzj", resource_code="XY-GA-001")])
    anomaly = found(api.sessions)["no_grant"]
    assert anomaly.record_keys == ["a-1"] and anomaly.calls == 10


def test_a_call_after_the_revocation_or_under_another_scenario_is_an_anomaly(api, granted):
    with at("2026-03-18T10:00:00"), api.sessions.begin() as s:
        grants.revoke(s, person(s, "zhenghui"), granted, "发现超出应用场景使用，依约撤销授权")
    send(api.sessions, "k", [record(1, "2026-03-19", grant_id=granted, scenario="房屋租赁备案")])
    kinds = found(api.sessions)
    assert set(kinds) == {"grant_inactive", "scenario"}
    assert "revoked_at" in kinds["grant_inactive"].details


def test_on_the_day_of_the_revocation_only_the_calls_after_it_are_an_anomaly(api, granted):
    with at("2026-03-19T12:00:00"), api.sessions.begin() as s:
        grants.revoke(s, person(s, "zhenghui"), granted, "发现超出应用场景使用，依约撤销授权")
    before = record(1, "2026-03-19", grant_id=granted) | {"at": "2026-03-19T11:00:00+08:00", "count": 7}
    after = [record(n, "2026-03-19", grant_id=granted) | {"at": f"2026-03-19T1{n}:00:00+08:00"} for n in (3, 4)]
    send(api.sessions, "k", [before, *after])
    inactive = found(api.sessions)["grant_inactive"]
    assert sorted(inactive.record_keys) == ["a-3", "a-4"] and inactive.calls == 20


def test_a_day_of_calls_under_no_grant_is_one_anomaly_with_the_calls_summed_and_twenty_ids_named(api):
    calls = [record(n, "2026-03-19", unit_code="mzj", resource_code="XY-GA-001", count=n) for n in range(1, 31)]
    send(api.sessions, "k", calls)
    anomaly = found(api.sessions)["no_grant"]
    assert anomaly.calls == sum(range(1, 31)) and len(anomaly.record_keys) == 20


def test_calls_on_more_days_than_a_weekly_grant_allows_are_an_anomaly(api, granted):
    send(api.sessions, "k", [record(n, f"2026-03-{n:02d}", grant_id=granted) for n in range(1, 9)])
    assert "frequency" not in found(api.sessions)  # 8 days in 30: a weekly use, just
    send(api.sessions, "k2", [record(9, "2026-03-09", grant_id=granted)])
    anomaly = found(api.sessions)["frequency"]
    assert anomaly.details == {"frequency": "weekly", "days": 9, "allowed_days": 8}


def test_a_day_far_above_the_grant_s_recent_days_is_a_jump(api, granted):
    quiet = [record(n, f"2026-03-{n:02d}", grant_id=granted, count=10) for n in range(12, 15)]
    send(api.sessions, "k", quiet)
    send(api.sessions, "k2", [record(20, "2026-03-15", grant_id=granted, count=40)])
    assert "jump" not in found(api.sessions)
    send(api.sessions, "k3", [record(21, "2026-03-16", grant_id=granted, count=500)])
    jump = found(api.sessions)["jump"]
    assert jump.calls == 500 and jump.record_keys == ["a-21"] and jump.kind == AnomalyKind.JUMP


def test_the_unit_s_usage_page_lists_its_anomalies_in_words(app, api, granted):
    send(api.sessions, "k", [record(1, "2026-03-19", grant_id=granted, scenario="房屋租赁备案")])
    client = app.test_client()
    with at("2026-03-20T10:00:00"):
        login(client, "zhenghui")  # the provider sees it too
        page = client.get("/usage/").get_data(as_text=True)
    assert "应用场景与授权不符" in page and "房屋租赁备案" in page and "a-1" in page
