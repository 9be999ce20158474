"""Units: codes unique, one coordinating bureau, and a unit with open work is not deactivated."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.helpers import person, unit
from tests.workflows.organisation.conftest import scope_of
from workflows.errors import Conflict, Forbidden, ValidationFailed
from workflows.models import AuditEvent, Unit
from workflows.organisation import people, units
from workflows.organisation.scope import AdminScope

CLI = AdminScope.command_line()


def test_the_sysadmin_creates_and_edits_a_unit(sessions):
    with sessions.begin() as s:
        created = units.create_unit(
            s, scope_of(s, "chenjing"), units.UnitInput(code="wlj", name="县文化广电和旅游局", kind="department")
        )
        assert (created.short_name, created.credit_code, created.active) == ("县文化广电和旅游局", None, True)
        units.update_unit(
            s,
            scope_of(s, "chenjing"),
            created.id,
            units.UnitInput(
                code="wlj",
                name="县文化广电和旅游局",
                short_name="县文广旅局",
                kind="department",
                credit_code="11411426000000999x",
            ),
        )
    with sessions() as s:
        assert unit(s, "wlj").credit_code == "11411426000000999X"
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "unit:updated"))
        assert event.before == {"short_name": "县文化广电和旅游局", "credit_code": ""}


@pytest.mark.parametrize(
    "data, why",
    [
        (units.UnitInput(code="MZJ", name="新单位"), "单位代码：“MZJ”已被县民政局使用"),
        (units.UnitInput(code="new", name="县民政局"), "单位名称：“县民政局”已被县民政局使用"),
        (units.UnitInput(code="new", name="新单位", kind="coordinator"), "全县只有一个协调单位"),
        (units.UnitInput(code="新", name="新单位"), "只能用字母、数字"),
        (units.UnitInput(code="new", name="新单位", credit_code="123"), "统一社会信用代码：应为 18 位"),
        (units.UnitInput(code="new", name="新单位", kind="bureau"), "单位类型：请从列表中选择"),
        (units.UnitInput(code="", name=""), "单位名称：必填"),
    ],
)
def test_a_bad_unit_is_refused_saying_why(sessions, data, why):
    with sessions() as s:
        with pytest.raises(ValidationFailed) as refused:
            units.create_unit(s, CLI, data)
        assert any(why in d for d in refused.value.details), refused.value.details


def test_the_coordinating_bureau_keeps_its_kind(sessions):
    with sessions() as s:
        bureau = unit(s, "zwfw")
        with pytest.raises(ValidationFailed) as refused:
            units.update_unit(s, CLI, bureau.id, units.UnitInput(code="zwfw", name=bureau.name, kind="department"))
        assert "不能改为其他类型" in refused.value.details[0]
        with pytest.raises(Conflict):
            units.deactivate_unit(s, CLI, bureau.id)


def test_a_unit_admin_does_not_create_units(sessions):
    with sessions() as s:
        with pytest.raises(Forbidden):
            units.create_unit(s, scope_of(s, "sunjie"), units.UnitInput(code="x1", name="某单位"))


def test_a_unit_with_active_people_or_open_tasks_lists_what_blocks_it(sessions, review_waiting):
    with sessions() as s:
        with pytest.raises(Conflict) as refused:
            units.deactivate_unit(s, CLI, unit(s, "gaj").id)
        lines = refused.value.details
        assert lines[0].startswith("在用人员，请先调往其他单位或停用（5）：杨军（yangjun）")
        assert lines[1].startswith("待办任务，请先办结或转交（1）：审核（") and lines[1].endswith("发起）")


def test_a_unit_without_open_work_is_deactivated_and_takes_no_new_people(sessions):
    with sessions.begin() as s:
        created = units.create_unit(s, CLI, units.UnitInput(code="old", name="县已撤并局"))
        units.deactivate_unit(s, CLI, created.id)
    with sessions() as s:
        assert s.scalar(select(Unit.active).where(Unit.code == "old")) is False
        with pytest.raises(ValidationFailed) as refused:
            people.create_person(s, CLI, people.PersonInput(username="newbie", display_name="新人", unit_code="old"))
        assert "已停用" in refused.value.details[0]
        assert person(s, "machao").unit.active
