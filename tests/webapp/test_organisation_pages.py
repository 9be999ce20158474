"""Organisation pages: who may open what (sysadmin everything, a unit_admin their unit, others nothing),
and what a clerk sees when the system refuses."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.helpers import csrf_token, deploy_test_process, login, person, text_of, unit
from tests.helpers import complete, open_task, start_case
from workflows.models import AuditEvent, Person
from workflows.organisation import responsibilities, roles
from workflows.organisation.scope import AdminScope

EVERYONE_ELSE = ["machao", "wanglei", "liuyang", "sunhong"]  # applicant, coordinator, modeler, applicant+reviewer


def ids(sessions) -> dict:
    with sessions() as s:
        return {
            "machao": person(s, "machao").id,
            "zhouli": person(s, "zhouli").id,
            "chenjing": person(s, "chenjing").id,
            "mzj": unit(s, "mzj").id,
            "gaj": unit(s, "gaj").id,
        }


def own_unit_pages(i) -> list[str]:
    return [
        "/org/people",
        "/org/people/new",
        f"/org/people/{i['machao']}",
        "/org/units",
        f"/org/units/{i['mzj']}",
        "/org/handovers",
        "/org/people/import",
        "/org/people/export.xlsx",
        "/org/people/template.xlsx",
    ]


def sysadmin_pages(i) -> list[str]:
    return ["/org/logins", "/org/units/new", f"/org/people/{i['zhouli']}", f"/org/units/{i['gaj']}"]


def test_the_sysadmin_opens_every_organisation_page(client, sessions):
    i = ids(sessions)
    login(client, "chenjing")
    for path in own_unit_pages(i) + sysadmin_pages(i):
        assert client.get(path).status_code == 200, path


def test_a_unit_admin_opens_their_units_pages_and_nothing_else(client, sessions):
    i = ids(sessions)
    login(client, "sunjie")
    for path in own_unit_pages(i):
        assert client.get(path).status_code == 200, path
    for path in sysadmin_pages(i):
        assert client.get(path).status_code == 403, path


def test_a_unit_admin_cannot_manage_the_sysadmin_of_their_own_unit(client, sessions):
    i = ids(sessions)
    login(client, "lina")
    assert client.get(f"/org/people/{i['chenjing']}").status_code == 403
    token = csrf_token(client, "/org/people")
    response = client.post(f"/org/people/{i['chenjing']}/reset-password", data={"csrf_token": token})
    assert response.status_code == 403 and "只有系统管理员" in response.get_data(as_text=True)


@pytest.mark.parametrize("username", EVERYONE_ELSE)
def test_everyone_else_is_refused_every_organisation_page(client, sessions, username):
    i = ids(sessions)
    login(client, username)
    for path in own_unit_pages(i) + sysadmin_pages(i):
        assert client.get(path).status_code == 403, path
    assert "组织与人员" not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("username", EVERYONE_ELSE)
def test_everyone_else_changes_nothing(client, sessions, username):
    i = ids(sessions)
    login(client, username)
    token = csrf_token(client, "/")
    for path, data in (
        (f"/org/people/{i['machao']}/reset-password", {}),
        (f"/org/people/{i['machao']}/roles", {"unit_id": i["mzj"], "role": "sysadmin"}),
        ("/org/people/new", {"username": "x1", "display_name": "某", "unit_code": "mzj"}),
        (f"/org/units/{i['mzj']}/responsible", {"kind": "leader_in_charge", "username": "machao"}),
    ):
        assert client.post(path, data=data | {"csrf_token": token}).status_code == 403, path
    with sessions() as s:
        assert s.scalar(select(AuditEvent).where(AuditEvent.action.like("role:%"))) is None


def test_a_unit_admin_cannot_give_the_sysadmin_role(client, sessions):
    i = ids(sessions)
    login(client, "sunjie")
    token = csrf_token(client, f"/org/people/{i['machao']}")
    response = client.post(
        f"/org/people/{i['machao']}/roles", data={"unit_id": i["mzj"], "role": "sysadmin", "csrf_token": token}
    )
    assert response.status_code == 403 and "只有系统管理员" in response.get_data(as_text=True)
    with sessions() as s:
        assert not person(s, "machao").has_role("sysadmin")


def test_the_navigation_shows_organisation_only_to_administrators(client, sessions):
    login(client, "sunjie")
    page = client.get("/").get_data(as_text=True)
    assert "组织与人员" in page and "修改密码" in page
    assert "登录安全" not in client.get("/org/people").get_data(as_text=True)


def test_a_duplicate_username_is_shown_on_the_form_with_what_was_typed(client, sessions):
    login(client, "sunjie")
    token = csrf_token(client, "/org/people/new")
    response = client.post(
        "/org/people/new",
        data={"username": "MaChao", "display_name": "马超二", "unit_code": "mzj", "csrf_token": token},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "用户名：“machao”已被占用" in page and 'value="马超二"' in page
    with sessions() as s:
        assert s.scalar(select(Person).where(Person.display_name == "马超二")) is None


def test_creating_a_person_shows_the_one_time_password_once(client, sessions):
    login(client, "sunjie")
    token = csrf_token(client, "/org/people/new")
    response = client.post(
        "/org/people/new",
        data={
            "username": "zhaoyun",
            "display_name": "赵云",
            "unit_code": "mzj",
            "roles": ["applicant"],
            "csrf_token": token,
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = re.search(r'id="otp">([^<]+)<', page).group(1)
    with sessions() as s:
        assert person(s, "zhaoyun").must_change_password
        assert password not in str([e.after for e in s.scalars(select(AuditEvent))])


def test_removing_the_last_reviewer_shows_the_open_tasks_and_offers_a_hand_over(client, sessions):
    deploy_test_process(sessions)
    case = start_case(sessions)
    complete(sessions, case, "machao", {"purpose": "核对"})
    i = ids(sessions)
    with sessions.begin() as s:
        s.delete(next(m for m in person(s, "sunhong").memberships if m.role == "reviewer"))
        huangtao = person(s, "huangtao").id
    login(client, "chenjing")
    token = csrf_token(client, f"/org/people/{huangtao}")
    response = client.post(
        f"/org/people/{huangtao}/roles/revoke", data={"unit_id": i["gaj"], "role": "reviewer", "csrf_token": token}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "唯一的审核人" in page and "发起" in page and "案件 #" not in page and 'id="successor-form"' in page
    response = client.post(
        f"/org/people/{huangtao}/roles/revoke",
        data={"unit_id": i["gaj"], "role": "reviewer", "successor": "zhouli", "csrf_token": token},
    )
    assert response.status_code == 302
    with sessions() as s:
        assert person(s, "zhouli").has_role("reviewer") and not person(s, "huangtao").has_role("reviewer")


def test_the_workbench_and_the_units_page_flag_a_unit_without_a_leader_in_charge(client, sessions, app):
    with sessions.begin() as s:
        responsibilities.set_holder(
            s, responsibilities.AdminScope.command_line(), unit(s, "mzj").id, "leader_in_charge", ""
        )
        mzj = unit(s, "mzj").id
    login(client, "lina")  # a coordinator, and unit_admin of the bureau only: the flag, no link to 县民政局
    page = client.get("/").get_data(as_text=True)
    assert "责任人未明确的单位（1）" in page and "县民政局</span>：缺分管领导（未指定）" in page
    assert f'href="/org/units/{mzj}"' not in page
    sysadmin = app.test_client()
    login(sysadmin, "chenjing")
    units_page = sysadmin.get("/org/units").get_data(as_text=True)
    assert "1 个单位未明确全部责任人" in units_page and units_page.count('class="text-danger">未指定') == 1


def test_the_login_watch_shows_failed_logins_and_unlocks(client, sessions, app):
    other = app.test_client()
    for _ in range(5):
        login(other, "machao", "guess")
    login(client, "chenjing")
    page = client.get("/org/logins").get_data(as_text=True)
    assert "machao" in page and "已限制" in page and "登录失败" in page
    with sessions() as s:
        machao = person(s, "machao").id
    response = client.post(f"/org/people/{machao}/unlock", data={"csrf_token": csrf_token(client, "/org/logins")})
    assert response.status_code == 302
    assert login(other, "machao").status_code == 302


def test_a_unit_admin_sees_no_link_to_a_person_they_may_not_manage(client, sessions):
    i = ids(sessions)
    login(client, "lina")  # unit_admin of the bureau, where chenjing is the sysadmin
    for path in ("/org/people", f"/org/units/{ids_of_bureau(sessions)}"):
        page = client.get(path).get_data(as_text=True)
        assert "陈静" in page and f'href="/org/people/{i["chenjing"]}"' not in page, path


def ids_of_bureau(sessions) -> int:
    with sessions() as s:
        return unit(s, "zwfw").id


@pytest.mark.parametrize("username", ["chenjing", "sunjie", "lina"])
def test_every_link_of_the_organisation_pages_opens_for_whoever_sees_it(client, sessions, username):
    """A small crawl: from the people page, every same-site link under /org/ answers 200 and shows no Python value."""
    deploy_test_process(sessions)
    complete(sessions, start_case(sessions), "machao", {"purpose": "核对"})
    login(client, username)
    seen, queue = set(), ["/org/people", "/"]
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        assert response.status_code == 200, (username, path, response.status_code)
        if path.endswith(".xlsx"):
            continue
        page = response.get_data(as_text=True)
        assert not re.search(r">\s*(None|True|False)\s*<|\['", page), (username, path)
        links = re.findall(r'href="(/(?:org|account)/[^"#?]*(?:\?[^"#]*)?)"', page)
        queue += [link.replace("&amp;", "&") for link in links if link not in seen]
    assert len(seen) > 8


def test_moving_a_person_says_which_roles_of_the_old_unit_went(client, sessions):
    with sessions() as s:
        sunhong = person(s, "sunhong").id
    login(client, "chenjing")
    assert "调往其他单位时，其在县公安局担任的角色随之取消" in client.get(f"/org/people/{sunhong}").get_data(
        as_text=True
    )
    token = csrf_token(client, f"/org/people/{sunhong}")
    page = client.post(
        f"/org/people/{sunhong}/edit",
        data={"display_name": "孙红", "unit_code": "mzj", "csrf_token": token},
        follow_redirects=True,
    )
    text = page.get_data(as_text=True)
    assert "人员信息已保存" in text and "已取消其在县公安局担任的角色：申请人、审核人" in text
    roles_card = text[text.index('id="person-roles"') :]
    assert "未担任任何角色" in roles_card[: roles_card.index("</ul>")]


def test_a_units_admin_sees_and_removes_a_role_held_there_by_someone_of_another_unit(client, sessions):
    with sessions.begin() as s:
        machao, gaj = person(s, "machao"), unit(s, "gaj")
        roles.grant_role(s, AdminScope.of(person(s, "chenjing")), machao.id, gaj.id, "reviewer")
        machao_id, gaj_id = machao.id, gaj.id
    login(client, "huangtao")
    page = client.get(f"/org/units/{gaj_id}").get_data(as_text=True)
    members = page[page.index('id="unit-members"') :]
    assert "马超" in members and "（现属县民政局）" in members and "取消本单位审核人角色" in members
    assert f'href="/org/people/{machao_id}"' not in members
    response = client.post(
        f"/org/units/{gaj_id}/roles/revoke",
        data={"person_id": machao_id, "role": "reviewer", "csrf_token": csrf_token(client, f"/org/units/{gaj_id}")},
        follow_redirects=True,
    )
    members = response.get_data(as_text=True)
    assert "已取消其在本单位的角色" in members
    assert "马超" not in members[members.index('id="unit-members"') :]


def test_deactivating_someone_with_claimed_tasks_opens_the_hand_over_list(client, sessions):
    deploy_test_process(sessions)
    case = start_case(sessions)
    complete(sessions, case, "machao", {"purpose": "核对"})
    with sessions.begin() as s:
        open_task(s, case).assignee_id = person(s, "sunhong").id
        sunhong, zhouli = person(s, "sunhong").id, person(s, "zhouli").id
    login(client, "chenjing")
    token = csrf_token(client, f"/org/people/{sunhong}")
    response = client.post(f"/org/people/{sunhong}/deactivate", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/org/handovers")
    page = client.get("/org/handovers").get_data(as_text=True)
    assert "账号已停用" in page and "其已认领的 1 项待办尚未办结，已列在下方" in page
    assert "三步审核 2026-" in page[page.index('id="handover-table"') :]
    page = client.post(f"/org/people/{zhouli}/deactivate", data={"csrf_token": token}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "账号已停用" in page and "其名下没有已认领的待办，无需转交" in page and "在下方转交" not in page


def test_a_username_typed_with_capitals_is_saved_in_lower_case_and_the_admin_is_told(client, sessions):
    login(client, "sunjie")
    form = client.get("/org/people/new").get_data(as_text=True)
    assert "大写字母按小写保存（输入 ZhangSan 将保存为 zhangsan）" in form
    response = client.post(
        "/org/people/new",
        data={
            "username": "ZhangSan",
            "display_name": "张三",
            "unit_code": "mzj",
            "csrf_token": csrf_token(client, "/org/people/new"),
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "用户名已按小写保存为 <code>zhangsan</code>（您输入的是“ZhangSan”），登录时请输入 zhangsan" in page
    response = client.post(
        "/org/people/new",
        data={
            "username": "zhaoyun",
            "display_name": "赵云",
            "unit_code": "mzj",
            "csrf_token": csrf_token(client, "/org/people/new"),
        },
    )
    assert 'id="username-lowered"' not in response.get_data(as_text=True)


def test_moving_the_last_reviewer_of_a_unit_with_open_reviews_is_refused_on_the_page(client, sessions):
    deploy_test_process(sessions)
    case = start_case(sessions)
    complete(sessions, case, "machao", {"purpose": "核对"})
    with sessions.begin() as s:
        s.delete(next(m for m in person(s, "sunhong").memberships if m.role == "reviewer"))
        huangtao = person(s, "huangtao").id
    login(client, "chenjing")
    response = client.post(
        f"/org/people/{huangtao}/edit",
        data={"display_name": "黄涛", "unit_code": "mzj", "csrf_token": csrf_token(client, f"/org/people/{huangtao}")},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "不能调往县民政局：调动会取消其在县公安局的角色。" in page and "三步审核 2026-" in page
    with sessions() as s:
        assert person(s, "huangtao").unit.code == "gaj" and person(s, "huangtao").has_role("reviewer")


def test_moving_the_only_catalog_admin_asks_on_the_page_then_the_unit_is_flagged(client, sessions, app):
    with sessions() as s:
        sunjie = person(s, "sunjie").id
    login(client, "chenjing")
    token = csrf_token(client, f"/org/people/{sunjie}")
    typed = {"display_name": "孙杰", "unit_code": "gaj", "position": "科长", "email": "", "csrf_token": token}
    asked = client.post(f"/org/people/{sunjie}/edit", data=typed)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 409
    assert "把孙杰调往县公安局会使县民政局失去唯一的目录管理员、科室负责人，请确认后再办理" in text_of(asked)
    confirm = page[page.index('id="confirm-loss"') : page.index("</form>", page.index('id="confirm-loss"'))]
    assert '<input type="hidden" name="unit_code" value="gaj">' in confirm and 'name="confirmed" value="1"' in confirm
    with sessions() as s:
        assert person(s, "sunjie").unit.code == "mzj"  # asking changed nothing
    done = client.post(f"/org/people/{sunjie}/edit", data=typed | {"confirmed": "1"}, follow_redirects=True)
    assert "县民政局的科室负责人已空缺，请在单位页面重新指定" in text_of(done)
    assert "1 个单位未明确全部责任人（第一责任人、分管领导、科室负责人）或没有目录管理员" in text_of(
        client.get("/org/units")
    )
    coordinator = app.test_client()
    login(coordinator, "wanglei")
    assert "县民政局 ：缺科室负责人（未指定）、目录管理员（无在用人员）" in text_of(coordinator.get("/"))


def test_a_refused_edit_of_a_person_keeps_what_was_typed(client, sessions):
    with sessions() as s:
        sunjie = person(s, "sunjie").id
    login(client, "chenjing")
    refused = client.post(
        f"/org/people/{sunjie}/edit",
        data={
            "display_name": "孙杰杰",
            "unit_code": "mzj",
            "position": "副科长",
            "email": "sunjie@@x",
            "csrf_token": csrf_token(client, f"/org/people/{sunjie}"),
        },
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "邮箱" in text_of(refused)
    assert 'value="孙杰杰"' in page and 'value="副科长"' in page and 'value="sunjie@@x"' in page
    with sessions() as s:
        assert person(s, "sunjie").display_name == "孙杰"  # nothing of the refused edit saved
