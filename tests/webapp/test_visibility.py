"""Who may see an application, a grant, an objection or a record: one rule per aggregate (sharing/visibility.py,
objections/cases.can_see), and every page, API route, download and prefill follows it. A person of an unrelated unit
gets 404 everywhere, as if the thing did not exist; each party gets 200."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.helpers import Api, apply, decide, login, person, review_task
from workflows.models import ApprovalRecord, Grant
from workflows.objections import cases as objection_cases

PARTIES = {"applicant": "machao", "provider": "huangtao", "coordinator": "wanglei"}
STRANGER = "gaopeng"  # an applicant of 县人力资源和社会保障局, which neither applied nor provides the data


@pytest.fixture
def decided(ready):
    """县民政局's approved application for 县公安局's data, with its grant and record, and a usage objection
    县公安局 raised against 县民政局 about the grant."""
    app_id = apply(ready)
    task_id = review_task(ready, app_id).id
    decide(ready, app_id, decision="approve")
    with ready.begin() as s:
        grant_id = s.scalar(select(Grant.id).where(Grant.application_id == app_id))
        number = s.get(Grant, grant_id).application.number
        objection_id = objection_cases.raise_objection(
            s,
            person(s, "huangtao"),
            {
                "type": "usage_dispute",
                "grant_id": grant_id,
                "facts": "县民政局将户籍数据用于招商统计，超出申请的应用场景",
                "request": "请核查并撤销授权",
            },
        ).id
        assert s.scalar(select(ApprovalRecord.id).where(ApprovalRecord.application_id == app_id))
    return {"app": app_id, "task": task_id, "grant": grant_id, "number": number, "objection": objection_id}


def _as(app, username: str):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def _answers(app, ready, username: str, web: list[str], api: list[str]) -> dict[str, int]:
    client, calls = _as(app, username), Api(app.test_client(), ready)
    return {path: client.get(path).status_code for path in web} | {
        path: calls.get(path, username).status_code for path in api
    }


def _application_routes(c: dict) -> tuple[list[str], list[str]]:
    return (
        [f"/applications/{c['app']}", f"/applications/{c['app']}/record.pdf", f"/tasks/{c['task']}"],
        [f"/api/v1/applications/{c['app']}", f"/api/v1/applications/{c['app']}/record.pdf"],
    )


@pytest.mark.parametrize("party", list(PARTIES))
def test_each_party_opens_the_application_its_record_and_its_review(party, app, ready, decided):
    web, api = _application_routes(decided)
    assert set(_answers(app, ready, PARTIES[party], web, api).values()) == {200}


def test_a_stranger_finds_no_application_no_record_and_no_review(app, ready, decided):
    web, api = _application_routes(decided)
    assert set(_answers(app, ready, STRANGER, web, api).values()) == {404}


def test_a_stranger_gets_no_prefill_of_an_application_or_a_grant_it_has_no_business_with(app, ready, decided):
    for username, shown in ((STRANGER, False), ("machao", True)):
        client = _as(app, username)
        for link in (f"application={decided['app']}", f"grant={decided['grant']}"):
            page = client.get(f"/objections/new?{link}")
            prefilled = f'value="{decided["number"]}"' in page.get_data(as_text=True)
            assert page.status_code == 200 and prefilled is shown, link


@pytest.mark.parametrize("party", list(PARTIES))
def test_each_party_opens_the_grants_provision_order_and_finds_it_listed(party, app, ready, decided):
    username = PARTIES[party]
    assert _as(app, username).get(f"/grants/{decided['grant']}/order").status_code == 200
    scope = {"applicant": "mine", "provider": "provider", "coordinator": "all"}[party]
    listed = Api(app.test_client(), ready).get("/api/v1/grants", username, scope=scope).get_json()["items"]
    assert decided["grant"] in [g["id"] for g in listed]


def test_a_stranger_finds_no_grant_and_cannot_revoke_it(app, ready, decided):
    client = _as(app, STRANGER)
    assert client.get(f"/grants/{decided['grant']}/order").status_code == 404
    page = client.get("/grants").get_data(as_text=True)
    revoke = client.post(
        f"/grants/{decided['grant']}/revoke",
        data={"reason": "发现超出应用场景使用，依约撤销授权", "csrf_token": _token(page)},
    )
    assert revoke.status_code == 404
    listed = Api(app.test_client(), ready).get("/api/v1/grants", STRANGER, scope="provider").get_json()["items"]
    listed += Api(app.test_client(), ready).get("/api/v1/grants", STRANGER, scope="mine").get_json()["items"]
    assert decided["grant"] not in [g["id"] for g in listed]


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _objection_routes(c: dict) -> tuple[list[str], list[str]]:
    return [f"/objections/{c['objection']}"], [f"/api/v1/objections/{c['objection']}"]


@pytest.mark.parametrize("party", list(PARTIES))
def test_each_party_opens_the_objection(party, app, ready, decided):
    """The raiser (县公安局), the unit raised against (县民政局) and the bureau."""
    web, api = _objection_routes(decided)
    assert set(_answers(app, ready, PARTIES[party], web, api).values()) == {200}


def test_a_stranger_finds_no_objection_nor_its_record_nor_its_files(app, ready, decided):
    web, api = _objection_routes(decided)
    web += [f"/objections/{decided['objection']}/record.pdf", f"/objections/{decided['objection']}/files/1"]
    assert set(_answers(app, ready, STRANGER, web, api).values()) == {404}
