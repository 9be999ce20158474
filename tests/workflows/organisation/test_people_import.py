"""People and roles in Excel: the export imports back unchanged; a preview shows every change; one bad row, nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.helpers import people_workbook as workbook
from tests.helpers import person
from tests.workflows.organisation.conftest import scope_of
from workflows.errors import NotFound, ValidationFailed
from workflows.models import AuditEvent, PeopleImport, Person
from workflows.organisation import people_excel, people_import
from workflows.organisation.passwords import verify_password


def exported(session, username: str) -> bytes:
    return people_excel.export_workbook(session, scope_of(session, username))


def test_a_units_export_imports_back_with_no_change(sessions):
    with sessions.begin() as s:
        data = exported(s, "sunjie")
        rows = people_excel.read_rows(data)
        assert [r.values["username"] for r in rows] == ["wugang", "xufang", "sunjie", "machao", "zhuxia"]
        assert rows[2].values["roles"] == "审核人；目录管理员"
        shown = people_import.preview(s, scope_of(s, "sunjie"), "民政局.xlsx", data)
        assert {c.action for c in shown.changes} == {"无变化"}


def test_the_preview_shows_each_change_and_the_confirmation_applies_it(sessions):
    with sessions.begin() as s:
        data = workbook(
            [
                ["zhaoyun", "赵云", "mzj", "科员", "", "申请人", "在用"],
                ["machao", "马超", "mzj", "副科长", "", "申请人；审核人", ""],
            ]
        )
        # machao's email is left blank: the preview says it will be cleared
        shown = people_import.preview(s, scope_of(s, "sunjie"), "新人.xlsx", data)
        assert [(c.username, c.action, c.lines) for c in shown.changes] == [
            ("zhaoyun", "新建", ["新建账号 赵云（县民政局），生成一次性密码", "角色：县民政局 申请人"]),
            (
                "machao",
                "修改",
                ["职务：科员 → 副科长", "电子邮箱：machao@xiayi.gov.example → （空）", "增加角色：县民政局 审核人"],
            ),
        ]
        assert person(s, "zhaoyun") is None  # only previewed
    with sessions.begin() as s:
        done = people_import.confirm(s, scope_of(s, "sunjie"), shown.import_id)
        ((username, name, password),) = done.created
        assert (username, name, done.updated) == ("zhaoyun", "赵云", 1)
    with sessions() as s:
        assert verify_password(person(s, "zhaoyun").password_hash, password)
        assert person(s, "machao").has_role("reviewer") and person(s, "machao").position == "副科长"
        assert s.scalar(select(func.count()).select_from(PeopleImport)) == 0
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "people:imported")).after["created"] == [
            "zhaoyun"
        ]


def test_one_bad_row_means_nothing_is_imported_and_each_problem_names_row_and_column(sessions):
    with sessions.begin() as s:
        before = s.scalar(select(func.count()).select_from(Person))
        data = workbook(
            [
                ["zhaoyun", "赵云", "mzj", "", "", "申请人", ""],
                ["machao", "马超", "nope", "", "", "申请人", ""],
                ["zhaoyun", "赵云", "mzj", "", "", "", ""],
                ["guanyu", "关羽", "mzj", "", "", "协调员", ""],
                ["zhangfei", "", "mzj", "", "bad-email", "审核人；boss", "离职"],
            ]
        )
        with pytest.raises(ValidationFailed) as refused:
            people_import.preview(s, scope_of(s, "chenjing"), "坏.xlsx", data)
    details = refused.value.details
    assert "未导入任何内容" in refused.value.message
    assert "第4行 所在单位：“nope”不是已有单位的代码" in details
    assert "第5行 用户名：“zhaoyun”与第3行重复，每人只能出现一次" in details
    assert any(d.startswith("第6行 角色：“协调员（县大数据局）”只能在协调单位") for d in details)
    for expected in ("第7行 姓名：必填", "第7行 电子邮箱：", "第7行 角色：“boss”无效", "第7行 账号状态：“离职”无效"):
        assert any(d.startswith(expected) for d in details), expected
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Person)) == before and person(s, "zhaoyun") is None


def test_a_rule_broken_by_the_file_is_found_by_the_preview(sessions):
    with sessions.begin() as s:
        data = workbook([["chenjing", "陈静", "zwfw", "科员", "chenjing@xiayi.gov.example", "", ""]])
        with pytest.raises(ValidationFailed) as refused:
            people_import.preview(s, scope_of(s, "chenjing"), "x.xlsx", data)
        assert refused.value.details == [
            "第3行 陈静是系统中唯一的系统管理员，至少要保留一名：请先为其他人授予系统管理员角色"
        ]
        assert person(s, "chenjing").has_role("sysadmin")


def test_a_unit_admin_cannot_import_people_of_another_unit(sessions):
    with sessions.begin() as s:
        data = workbook([["zhouli", "周丽", "gaj", "科员", "", "申请人", ""]])
        with pytest.raises(ValidationFailed) as refused:
            people_import.preview(s, scope_of(s, "sunjie"), "x.xlsx", data)
        assert "不是您可以管理的人员" in refused.value.details[0]


def test_a_change_made_after_the_preview_stops_the_confirmation(sessions):
    with sessions.begin() as s:
        data = workbook([["machao", "马超", "mzj", "副科长", "", "申请人", ""]])
        shown = people_import.preview(s, scope_of(s, "sunjie"), "x.xlsx", data)
    with sessions.begin() as s:
        person(s, "machao").position = "科长"
    with sessions() as s:
        with pytest.raises(ValidationFailed) as refused:
            people_import.confirm(s, scope_of(s, "sunjie"), shown.import_id)
        assert "重新上传" in refused.value.details[0]


def test_someone_else_cannot_confirm_my_import(sessions):
    with sessions.begin() as s:
        shown = people_import.preview(s, scope_of(s, "sunjie"), "x.xlsx", exported(s, "sunjie"))
    with sessions() as s:
        with pytest.raises(NotFound):
            people_import.confirm(s, scope_of(s, "chenjing"), shown.import_id)


def test_a_file_that_is_no_workbook_is_refused(sessions):
    with sessions() as s:
        with pytest.raises(ValidationFailed) as refused:
            people_import.preview(s, scope_of(s, "chenjing"), "x.xlsx", b"name,unit\n")
        assert "不是有效的 Excel 工作簿" in refused.value.message
