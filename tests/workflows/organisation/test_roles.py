"""Roles per unit keep the county's work running: one sysadmin always remains, no review is left without a reviewer."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.helpers import person, unit
from tests.workflows.organisation.conftest import scope_of
from tests.helpers import open_task
from workflows.errors import Conflict, Forbidden, ValidationFailed
from workflows.models import AuditEvent, HumanTask
from workflows.organisation import people, roles
from workflows.organisation.handovers import LastHolder
from workflows.organisation.scope import AdminScope

PROCESS_NAME = "三步审核"


def test_the_last_sysadmin_can_neither_lose_the_role_nor_be_deactivated(sessions):
    with sessions() as s:
        chenjing, cli = person(s, "chenjing"), AdminScope.command_line()
        with pytest.raises(Conflict) as refused:
            roles.revoke_role(s, cli, chenjing.id, chenjing.unit_id, "sysadmin")
        assert "唯一的系统管理员" in refused.value.message
        with pytest.raises(Conflict):
            people.deactivate_person(s, cli, chenjing.id)


def test_a_second_sysadmin_lets_the_first_one_go(sessions):
    with sessions.begin() as s:
        chenjing, lina = person(s, "chenjing"), person(s, "lina")
        roles.grant_role(s, scope_of(s, "chenjing"), lina.id, lina.unit_id, "sysadmin")
        roles.revoke_role(s, scope_of(s, "lina"), chenjing.id, chenjing.unit_id, "系统管理员")
    with sessions() as s:
        assert not person(s, "chenjing").has_role("sysadmin")
        assert [
            e.action
            for e in s.scalars(select(AuditEvent).where(AuditEvent.action.like("role:%")).order_by(AuditEvent.id))
        ] == ["role:granted", "role:revoked"]


def test_removing_the_last_reviewer_of_a_unit_with_open_reviews_is_refused_with_the_list(sessions, review_waiting):
    with sessions.begin() as s:
        sunhong, gaj = person(s, "sunhong"), unit(s, "gaj")
        roles.revoke_role(s, scope_of(s, "huangtao"), sunhong.id, gaj.id, "reviewer")  # huangtao remains
    with sessions() as s:
        huangtao = person(s, "huangtao")
        with pytest.raises(LastHolder) as refused:
            roles.revoke_role(s, scope_of(s, "chenjing"), huangtao.id, huangtao.unit_id, "reviewer")
        assert "唯一的审核人" in refused.value.message and "1 项审核人待办" in refused.value.message
        assert (
            refused.value.details[0].startswith(f"审核（{PROCESS_NAME} ") and "案件 #" not in refused.value.details[0]
        )
        with pytest.raises(LastHolder):
            people.deactivate_person(s, scope_of(s, "chenjing"), huangtao.id)


def test_the_last_reviewer_goes_when_the_reviews_are_handed_to_a_colleague(sessions, review_waiting):
    with sessions.begin() as s:
        roles.revoke_role(s, scope_of(s, "chenjing"), person(s, "sunhong").id, unit(s, "gaj").id, "reviewer")
    with sessions.begin() as s:
        huangtao = person(s, "huangtao")
        handed = roles.revoke_role(s, scope_of(s, "huangtao"), huangtao.id, huangtao.unit_id, "reviewer", "zhouli")
        assert handed == 1
    with sessions() as s:
        zhouli = person(s, "zhouli")
        assert zhouli.has_role("reviewer", zhouli.unit_id) and not person(s, "huangtao").has_role("reviewer")
        assert s.get(HumanTask, open_task(s, review_waiting).id).assignee_id == zhouli.id


def test_a_successor_must_be_an_active_colleague_of_the_unit(sessions, review_waiting):
    with sessions.begin() as s:
        roles.revoke_role(s, scope_of(s, "chenjing"), person(s, "sunhong").id, unit(s, "gaj").id, "reviewer")
    with sessions() as s:
        huangtao = person(s, "huangtao")
        with pytest.raises(ValidationFailed) as refused:
            roles.revoke_role(s, scope_of(s, "chenjing"), huangtao.id, huangtao.unit_id, "reviewer", "machao")
        assert "县公安局的另一位在用人员" in refused.value.details[0]


def test_a_coordinator_is_held_only_in_the_coordinating_bureau(sessions):
    with sessions() as s:
        machao = person(s, "machao")
        with pytest.raises(ValidationFailed) as refused:
            roles.grant_role(s, AdminScope.command_line(), machao.id, machao.unit_id, "coordinator")
        assert "只能在协调单位" in refused.value.details[0]
        roles.grant_role(s, AdminScope.command_line(), machao.id, unit(s, "zwfw").id, "coordinator")


@pytest.mark.parametrize("role", ["sysadmin", "modeler"])
def test_a_unit_admin_never_gives_a_county_wide_role(sessions, role):
    with sessions() as s:
        machao = person(s, "machao")
        with pytest.raises(Forbidden):
            roles.grant_role(s, scope_of(s, "sunjie"), machao.id, machao.unit_id, role)


def test_a_unit_admin_gives_roles_only_in_their_own_unit(sessions):
    with sessions() as s:
        machao, zhouli = person(s, "machao"), person(s, "zhouli")
        sunjie = scope_of(s, "sunjie")
        with pytest.raises(Forbidden):
            roles.grant_role(s, sunjie, machao.id, unit(s, "gaj").id, "reviewer")
        with pytest.raises(Forbidden):
            roles.grant_role(s, sunjie, zhouli.id, zhouli.unit_id, "reviewer")
        roles.grant_role(s, sunjie, machao.id, machao.unit_id, "审核人")
        with pytest.raises(Conflict):
            roles.grant_role(s, sunjie, machao.id, machao.unit_id, "reviewer")


def test_removing_a_role_gives_its_claimed_tasks_back_to_the_unit(sessions, review_waiting):
    with sessions.begin() as s:
        open_task(s, review_waiting).assignee_id = person(s, "sunhong").id
    with sessions.begin() as s:
        roles.revoke_role(s, scope_of(s, "huangtao"), person(s, "sunhong").id, unit(s, "gaj").id, "reviewer")
    with sessions() as s:
        assert open_task(s, review_waiting).assignee_id is None
