"""People log in with their password, see their workbench, and programs use revocable tokens."""

from tests.helpers import csrf_token, login
from workflows.organisation import accounts


def test_the_login_page_speaks_chinese(client):
    page = client.get("/login").get_data(as_text=True)
    assert "登录" in page and "用户名" in page and "密码" in page


def test_pages_need_a_login(client):
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_person_logs_in_and_sees_units_roles_and_responsibility(client):
    response = login(client, "lina")
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "我的工作台" in page and "李娜" in page
    assert "县政务服务和大数据管理局" in page
    for label in ("协调员（县大数据局）", "目录管理员", "申请人", "审核人"):
        assert label in page
    assert "科室负责人" in page


def test_a_username_typed_with_capitals_logs_in_as_it_was_saved_in_lower_case(client):
    assert login(client, " MaChao ").status_code == 302
    assert "马超" in client.get("/").get_data(as_text=True)


def test_failures_under_differently_capitalised_names_count_for_one_account(client):
    for name in ("machao", "MaChao", "MACHAO", "Machao", "mAchao"):
        login(client, name, "wrong")
    assert login(client, "machao").status_code == 429


def test_a_wrong_password_is_refused_with_a_clear_message(client):
    response = login(client, "lina", "wrong")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_repeated_failures_lock_the_login_for_a_while(client):
    for _ in range(5):
        login(client, "machao", "wrong")
    response = login(client, "machao")
    assert response.status_code == 429
    assert "登录失败次数过多" in response.get_data(as_text=True)


def test_a_form_without_its_csrf_token_is_rejected(client):
    response = client.post("/login", data={"username": "lina", "password": "Demo@2026"})
    assert response.status_code == 400
    assert "请刷新页面后重新提交" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_logout_ends_the_session(client):
    login(client, "lina")
    token = csrf_token(client, "/")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_logout_without_csrf_token_is_refused(client):
    login(client, "lina")
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200


def test_an_api_token_is_accepted_until_it_is_revoked(client, sessions):
    with sessions.begin() as s:
        raw = accounts.create_token(s, "lina")
    headers = {"Authorization": f"Bearer {raw}"}
    response = client.get("/api/v1/tasks", headers=headers)
    assert response.status_code == 200 and response.get_json() == {"items": []}
    login(client, "lina")
    page = client.get("/account/tokens").get_data(as_text=True)
    assert raw[:10] in page
    with sessions() as s:
        token_id = accounts.tokens_of(s, accounts.person_for_token(s, raw).id)[0].id
    client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(client, "/account/tokens")})
    response = client.get("/api/v1/tasks", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["code"] == "unauthorized"


def test_the_api_refuses_missing_and_bad_tokens_in_chinese(client):
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/tasks", headers=headers)
        assert response.status_code == 401
        assert "令牌" in response.get_json()["message"]


def test_a_person_creates_a_token_on_the_tokens_page(client):
    login(client, "machao")
    page = client.post("/account/tokens", data={"csrf_token": csrf_token(client, "/account/tokens")}).get_data(
        as_text=True
    )
    assert "只显示这一次" in page
    import re

    raw = re.search(r'id="new-token">([^<]+)<', page).group(1)
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {raw}"}).status_code == 200


def test_an_unknown_api_path_answers_json(client, sessions):
    with sessions.begin() as s:
        raw = accounts.create_token(s, "lina")
    response = client.get("/api/v1/nothing-here", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"
