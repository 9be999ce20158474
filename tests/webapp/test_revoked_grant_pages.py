"""An application whose grant was revoked says so in the list, and its page no longer offers a usage objection."""

from __future__ import annotations

import re

from tests.helpers import apply, at, decide, login, person, text_of
from workflows.sharing import grants

REVOKE_REASON = "使用单位将人口数据用于授权场景以外的招商统计，违反使用承诺"


def approved_and_revoked(sessions) -> tuple[int, int]:
    revoked, kept = apply(sessions), apply(sessions)  # two needs of one unit, both granted
    decide(sessions, revoked, decision="approve")
    decide(sessions, kept, decision="approve")
    with sessions.begin() as s:
        grants.revoke(s, person(s, "huangtao"), grants.for_application(s, revoked).id, REVOKE_REASON)
    return revoked, kept


def row_of(page: str, app_id: int) -> str:
    return re.search(rf'<tr>\s*<td[^>]*><a href="/applications/{app_id}">.*?</tr>', page, re.S).group(0)


def test_the_application_list_shows_a_revoked_grant_beside_the_approval(client, ready):
    revoked, kept = approved_and_revoked(ready)
    for who, path in (("machao", "/applications"), ("huangtao", "/applications?scope=provider")):
        login(client, who)
        page = client.get(path).get_data(as_text=True)
        assert "已通过" in row_of(page, revoked) and "授权已撤销" in row_of(page, revoked)
        assert "已通过" in row_of(page, kept) and "授权已" not in row_of(page, kept)
        client.post("/logout", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page)[1]})


def test_the_list_says_a_grant_past_its_end_has_expired_before_the_sweep_marks_it(client, ready):
    app_id = apply(ready, valid_until="2026-03-31")
    decide(ready, app_id, decision="approve")
    with at("2026-04-01T09:00:00+08:00"):
        login(client, "machao")
        page = client.get("/applications").get_data(as_text=True)
    assert "授权已过期" in row_of(page, app_id)


def test_the_page_of_a_revoked_grant_offers_no_usage_objection(client, ready):
    revoked, kept = approved_and_revoked(ready)
    login(client, "machao")
    page = client.get(f"/applications/{revoked}")
    assert "已撤销" in text_of(page) and REVOKE_REASON in text_of(page)
    assert "对数据使用提出异议" not in text_of(page) and "/objections/new?grant=" not in page.get_data(as_text=True)
    assert "对数据使用提出异议" in text_of(client.get(f"/applications/{kept}"))
