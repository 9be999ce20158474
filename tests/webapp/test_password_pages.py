"""A one-time password leads to the password change before anything else; a deactivated person cannot log in."""

from __future__ import annotations

from sqlalchemy import select

from tests.helpers import at, csrf_token, login, person, text_of
from workflows.models import AuditEvent
from workflows.organisation import people
from workflows.organisation.scope import AdminScope


def reset(sessions, username: str) -> str:
    with sessions.begin() as s:
        return people.reset_password(s, AdminScope.command_line(), person(s, username).id)


def change(client, current: str, new: str, repeated: str | None = None):
    token = csrf_token(client, "/account/password")
    return client.post(
        "/account/password", data={"current": current, "new": new, "repeated": repeated or new, "csrf_token": token}
    )


def test_after_a_one_time_password_every_page_leads_to_the_password_change(client, sessions):
    password = reset(sessions, "machao")
    assert login(client, "machao", password).status_code == 302
    for path in ("/", "/catalog/", "/tasks/", "/account/tokens"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/account/password", path
    page = client.get("/account/password").get_data(as_text=True)
    assert "您正在使用一次性密码登录" in page and "一次性密码" in page


def test_a_weak_new_password_is_refused_and_the_person_stays_on_the_change(client, sessions):
    password = reset(sessions, "machao")
    login(client, "machao", password)
    response = change(client, password, "machao2026")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "至少三类" in page and "不能包含用户名" in page
    assert client.get("/").headers["Location"] == "/account/password"


def test_the_new_password_opens_the_system_and_the_old_one_no_longer_works(client, sessions, app):
    password = reset(sessions, "machao")
    login(client, "machao", password)
    response = change(client, password, "Qiu-Shui7Lan")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200  # still logged in in this browser
    other = app.test_client()
    assert login(other, "machao", password).status_code == 401
    assert login(other, "machao", "Qiu-Shui7Lan").status_code == 302


def test_anyone_changes_their_own_password_from_the_menu(client, sessions):
    login(client, "machao")
    assert "修改密码" in client.get("/").get_data(as_text=True)
    assert change(client, "Demo@2026", "Qiu-Shui7Lan").status_code == 302
    with sessions() as s:
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "person:password_changed")) is not None


def test_a_wrong_current_password_is_counted_and_shown(client, sessions):
    login(client, "machao")
    response = change(client, "guess", "Qiu-Shui7Lan")
    assert response.status_code == 422 and "当前密码：不正确" in response.get_data(as_text=True)
    with sessions() as s:
        failed = s.scalar(select(AuditEvent).where(AuditEvent.action == "session:login_failed"))
        assert failed.subject_id == "machao" and failed.after["during"] == "password_change"


def test_a_deactivated_person_cannot_log_in_and_their_session_ends(client, sessions, app):
    login(client, "machao")
    assert client.get("/").status_code == 200
    admin = app.test_client()
    login(admin, "sunjie")
    with sessions() as s:
        machao = person(s, "machao").id
    token = csrf_token(admin, f"/org/people/{machao}")
    assert admin.post(f"/org/people/{machao}/deactivate", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302  # the open session has ended
    response = login(client, "machao")  # the right password: told why, since only machao knows it
    assert response.status_code == 403 and "您的账号已停用，不能登录" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_an_empty_password_change_names_each_empty_field_by_its_label(client, sessions):
    password = reset(sessions, "machao")
    login(client, "machao", password)
    response = client.post(
        "/account/password",
        data={"current": "", "new": "", "repeated": "", "csrf_token": csrf_token(client, "/account/password")},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "一次性密码：必填" in page and "新密码：必填" in page and "再次输入新密码：必填" in page
    assert "当前密码" not in page
    response = change(client, "Wrong-0ne-time", "Qiu-Shui7Lan")
    assert "一次性密码：不正确" in response.get_data(as_text=True)
    with sessions() as s:
        assert len(s.scalars(select(AuditEvent).where(AuditEvent.action == "session:login_failed")).all()) == 1


def test_a_login_with_empty_fields_asks_for_them(client, sessions):
    for username, password, asked in (
        ("", "", "请输入用户名和密码"),
        ("machao", "", "请输入密码"),
        ("", "Demo@2026", "请输入用户名"),
    ):
        response = client.post(
            "/login", data={"username": username, "password": password, "csrf_token": csrf_token(client)}
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and asked in page and "用户名或密码错误" not in page
    with sessions() as s:
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "session:login_failed")) is None


def test_a_one_time_password_opens_the_account_for_72_hours_then_asks_for_a_new_one(app, client, sessions):
    with at("2026-03-02T09:00:00"):
        password = reset(sessions, "machao")
    with at("2026-03-05T08:59:00"):
        assert login(app.test_client(), "machao", password).status_code == 302
    with at("2026-03-05T09:01:00"):
        response = login(client, "machao", password)
    assert response.status_code == 403
    assert (
        "您的一次性密码已过期（一次性密码 72 小时内有效），不能再用于登录。"
        "请联系本单位目录管理员或系统管理员重新生成一次性密码"
    ) in text_of(response)
    assert client.get("/").status_code == 302
    with sessions() as s:
        assert s.scalar(select(AuditEvent.action).where(AuditEvent.action == "session:one_time_password_expired"))


def test_the_lifetime_of_one_time_passwords_is_a_setting_and_a_chosen_password_never_expires(
    app, client, sessions, monkeypatch
):
    monkeypatch.setitem(app.config, "ONE_TIME_PASSWORD_HOURS", 24)
    with at("2026-03-02T09:00:00"):
        machao_once, sunjie_once = reset(sessions, "machao"), reset(sessions, "sunjie")
        login(client, "machao", machao_once)
        assert change(client, machao_once, "Xiayi#Minzheng8").status_code == 302
    with at("2026-03-03T09:01:00"):
        assert login(app.test_client(), "machao", "Xiayi#Minzheng8").status_code == 302
        response = login(app.test_client(), "sunjie", sunjie_once)
    assert response.status_code == 403 and "一次性密码 24 小时内有效" in text_of(response)
