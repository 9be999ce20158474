"""The objection statistics and their Excel export read one period form and refuse a bad date the same way."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from tests.helpers import login, text_of


def form_of(html: str) -> str:
    return re.search(r'<form[^>]*id="statistics-form".*?</form>', html, re.S).group(0)


@pytest.mark.parametrize(
    "bad, message",
    [
        ("2026-02-30", "起始日期：“2026-02-30”不是存在的日期，请核对年、月、日后按 2026-12-31 的格式填写"),
        ("2026-01-01abc", "起始日期：“2026-01-01abc”不是有效日期，请按 2026-12-31 的格式填写"),
        ("0001-01-01", "起始日期：日期超出范围（应在 2000-01-01 至 2099-12-31 之间）"),
    ],
)
def test_the_export_refuses_a_bad_date_beside_the_field_exactly_as_the_page_does(client, ready, bad, message):
    login(client, "lina")
    shown = client.get(f"/objections/statistics?since={bad}")
    exported = client.get(f"/objections/statistics.xlsx?since={bad}")
    assert shown.status_code == exported.status_code == 422 and exported.mimetype == "text/html"
    for response in (shown, exported):
        html = response.get_data(as_text=True)
        assert re.search(r'id="error-since">' + re.escape(message), html)
        assert f'name="since" value="{bad}"' in html
        # correcting the date and pressing 统计 shows the figures, not a download under the error
        assert 'action="/objections/statistics"' in form_of(html)
    assert text_of(shown) == text_of(exported)


def test_the_export_button_sends_the_dates_typed_in_the_fields(client, ready):
    login(client, "lina")
    form = form_of(client.get("/objections/statistics").get_data(as_text=True))
    assert re.search(r'<button[^>]*id="export-xlsx"[^>]*formaction="/objections/statistics.xlsx"', form)
    assert 'name="since"' in form and 'name="until"' in form
    export = client.get("/objections/statistics.xlsx?since=2026-01-01&until=2026-06-30")
    title = load_workbook(io.BytesIO(export.data))["按类型"]["A1"].value
    assert export.status_code == 200 and "2026-01-01 至 2026-06-30" in title
