"""Sysadmins keep the holiday table; coordinators and sysadmins read the audit trail."""

import io
import re

from tests.helpers import (
    SCHEDULE_2027_AFTER_NEW_YEAR,
    apply,
    confirm_calendar_preview,
    csrf_token,
    decide,
    login,
    person,
    text_of,
    unit,
)
from workflows.organisation import people, responsibilities, roles
from workflows.organisation.scope import AdminScope


def test_an_applicant_cannot_open_the_audit_trail(client):
    login(client, "machao")
    response = client.get("/admin/audit")
    assert response.status_code == 403
    assert "系统管理员" in response.get_data(as_text=True)


def test_the_sysadmin_filters_the_audit_trail_by_action(client):
    login(client, "lina", "wrong")
    login(client, "chenjing")
    page = client.get("/admin/audit?action=session:login").get_data(as_text=True)
    table = page[page.index('id="audit-table"') :]
    assert 'value="session:login" selected' in page and "陈静" in table and "登录" in table
    assert "载入演示数据" not in table and "登录失败" not in table


def test_the_audit_trail_filters_by_a_status_change_such_as_approval(client, ready):
    decide(ready, apply(ready), decision="approve")
    login(client, "chenjing")
    page = client.get("/admin/audit?action=application:approved").get_data(as_text=True)
    table = page[page.index('id="audit-table"') :]
    assert 'value="application:approved" selected' in page and ">申请：已通过</option>" in page
    assert "申请：已通过" in table and "县民政局申请「户籍人口基本信息」" in table and "提交申请" not in table


def test_the_audit_trail_shows_and_filters_the_unit_each_person_acted_for(client, ready, sessions):
    app_id = apply(ready)
    with ready.begin() as s:
        person(s, "huangtao").unit_id = unit(s, "mzj").id  # moved since, still a reviewer of 县公安局
    decide(ready, app_id, decision="approve")
    with sessions() as s:
        gaj = unit(s, "gaj").id
    login(client, "chenjing")
    page = client.get(f"/admin/audit?unit={gaj}").get_data(as_text=True)
    table = page[page.index('id="audit-table"') :]
    assert "<th>代表单位</th>" in page and f'<option value="{gaj}" selected>县公安局</option>' in page
    assert re.search(r"<td>黄涛（县民政局）</td>\s*<td>县公安局</td>\s*<td>办理任务</td>", table)
    assert "提交申请" not in table
    everything = client.get("/admin/audit").get_data(as_text=True)
    assert re.search(r"<td>马超（县民政局）</td>\s*<td>县民政局</td>\s*<td>提交申请</td>", everything)


def test_a_bad_date_filter_explains_the_format_by_its_label_and_lists_no_events(client):
    login(client, "chenjing")
    assert "<td>陈静" in client.get("/admin/audit?action=session:login").get_data(as_text=True)
    page = client.get("/admin/audit?action=session:login&since=yesterday").get_data(as_text=True)
    assert "开始日期：“yesterday”不是有效日期，请按 2026-12-31 的格式填写" in page and "<td>陈静" not in page


def test_the_calendar_page_shows_the_2026_holidays(client):
    login(client, "chenjing")
    page = client.get("/admin/calendar?year=2026").get_data(as_text=True)
    assert "春节" in page and "2026-02-14" in page and "调休上班" in page
    assert "provisional-warning" not in page


def test_a_sysadmin_previews_the_2027_schedule_and_it_is_imported_only_once_confirmed(client):
    login(client, "chenjing")
    assert "provisional-warning" in client.get("/admin/calendar?year=2027").get_data(as_text=True)
    text = "date,kind,name\n2027-01-01,holiday,元旦\n" + SCHEDULE_2027_AFTER_NEW_YEAR
    data = {
        "year": "2027",
        "csrf_token": csrf_token(client, "/admin/calendar?year=2027"),
        "file": (io.BytesIO(text.encode()), "2027.csv"),
    }
    preview = client.post("/admin/calendar/import", data=data).get_data(as_text=True)
    assert "确认导入 2027 年作息安排" in preview and "尚未导入，现有安排没有任何改变" in preview
    assert "法定节假日：0 天 → 25 天" in preview and "新增或改变 25 天，取消 0 天" in preview
    assert "2027 年目前为临时安排" in preview and "2027-02-06" in preview
    assert "provisional-warning" in client.get("/admin/calendar?year=2027").get_data(as_text=True)
    page = confirm_calendar_preview(client, preview).get_data(as_text=True)
    assert "已导入" in page and "provisional-warning" not in page and "元旦" in page
    exported = client.get("/admin/calendar/2027.csv").get_data(as_text=True)
    assert "2027-01-01,holiday,元旦" in exported and "2027-02-06,holiday,春节" in exported


def test_a_one_line_year_file_is_refused_loudly_and_the_year_stays_as_it_was(client):
    login(client, "chenjing")
    data = {
        "year": "2026",
        "csrf_token": csrf_token(client, "/admin/calendar"),
        "file": (io.BytesIO("date,kind,name\n2026-01-01,holiday,元旦\n".encode()), "2026.csv"),
    }
    page = client.post("/admin/calendar/import", data=data, follow_redirects=True).get_data(as_text=True)
    assert "2026 年作息安排未导入：文件不完整" in page and "法定节假日只有 1 天" in page
    assert "没有名称含“春节”的法定节假日" in page and "确认替换" not in page
    assert "2026-02-14" in client.get("/admin/calendar?year=2026").get_data(as_text=True)


def test_a_bad_calendar_upload_keeps_the_old_schedule_and_says_which_row(client):
    login(client, "chenjing")
    data = {
        "year": "2026",
        "csrf_token": csrf_token(client, "/admin/calendar"),
        "file": (io.BytesIO(b"date,kind,name\n2026-02-30,holiday,x\n"), "bad.csv"),
    }
    page = client.post("/admin/calendar/import", data=data, follow_redirects=True).get_data(as_text=True)
    assert "第2行" in page and "春节" in page


def test_only_sysadmins_manage_the_calendar(client):
    login(client, "lina")
    assert client.get("/admin/calendar").status_code == 403


def test_organisation_changes_read_in_chinese_in_the_audit_trail(client, sessions):
    with sessions.begin() as s:
        admin = AdminScope.of(person(s, "chenjing"))
        sunhong, mzj, gaj = person(s, "sunhong"), unit(s, "mzj"), unit(s, "gaj")
        created, _ = people.create_person(
            s,
            admin,
            people.PersonInput(
                username="zhaoyun", display_name="赵云", unit_code="mzj", roles=["applicant", "reviewer"]
            ),
        )
        roles.grant_role(s, admin, sunhong.id, gaj.id, "unit_admin")
        people.update_person(s, admin, created.id, people.PersonInput(display_name="赵云", unit_code="czj"))
        people.reset_password(s, admin, created.id)
        people.deactivate_person(s, admin, created.id)
        responsibilities.set_holder(s, admin, mzj.id, "first_responsible", "sunjie")
    login(client, "chenjing")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "chenjing")
    page = client.get("/admin/audit").get_data(as_text=True)
    table = page[page.index('id="audit-table"') :]
    for label in ("新建人员", "授予角色", "修改人员信息", "重置密码", "停用账号", "设置责任人", "退出登录"):
        assert label in table, label
    assert "其他操作" not in table and "其他：" not in table
    for shown in (
        "申请人、审核人",
        "目录管理员",
        "县民政局 → 县财政局",
        "第一责任人",
        "启用 → 停用",
        "本人退出登录",
        "孙杰（sunjie）",
        "人员 赵云",
    ):
        assert shown in table, shown
    words = set(re.findall(r"(?<![\w@.])[a-z_]{3,}(?![\w@.])", re.sub(r"<[^>]+>", " ", table)))
    assert not words & {
        "applicant",
        "reviewer",
        "unit_admin",
        "mzj",
        "czj",
        "first_responsible",
        "logout",
        "true",
        "false",
        "deactivated",
        "password_reset",
    }
    options = page[page.index('name="action"') : page.index("</select>", page.index('name="action"'))]
    for label in ("授予角色", "取消角色", "迁移案件", "保存流程草稿", "管理员转交任务", "重置密码"):
        assert label in options, label


def test_an_audit_page_past_the_last_says_so_and_leads_to_the_last_page(client):
    login(client, "chenjing")
    past = text_of(client.get("/admin/audit?page=9999"))
    assert "第 9999 页已超过最后一页" in past and "转到最后一页" in past
