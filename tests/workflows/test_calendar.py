"""Working days follow the State Council schedule, including make-up Saturdays and Sundays."""

from datetime import date, datetime, timezone

import pytest

from tests.helpers import SCHEDULE_2027_AFTER_NEW_YEAR as SCHEDULE
from workflows import calendar
from workflows.errors import ValidationFailed
from workflows.models import DayKind


def due(db, start: str, n: int) -> str:
    return calendar.add_working_days(db, date.fromisoformat(start), n).day.isoformat()


@pytest.mark.parametrize(
    "start, five, ten",
    [
        ("2026-02-13", "2026-02-27", "2026-03-05"),  # Spring Festival, make-up Saturdays 02-14 and 02-28
        ("2026-04-30", "2026-05-11", "2026-05-18"),  # Labour Day, make-up Saturday 05-09
        ("2026-09-30", "2026-10-13", "2026-10-20"),  # National Day, make-up Saturday 10-10
        ("2025-12-31", "2026-01-08", "2026-01-15"),  # New Year, make-up Sunday 01-04
        ("2026-06-18", "2026-06-26", "2026-07-03"),  # Dragon Boat Festival on a Friday
    ],
)
def test_due_dates_match_the_worked_examples(db, start, five, ten):
    assert due(db, start, 5) == five
    assert due(db, start, 10) == ten


def test_the_make_up_saturday_before_spring_festival_is_counted_as_a_working_day(db):
    assert due(db, "2026-02-13", 1) == "2026-02-14"
    assert due(db, "2026-02-13", 2) == "2026-02-24"


def test_a_start_on_a_make_up_saturday_is_not_counted(db):
    assert due(db, "2026-02-14", 1) == "2026-02-24"


def test_an_ordinary_week_skips_only_the_weekend(db):
    assert due(db, "2026-03-09", 5) == "2026-03-16"
    assert due(db, "2026-03-13", 1) == "2026-03-16"


def test_a_start_on_a_holiday_counts_from_the_next_working_day(db):
    assert due(db, "2026-10-03", 1) == "2026-10-08"
    assert due(db, "2026-10-03", 5) == "2026-10-13"  # same as from 09-30: the rest days add nothing


def test_a_period_ends_at_midnight_shanghai_time(db):
    result = calendar.add_working_days(db, date(2026, 2, 13), 5)
    assert result.at == datetime(2026, 2, 27, 15, 59, 59, tzinfo=timezone.utc)
    assert result.provisional is False


def test_a_period_received_late_in_the_evening_counts_from_the_shanghai_date(db):
    # 2026-02-12 20:00 UTC is already Friday 02-13 04:00 in Shanghai.
    result = calendar.working_days_after(db, "2026-02-12T20:00:00+00:00", 5)
    assert result.day == date(2026, 2, 27)


def test_a_2027_date_is_provisional_until_its_schedule_is_entered(db):
    assert calendar.day_kind(db, date(2027, 3, 1)) == (DayKind.WORKDAY, True)
    crossing = calendar.add_working_days(db, date(2026, 12, 28), 5)
    assert crossing.provisional is True
    assert crossing.day == date(2027, 1, 4)  # weekends only: 12-29,30,31, 01-01, 01-04
    assert calendar.add_working_days(db, date(2026, 12, 1), 5).provisional is False


def test_importing_a_year_makes_it_official_and_its_holidays_count(db):
    csv_text = "date,kind,name\n2027-01-01,holiday,元旦\n2027-01-02,法定节假日,元旦\n2027-01-03,rest,\n" + SCHEDULE
    calendar.import_year_csv(db, 2027, csv_text, None)
    db.flush()
    result = calendar.add_working_days(db, date(2026, 12, 28), 5)
    assert result.provisional is False
    assert result.day == date(2027, 1, 5)  # 01-01 is now a holiday
    assert calendar.day_kind(db, date(2027, 1, 2)) == (DayKind.HOLIDAY, False)


def test_a_bad_calendar_file_is_rejected_whole_with_line_numbers(db):
    before = calendar.export_year_csv(db, 2026)
    bad = "date,kind,name\n2026-10-01,holiday,国庆节\n2026-13-01,holiday,x\n2025-10-02,holiday,y\n2026-10-03,party,z\n"
    with pytest.raises(ValidationFailed) as caught:
        calendar.import_year_csv(db, 2026, bad, None)
    details = " ".join(caught.value.details)
    assert "第3行" in details and "第4行" in details and "第5行" in details
    assert calendar.export_year_csv(db, 2026) == before


def test_export_then_import_gives_the_same_year(db):
    exported = calendar.export_year_csv(db, 2026)
    calendar.import_year_csv(db, 2026, exported, None)
    db.flush()
    assert calendar.export_year_csv(db, 2026) == exported
    assert due(db, "2026-02-13", 5) == "2026-02-27"


def test_a_year_file_without_the_statutory_holidays_is_refused_and_changes_nothing(db):
    before = calendar.export_year_csv(db, 2027)
    with pytest.raises(ValidationFailed) as only_new_year:
        calendar.import_year_csv(db, 2027, "date,kind,name\n2027-01-01,holiday,元旦\n", None)
    assert only_new_year.value.message == "2027 年作息安排未导入：文件不完整"
    assert only_new_year.value.details[0].startswith(
        "文件中 2027 年的法定节假日只有 1 天，国务院公布的全年安排至少有 11 天"
    )
    no_spring_festival = "date,kind,name\n" + SCHEDULE.replace("春节", "假期")
    with pytest.raises(ValidationFailed) as caught:
        calendar.preview_year_csv(db, 2027, no_spring_festival)
    assert caught.value.details == [
        "文件中没有名称含“春节”的法定节假日：请导入国务院公布的完整全年安排（名称列写明节日）"
    ]
    assert calendar.export_year_csv(db, 2027) == before


def test_the_preview_lists_the_days_added_and_removed_against_the_current_year_and_changes_nothing(db):
    before = calendar.export_year_csv(db, 2026)
    assert "2026-10-07,holiday,国庆节" in before and "2026-12-31,workday,\r\n" in before
    edited = before.replace("2026-10-07,holiday,国庆节", "2026-10-07,rest,").replace(  # 国庆 one day shorter
        "2026-12-31,workday,", "2026-12-31,holiday,跨年"
    )
    preview = calendar.preview_year_csv(db, 2026, edited)
    assert [(d["day"], d["kind"], d["name"]) for d in preview.added] == [(date(2026, 12, 31), "法定节假日", "跨年")]
    assert [d["day"] for d in preview.removed] == [date(2026, 10, 7)] and preview.replaces
    assert preview.holidays_after == preview.holidays_before
    assert calendar.export_year_csv(db, 2026) == before
    calendar.import_year_csv(db, 2026, edited, None, preview.digest)
    assert calendar.day_kind(db, date(2026, 12, 31)) == (DayKind.HOLIDAY, False)


def test_a_confirmation_of_a_preview_that_went_stale_is_refused(db):
    preview = calendar.preview_year_csv(db, 2027, "date,kind,name\n" + SCHEDULE)
    assert preview.replaces == "" and preview.warnings == ["文件中没有名称含 元旦 的法定节假日，请核对是否遗漏"]
    calendar.import_year_csv(db, 2027, "date,kind,name\n2027-01-01,holiday,元旦\n" + SCHEDULE, None)
    with pytest.raises(ValidationFailed) as caught:
        calendar.import_year_csv(db, 2027, "date,kind,name\n" + SCHEDULE, None, preview.digest)
    assert caught.value.details == ["2027 年作息安排在预览之后已被修改，请重新上传文件查看变化后再确认"]
    assert calendar.day_kind(db, date(2027, 1, 1)) == (DayKind.HOLIDAY, False)
