"""The grant's status as of a day: one rule, read by pages, the API and the lists (no database needed)."""

from datetime import date

import pytest

from workflows.models import Grant, GrantStatus


@pytest.mark.parametrize(
    "stored, until, today, shown",
    [
        ("active", date(2027, 2, 13), date(2027, 2, 13), GrantStatus.ACTIVE),  # the last day still authorises
        ("active", date(2027, 2, 13), date(2027, 2, 14), GrantStatus.EXPIRED),  # past it, even before the sweep
        ("revoked", date(2027, 2, 13), date(2026, 3, 1), GrantStatus.REVOKED),  # a revocation is never hidden
        ("expired", date(2027, 2, 13), date(2027, 3, 1), GrantStatus.EXPIRED),
    ],
)
def test_a_grant_past_its_last_day_reads_as_expired_and_nothing_else_changes(stored, until, today, shown):
    assert Grant(status=stored, valid_until=until).effective_status(today) == shown
