"""Small helpers the tests share: the demo people and units by name, test processes."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from workflows import engine as wf_engine
from workflows.engine import lint
from workflows.models import Person, Unit

BPMN_DIR = Path(__file__).parent / "workflows" / "bpmn"


def person(session, username: str) -> Person:
    return session.scalar(select(Person).where(Person.username == username))


def unit(session, code: str) -> Unit:
    return session.scalar(select(Unit).where(Unit.code == code))


def deploy_test_process(sessions, name: str = "three_step.bpmn", xml: str | None = None,
                        note: str = "测试用的新版本"):
    with sessions.begin() as session:
        source = xml if xml is not None else (BPMN_DIR / name).read_text(encoding="utf-8")
        return wf_engine.deploy(session, source, lint.load_forms(BPMN_DIR / "forms"), None, note).version.version


def csrf_token(client, path: str = "/login") -> str:
    import re

    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def login(client, username: str, password: str = "Demo@2026"):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_token(client)})
