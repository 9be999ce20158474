"""A person moved to another unit leaves their roles in the old unit behind, claimed tasks going back to its pool."""

from __future__ import annotations

import pytest

from tests.helpers import gap_of, person, unit
from tests.workflows.organisation.conftest import scope_of
from tests.helpers import open_task
from workflows.engine import tasks
from workflows.errors import ValidationFailed
from workflows.models import RoleMembership
from workflows.organisation import handovers, people, roles
from workflows.organisation.handovers import LastHolder
from workflows.organisation.losses import UnitWouldLose


def move(s, username: str, unit_code: str, admin: str = "chenjing") -> people.Moved:
    who, moved = person(s, username), people.Moved("")
    people.update_person(
        s,
        scope_of(s, admin),
        who.id,
        people.PersonInput(display_name=who.display_name, unit_code=unit_code, position=who.position),
        moved,
    )
    return moved


def test_moving_a_reviewer_takes_their_old_unit_roles_and_gives_back_their_claimed_review(sessions, review_waiting):
    with sessions.begin() as s:
        open_task(s, review_waiting).assignee_id = person(s, "sunhong").id
    with sessions.begin() as s:
        moved = move(s, "sunhong", "mzj")
    assert moved.roles == ["申请人", "审核人"] and moved.released == 1
    assert moved.message() == (
        "已取消其在县公安局担任的角色：申请人、审核人；其已认领的 1 项待办已退回县公安局的待办，"
        "由该单位担任相应角色的同事认领"
    )
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


def test_moving_the_only_catalog_admin_and_section_chief_asks_first_and_then_flags_the_unit(sessions):
    with sessions() as s:
        with pytest.raises(UnitWouldLose) as asked:
            move(s, "sunjie", "gaj")
        assert asked.value.message == "把孙杰调往县公安局会使县民政局失去唯一的目录管理员、科室负责人，请确认后再办理"
        assert asked.value.details == [
            "孙杰是县民政局唯一的目录管理员：把孙杰调往县公安局后县民政局将没有人维护资源目录和本单位人员，"
            "请尽快为其授予新的目录管理员",
            "孙杰是县民政局的科室负责人：把孙杰调往县公安局后该职责将空缺，请尽快在单位页面重新指定科室负责人",
        ]
        assert person(s, "sunjie").unit.code == "mzj" and gap_of(s, "mzj") == []  # nothing changed
    with sessions.begin() as s:
        sunjie, moved = person(s, "sunjie"), people.Moved("")
        people.update_person(
            s,
            scope_of(s, "chenjing"),
            sunjie.id,
            people.PersonInput(display_name=sunjie.display_name, unit_code="gaj", position=sunjie.position),
            moved,
            confirmed=True,
        )
    assert moved.message().endswith("县民政局的科室负责人已空缺，请在单位页面重新指定")
    with sessions() as s:
        assert person(s, "sunjie").unit.code == "gaj"
        assert gap_of(s, "mzj") == ["科室负责人（未指定）", "目录管理员（无在用人员）"]


def test_removing_the_only_catalog_admin_role_asks_first_and_a_second_one_goes_without_asking(sessions):
    with sessions() as s:
        with pytest.raises(UnitWouldLose) as asked:
            roles.revoke_role(s, scope_of(s, "chenjing"), person(s, "sunjie").id, unit(s, "mzj").id, "unit_admin")
        assert asked.value.message == "取消孙杰的目录管理员角色会使县民政局失去唯一的目录管理员，请确认后再办理"
    with sessions.begin() as s:
        roles.revoke_role(
            s, scope_of(s, "chenjing"), person(s, "sunjie").id, unit(s, "mzj").id, "unit_admin", confirmed=True
        )
    with sessions() as s:
        assert gap_of(s, "mzj") == ["目录管理员（无在用人员）"]
    with sessions.begin() as s:
        for username in ("sunjie", "machao"):
            roles.grant_role(s, scope_of(s, "chenjing"), person(s, username).id, unit(s, "mzj").id, "unit_admin")
        roles.revoke_role(s, scope_of(s, "chenjing"), person(s, "sunjie").id, unit(s, "mzj").id, "unit_admin")
    with sessions() as s:
        assert gap_of(s, "mzj") == []
