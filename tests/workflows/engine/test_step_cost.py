"""A step writes what it must and reads each row once: statements are counted (never timed) for each step of a case.

The ceilings are today's counts: a step that starts reading its task or its process version again, or writes a
message per recipient instead of per table, fails here.
"""

from __future__ import annotations

import contextlib
import re
from datetime import datetime

import pytest
import time_machine
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.helpers import SH, deploy_test_process, open_task, person, unit
from workflows import engine
from workflows.engine import sweep


@pytest.fixture
def process(sessions):
    deploy_test_process(sessions)
    with time_machine.travel(datetime(2026, 2, 16, 9, 0, tzinfo=SH), tick=False):
        yield sessions


@contextlib.contextmanager
def counting():
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith(("BEGIN", "SAVEPOINT", "RELEASE")):  # how the test isolates itself, not the step
            statements.append(re.sub(r"\s+", " ", statement))

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", count)


def _reads(statements: list[str], table: str) -> int:
    return sum(1 for s in statements if s.startswith("SELECT") and re.search(rf"\bFROM {table}\b", s))


def test_starting_a_case_inserts_it_once_with_its_state_and_notifies_in_one_insert_per_table(process):
    with process.begin() as s:
        actor, applicant_unit, provider = person(s, "machao"), unit(s, "mzj"), unit(s, "gaj")
        with counting() as statements:
            engine.start(
                s,
                "three_step",
                actor.id,
                applicant_unit.id,
                {"provider_unit_id": provider.id, "submitted_at": "2026-02-13T10:00:00+08:00"},
            )
    assert not [s for s in statements if s.startswith("UPDATE process_instance")]  # inserted complete, not patched
    assert sum(s.startswith("INSERT INTO notification") for s in statements) <= 1
    assert sum(s.startswith("INSERT INTO outbox_email") for s in statements) <= 1
    assert len(statements) <= 8, statements


def test_completing_a_task_reads_the_task_and_the_process_version_once(process):
    with process.begin() as s:
        case = engine.start(
            s,
            "three_step",
            person(s, "machao").id,
            unit(s, "mzj").id,
            {"provider_unit_id": unit(s, "gaj").id, "submitted_at": "2026-02-13T10:00:00+08:00"},
        ).id
    with process.begin() as s:
        task_id = open_task(s, case).id
        s.expunge_all()  # a new request knows only the task's id
        actor = person(s, "machao")
        _ = list(actor.memberships)  # the signed-in person and their roles, loaded by every request anyway
        with counting() as statements:
            engine.complete_task(s, task_id, actor, {"purpose": "最低生活保障家庭经济状况核对"})
    assert _reads(statements, "process_version") == 0  # joined to the task's first read, then reused
    assert _reads(statements, "human_task") == 2  # the task, then the case's open tasks once it is locked
    assert sum(s.startswith("INSERT INTO notification") for s in statements) == 1
    assert len(statements) <= 11, statements


def test_the_sweep_reads_each_due_case_once_with_its_state(sessions):
    deploy_test_process(sessions)
    cases = []
    with time_machine.travel(datetime(2026, 2, 13, 10, 0, tzinfo=SH), tick=False):
        for _ in range(3):
            with sessions.begin() as s:
                case = engine.start(
                    s,
                    "three_step",
                    person(s, "machao").id,
                    unit(s, "mzj").id,
                    {"provider_unit_id": unit(s, "gaj").id, "submitted_at": "2026-02-13T10:00:00+08:00"},
                ).id
            with sessions.begin() as s:
                engine.complete_task(s, open_task(s, case).id, person(s, "machao"), {"purpose": "核对"})
            cases.append(case)
    with time_machine.travel(datetime(2026, 2, 27, 0, 1, tzinfo=SH), tick=False), counting() as statements:
        assert sweep.sweep(sessions).fired == 3
    assert _reads(statements, "process_instance") == 1  # the due cases with their state, in one query
    assert len(statements) <= 1 + 10 * len(cases), statements
