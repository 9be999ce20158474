"""R28: each unit names its 第一责任人, 分管领导 and 科室负责人; a unit lacking one is flagged; notices go to the current one."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.helpers import gap_of, person, unit
from tests.workflows.organisation.conftest import scope_of
from workflows.errors import Forbidden, ValidationFailed
from workflows.models import AuditEvent
from workflows.organisation import directory, people, responsibilities, units
from workflows.organisation.scope import AdminScope


def test_the_demo_units_name_all_three_and_a_new_unit_is_flagged(sessions):
    with sessions.begin() as s:
        assert responsibilities.gaps(s) == []
        units.create_unit(s, AdminScope.command_line(), units.UnitInput(code="wlj", name="县文化广电和旅游局"))
    with sessions() as s:
        assert gap_of(s, "wlj") == [
            "第一责任人（未指定）",
            "分管领导（未指定）",
            "科室负责人（未指定）",
            "目录管理员（无在用人员）",
        ]


def test_a_deactivated_holder_leaves_the_unit_flagged(sessions):
    with sessions.begin() as s:
        people.deactivate_person(s, scope_of(s, "chenjing"), person(s, "xufang").id)
    with sessions() as s:
        assert gap_of(s, "mzj") == ["分管领导（徐芳已停用）"]
        assert directory.leader_in_charge(s, unit(s, "mzj").id) == []


def test_a_unit_admin_names_a_new_leader_and_notices_go_to_them(sessions):
    with sessions.begin() as s:
        responsibilities.set_holder(s, scope_of(s, "sunjie"), unit(s, "mzj").id, "分管领导", "wugang")
    with sessions() as s:
        assert [p.username for p in directory.leader_in_charge(s, unit(s, "mzj").id)] == ["wugang"]
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "responsibility:set"))
        assert (event.before["person"], event.after["person"]) == ("xufang", "wugang")


def test_clearing_a_holder_flags_the_unit(sessions):
    with sessions.begin() as s:
        responsibilities.set_holder(s, scope_of(s, "chenjing"), unit(s, "gaj").id, "section_chief", "")
    with sessions() as s:
        assert gap_of(s, "gaj") == ["科室负责人（未指定）"]


def test_only_the_units_own_admin_or_the_sysadmin_names_its_holders(sessions):
    with sessions() as s:
        with pytest.raises(Forbidden):
            responsibilities.set_holder(s, scope_of(s, "sunjie"), unit(s, "gaj").id, "分管领导", "machao")
        with pytest.raises(ValidationFailed) as refused:
            responsibilities.set_holder(s, scope_of(s, "sunjie"), unit(s, "mzj").id, "分管领导", "nobody")
        assert "找不到在用人员" in refused.value.details[0]
