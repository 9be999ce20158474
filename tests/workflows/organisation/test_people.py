"""Accounts are created with a one-time password, deactivated (never deleted) and their open work handed on."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.helpers import person
from tests.workflows.organisation.conftest import scope_of
from tests.helpers import open_task
from workflows.errors import Forbidden, NotFound, ValidationFailed
from workflows.models import AuditEvent, HumanTask, LoginFailure, Notification
from workflows.organisation import accounts, handovers, people
from workflows.organisation.accounts import LoginRefused
from workflows.organisation.passwords import verify_password


def new_clerk(**changes) -> people.PersonInput:
    values = {
        "username": "zhaoyun",
        "display_name": "赵云",
        "unit_code": "mzj",
        "position": "科员",
        "roles": ["applicant"],
    } | changes
    return people.PersonInput(**values)


def test_a_new_person_gets_a_one_time_password_they_must_change(sessions):
    with sessions.begin() as s:
        created, password = people.create_person(s, scope_of(s, "chenjing"), new_clerk())
    with sessions() as s:
        zhaoyun = person(s, "zhaoyun")
        assert zhaoyun.must_change_password and zhaoyun.has_role("applicant", zhaoyun.unit_id)
        assert verify_password(zhaoyun.password_hash, password)
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "person:created"))
        assert password not in str(event.after) and event.after["roles"] == ["applicant"]


@pytest.mark.parametrize("username", ["machao", "MaChao", " machao "])
def test_a_username_already_taken_is_refused_whatever_its_case(sessions, username):
    with sessions() as s:
        with pytest.raises(ValidationFailed) as refused:
            people.create_person(s, scope_of(s, "chenjing"), new_clerk(username=username))
        assert "已被占用" in refused.value.details[0]


def test_every_problem_of_a_new_person_is_named_at_once(sessions):
    with sessions() as s:
        with pytest.raises(ValidationFailed) as refused:
            people.create_person(
                s,
                scope_of(s, "chenjing"),
                new_clerk(username="赵云", display_name="", email="zhaoyun@", unit_code="nope"),
            )
        details = "\n".join(refused.value.details)
        for field in ("用户名：", "姓名：必填", "电子邮箱：", "所在单位：“nope”不是已有单位的代码"):
            assert field in details


def test_a_unit_admin_creates_people_only_in_their_unit_and_never_a_sysadmin(sessions):
    with sessions() as s:
        sunjie = scope_of(s, "sunjie")
        with pytest.raises(Forbidden):
            people.create_person(s, sunjie, new_clerk(unit_code="gaj"))
        with pytest.raises(Forbidden):
            people.create_person(s, sunjie, new_clerk(roles=["sysadmin"]))
        created, _ = people.create_person(s, sunjie, new_clerk(roles=["applicant", "reviewer"]))
        assert {m.role for m in created.memberships} == {"applicant", "reviewer"}


def test_a_unit_admin_cannot_reset_the_password_of_a_sysadmin_in_their_unit(sessions):
    with sessions() as s:
        with pytest.raises(Forbidden) as refused:
            people.reset_password(s, scope_of(s, "lina"), person(s, "chenjing").id)
        assert "只有系统管理员" in refused.value.message


def test_a_deactivated_person_cannot_log_in_and_their_open_tasks_wait_for_reassignment(sessions, review_waiting):
    with sessions.begin() as s:
        task = open_task(s, review_waiting)
        task.assignee_id = person(s, "sunhong").id  # sunhong claimed the review
    with sessions.begin() as s:
        waiting = people.deactivate_person(s, scope_of(s, "huangtao"), person(s, "sunhong").id)
        assert [t.name for t in waiting] == ["审核"]
    with sessions.begin() as s:
        with pytest.raises(LoginRefused):
            accounts.authenticate(s, "sunhong", "Demo@2026", "10.0.0.1")
    with sessions.begin() as s:
        for admin in ("huangtao", "chenjing"):
            assert [t.id for t in handovers.waiting_tasks(s, scope_of(s, admin))] == [task.id]
        assert handovers.waiting_tasks(s, scope_of(s, "sunjie")) == []  # another unit's admin
        assert [p.username for p in handovers.successors(s, s.get(HumanTask, task.id))] == ["huangtao"]
        handovers.reassign(s, scope_of(s, "huangtao"), task.id, "huangtao")
    with sessions() as s:
        assert s.get(HumanTask, task.id).assignee_id == person(s, "huangtao").id
        assert handovers.waiting_tasks(s, scope_of(s, "chenjing")) == []
        notice = s.scalar(select(Notification).where(Notification.person_id == person(s, "huangtao").id))
        assert notice is not None and "审核" in notice.subject


def test_a_task_cannot_be_handed_to_someone_without_its_role(sessions, review_waiting):
    with sessions.begin() as s:
        task = open_task(s, review_waiting)
        with pytest.raises(ValidationFailed) as refused:
            handovers.reassign(s, scope_of(s, "huangtao"), task.id, "zhouli")  # an applicant of 县公安局
        assert "审核人" in refused.value.details[0]


def test_nobody_deactivates_their_own_account(sessions):
    with sessions() as s:
        with pytest.raises(Forbidden):
            people.deactivate_person(s, scope_of(s, "sunjie"), person(s, "sunjie").id)


def test_a_reset_ends_every_session_and_forgets_failed_logins(sessions):
    with sessions.begin() as s:
        for _ in range(3):
            with pytest.raises(LoginRefused):
                accounts.authenticate(s, "machao", "guess", "10.0.0.1")
        generation = person(s, "machao").session_generation
    with sessions.begin() as s:
        password = people.reset_password(s, scope_of(s, "sunjie"), person(s, "machao").id)
    with sessions() as s:
        machao = person(s, "machao")
        assert machao.must_change_password and verify_password(machao.password_hash, password)
        assert machao.session_generation == generation + 1
        assert s.scalar(select(LoginFailure).where(LoginFailure.username == "machao")) is None


def test_unlocking_lets_a_throttled_person_log_in_at_once_and_is_audited(sessions):
    with sessions.begin() as s:
        for _ in range(5):
            with pytest.raises(LoginRefused):
                accounts.authenticate(s, "machao", "guess", "10.0.0.1")
    with sessions.begin() as s:
        with pytest.raises(accounts.LoginThrottled):
            accounts.authenticate(s, "machao", "Demo@2026", "10.0.0.1")
    with sessions.begin() as s:
        assert people.unlock(s, scope_of(s, "sunjie"), person(s, "machao").id) == 5
    with sessions.begin() as s:
        assert accounts.authenticate(s, "machao", "Demo@2026", "10.0.0.1").username == "machao"
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "session:unlocked")).subject_id == "machao"


def test_an_unknown_person_is_not_found(sessions):
    with sessions() as s:
        with pytest.raises(NotFound):
            people.reset_password(s, scope_of(s, "chenjing"), 999999)
