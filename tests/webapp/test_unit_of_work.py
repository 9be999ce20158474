"""One transaction per request: what a page says happened is what the database holds."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from tests.helpers import csrf_token, login, unit
from workflows.models import AuditEvent, Demand, LoginFailure


@pytest.fixture
def failing_commit(app):
    """Once armed, the database refuses the next commit (a lost connection, a serialization failure)."""
    factory = app.extensions["db_sessions"]
    state = {"armed": False, "fired": False}

    def refuse(session):
        if state["armed"] and not state["fired"]:
            state["fired"] = True
            raise OperationalError("COMMIT", {}, Exception("connection lost"))

    event.listen(factory, "before_commit", refuse)
    yield state
    event.remove(factory, "before_commit", refuse)


def _demand_form(client, sessions, **changes) -> dict:
    """machao's demand for his own unit (县民政局), with a fresh CSRF token."""
    with sessions() as s:
        unit_id = str(unit(s, "mzj").id)
    return {
        "csrf_token": csrf_token(client, "/demands/new"),
        "unit_id": unit_id,
        "wanted_data": "残疾人证信息",
        "scenario": "政务服务办件中核验残疾人身份",
    } | changes


def test_a_commit_that_fails_answers_500_without_a_success_message_and_keeps_nothing(
    client, demo_catalog, processes, failing_commit
):
    login(client, "machao")
    form = _demand_form(client, processes)
    failing_commit["armed"] = True
    answer = client.post("/demands/new", data=form)
    assert failing_commit["fired"] and answer.status_code == 500
    assert "操作未生效" in answer.get_data(as_text=True)
    page = client.get("/demands/").get_data(as_text=True)
    assert "已登记共享需求" not in page  # no success flash waits for the next page
    with processes() as s:
        assert s.scalar(select(func.count()).select_from(Demand)) == 0


def test_a_successful_step_is_committed_before_the_answer_leaves(client, demo_catalog, processes):
    login(client, "machao")
    answer = client.post("/demands/new", data=_demand_form(client, processes))
    assert answer.status_code == 302
    with processes() as s:
        assert s.scalar(select(Demand.wanted_data)) == "残疾人证信息"


def test_a_refused_step_keeps_nothing_it_wrote(client, demo_catalog, processes):
    login(client, "machao")
    answer = client.post("/demands/new", data=_demand_form(client, processes, wanted_data="证", scenario=""))
    assert answer.status_code == 422
    with processes() as s:
        assert s.scalar(select(func.count()).select_from(Demand)) == 0


def test_a_refused_login_still_counts_the_failure(client, sessions):
    answer = client.post(
        "/login", data={"username": "machao", "password": "wrong-password", "csrf_token": csrf_token(client)}
    )
    assert answer.status_code == 401
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(LoginFailure)) == 1
        assert s.scalar(select(AuditEvent.action).where(AuditEvent.action == "session:login_failed"))
