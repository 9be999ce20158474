"""Working-day calendar: holidays and make-up days from an editable table, add_working_days."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, extract, func, insert, select
from sqlalchemy.orm import Session

from workflows import audit, clock, inputs, spreadsheets
from workflows.audit_text import Events
from workflows.errors import ValidationFailed
from workflows.models import CalendarDay, DayKind

PACKAGE_SOURCE = "chinesecalendar"
ADMIN_SOURCE = "管理员导入"
SOURCE_LABELS = {PACKAGE_SOURCE: "国务院办公厅节假日安排（随系统发布）", ADMIN_SOURCE: ADMIN_SOURCE}


AUDIT_EVENTS = Events(
    actions={"calendar:imported": "导入作息安排"},
    subjects={"calendar": "工作日历"},
    subject_names={"calendar": lambda year: f"{year} 年工作日历"},
    keys={"days": "天数", "year": "年份", "holidays_and_makeup_days": "节假日和调休天数"},
)


def source_label(source: str) -> str:
    """Where a day's kind came from, as a person reads it (the stored value names a package)."""
    return SOURCE_LABELS.get(source or "", "") or ("手工维护" if source else "—")


_CACHE_SECONDS = 300


@dataclass(frozen=True)
class Due:
    day: date
    provisional: bool

    @property
    def at(self) -> datetime:
        return clock.end_of_day(self.day)


class _YearCache:
    """Per-process cache of loaded years; imports clear it, other workers refresh within minutes."""

    def __init__(self):
        self._lock = threading.Lock()
        self._years: dict[tuple[str, int], tuple[float, dict[date, DayKind]]] = {}

    def get(self, session: Session, year: int) -> dict[date, DayKind] | None:
        key = (str(session.get_bind().engine.url), year)
        hit = self._years.get(key)
        if hit and time.monotonic() - hit[0] < _CACHE_SECONDS:
            return hit[1]
        rows = session.execute(
            select(CalendarDay.day, CalendarDay.kind, CalendarDay.provisional).where(
                CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31)
            )
        ).all()
        days = {d: DayKind(k) for d, k, provisional in rows if not provisional} or None
        with self._lock:
            self._years[key] = (time.monotonic(), days)
        return days

    def clear(self):
        with self._lock:
            self._years.clear()


_cache = _YearCache()


def day_kind(session: Session, day: date) -> tuple[DayKind, bool]:
    """The kind of a day and whether it is provisional (its year's schedule is not in the table)."""
    days = _cache.get(session, day.year)
    if days is None or day not in days:
        return (DayKind.REST if day.weekday() >= 5 else DayKind.WORKDAY), True
    return days[day], False


def is_working_day(session: Session, day: date) -> bool:
    return day_kind(session, day)[0].is_working


def first_working_day_from(session: Session, day: date) -> date:
    """The day itself when it is a working day, else the next one: when a month's or a quarter's work begins."""
    while not is_working_day(session, day):
        day += timedelta(days=1)
    return day


def month_start(day: date, offset: int = 0) -> date:
    """The first day of the month `offset` months after the day's (before it when negative)."""
    month = day.year * 12 + day.month - 1 + offset
    return date(month // 12, month % 12 + 1, 1)


def add_working_days(session: Session, start: date, n: int) -> Due:
    """The n-th working day after start (start itself never counts)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    day, counted, provisional = start, 0, False
    while counted < n:
        day += timedelta(days=1)
        kind, day_provisional = day_kind(session, day)
        provisional = provisional or day_provisional
        if kind.is_working:
            counted += 1
    return Due(day, provisional)


def subtract_working_days(session: Session, end: date, n: int) -> Due:
    """The n-th working day before end (end itself never counts): when a reminder N days ahead goes out."""
    if n < 1:
        raise ValueError("n must be at least 1")
    day, counted, provisional = end, 0, False
    while counted < n:
        day -= timedelta(days=1)
        kind, day_provisional = day_kind(session, day)
        provisional = provisional or day_provisional
        if kind.is_working:
            counted += 1
    return Due(day, provisional)


def working_days_after(session: Session, start: datetime | date | str, n: int) -> Due:
    """Due for a period received at an instant: its Shanghai date is the uncounted start day."""
    if isinstance(start, str):
        start = clock.parse_instant(start)
    if isinstance(start, datetime):
        start = clock.local(start).date()
    return add_working_days(session, start, n)


def working_days_between(session: Session, start: date, end: date) -> int:
    """Working days in (start, end]; negative when end is before start."""
    sign = 1
    if end < start:
        start, end, sign = end, start, -1
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(session, day)
    return sign * count


def span_is_provisional(session: Session, start: date, end: date) -> bool:
    return any(_cache.get(session, year) is None for year in range(start.year, end.year + 1))


# --- the table itself -------------------------------------------------------


def covered_years(session: Session) -> list[int]:
    years = session.scalars(select(func.distinct(extract("year", CalendarDay.day)))).all()
    return sorted(int(y) for y in years)


def seed_from_package(session: Session) -> int:
    """Fill every year the chinesecalendar package covers and the table lacks; returns days added."""
    import chinese_calendar

    first, last = _package_years(chinese_calendar)
    have = set(covered_years(session))
    rows = []
    for year in range(first, last + 1):
        if year in have:
            continue
        day = date(year, 1, 1)
        while day.year == year:
            rows.append(_package_row(chinese_calendar, day))
            day += timedelta(days=1)
    if rows:
        session.execute(insert(CalendarDay), rows)
    _cache.clear()
    return len(rows)


def _package_years(chinese_calendar) -> tuple[int, int]:
    years = sorted({d.year for d in chinese_calendar.holidays})
    return years[0], years[-1]


def _package_row(chinese_calendar, day: date) -> dict:
    on_holiday, name = chinese_calendar.get_holiday_detail(day)
    weekend = day.weekday() >= 5
    if not on_holiday:
        kind = DayKind.MAKEUP_WORKDAY if weekend else DayKind.WORKDAY
    else:
        kind = DayKind.HOLIDAY if name else DayKind.REST
    label = HOLIDAY_NAMES.get(name, name or "") if name else ""
    return {"day": day, "kind": kind.value, "name": label, "source": PACKAGE_SOURCE, "provisional": False}


HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def year_days(session: Session, year: int) -> list[dict]:
    """Every day of a year as shown and exported: from the table, or provisional weekends-only."""
    stored = {
        row.day: row
        for row in session.scalars(
            select(CalendarDay).where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
        )
    }
    out, day = [], date(year, 1, 1)
    while day.year == year:
        row = stored.get(day)
        if row:
            out.append(
                {
                    "day": day,
                    "kind": DayKind(row.kind),
                    "name": row.name,
                    "source": row.source,
                    "provisional": row.provisional,
                }
            )
        else:
            out.append(
                {
                    "day": day,
                    "kind": DayKind.REST if day.weekday() >= 5 else DayKind.WORKDAY,
                    "name": "",
                    "source": "",
                    "provisional": True,
                }
            )
        day += timedelta(days=1)
    return out


CSV_HEADER = ["date", "kind", "name"]
FIRST_YEAR, LAST_YEAR = 2000, 2100
NAME_LIMIT = 40  # the table's column
MAX_CSV_LINES = 400  # a year has at most 366 days; a few blank lines are tolerated
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
WEEKDAYS = "一二三四五六日"


def check_year(year: int) -> None:
    """The years the calendar keeps; any other number is a typo, not a schedule."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed([f"年份：应在 {FIRST_YEAR}–{LAST_YEAR} 之间，请检查后重试"], f"没有 {year} 年的作息安排")


def export_year_csv(session: Session, year: int) -> str:
    check_year(year)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_HEADER)
    for d in year_days(session, year):
        writer.writerow([spreadsheets.safe_cell(v) for v in (d["day"].isoformat(), d["kind"].value, d["name"])])
    return buf.getvalue()


# The State Council's yearly schedule: 11 statutory holiday days before 2025, 13 since, with the days around
# them always given as holidays; a file with fewer, or without 春节, is not that schedule.
MIN_HOLIDAY_DAYS = 11
FESTIVALS = ("元旦", "春节", "清明", "劳动节", "端午", "中秋", "国庆")
REQUIRED_FESTIVAL = "春节"


@dataclass
class YearPreview:
    """What an import would change in a year, shown before anything is replaced."""

    year: int
    added: list[dict]  # days that become (or change to another) 法定节假日 / 调休上班
    removed: list[dict]  # days that are 法定节假日 / 调休上班 now and would no longer be
    holidays_before: int
    holidays_after: int
    makeup_before: int
    makeup_after: int
    replaces: str  # the source of the schedule replaced ("" when the year is still provisional)
    warnings: list[str]
    digest: str  # the current year's content: a confirmation of a stale preview is refused

    @property
    def unchanged(self) -> bool:
        return not self.added and not self.removed


def _new_rows(year: int, given: dict) -> list[dict]:
    day, rows = date(year, 1, 1), []
    while day.year == year:
        kind, name = given.get(day, (DayKind.REST if day.weekday() >= 5 else DayKind.WORKDAY, ""))
        rows.append({"day": day, "kind": kind.value, "name": name, "source": ADMIN_SOURCE, "provisional": False})
        day += timedelta(days=1)
    return rows


def _statutory_problems(year: int, rows: list[dict]) -> tuple[list[str], list[str]]:
    """(refusals, warnings) of a year's rows against what every State Council schedule contains."""
    holidays = [r for r in rows if r["kind"] == DayKind.HOLIDAY.value]
    names = "".join(r["name"] for r in holidays)
    refusals = []
    if len(holidays) < MIN_HOLIDAY_DAYS:
        refusals.append(
            f"文件中 {year} 年的法定节假日只有 {len(holidays)} 天，国务院公布的全年安排至少有 "
            f"{MIN_HOLIDAY_DAYS} 天（2025 年起 13 天）：这不是完整的全年安排，未导入"
        )
    if REQUIRED_FESTIVAL not in names:
        refusals.append(
            f"文件中没有名称含“{REQUIRED_FESTIVAL}”的法定节假日：请导入国务院公布的完整全年安排（名称列写明节日）"
        )
    missing = [f for f in FESTIVALS if f != REQUIRED_FESTIVAL and f not in names]
    warnings = [f"文件中没有名称含 {'、'.join(missing)} 的法定节假日，请核对是否遗漏"] if missing else []
    return refusals, warnings


def _exceptional(kind) -> bool:
    return str(getattr(kind, "value", kind)) in (DayKind.HOLIDAY.value, DayKind.MAKEUP_WORKDAY.value)


def _count(days, kind: DayKind) -> int:
    return sum(1 for d in days if str(getattr(d["kind"], "value", d["kind"])) == kind.value)


def year_digest(session: Session, year: int) -> str:
    return hashlib.sha256(export_year_csv(session, year).encode()).hexdigest()[:32]


def preview_year_csv(session: Session, year: int, text: str) -> YearPreview:
    """What importing the file would change, compared with the year as it is; nothing is changed.
    A file that is not a complete statutory schedule is refused here as on import."""
    check_year(year)
    rows = _new_rows(year, _parse_year_csv(year, text))
    refusals, warnings = _statutory_problems(year, rows)
    if refusals:
        raise ValidationFailed(refusals, f"{year} 年作息安排未导入：文件不完整")
    current = {d["day"]: d for d in year_days(session, year)}
    added, removed = [], []
    for row in rows:
        old = current[row["day"]]
        old_kind = DayKind(old["kind"])
        if _exceptional(row["kind"]) and (old_kind.value != row["kind"] or old["name"] != row["name"]):
            added.append(
                {"day": row["day"], "kind": DayKind(row["kind"]).label, "name": row["name"], "before": old_kind.label}
            )
        elif _exceptional(old_kind) and not _exceptional(row["kind"]):
            removed.append(
                {"day": row["day"], "kind": old_kind.label, "name": old["name"], "after": DayKind(row["kind"]).label}
            )
    sources = sorted({d["source"] for d in current.values() if not d["provisional"] and d["source"]})
    preview = YearPreview(
        year,
        added,
        removed,
        _count(current.values(), DayKind.HOLIDAY),
        _count(rows, DayKind.HOLIDAY),
        _count(current.values(), DayKind.MAKEUP_WORKDAY),
        _count(rows, DayKind.MAKEUP_WORKDAY),
        "、".join(source_label(s) for s in sources),
        warnings,
        year_digest(session, year),
    )
    if preview.replaces and preview.holidays_after < preview.holidays_before:
        preview.warnings.append(f"导入后法定节假日将从 {preview.holidays_before} 天减少到 {preview.holidays_after} 天")
    return preview


def import_year_csv(session: Session, year: int, text: str, actor_id: int | None, digest: str | None = None) -> int:
    """Replace a year's schedule from CSV (date,kind,name); all rows are checked before anything changes.

    Dates the file omits are weekdays/weekends by default, so a file may list only the exceptions; a file
    that is not a complete statutory schedule is refused. With digest (the preview's), a year changed since
    the preview is refused.
    """
    check_year(year)
    rows = _new_rows(year, _parse_year_csv(year, text))
    refusals, _warnings = _statutory_problems(year, rows)
    if refusals:
        raise ValidationFailed(refusals, f"{year} 年作息安排未导入：文件不完整")
    if digest is not None and digest != year_digest(session, year):
        raise ValidationFailed(
            [f"{year} 年作息安排在预览之后已被修改，请重新上传文件查看变化后再确认"], f"{year} 年作息安排未导入"
        )
    before = {
        "days": len(
            session.scalars(
                select(CalendarDay.day).where(
                    CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31)
                )
            ).all()
        )
    }
    session.execute(
        delete(CalendarDay).where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
    )
    session.execute(insert(CalendarDay), rows)
    exceptions = sum(1 for r in rows if r["kind"] in ("holiday", "makeup_workday"))
    audit.record(
        session,
        actor_id,
        "calendar",
        year,
        "calendar:imported",
        before,
        {"days": len(rows), "holidays_and_makeup_days": exceptions},
    )
    _cache.clear()
    return len(rows)


def _parse_year_csv(year: int, text: str) -> dict[date, tuple[DayKind, str]]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader, None)
        if not header or [h.strip().lower() for h in header[:2]] != CSV_HEADER[:2]:
            raise ValidationFailed(["第1行：表头应为 date,kind,name（日期,类型,名称）"])
        errors, given = [], {}
        for row in reader:
            if reader.line_num > MAX_CSV_LINES:
                errors.append(
                    f"第{reader.line_num}行：文件超过 {MAX_CSV_LINES} 行，一年最多 366 天，请只保留该年的日期"
                )
                break
            if row and any(cell.strip() for cell in row):
                _parse_row(year, reader.line_num, row, given, errors)
    except csv.Error:
        raise ValidationFailed(
            [f"第{reader.line_num}行：无法读取（含有空字符或过长的内容），请检查后另存为“CSV UTF-8”"]
        ) from None
    if errors:
        raise ValidationFailed(errors)
    return given


def _parse_row(year: int, lineno: int, row: list[str], given: dict, errors: list[str]) -> None:
    """One line's date, kind and name, each checked; problems are added to errors with the line number."""
    where, cell = f"第{lineno}行", row[0].strip()
    if not _ISO_DAY.fullmatch(cell) or not _is_date(cell):
        errors.append(f"{where}：日期{inputs.not_a_day(cell)}")
        return
    day = date.fromisoformat(cell)
    kind = DayKind.parse(row[1] if len(row) > 1 else "")
    name = spreadsheets.typed_cell(row[2].strip()) if len(row) > 2 else ""
    found = [
        f"日期 {day} 不属于 {year} 年" if day.year != year else None,
        f"日期 {day} 重复" if day in given else None,
        "类型应为 workday/rest/holiday/makeup_workday（工作日/休息日/法定节假日/调休上班）之一"
        if kind is None
        else None,
        f"{day} 是星期{WEEKDAYS[day.weekday()]}，调休上班日应为星期六或星期日"
        if kind == DayKind.MAKEUP_WORKDAY and day.weekday() < 5
        else None,
        inputs.too_long("名称", name, NAME_LIMIT),
        "名称含有不可见的控制字符，请删除" if inputs.has_control_characters(name) else None,
    ]
    errors += [f"{where}：{problem}" for problem in found if problem]
    if kind is not None:
        given[day] = (kind, name)


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
