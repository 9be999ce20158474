"""运维厂商人员 (notice 五): created by the unit's 目录管理员 with a company and an end date, refused after it, bound
by a 保密承诺 before anything opens, shown no application, grant, attachment or usage record, listed to the
unit's 第一责任人."""

from __future__ import annotations

import re

from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from tests import scenarios
from tests.helpers import at, bearer, csrf_token, login, person, text_of
from tests.vendor_helpers import VENDOR_PASSWORD, make_vendor
from workflows import clock
from workflows.models import AuditEvent

CASE_BLUEPRINTS = ("applications", "objections", "tasks", "demands", "admin", "organisation", "modeler", "usage")
API_CASE_ENDPOINTS = (
    "api.application_list",
    "api.application_detail",
    "api.application_record",
    "api.grant_list",
    "api.tasks",
    "api.get_objection",
)


def _new_vendor_form(client, **fields):
    data = {
        "username": "lisi.yw",
        "display_name": "李四",
        "unit_code": "mzj",
        "company": "华信科技有限公司",
        "expires_on": "2026-12-31",
        "email": "",
        **fields,
    }
    return client.post("/vendors/new", data={**data, "csrf_token": csrf_token(client, "/vendors/new")})


def test_the_unit_admin_opens_a_vendor_account_with_company_and_end_date_and_gets_a_one_time_password(client):
    with at("2026-03-02T10:00:00"):
        login(client, "sunjie")
        response = _new_vendor_form(client)
        listing = text_of(client.get("/vendors/"))
    page = text_of(response)
    assert response.status_code == 200 and "已新建账号：李四（lisi.yw）" in page and "一次性密码" in page
    assert "李四" in listing and "华信科技有限公司" in listing and "2026-12-31" in listing and "尚未登录签署" in listing


def test_company_and_end_date_are_required_and_the_end_date_may_not_be_past(client):
    with at("2026-03-02T10:00:00"):
        login(client, "sunjie")
        missing = _new_vendor_form(client, company="", expires_on="")
        past = _new_vendor_form(client, expires_on="2026-03-01")
        garbled = _new_vendor_form(client, expires_on="明年")
        too_long = _new_vendor_form(
            client, expires_on="2029-03-03"
        )  # three years on is 2029-03-02, as for applications
        placeholder = _new_vendor_form(client, company="无")
    assert missing.status_code == 422
    assert "所属公司：必填" in text_of(missing) and "账号有效期至：必填" in text_of(missing)
    assert past.status_code == 422 and "不能早于今天（2026-03-02）" in text_of(past)
    assert garbled.status_code == 422 and "不是有效日期" in text_of(garbled)
    assert too_long.status_code == 422 and "最长三年（不晚于 2029-03-02）" in text_of(too_long)
    assert placeholder.status_code == 422 and "所属公司：“无”不是公司名称" in text_of(placeholder)


def test_a_unit_admin_cannot_open_a_vendor_account_for_another_unit(client):
    with at("2026-03-02T10:00:00"):
        login(client, "sunjie")
        response = _new_vendor_form(client, unit_code="gaj")
    assert response.status_code == 403


def test_at_first_login_the_vendor_changes_the_password_then_signs_the_undertaking_before_anything_opens(
    app, client, sessions
):
    with at("2026-03-02T10:00:00"):
        password = make_vendor(sessions, ready=False)
        assert login(client, "wanggong", password).status_code == 302
        assert client.get("/").headers["Location"] == "/account/password"
        token = csrf_token(client, "/account/password")
        client.post(
            "/account/password",
            data={"current": password, "new": VENDOR_PASSWORD, "repeated": VENDOR_PASSWORD, "csrf_token": token},
        )
        for path in ("/", "/public/catalog", "/help", "/inbox"):
            response = client.get(path)
            assert response.status_code == 302 and response.headers["Location"] == "/account/undertaking", path
        page = text_of(client.get("/account/undertaking"))
        assert "保密承诺" in page and "不擅自留存" in page and "华信科技有限公司" in page
        refused = client.post("/account/undertaking", data={"csrf_token": csrf_token(client, "/account/undertaking")})
        assert refused.status_code == 422 and "本人已阅读并承诺遵守" in text_of(refused)
        signed = client.post(
            "/account/undertaking", data={"agree": "1", "csrf_token": csrf_token(client, "/account/undertaking")}
        )
        assert signed.status_code == 302 and signed.headers["Location"] == "/"
        home = text_of(client.get("/"))
    assert "运维厂商人员账号" in home and "保密承诺已于 2026-03-02 10:00 签署" in home
    with sessions() as s:
        events = s.scalars(
            select(AuditEvent.action).where(
                AuditEvent.subject_type == "person", AuditEvent.subject_id == str(person(s, "wanggong").id)
            )
        )
        assert {"vendor:created", "person:password_changed", "vendor:undertaking_accepted"} <= set(events)


def test_the_login_after_the_end_date_is_refused_in_chinese_and_an_open_session_ends(app, client, sessions):
    with at("2026-06-30T09:00:00"):
        make_vendor(sessions, expires_on="2026-06-30")
        assert login(client, "wanggong", VENDOR_PASSWORD).status_code == 302
        assert client.get("/").status_code == 200  # the last day still opens
    with at("2026-07-01T09:00:00"):
        assert client.get("/").status_code == 302  # yesterday's session no longer opens anything
        refused = login(app.test_client(), "wanggong", VENDOR_PASSWORD)
    assert refused.status_code == 403
    assert "您的运维厂商人员账号已于 2026-06-30 到期，不能再登录" in text_of(refused)


def _sample_path(rule, ids: dict) -> str:
    values = {}
    for name in rule.arguments:
        numeric = isinstance(rule._converters[name], IntegerConverter)
        values[name] = ids["int"] if numeric else ids.get(name, ids["str"])
    return rule.build(values, append_unknown=False)[1]


def test_a_vendor_gets_no_page_or_api_answer_that_carries_applications_grants_attachments_or_usage(
    app, processes, sessions
):
    county = scenarios.build(processes)
    ids = {"int": county.applications["approved"], "str": "XY-GA-001", "code": "XY-GA-001", "sha256": county.records[0]}
    with at("2026-03-02T10:00:00"):
        make_vendor(sessions)
        client = app.test_client()
        assert login(client, "wanggong", VENDOR_PASSWORD).status_code == 302
        answered = []
        for rule in app.url_map.iter_rules():
            blueprint = rule.endpoint.split(".")[0]
            if "GET" not in rule.methods or (blueprint not in CASE_BLUEPRINTS and rule.endpoint != "auth.tokens"):
                continue
            if rule.endpoint == "applications.verify":  # open to anyone holding a printed record, checked below
                continue
            path = _sample_path(rule, ids)
            response = client.get(path)
            if response.status_code == 200:
                answered.append(path)
            elif response.status_code == 403:
                assert "运维厂商人员账号只能查看公开的资源目录" in text_of(response), path
        headers = bearer(sessions, "wanggong")
        for rule in app.url_map.iter_rules():
            if rule.endpoint in API_CASE_ENDPOINTS:
                response = client.get(_sample_path(rule, ids), headers=headers)
                if response.status_code == 200:
                    answered.append(rule.rule)
        assert answered == []
        assert client.get("/catalog/resources/XY-GA-001").status_code == 403  # the catalog as the public sees it
        assert client.get("/public/catalog/XY-GA-001").status_code == 200
        assert client.get("/help").status_code == 200 and client.get("/policy").status_code == 200
        verified = client.get(f"/verify/{county.records[0]}")  # as it opens without an account, no more
        assert verified.status_code == 200
        anonymous = text_of(app.test_client().get(f"/verify/{county.records[0]}"))
        shown = text_of(verified)
        assert shown[shown.index("记录真实有效") :] == anonymous[anonymous.index("记录真实有效") :]


def test_a_vendor_is_shown_only_the_pages_open_to_them(app, client, sessions):
    with at("2026-03-02T10:00:00"):
        make_vendor(sessions)
        login(client, "wanggong", VENDOR_PASSWORD)
        page = client.get("/").get_data(as_text=True)
    links = set(re.findall(r'href="(/[^"]*)"', page))
    assert not any(
        link.startswith(
            ("/applications", "/grants", "/tasks", "/objections", "/demands", "/catalog", "/account/tokens")
        )
        for link in links
    )


def test_a_vendor_cannot_be_given_a_role(client, sessions):
    with at("2026-03-02T10:00:00"):
        make_vendor(sessions)
        with sessions() as s:
            vendor_id, unit_id = person(s, "wanggong").id, person(s, "sunjie").unit_id
        login(client, "sunjie")
        token = csrf_token(client, f"/org/people/{vendor_id}")
        response = client.post(
            f"/org/people/{vendor_id}/roles", data={"unit_id": unit_id, "role": "applicant", "csrf_token": token}
        )
    assert response.status_code == 409 and "运维厂商人员，不能担任任何角色" in text_of(response)


def test_the_first_responsible_sees_the_units_vendor_accounts_and_another_unit_does_not(client, sessions):
    with at("2026-03-02T10:00:00"):
        make_vendor(sessions)
        first = _first_responsible(sessions, "mzj")
        login(client, first)
        assert "运维厂商人员账号" in text_of(client.get("/"))
        listing = text_of(client.get("/vendors/"))
        assert "王工" in listing and "华信科技有限公司" in listing and "2026-06-30" in listing and "已签署" in listing
        other = client.application.test_client()
        login(other, "machao")  # an applicant of 县民政局: neither its 第一责任人 nor its 目录管理员
        assert other.get("/vendors/").status_code == 403


def _first_responsible(sessions, unit_code: str) -> str:
    from workflows.models import Responsibility, ResponsibilityKind, Unit

    with sessions() as s:
        return s.scalar(
            select(Responsibility)
            .join(Unit, Unit.id == Responsibility.unit_id)
            .where(Unit.code == unit_code, Responsibility.kind == ResponsibilityKind.FIRST_RESPONSIBLE)
        ).person.username


def _renew(client, person_id: int, expires_on: str):
    return client.post(
        f"/vendors/{person_id}/renew", data={"expires_on": expires_on, "csrf_token": csrf_token(client, "/vendors/")}
    )


def test_the_unit_admin_moves_a_vendor_accounts_last_day_and_the_reminder_comes_again(client, sessions):
    with at("2026-06-20T10:00:00"):
        make_vendor(sessions, expires_on="2026-06-30")
        with sessions.begin() as s:
            vendor = person(s, "wanggong")
            vendor.vendor.expiry_reminded_at, vendor_id = clock.now(), vendor.id
        login(client, "sunjie")
        too_far = _renew(client, vendor_id, "2030-01-01")
        renewed = _renew(client, vendor_id, "2026-12-31")
        listing = text_of(client.get("/vendors/"))
    assert too_far.status_code == 422 and "最长三年" in text_of(too_far)
    assert 'value="2030-01-01"' in too_far.get_data(as_text=True)  # what was typed stays in its box
    assert renewed.status_code == 302 and "2026-12-31" in listing
    with sessions() as s:
        account = person(s, "wanggong").vendor
        assert account.expires_on.isoformat() == "2026-12-31" and account.expiry_reminded_at is None
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "vendor:renewed"))
        assert (event.before, event.after) == ({"expires_on": "2026-06-30"}, {"expires_on": "2026-12-31"})


def test_the_admin_of_another_unit_cannot_move_the_last_day(client, sessions):
    with at("2026-06-20T10:00:00"):
        make_vendor(sessions, expires_on="2026-06-30")
        with sessions() as s:
            vendor_id = person(s, "wanggong").id
        login(client, "huangtao")  # 县公安局's 目录管理员
        assert _renew(client, vendor_id, "2026-12-31").status_code in (403, 404)
    with sessions() as s:
        assert person(s, "wanggong").vendor.expires_on.isoformat() == "2026-06-30"
