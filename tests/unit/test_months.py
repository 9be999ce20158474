"""Months as the scorecard, the reports and the charts count them: across a year's end, forwards and back."""

from datetime import date

import pytest

from workflows.calendar import month_start
from workflows.supervision.periods import month_key, parse_period, quarter_key


@pytest.mark.parametrize(
    "day, offset, first",
    [
        (date(2026, 12, 7), 0, date(2026, 12, 1)),
        (date(2026, 12, 31), 1, date(2027, 1, 1)),
        (date(2027, 1, 15), -1, date(2026, 12, 1)),
        (date(2026, 3, 31), -11, date(2025, 4, 1)),
        (date(2026, 2, 28), 12, date(2027, 2, 1)),
    ],
)
def test_a_month_some_months_away_starts_on_its_first_day(day, offset, first):
    assert month_start(day, offset) == first


def test_a_day_names_its_month_and_quarter_as_the_periods_are_typed():
    day = date(2026, 11, 30)
    assert (month_key(day), quarter_key(day)) == ("2026-11", "2026-Q4")
    assert parse_period(month_key(day)).end == date(2026, 12, 1)
    assert parse_period(quarter_key(day)).end == date(2027, 1, 1)
