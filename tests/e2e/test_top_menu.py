"""The top menu on a 1280 px laptop: no entry breaks inside its name, for any role."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.pages import log_in
from tests.helpers import apply, person, unit
from workflows.catalog import demands

ROLES = ["machao", "sunjie", "huangtao", "sunhong", "lina", "wanglei", "liuyang", "chenjing"]
# each entry's text height against one line of its own font, and where it starts
MEASURE = """() => Array.from(document.querySelectorAll('#mainNav .nav-link')).map(link => {
  const style = getComputedStyle(link);
  const text = link.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
  return {name: link.innerText.trim(), lines: text / parseFloat(style.lineHeight), top: link.getBoundingClientRect().top};
})"""


def test_no_menu_entry_wraps_at_1280_px_for_any_role(new_context, processes, demo_catalog):
    apply(processes)  # reviewers get a task and messages: the counts in the menu take room too
    with processes.begin() as s:
        demands.record_demand(s, person(s, "machao"), unit(s, "mzj").id, "残疾人证信息", "核验残疾人身份")
    wrapped, rows = [], {}
    for who in ROLES:
        page = new_context(viewport={"width": 1280, "height": 800}).new_page()
        log_in(page, who)
        expect(page.locator("#mainNav")).to_be_visible()
        page.wait_for_load_state("load")
        page.evaluate("document.fonts.ready.then(() => true)")  # measured in the fonts the page ends up with
        entries = page.evaluate(MEASURE)
        wrapped += [f"{who}: {e['name']} ({e['lines']:.1f} lines)" for e in entries if e["lines"] > 1.5]
        rows[who] = len({round(e["top"]) for e in entries})
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280, f"{who}: the page scrolls sideways"
        page.context.close()
    assert wrapped == [], "menu entries broken inside their names"
    assert rows == {who: 1 for who in ROLES}, "the menu takes more than one line"
