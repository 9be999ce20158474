"""The audit trail on a phone: each event readable across the screen, nothing to scroll sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pages import log_in
from tests.helpers import apply, decide
from workflows import audit

LONG_ADDRESS = "2001:0db8:85a3:0000:0000:8a2e:0370:7334"


@pytest.mark.parametrize("who", ["lina", "chenjing"])  # a coordinator and the sysadmin read the audit trail
def test_the_audit_page_fits_a_phone_and_its_changes_read_across_the_screen(
    phone_page: Page, processes, demo_catalog, who
):
    decide(processes, apply(processes), decision="approve")
    with processes.begin() as s:
        audit.record(
            s,
            None,
            "login",
            "zhangsan-of-the-county-civil-affairs-bureau",
            "session:login_failed",
            None,
            {"username": "zhangsan-of-the-county-civil-affairs-bureau", "address": LONG_ADDRESS},
        )
    log_in(phone_page, who)
    phone_page.goto("/admin/audit")
    expect(phone_page.locator("#audit-table")).to_contain_text(LONG_ADDRESS)
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390, "the page scrolls sideways"
    assert phone_page.evaluate(
        "(() => { const box = document.querySelector('.table-responsive');"
        " return box.scrollWidth <= box.clientWidth; })()"
    ), "the table scrolls sideways"
    for row in phone_page.locator("#audit-table tbody tr").all()[:5]:
        when, changes = row.locator("td").first.bounding_box(), row.locator("td").last.bounding_box()
        assert when["x"] >= 0 and when["x"] + when["width"] <= 390, "the time is off-screen"
        assert changes["width"] >= 300, "the changes are squeezed into a narrow column"
