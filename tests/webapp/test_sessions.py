"""A login ends where it should: redirects stay on this site, and logging out ends every session of that person."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.helpers import csrf_token, login, person
from workflows.models import AuditEvent
from workflows.organisation import accounts

# The inputs of the finding, as they arrive in the query string (still percent-encoded), and others like them.
OFF_SITE_QUERIES = [
    "next=/%09/evil.example/x",  # browsers drop the tab: //evil.example/x
    "next=//evil.example",
    "next=https://evil.example",
    "next=/%5Cevil.example",  # /\evil.example: browsers read \ as /
    "next=/%5C/evil.example",
    "next=/inbox%0A",  # a newline used to give a 500
    "next=/%0D%0ASet-Cookie:%20stolen=1",
    "next=/%00",
    "next=%20//evil.example",
    "next=javascript:alert(1)",
    "next=http:/evil.example",
]
# The same, as a form field decodes them.
OFF_SITE_FORM_VALUES = [
    "/\t/evil.example/x",
    "//evil.example",
    "https://evil.example",
    "/\\evil.example",
    "/inbox\n",
    "/\r\nSet-Cookie: stolen=1",
    " //evil.example",
    "javascript:alert(1)",
]


def _log_in_with(client, query: str, username: str = "lina"):
    token = csrf_token(client)
    return client.post(f"/login?{query}", data={"username": username, "password": "Demo@2026", "csrf_token": token})


@pytest.mark.parametrize("query", OFF_SITE_QUERIES)
def test_login_never_sends_a_person_off_site(client, query):
    response = _log_in_with(client, query)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200  # logged in all the same


def test_login_returns_to_the_page_on_this_site_that_asked_for_it(client):
    sent_to = client.get("/catalog/?q=%E6%88%B7%E7%B1%8D").headers["Location"]
    assert sent_to.startswith("/login?next=")
    response = _log_in_with(client, sent_to.split("?", 1)[1])
    assert response.headers["Location"] == "/catalog/?q=%E6%88%B7%E7%B1%8D"


@pytest.mark.parametrize("target", OFF_SITE_FORM_VALUES)
def test_marking_messages_read_never_sends_a_person_off_site(client, target):
    login(client, "lina")
    response = client.post("/inbox/read", data={"csrf_token": csrf_token(client, "/inbox"), "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/inbox"


def test_marking_messages_read_returns_to_a_page_on_this_site(client):
    login(client, "lina")
    response = client.post("/inbox/read", data={"csrf_token": csrf_token(client, "/inbox"), "next": "/tasks/"})
    assert response.headers["Location"] == "/tasks/"


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def _log_out(client):
    return client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def test_a_session_cookie_copied_before_logout_is_refused_afterwards(client):
    login(client, "lina")
    copied = _session_cookie(client)
    assert _log_out(client).status_code == 302

    client.set_cookie("session", copied)
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/tasks/").status_code == 302


def test_logging_out_ends_the_persons_sessions_in_every_browser_but_not_other_peoples(app, client):
    office, phone, colleague = client, app.test_client(), app.test_client()
    for c, name in ((office, "lina"), (phone, "lina"), (colleague, "sunjie")):
        login(c, name)
    _log_out(office)

    assert phone.get("/").status_code == 302
    assert colleague.get("/").status_code == 200
    login(phone, "lina")
    assert phone.get("/").status_code == 200


def test_logout_keeps_api_tokens_working(client, sessions):
    with sessions.begin() as s:
        raw = accounts.create_token(s, "lina")
    login(client, "lina")
    _log_out(client)
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {raw}"}).status_code == 200


def test_ending_sessions_from_a_service_logs_the_person_out_and_is_audited(client, sessions):
    login(client, "machao")
    with sessions.begin() as s:
        machao, chenjing = person(s, "machao"), person(s, "chenjing")
        generation = accounts.end_sessions(s, machao.id, chenjing.id, "password_changed")
    assert generation == 1
    assert client.get("/").status_code == 302
    with sessions() as s:
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "session:ended"))
        assert event.actor_id == person(s, "chenjing").id and event.subject_id == str(person(s, "machao").id)
        assert event.after == {"reason": "password_changed", "generation": 1}
