"""Every kind of page, as every role, passes axe-core's WCAG 2.1 A and AA rules (GB/T 37668-2019 follows WCAG 2.1).

The browser follows the links each person is shown, breadth-first from the workbench as the crawl test does, and audits
the first page it reaches of each route (the others of a route share its template); axe-core is injected from
node_modules (no CDN). A serious or critical violation fails, naming the rule, the page and the elements.
"""

from __future__ import annotations

import re
from collections import deque
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import expect
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from tests import scenarios
from tests.e2e.pages import log_in

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
ROLES = {
    "applicant": "machao",
    "reviewer": "huangtao",
    "unit_admin": "sunjie",
    "coordinator": "wanglei",
    "modeler": "liuyang",
    "sysadmin": "chenjing",
    "anonymous": None,
}
SKIPPED = (".pdf", ".csv", ".xlsx", ".bpmn", ".xml", ".json")
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AUDIT = """async (rules) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: rules}, resultTypes: ['violations']});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => ({
    rule: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' — ' + n.failureSummary.split('\\n').slice(1).join(' '))
  }));
}"""
DRAWN = """() => document.querySelectorAll('[data-src]:not([data-rendered]), #modeler:not([data-ready])').length === 0
  && (!document.getElementById('modeler') || document.querySelector('.bjsl-button'))"""
LINKS = "() => Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))"


def _local(base: str, href: str) -> str | None:
    parts = urlsplit(urljoin(base + "/", href))
    if f"{parts.scheme}://{parts.netloc}" != base or parts.path.startswith("/static/") or parts.path == "/logout":
        return None
    if parts.path.endswith(SKIPPED) or "/attachments/" in parts.path or "/files/" in parts.path:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def audit_as(page, routes, base: str, starts: list[str]) -> tuple[dict[str, str], list[str]]:
    """Breadth-first over the links shown; the first page of each route is audited. Returns the pages and failures."""
    queue, seen, audited, failures = deque(starts), set(), {}, []
    while queue:
        path = queue.popleft()
        try:
            endpoint = routes.match(urlsplit(path).path)[0]
        except RequestRedirect as moved:  # "/grants/" answers with "/grants"
            endpoint = routes.match(urlsplit(moved.new_url).path)[0]
        except HTTPException:
            continue
        if path in seen or endpoint in audited:
            continue
        seen.add(path)
        answer = page.goto(path)
        if answer is None or not answer.ok or "text/html" not in answer.headers.get("content-type", ""):
            continue
        page.wait_for_function(DRAWN)  # diagrams, the modeler and its lint badge are drawn after the page loads
        audited[endpoint] = path
        for violation in page.evaluate(AUDIT, RULES):
            failures.append(
                f"{path} [{violation['impact']}] {violation['rule']}: {violation['help']}\n    "
                + "\n    ".join(violation["targets"])
            )
        queue.extend(found for href in page.evaluate(LINKS) if (found := _local(base, href)))
    return audited, failures


def test_every_kind_of_page_each_role_reaches_has_no_serious_accessibility_violation(
    processes, app, new_context, live_server
):
    assert AXE.exists(), "node_modules/axe-core is missing: run `npm ci`"
    county = scenarios.build(processes)
    routes = app.url_map.bind("127.0.0.1")
    failures, counts = [], {}
    for role, username in ROLES.items():
        context = new_context(viewport={"width": 1280, "height": 900})
        context.add_init_script(path=str(AXE))  # evaluated by the browser itself: the page's CSP stays as it is
        page = context.new_page()
        if username:
            log_in(page, username)
        starts = ["/"] if username else ["/", "/public/catalog", f"/verify/{county.records[0]}"]
        audited, found = audit_as(page, routes, live_server, starts)
        counts[role] = len(audited)
        failures += [f"as {role}: {failure}" for failure in found]
        context.close()
    signed_in = [n for role, n in counts.items() if role != "anonymous"]
    assert counts["anonymous"] >= 6 and min(signed_in) >= 25, counts  # anonymous: login, public catalog, policy, help…
    assert failures == [], f"{len(failures)} serious or critical violations:\n" + "\n".join(failures)


def test_a_keyboard_user_reaches_the_content_with_the_first_tab(page, processes):
    log_in(page, "huangtao")
    page.goto("/tasks/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到正文")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))  # the fragment is followed after the key press returns
    page.keyboard.press("Tab")
    page.wait_for_function("document.querySelector('main').contains(document.activeElement)")
