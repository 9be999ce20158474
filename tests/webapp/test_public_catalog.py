"""The catalog anyone may browse without an account (the notice's annex): shared entries with their metadata and info
items, never a 不予共享 entry or its basis, never an application, a grant or a person; it can be switched off and
each address gets a share of requests."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests.helpers import apply, at, decide, login, serving, text_of
from tests.vendor_helpers import VENDOR_PASSWORD, make_vendor
from workflows import clock
from workflows.models import Application, Interface, Resource

PUBLIC = ("/public/catalog", "/public/catalog/XY-GA-001", "/public/interfaces")
NOT_SHARED_BASIS = "侦查过程信息依刑事诉讼相关法律规定不得对外提供"


@pytest.fixture
def moment():
    """The clock, stopped now, moved on by the test (never slept)."""
    with time_machine.travel(clock.now(), tick=False) as traveller:
        yield traveller


def test_anyone_without_an_account_finds_a_shared_entry_and_reads_its_info_items(client, demo_catalog):
    found = client.get("/public/catalog?q=户籍")
    assert found.status_code == 200
    assert "户籍人口基本信息" in text_of(found) and 'href="/public/catalog/XY-GA-001"' in found.get_data(as_text=True)

    entry = text_of(client.get("/public/catalog/XY-GA-001"))
    assert "县公安局" in entry and "有条件共享" in entry and "仅限依法履职所需的身份核验" in entry
    assert "公民身份号码" in entry and "敏感" in entry  # the info items, with the sensitive flag
    assert "户籍人口身份核验" in entry  # its interface


def test_the_login_page_leads_to_the_catalog_without_an_account(client, demo_catalog):
    page = client.get("/login").get_data(as_text=True)
    assert "无需登录查看资源目录" in page and 'href="/public/catalog"' in page


def test_a_not_shared_entry_and_its_basis_never_show(client, demo_catalog):
    everything = client.get("/public/catalog?per_page=100")
    assert "共找到 37 条" in text_of(everything)  # the 41 demo entries less the 4 不予共享
    for page in (everything, client.get("/public/catalog?q=刑事案件"), client.get("/public/interfaces?per_page=100")):
        assert "刑事案件侦查信息" not in text_of(page) and NOT_SHARED_BASIS not in text_of(page)
        assert "不予共享" not in text_of(page)  # not even offered as a filter
    assert client.get("/public/catalog/XY-GA-004").status_code == 404

    asked = client.get("/public/catalog?share_type=not_shared")
    assert asked.status_code == 422 and "公开目录只列出无条件共享和有条件共享的条目" in text_of(asked)


def test_an_interface_of_a_not_shared_entry_is_not_listed(client, demo_catalog, sessions):
    with sessions.begin() as s:
        hidden = s.scalar(select(Resource).where(Resource.code == "XY-GA-004"))
        s.add(
            Interface(
                code="IF-990",
                resource_id=hidden.id,
                name="刑侦案件线索比对",
                object_class="person",
                business_scenarios=["案件协查"],
                scenarios_text="案件协查",
                monthly_calls=5,
            )
        )
    listed = text_of(client.get("/public/interfaces?per_page=100"))
    assert "户籍人口身份核验" in listed and "刑侦案件线索比对" not in listed and "案件协查" not in listed
    login(client, "machao")
    assert "刑侦案件线索比对" in text_of(client.get("/catalog/interfaces?per_page=100"))  # inside, as before


def test_a_related_entry_is_linked_only_when_it_is_itself_public(client, demo_catalog, sessions):
    with sessions.begin() as s:
        s.scalar(select(Resource).where(Resource.code == "XY-GA-001")).related_codes = ["XY-GA-002", "XY-GA-004"]
    page = client.get("/public/catalog/XY-GA-001").get_data(as_text=True)
    assert 'href="/public/catalog/XY-GA-002"' in page and "XY-GA-004" not in page


def test_no_application_number_or_applicant_ever_reaches_the_public_catalog(client, processes, demo_catalog):
    with at("2026-02-13T10:00:00"):
        app_id = apply(processes)
        decide(processes, app_id, decision="approve")
    with processes() as s:
        number = s.get(Application, app_id).number
    assert number
    pages = [client.get(path) for path in PUBLIC + ("/public/catalog?q=户籍", "/public/interfaces?q=户籍")]
    assert all(p.status_code == 200 for p in pages)
    for page in pages:
        body = page.get_data(as_text=True)
        assert number not in body and "马超" not in body and "黄涛" not in body  # the applicant and the reviewer
        assert 'method="post"' not in body  # no apply, edit, retire or return form, not even hidden
        assert "/applications/new" not in body and "/edit" not in body and "/objections/new" not in body


def test_switched_off_the_public_catalog_answers_404_and_is_no_longer_linked(app, client, demo_catalog, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_CATALOG", False)
    for path in PUBLIC:
        answer = client.get(path)
        assert answer.status_code == 404 and "您访问的内容不存在" in text_of(answer)
    assert "/public/catalog" not in client.get("/login").get_data(as_text=True)
    assert "/public/catalog" not in client.get("/help").get_data(as_text=True)
    assert client.get("/help").status_code == 200 and client.get("/policy").status_code == 200  # these stay


def test_an_address_past_its_share_hears_429_in_chinese_until_the_window_ends(
    app, client, demo_catalog, monkeypatch, moment
):
    monkeypatch.setitem(app.config, "PUBLIC_RATE_LIMIT", 3)
    monkeypatch.setitem(app.config, "PUBLIC_RATE_WINDOW_SECONDS", 60)
    moment.move_to(clock.now().replace(second=0, microsecond=0) + timedelta(minutes=1))  # the start of a window
    client.environ_base["REMOTE_ADDR"] = "10.20.0.5"
    assert [client.get(path).status_code for path in PUBLIC] == [200, 200, 200]

    refused = client.get("/public/catalog")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    assert "访问过于频繁" in text_of(refused) and "请 60 秒后再试" in text_of(refused)

    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.30.0.9"
    assert other.get("/public/catalog").status_code == 200  # another address has its own share
    assert client.get("/help").status_code == 200 and client.get("/login").status_code == 200  # not limited

    moment.shift(timedelta(seconds=59))
    assert client.get("/public/catalog").headers["Retry-After"] == "1"
    moment.shift(timedelta(seconds=1))
    assert client.get("/public/catalog").status_code == 200  # a new window


def test_forged_x_forwarded_for_does_not_escape_the_limit_without_a_trusted_proxy(
    app, client, demo_catalog, monkeypatch
):
    monkeypatch.setitem(app.config, "PUBLIC_RATE_LIMIT", 2)
    answers = [
        client.get("/public/catalog", headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code for n in range(3)
    ]
    assert answers == [200, 200, 429]


def test_behind_a_trusted_proxy_each_client_address_has_its_own_share(database_url, sessions, demo_catalog):
    from webapp import create_app

    behind_proxy = create_app(
        {
            "DATABASE_URL": database_url,
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "TRUSTED_PROXY_COUNT": 1,
            "PUBLIC_RATE_LIMIT": 2,
        }
    )
    with serving(behind_proxy, sessions):
        client = behind_proxy.test_client()
        client.environ_base["REMOTE_ADDR"] = "10.0.0.1"  # the proxy

        def get(client_address: str) -> int:
            return client.get("/public/catalog", headers={"X-Forwarded-For": client_address}).status_code

        assert [get("198.51.100.7"), get("198.51.100.7"), get("198.51.100.7")] == [200, 200, 429]
        assert get("198.51.100.8") == 200


def test_a_page_past_the_last_says_so_and_leads_to_the_last_page(client, demo_catalog):
    past = text_of(client.get("/public/catalog?page=9999"))
    assert "第 9999 页已超过最后一页（共 2 页，37 条）" in past and "转到最后一页" in past
    assert "第 9999 / 2 页" not in past
    assert 'href="?page=2"' in client.get("/public/catalog?page=9999").get_data(as_text=True)


def test_the_429_page_tells_each_person_what_they_can_do_next(app, demo_catalog, sessions, monkeypatch, moment):
    monkeypatch.setitem(app.config, "PUBLIC_RATE_LIMIT", 1)
    moment.move_to("2026-03-02T10:00:00+08:00")
    make_vendor(sessions)

    def refused_as(username: str | None, address: str) -> str:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        if username:
            login(client, username, *([VENDOR_PASSWORD] if username == "wanggong" else []))
        client.get("/public/catalog")
        refused = client.get("/public/catalog")
        assert refused.status_code == 429
        return text_of(refused)

    assert "登录后可在“资源目录”中检索" in refused_as(None, "10.1.0.1")
    assert "也可在“资源目录”中检索" in refused_as("machao", "10.1.0.2")
    vendor = refused_as("wanggong", "10.1.0.3")  # the public catalog is the only one a vendor's account opens
    assert "请" in vendor and "资源目录”中检索" not in vendor


def test_an_error_page_offers_anyone_without_an_account_the_catalog_and_the_login(client, demo_catalog):
    missing = client.get("/public/catalog/XY-NO-999")
    page = missing.get_data(as_text=True)
    assert missing.status_code == 404 and "回到工作台" not in page
    assert 'href="/public/catalog"' in page and 'href="/login"' in page
