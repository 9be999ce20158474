"""督导考核月报: made once for a closed month, with every unit's name and score in its PDF (read back with pdftotext)."""

import subprocess

import pytest

from tests.helpers import at, person
from workflows.errors import ValidationFailed
from workflows.models import SupervisionReport
from workflows.supervision import reports


def test_the_monthly_report_holds_every_units_name_and_figures_and_is_made_once(march_reviews, tmp_path):
    with at("2026-04-01T09:00:00"), march_reviews.begin() as s:
        assert reports.make_due(s) == 1  # 1 April 2026 is the first working day of the month
        assert reports.make_due(s) == 0
        report = s.query(SupervisionReport).one()
        pdf = reports.pdf_of(s, report)
        content = report.content
    (tmp_path / "report.pdf").write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "report.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert "夏邑县政务数据共享督导考核月报" in text and "2026年3月" in text
    police = next(u for u in content["units"] if u["name"] == "县公安局")
    assert police["late"] == 2 and police["parts"]["review"] == 50.0
    for unit in content["units"]:
        assert unit["name"] in text
    assert f"{police['score']:.1f}" in text
    assert ["逾期审核（件）", 2] in content["totals"]


def test_a_month_not_ended_or_no_month_is_refused_in_chinese(ready):
    with at("2026-04-15T09:00:00"), ready.begin() as s:
        with pytest.raises(ValidationFailed) as early:
            reports.make_monthly(s, "2026-04")
        with pytest.raises(ValidationFailed) as quarter:
            reports.make_monthly(s, "2026-Q1")
    assert "尚未结束" in early.value.details[0] and "不是月份" in quarter.value.details[0]


def test_the_reports_are_for_the_bureau_and_the_units_leaders(ready):
    with ready() as s:
        assert reports.may_read(s, person(s, "lina"))  # coordinator
        assert reports.may_read(s, person(s, "huyong"))  # 县人社局's 第一责任人
        assert not reports.may_read(s, person(s, "machao"))
