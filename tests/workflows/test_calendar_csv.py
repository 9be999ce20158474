"""The calendar CSV: every field of an imported line is checked with its line number; exported cells never run."""

import pytest

from tests.helpers import SCHEDULE_2027_AFTER_NEW_YEAR as SCHEDULE
from workflows import calendar
from workflows.errors import ValidationFailed

HEADER = "date,kind,name\n"


def problems(db, text: str, year: int = 2027) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        calendar.import_year_csv(db, year, HEADER + text, None)
    return caught.value.details


@pytest.mark.parametrize(
    "line, problem",
    [
        ("2027/01/01,holiday,元旦", "第2行：日期“2027/01/01”不是有效日期，请按 2026-12-31 的格式填写"),
        ("20270101,holiday,元旦", "第2行：日期“20270101”不是有效日期，请按 2026-12-31 的格式填写"),
        ("２０２７-01-01,holiday,元旦", "第2行：日期“２０２７-01-01”不是有效日期，请按 2026-12-31 的格式填写"),
        (
            "2027-02-30,holiday,元旦",
            "第2行：日期“2027-02-30”不是存在的日期，请核对年、月、日后按 2026-12-31 的格式填写",
        ),
        ("2026-12-31,holiday,元旦", "第2行：日期 2026-12-31 不属于 2027 年"),
        (
            "2027-01-01,party,元旦",
            "第2行：类型应为 workday/rest/holiday/makeup_workday（工作日/休息日/法定节假日/调休上班）之一",
        ),
        ("2027-01-04,makeup_workday,春节调休", "第2行：2027-01-04 是星期一，调休上班日应为星期六或星期日"),
        ("2027-01-01,holiday," + "元" * 41, "第2行：名称：不能超过 40 个字（现有 41 个字），请精简后重新提交"),
        ("2027-01-01,holiday,元\x07旦", "第2行：名称含有不可见的控制字符，请删除"),
        (
            "2027-" + "1" * 200 + ",holiday,元旦",
            "第2行：日期“2027-111111111111111…”不是有效日期，请按 2026-12-31 的格式填写",
        ),
    ],
)
def test_each_kind_of_bad_field_is_named_with_its_line(db, line, problem):
    assert problems(db, line + "\n") == [problem]


def test_a_repeated_date_names_the_second_line(db):
    assert problems(db, "2027-01-01,holiday,元旦\n2027-01-01,rest,\n") == ["第3行：日期 2027-01-01 重复"]


def test_a_file_longer_than_a_year_is_refused_at_its_400th_line(db):
    text = "".join("2027-01-01,holiday,元旦\n" if n == 0 else "\n" for n in range(1000))
    assert problems(db, text) == ["第401行：文件超过 400 行，一年最多 366 天，请只保留该年的日期"]


def test_a_nul_byte_in_a_name_is_a_problem_not_a_crash(db):
    assert problems(db, "2027-01-01,holiday,元\x00旦\n") == ["第2行：名称含有不可见的控制字符，请删除"]


def test_a_field_the_csv_reader_cannot_hold_is_a_problem_not_a_crash(db):
    assert problems(db, "2027-01-01,holiday," + "元" * 200_000 + "\n") == [
        "第2行：无法读取（含有空字符或过长的内容），请检查后另存为“CSV UTF-8”"
    ]


@pytest.mark.parametrize("year", [0, 1999, 2101, 99999])
def test_a_year_outside_2000_to_2100_is_refused_for_import_and_export(db, year):
    with pytest.raises(ValidationFailed) as caught:
        calendar.export_year_csv(db, year)
    assert caught.value.message == f"没有 {year} 年的作息安排"
    assert caught.value.details == ["年份：应在 2000–2100 之间，请检查后重试"]
    assert problems(db, "", year) == ["年份：应在 2000–2100 之间，请检查后重试"]


def test_a_name_that_starts_a_formula_is_exported_quoted_and_imports_back_unchanged(db):
    calendar.import_year_csv(
        db,
        2027,
        HEADER + '2027-01-01,holiday,"=HYPERLINK(""http://evil.example"")"\n'
        "2027-01-02,holiday,@SUM(1)\n2027-01-03,holiday,-1+1\n" + SCHEDULE,
        None,
    )
    exported = calendar.export_year_csv(db, 2027)
    assert '2027-01-01,holiday,"\'=HYPERLINK(""http://evil.example"")"' in exported
    assert "2027-01-02,holiday,'@SUM(1)" in exported and "2027-01-03,holiday,'-1+1" in exported
    calendar.import_year_csv(db, 2027, exported, None)
    assert calendar.export_year_csv(db, 2027) == exported
