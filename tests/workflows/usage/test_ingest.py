"""The usage ingest as a service: a record counted once however often and however concurrently it is sent, the
rollups equal to the raw records, old raw records purged while the rollups stay."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.helpers import at, person, race
from workflows import clock
from workflows.models import UsageDaily, UsageRecord, UsageSource
from workflows.usage import ingest, retention

TRIALS = 10 if os.environ.get("TEST_DATABASE_URL") else 3


def records(first: int, last: int, day: str = "2026-02-13T09:00:00+08:00") -> list[dict]:
    return [
        {
            "id": f"r-{n:06d}",
            "unit_code": "mzj",
            "resource_code": "XY-GA-001",
            "interface_code": "IF-001",
            "at": day,
            "call_type": "interface",
            "count": 3,
            "failed": 1,
        }
        for n in range(first, last)
    ]


def send(session, key: str, batch: list[dict]) -> ingest.Report:
    body = json.dumps({"records": batch}).encode()
    return ingest.ingest_json(session, person(session, "platform"), key, body)


def totals(sessions) -> tuple[int, int, int, int]:
    with sessions() as s:
        raw = s.scalar(select(func.count()).select_from(UsageRecord).where(UsageRecord.record_key.like("r-%")))
        count, failed, rows = s.execute(
            select(func.sum(UsageDaily.count), func.sum(UsageDaily.failed), func.sum(UsageDaily.records)).where(
                UsageDaily.day == clock.today()
            )
        ).one()
        return raw, int(count or 0), int(failed or 0), int(rows or 0)


def test_the_daily_rollup_adds_up_the_records_of_each_day_and_kind(sessions, demo_catalog):
    with at("2026-02-13T10:00:00"), sessions.begin() as s:
        send(s, "a", records(0, 10))
        send(s, "b", records(10, 12, day="2026-02-12T23:30:00+08:00"))
    with at("2026-02-13T10:00:00"):
        assert totals(sessions) == (12, 30, 10, 10)  # the two of the 12th are on the 12th, Shanghai time


def test_a_person_of_a_unit_cannot_report_as_the_platform(sessions, demo_catalog):
    with pytest.raises(ingest.Forbidden), sessions.begin() as s:
        ingest.ingest_json(s, person(s, "machao"), "k", b'{"records": []}')


@pytest.mark.parametrize("trial", range(TRIALS))
def test_two_identical_batches_at_once_count_once_and_get_the_same_answer(committing_sessions, trial):
    from workflows import demo

    with committing_sessions.begin() as s:
        demo.seed_catalog(s)
    batch = records(0, 300)
    answers = []

    def sender(s):
        answers.append(send(s, "same-key", batch).answer())

    with at("2026-02-13T10:00:00"):
        outcomes = race(committing_sessions, sender, sender)
        assert outcomes == ["ok", "ok"]
        assert answers[0] == answers[1] and answers[0]["accepted"] == 300
        assert totals(committing_sessions) == (300, 900, 300, 300)


@pytest.mark.parametrize("trial", range(TRIALS))
def test_two_overlapping_batches_at_once_count_each_record_once_without_a_deadlock(committing_sessions, trial):
    from workflows import demo

    with committing_sessions.begin() as s:
        demo.seed_catalog(s)
    answers = []

    def first(s):
        answers.append(send(s, "first", records(0, 200)).answer())

    def second(s):
        answers.append(send(s, "second", list(reversed(records(100, 300)))).answer())

    with at("2026-02-13T10:00:00"):
        assert race(committing_sessions, first, second) == ["ok", "ok"]
        assert sum(a["accepted"] for a in answers) == 300 and sum(a["duplicates"] for a in answers) == 100
        assert totals(committing_sessions) == (300, 900, 300, 300)


def test_old_raw_records_are_purged_and_their_rollups_stay(sessions, demo_catalog):
    with at("2026-02-13T10:00:00"), sessions.begin() as s:
        send(s, "old", records(0, 5))
    with at("2027-04-01T10:00:00"), sessions.begin() as s:
        assert retention.forget_old_records(s, timedelta(days=400)) == 5
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(UsageRecord).where(UsageRecord.record_key.like("r-%"))) == 0
        kept = s.scalar(select(func.sum(UsageDaily.count)).where(UsageDaily.day == date(2026, 2, 13)))
        assert kept == 15


def test_an_upload_keeps_its_unit_s_record_ids_apart_from_the_platform_s(sessions, demo_catalog):
    with at("2026-02-13T10:00:00"), sessions.begin() as s:
        send(s, "p", records(0, 1))
        lina = person(s, "lina")
        digest = hashlib.sha256(b"upload").hexdigest()
        report = ingest.ingest(s, lina, digest, digest, records(0, 1), [], UsageSource.UPLOAD, "zwfw/")
        assert (report.accepted, report.duplicates) == (1, 0)
