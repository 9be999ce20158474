"""A new password is long, mixed, not the username and not a common one; one-time passwords pass the same rules."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.helpers import person
from workflows.errors import ValidationFailed
from workflows.models import AuditEvent, LoginFailure
from workflows.organisation import accounts
from workflows.organisation.passwords import (
    one_time_password,
    password_problems,
    verify_password,
)


@pytest.mark.parametrize(
    "password, why",
    [
        ("Ab1!", "至少 8 位"),
        ("abcdefgh1", "至少三类"),
        ("ABCDEFGH", "至少三类"),
        ("Zhangwei2026!", "不能与用户名相同，也不能包含用户名"),
        ("ZHANGWEI", "不能与用户名相同"),
        ("P@ssw0rd", "最常见的密码"),
        ("Admin@123", "最常见的密码"),
        ("Demo@2026", "最常见的密码"),
        (" Kp7m-Xq4r ", "开头和结尾不能是空格"),
    ],
)
def test_a_weak_password_is_refused_saying_why(password, why):
    assert any(why in p for p in password_problems(password, "zhangwei"))


def test_a_strong_password_passes():
    assert password_problems("Qiu-Shui7Lan", "zhangwei") == []


def test_one_time_passwords_pass_the_rules_and_differ():
    made = {one_time_password() for _ in range(50)}
    assert len(made) == 50
    assert all(password_problems(p, "zhangwei") == [] for p in made)


def test_a_person_changes_their_password_and_every_other_session_ends(sessions):
    with sessions.begin() as s:
        lina = person(s, "lina")
        generation = lina.session_generation
        accounts.change_password(s, lina.id, "Demo@2026", "Qiu-Shui7Lan", "Qiu-Shui7Lan", "10.0.0.1")
    with sessions() as s:
        lina = person(s, "lina")
        assert verify_password(lina.password_hash, "Qiu-Shui7Lan")
        assert lina.session_generation == generation + 1 and not lina.must_change_password
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == str(lina.id))).all()
        assert "person:password_changed" in actions
        assert not any("Qiu-Shui7Lan" in str(e.after) for e in s.scalars(select(AuditEvent)))


def test_a_wrong_current_password_counts_as_a_failed_login(sessions):
    with sessions() as s:
        lina = person(s, "lina")
        with pytest.raises(ValidationFailed) as refused:
            accounts.change_password(s, lina.id, "guess", "Qiu-Shui7Lan", "Qiu-Shui7Lan", "10.0.0.1")
        assert "当前密码" in refused.value.details[0]
        assert s.scalar(select(LoginFailure).where(LoginFailure.username == "lina")) is not None


@pytest.mark.parametrize(
    "new, repeated, why",
    [
        ("Qiu-Shui7Lan", "Qiu-Shui7Lan2", "两次输入的新密码不一致"),
        ("lina12345", "lina12345", "不能与用户名相同"),
    ],
)
def test_a_bad_new_password_changes_nothing(sessions, new, repeated, why):
    with sessions() as s:
        lina = person(s, "lina")
        with pytest.raises(ValidationFailed) as refused:
            accounts.change_password(s, lina.id, "Demo@2026", new, repeated, "10.0.0.1")
        assert any(why in d for d in refused.value.details)
        assert verify_password(lina.password_hash, "Demo@2026")
