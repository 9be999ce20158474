"""考核期间: a month (2026-11), a quarter (2026-Q4) or a year (2026), as the scorecard and its API take them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from workflows import clock
from workflows.calendar import month_start
from workflows.errors import ValidationFailed

QUARTERS = "一二三四"


@dataclass(frozen=True)
class Period:
    key: str  # 2026-11, 2026-Q4 or 2026
    label: str
    start: date
    end: date  # the day after the last

    @property
    def start_at(self) -> datetime:
        return clock.start_of_day(self.start)

    @property
    def end_at(self) -> datetime:
        return clock.start_of_day(self.end)

    def closed(self, today: date) -> bool:
        return today >= self.end


def month_key(day: date) -> str:
    """2026-11: the key of the month a day is in, as periods, reports and charts name it."""
    return f"{day.year}-{day.month:02d}"


def quarter_key(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def parse_period(text: str | None) -> Period:
    """2026-11 (a month), 2026-Q4 (a quarter) or 2026 (a year); blank is the current month."""
    typed = (text or "").strip()
    text = typed.upper()
    if not text:
        text = month_key(clock.today())
    if (found := re.fullmatch(r"(20\d\d)-(0[1-9]|1[0-2])", text)) is not None:
        year, month = int(found[1]), int(found[2])
        return Period(text, f"{year}年{month}月", date(year, month, 1), month_start(date(year, month, 1), 1))
    if (found := re.fullmatch(r"(20\d\d)-Q([1-4])", text)) is not None:
        year, quarter = int(found[1]), int(found[2])
        first = 3 * quarter - 2
        label = f"{year}年第{QUARTERS[quarter - 1]}季度"
        return Period(text, label, date(year, first, 1), month_start(date(year, first, 1), 3))
    if re.fullmatch(r"20\d\d", text):
        year = int(text)
        return Period(text, f"{year}年", date(year, 1, 1), date(year + 1, 1, 1))
    raise ValidationFailed(
        [f"考核期间：“{typed[:20]}”不是有效期间，请按 2026-11（月）、2026-Q4（季度）或 2026（年）填写"],
        "考核期间有误",
    )
