"""Shared steps of the organisation tests: a review waiting at 县公安局, and the administrators' scopes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.helpers import deploy_test_process, person
from tests.helpers import complete, start_case
from workflows.organisation.scope import AdminScope

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def review_waiting(sessions):
    """A three-step case whose 审核 task waits for 县公安局's reviewers (huangtao, sunhong); returns the case id."""
    deploy_test_process(sessions)
    with time_machine.travel(datetime(2026, 2, 16, 9, 0, tzinfo=SH), tick=False):
        case = start_case(sessions)
        complete(sessions, case, "machao", {"purpose": "核对"})
    return case


def scope_of(session, username: str) -> AdminScope:
    return AdminScope.of(person(session, username))
