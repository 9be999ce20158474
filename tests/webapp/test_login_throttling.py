"""Guessing is slowed per account and per address, never locks a person out for good, and tells no one which names exist."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests.helpers import at, csrf_token, inbox_subjects, login, run_command, serving, text_of
from workflows import clock
from workflows.models import AuditEvent, LoginFailure, Person

OFFICE, HOME, CAFE = "10.20.0.5", "10.30.0.9", "203.0.113.50"
SPRAYED = "Xiayi@2026"


@pytest.fixture
def moment():
    """The clock, stopped now, moved on by the test (never slept)."""
    with time_machine.travel(clock.now(), tick=False) as traveller:
        yield traveller


def attempt(client, username: str, password: str = "Demo@2026", address: str = OFFICE, headers=None):
    """A login from that address; the client stays there (a session is bound to its address)."""
    client.environ_base["REMOTE_ADDR"] = address
    token = csrf_token(client)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}, headers=headers or {}
    )


def message(response) -> str:
    return re.search(r'role="alert">\s*(.*?)\s*<button', response.get_data(as_text=True), re.S).group(1)


def fail(client, username: str, times: int, address: str = OFFICE) -> list:
    return [attempt(client, username, "wrong-password", address) for _ in range(times)]


def test_five_wrong_passwords_make_that_address_wait_30_seconds_then_the_right_one_logs_in(client, moment):
    answers = fail(client, "machao", 5, OFFICE)
    assert [r.status_code for r in answers] == [401] * 5
    assert message(answers[-1]) == "用户名或密码错误；失败次数较多，请 30 秒后再试"

    too_soon = attempt(client, "machao", address=OFFICE)
    assert too_soon.status_code == 429 and too_soon.headers["Retry-After"] == "30"
    assert message(too_soon) == "该账号登录失败次数过多，请 30 秒后再试；如忘记密码，请联系系统管理员重置"

    moment.shift(timedelta(seconds=31))
    assert attempt(client, "machao", address=OFFICE).status_code == 302
    assert client.get("/").status_code == 200


def test_machao_at_the_office_logs_in_at_once_while_someone_at_a_cafe_guesses_his_password(app, client, moment):
    guesses = fail(app.test_client(), "machao", 8, CAFE)
    assert guesses[-1].status_code == 429  # the guesser waits
    assert attempt(client, "machao", address=OFFICE).status_code == 302
    assert client.get("/").status_code == 200
    assert attempt(app.test_client(), "machao", address=CAFE).status_code == 429  # his login forgave only the office


def test_an_office_behind_one_address_is_not_locked_out_by_a_few_colleagues_typos(client, moment):
    for username in ("machao", "sunjie", "lina", "wanglei", "liuyang"):
        assert [r.status_code for r in fail(client, username, 5, OFFICE)] == [401] * 5  # 25 failures, 5 accounts
    assert attempt(client, "huangtao", address=OFFICE).status_code == 302


def test_a_hundred_failures_in_a_day_tell_every_sysadmin_once_and_show_on_the_login_security_page(
    app, client, sessions, moment, monkeypatch
):
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_ALERT_FAILURES", 10)  # the default, 100, as NIST suggests
    subject = "【登录安全】账号 lina 24 小时内登录失败 10 次"
    for n in range(1, 10):
        fail(app.test_client(), "lina", 1, f"198.51.100.{n}")
    assert inbox_subjects(sessions, "chenjing") == []
    fail(app.test_client(), "lina", 1, "198.51.100.10")
    assert inbox_subjects(sessions, "chenjing") == [subject]
    fail(app.test_client(), "lina", 5, "198.51.100.11")
    assert inbox_subjects(sessions, "chenjing") == [subject]  # once a day per account

    login(client, "chenjing")
    row = text_of(client.get("/org/logins")).split("lina", 1)[1]
    assert "15 11 个" in row and "24 小时内失败达到上限，已通知系统管理员" in row  # 15 failures from 11 addresses

    assert attempt(app.test_client(), "lina", address=OFFICE).status_code == 302  # lina herself is not locked out
    moment.shift(timedelta(days=1, minutes=1))
    fail(app.test_client(), "lina", 5, "198.51.100.12")
    fail(app.test_client(), "lina", 5, "198.51.100.13")
    assert inbox_subjects(sessions, "chenjing") == [subject, subject]


def test_the_wait_doubles_with_every_further_failure_and_a_good_login_resets_it(client, moment):
    fail(client, "machao", 5)
    moment.shift(timedelta(seconds=30))
    sixth = attempt(client, "machao", "still-wrong")
    assert sixth.status_code == 401 and message(sixth).endswith("请 1 分钟后再试")
    moment.shift(timedelta(seconds=59))
    assert attempt(client, "machao").status_code == 429
    moment.shift(timedelta(seconds=1))
    seventh = attempt(client, "machao", "wrong-again")
    assert message(seventh).endswith("请 2 分钟后再试")

    moment.shift(timedelta(minutes=2))
    assert attempt(client, "machao").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert message(attempt(client, "machao", "typo")) == "用户名或密码错误"


def test_a_patient_guesser_settles_at_one_try_per_window(client, moment):
    fail(client, "machao", 4)
    waits = []
    for _ in range(8):
        refused = message(attempt(client, "machao", "another-guess"))
        waits.append(re.search(r"请 (\d+ (?:秒|分钟))后再试", refused).group(1))
        moment.shift(timedelta(seconds=int(waits[-1].split()[0]) * (1 if "秒" in waits[-1] else 60)))
    assert waits == ["30 秒", "1 分钟", "2 分钟", "4 分钟", "8 分钟", "15 分钟", "15 分钟", "15 分钟"]


def test_failures_on_one_account_do_not_slow_another_account_from_the_same_address(client, moment):
    fail(client, "machao", 6)
    response = attempt(client, "sunjie", address=OFFICE)
    assert response.status_code == 302


def test_spraying_one_password_across_25_usernames_from_one_address_is_stopped(app, client, sessions, moment):
    with sessions() as s:
        usernames = list(s.scalars(select(Person.username).order_by(Person.id).limit(25)))
    answers = [attempt(client, name, SPRAYED, CAFE) for name in usernames]

    assert [r.status_code for r in answers] == [401] * 20 + [429] * 5
    assert message(answers[-1]) == (
        "您所在网络的登录失败次数过多，请 15 分钟后再试；" "如多人共用网络受到影响，请联系系统管理员"
    )
    assert attempt(client, "lina", address=CAFE).status_code == 429  # even the right password waits
    with sessions() as s:
        assert s.scalar(select(LoginFailure.id).where(LoginFailure.address == CAFE).limit(1)) is not None
        assert len(list(s.scalars(select(LoginFailure).where(LoginFailure.address == CAFE)))) == 20

    assert attempt(app.test_client(), "lina", address=OFFICE).status_code == 302  # elsewhere nobody waits
    moment.shift(timedelta(minutes=15, seconds=1))
    assert attempt(client, "lina", address=CAFE).status_code == 302


def test_failed_and_throttled_logins_are_audited_without_the_password(client, sessions, moment):
    fail(client, "machao", 5, CAFE)
    attempt(client, "machao", address=CAFE)
    with sessions() as s:
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.action.like("session:%")).order_by(AuditEvent.id)))
    assert [e.action for e in events] == ["session:login_failed"] * 5 + ["session:throttled"]
    assert events[0].after == {"username": "machao", "address": CAFE}
    assert events[-1].after == {"username": "machao", "address": CAFE, "scope": "account", "wait_seconds": 30}
    assert all("wrong-password" not in str(e.after) and "Demo@2026" not in str(e.after) for e in events)


def test_an_unknown_username_is_answered_exactly_like_a_wrong_password(client, moment):
    for n in range(1, 7):
        known = attempt(client, "lina", "wrong-password", OFFICE)
        unknown = attempt(client, "lina-nobody", "wrong-password", HOME)
        assert (known.status_code, message(known)) == (unknown.status_code, message(unknown)), f"attempt {n}"
        assert known.headers.get("Retry-After") == unknown.headers.get("Retry-After")


def test_an_unknown_or_inactive_username_costs_the_same_scrypt_as_a_known_one(client, sessions, monkeypatch):
    real_scrypt, calls = hashlib.scrypt, []

    def counting_scrypt(password, **params):
        calls.append((params["n"], params["r"], params["p"]))
        return real_scrypt(password, **params)

    monkeypatch.setattr(hashlib, "scrypt", counting_scrypt)
    attempt(client, "lina", "wrong-password")
    known = calls[:]
    with sessions.begin() as s:
        s.scalar(select(Person).where(Person.username == "wanglei")).active = False
    for username, password in (("nobody-here", "Demo@2026"), ("wanglei", "wrong-password")):
        calls.clear()
        response = attempt(client, username, password)
        assert response.status_code == 401 and message(response) == "用户名或密码错误"
        assert calls and calls[-1] == known[-1] == (2**15, 8, 1)


def test_a_deactivated_person_who_types_the_right_password_is_told_the_account_is_deactivated(client, sessions):
    with sessions.begin() as s:
        s.scalar(select(Person).where(Person.username == "wanglei")).active = False
    response = attempt(client, "wanglei", "Demo@2026", HOME)
    assert response.status_code == 403
    assert message(response) == "您的账号已停用，不能登录。如需恢复，请联系本单位目录管理员或系统管理员"
    assert client.get("/").status_code == 302  # still not logged in
    with sessions() as s:
        assert s.scalar(select(LoginFailure.id).where(LoginFailure.username == "wanglei")) is None
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "session:deactivated_login"))
        assert event.after == {"username": "wanglei", "address": HOME}


def test_x_forwarded_for_is_ignored_without_a_trusted_proxy(client, sessions):
    attempt(client, "machao", "wrong", address="127.0.0.1", headers={"X-Forwarded-For": "198.51.100.7"})
    with sessions() as s:
        assert s.scalar(select(LoginFailure.address)) == "127.0.0.1"


def test_x_forwarded_for_gives_the_address_behind_one_trusted_proxy(database_url, sessions):
    from webapp import create_app

    behind_proxy = create_app(
        {"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test-secret", "TRUSTED_PROXY_COUNT": 1}
    )
    with serving(behind_proxy, sessions):
        attempt(
            behind_proxy.test_client(),
            "machao",
            "wrong",
            address="10.0.0.1",
            headers={"X-Forwarded-For": "198.51.100.99, 198.51.100.7"},
        )  # the first part is the client's to forge
    with sessions() as s:
        assert s.scalar(select(LoginFailure.address)) == "198.51.100.7"


def test_failed_logins_past_their_retention_are_deleted_by_the_periodic_pass_and_stay_in_the_audit(
    app, client, sessions, monkeypatch
):
    monkeypatch.setitem(app.config, "LOGIN_FAILURE_RETENTION_DAYS", 7)
    with at("2026-03-01T10:00:00"):
        fail(client, "machao", 2, CAFE)
    with at("2026-03-08T09:00:00"):
        fail(client, "lina", 1, OFFICE)
    output = run_command(app, "tick", "--now", "2026-03-08T10:01:00+08:00").output
    assert "清除过期的登录失败记录 2 条" in output
    with sessions() as s:
        assert list(s.scalars(select(LoginFailure.username))) == ["lina"]
        assert len(s.scalars(select(AuditEvent).where(AuditEvent.action == "session:login_failed")).all()) == 3

    monkeypatch.setitem(app.config, "LOGIN_FAILURE_RETENTION_DAYS", 0)  # too short: throttling still reads a day
    assert "清除过期的登录失败记录 0 条" in run_command(app, "tick", "--now", "2026-03-08T10:02:00+08:00").output
