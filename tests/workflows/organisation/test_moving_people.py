"""A person moved to another unit leaves their roles in the old unit behind, claimed tasks going back to its pool."""
from __future__ import annotations

import pytest

from tests.helpers import person, unit
from tests.workflows.organisation.conftest import scope_of
from tests.workflows.test_engine import open_task
from workflows.engine import tasks
from workflows.errors import ValidationFailed
from workflows.models import RoleMembership
from workflows.organisation import handovers, people, roles
from workflows.organisation.handovers import LastHolder


def move(s, username: str, unit_code: str, admin: str = "chenjing") -> people.Moved:
    who, moved = person(s, username), people.Moved("")
    people.update_person(s, scope_of(s, admin), who.id, people.PersonInput(
        display_name=who.display_name, unit_code=unit_code, position=who.position), moved)
    return moved


def test_moving_a_reviewer_takes_their_old_unit_roles_and_gives_back_their_claimed_review(sessions, review_waiting):
    with sessions.begin() as s:
        open_task(s, review_waiting).assignee_id = person(s, "sunhong").id
    with sessions.begin() as s:
        moved = move(s, "sunhong", "mzj")
    assert moved.roles == ["申请人", "审核人"] and moved.released == 1
    assert moved.message() == ("已取消其在县公安局担任的角色：申请人、审核人；其已认领的 1 项待办已退回县公安局的待办，"
                               "由该单位担任相应角色的同事认领")
    with sessions() as s:
        sunhong, task = person(s, "sunhong"), open_task(s, review_waiting)
        assert sunhong.unit.code == "mzj" and sunhong.memberships == []
        assert task.assignee_id is None
        assert "sunhong" not in [p.username for p in tasks.colleagues(s, person(s, "huangtao"), task)]


def test_moving_the_last_reviewer_of_a_unit_with_open_reviews_is_refused_with_the_list(sessions, review_waiting):
    with sessions.begin() as s:
        roles.revoke_role(s, scope_of(s, "huangtao"), person(s, "sunhong").id, unit(s, "gaj").id, "reviewer")
    with sessions() as s:
        with pytest.raises(LastHolder) as refused:
            move(s, "huangtao", "mzj")
        assert refused.value.message.startswith("不能调往县民政局：调动会取消其在县公安局的角色。")
        assert "唯一的审核人" in refused.value.message and "（三步审核 2026-" in refused.value.details[0]


def test_county_wide_roles_follow_the_person(sessions):
    with sessions.begin() as s:
        roles.grant_role(s, scope_of(s, "chenjing"), person(s, "liuyang").id, unit(s, "zwfw").id, "unit_admin")
        moved = move(s, "liuyang", "mzj")
    with sessions() as s:
        liuyang, mzj = person(s, "liuyang"), unit(s, "mzj")
        assert liuyang.has_role("modeler", mzj.id) and not liuyang.has_role("coordinator")
        assert "协调员" in "、".join(moved.roles) and "目录管理员" in moved.roles


def test_a_units_admin_removes_a_role_held_there_by_someone_of_another_unit(sessions):
    with sessions.begin() as s:
        roles.grant_role(s, scope_of(s, "chenjing"), person(s, "machao").id, unit(s, "gaj").id, "reviewer")
    with sessions.begin() as s:
        roles.revoke_role(s, scope_of(s, "huangtao"), person(s, "machao").id, unit(s, "gaj").id, "reviewer")
    with sessions() as s:
        assert not person(s, "machao").has_role("reviewer")


def test_someone_left_with_a_role_in_a_unit_they_no_longer_work_in_is_not_offered_its_tasks(sessions, review_waiting):
    with sessions.begin() as s:  # as a move before roles went with it left things
        machao = person(s, "machao")
        machao.memberships.append(RoleMembership(unit_id=unit(s, "gaj").id, role="reviewer"))
        open_task(s, review_waiting).assignee_id = person(s, "sunhong").id
        people.deactivate_person(s, scope_of(s, "huangtao"), person(s, "sunhong").id)
    with sessions() as s:
        offered = [p.username for p in handovers.successors(s, open_task(s, review_waiting))]
        assert offered == ["huangtao"]
        with pytest.raises(ValidationFailed):
            handovers.reassign(s, scope_of(s, "huangtao"), open_task(s, review_waiting).id, "machao")
