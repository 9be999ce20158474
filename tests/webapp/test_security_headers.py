"""Every answer tells the browser to run only our own scripts, never to be framed, and to keep URLs to this site."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Response

from tests.helpers import login, serving
from webapp import hardening
from workflows.organisation import accounts

TEMPLATES = Path(__file__).resolve().parents[2] / "webapp" / "templates"
EXPECTED = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; "
        "form-action 'self'; object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


def assert_protected(response, what: str) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, f"{what}: {name}"


def _parameterless_get_rules(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "auth.logout":
            yield rule.rule


def test_every_page_a_person_can_open_carries_the_headers(app, client, demo_catalog):
    assert_protected(client.get("/login"), "/login")
    assert_protected(client.get("/"), "/ before login")
    login(client, "lina")
    paths = list(_parameterless_get_rules(app))
    assert len(paths) > 15
    for path in paths:
        assert_protected(client.get(path), path)


def test_api_answers_errors_and_static_files_carry_the_headers(client, sessions):
    with sessions.begin() as s:
        raw = accounts.create_token(s, "lina")
    bearer = {"Authorization": f"Bearer {raw}"}
    answers = {
        "api list": client.get("/api/v1/tasks", headers=bearer),
        "api 401": client.get("/api/v1/tasks"),
        "api 404": client.get("/api/v1/nothing-here", headers=bearer),
        "openapi": client.get("/api/v1/openapi.json"),
        "page 404": client.get("/no-such-page"),
        "csrf 400": client.post("/login", data={"username": "lina"}),
        "static": client.get("/static/app.css"),
        "health": client.get("/healthz"),
    }
    for what, response in answers.items():
        assert_protected(response, what)


def test_a_stricter_policy_chosen_by_a_view_is_kept(app):
    with app.test_request_context("/"):
        download = Response("<x/>", headers={"Content-Security-Policy": "sandbox; default-src 'none'"})
        assert (
            hardening.add_security_headers(download).headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
        )
        assert download.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_template_carries_inline_script(path):
    html = path.read_text(encoding="utf-8")
    assert not re.findall(r"<script\b(?![^>]*\bsrc=)[^>]*>", html, re.I), "move the script to webapp/static/*.js"
    assert not re.findall(r"<[a-z][^>]*\son[a-z]+\s*=", html, re.I), "use addEventListener in webapp/static/*.js"
    assert "javascript:" not in html.lower()


def _app_with_env(monkeypatch, database_url, **env):
    from webapp import create_app

    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test-secret"})


def _session_cookie_header(app, sessions) -> str:
    with serving(app, sessions):
        response = login(app.test_client(), "lina")
    assert response.status_code == 302
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))


def test_cookies_are_secure_when_the_public_address_is_https(monkeypatch, database_url, sessions):
    app = _app_with_env(monkeypatch, database_url, PUBLIC_BASE_URL="https://data.xiayi.gov.example")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert "; Secure" in _session_cookie_header(app, sessions)


def test_cookies_are_not_secure_on_a_plain_http_demo(monkeypatch, database_url, sessions):
    app = _app_with_env(monkeypatch, database_url, PUBLIC_BASE_URL="http://127.0.0.1:5000")
    assert "Secure" not in _session_cookie_header(app, sessions)


def test_an_explicit_session_cookie_secure_setting_wins(monkeypatch, database_url, sessions):
    app = _app_with_env(
        monkeypatch, database_url, PUBLIC_BASE_URL="https://data.xiayi.gov.example", SESSION_COOKIE_SECURE="false"
    )
    assert not app.config["SESSION_COOKIE_SECURE"]
    app = _app_with_env(monkeypatch, database_url, SESSION_COOKIE_SECURE="true")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
