"""The calendar pages and commands answer absurd years and hostile files in Chinese, never with a 500."""

import io
from datetime import datetime, timezone

import pytest
import time_machine

from tests.helpers import SCHEDULE_2027_AFTER_NEW_YEAR, confirm_calendar_preview, csrf_token, login, run_command


def import_csv(client, text: str, year: str = "2027"):
    data = {
        "year": year,
        "csrf_token": csrf_token(client, "/admin/calendar"),
        "file": (io.BytesIO(text.encode()), f"{year}.csv"),
    }
    return client.post("/admin/calendar/import", data=data, follow_redirects=True)


@pytest.mark.parametrize("year", ["0", "1999", "99999"])
def test_the_csv_of_an_absurd_year_is_refused_in_chinese(client, year):
    login(client, "chenjing")
    response = client.get(f"/admin/calendar/{year}.csv")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"没有 {year} 年的作息安排" in page and "年份：应在 2000–2100 之间" in page


@pytest.mark.parametrize("year", ["0", "²", "99999999999999999999"])
def test_the_calendar_page_of_an_absurd_year_shows_this_year(client, year):
    with time_machine.travel(datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc), tick=False):
        login(client, "chenjing")
        response = client.get(f"/admin/calendar?year={year}")
    assert response.status_code == 200 and "2026-02-14" in response.get_data(as_text=True)


def test_an_exported_holiday_name_that_starts_a_formula_is_quoted(client):
    login(client, "chenjing")
    preview = import_csv(
        client, "date,kind,name\n2027-01-01,holiday,=cmd|' /C calc'!A0\n" + SCHEDULE_2027_AFTER_NEW_YEAR
    )
    assert "已导入" in confirm_calendar_preview(client, preview.get_data(as_text=True)).get_data(as_text=True)
    exported = client.get("/admin/calendar/2027.csv").get_data(as_text=True)
    assert "2027-01-01,holiday,'=cmd|' /C calc'!A0" in exported


def test_a_file_of_many_bad_lines_shows_the_first_twenty_and_how_many_more(client):
    login(client, "chenjing")
    lines = "".join(f"2027-13-{n:02d},holiday,x\n" for n in range(1, 31))
    page = import_csv(client, "date,kind,name\n" + lines).get_data(as_text=True)
    assert (
        "第2行：日期“2027-13-01”不是存在的日期，请核对年、月、日后按 2026-12-31 的格式填写" in page and "第21行" in page
    )
    assert "第22行" not in page and "……另有 10 处问题" in page


def test_the_export_command_refuses_an_absurd_year_in_chinese(app, sessions):
    result = run_command(app, "calendar", "export", "0")
    assert result.exit_code == 1 and "没有 0 年的作息安排" in result.output and "Traceback" not in result.output


def test_the_import_command_names_the_bad_line(app, sessions, tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text("date,kind,name\n2027-01-04,makeup_workday,调休\n", encoding="utf-8")
    result = run_command(app, "calendar", "import", "2027", str(path))
    assert result.exit_code == 1 and "第2行：2027-01-04 是星期一，调休上班日应为星期六或星期日" in result.output


def test_the_import_command_with_dry_run_lists_what_would_change_and_changes_nothing(app, sessions, tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text("date,kind,name\n2027-01-01,holiday,元旦\n" + SCHEDULE_2027_AFTER_NEW_YEAR, encoding="utf-8")
    before = run_command(app, "calendar", "export", "2027").output
    result = run_command(app, "calendar", "import", "2027", str(path), "--dry-run")
    assert result.exit_code == 0 and result.output.startswith("试运行：2027 年作息安排未导入，现有安排没有任何改变")
    assert "2027 年目前为临时安排（仅周末休息），导入后成为正式安排" in result.output
    assert "法定节假日：0 天 → 25 天" in result.output
    assert "  + 2027-02-08 星期一 法定节假日 春节（原为工作日）" in result.output
    assert run_command(app, "calendar", "export", "2027").output == before
    imported = run_command(app, "calendar", "import", "2027", str(path))
    assert imported.exit_code == 0 and "2027 年作息安排已导入（365 天）" in imported.output
    assert run_command(app, "calendar", "export", "2027").output != before


def test_a_dry_run_over_an_official_year_names_its_source_and_the_days_it_would_cancel(app, sessions, tmp_path):
    path = tmp_path / "2026.csv"
    path.write_text(
        run_command(app, "calendar", "export", "2026").output.replace("2026-10-07,holiday,国庆节", "2026-10-07,rest,"),
        encoding="utf-8",
    )
    result = run_command(app, "calendar", "import", "2026", str(path), "--dry-run")
    assert "将整体替换现有的 2026 年安排（来源：国务院办公厅节假日安排（随系统发布））" in result.output
    assert "  - 2026-10-07 星期三 法定节假日 国庆节（导入后为休息日）" in result.output
    assert "chinesecalendar" not in result.output


def test_a_dry_run_of_a_bad_file_names_the_bad_line_and_exits_1(app, sessions, tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text("date,kind,name\n2027-01-04,makeup_workday,调休\n", encoding="utf-8")
    result = run_command(app, "calendar", "import", "2027", str(path), "--dry-run")
    assert result.exit_code == 1 and "第2行：2027-01-04 是星期一，调休上班日应为星期六或星期日" in result.output
