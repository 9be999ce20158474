"""Two sysadmins removing each other at the same moment: one wins, the other hears 409, one sysadmin remains."""

from __future__ import annotations

import os

from sqlalchemy import func, select

from tests.helpers import person, race
from workflows.models import Person, Role, RoleMembership
from workflows.organisation import people, roles
from workflows.organisation.scope import AdminScope

TRIALS = 20 if os.environ.get("TEST_DATABASE_URL") else 5


def _two_sysadmins(sessions) -> None:
    with sessions.begin() as s:
        lina, chenjing = person(s, "lina"), person(s, "chenjing")
        lina.active = chenjing.active = True
        if not lina.has_role(Role.SYSADMIN):
            roles.grant_role(s, AdminScope.command_line(), lina.id, lina.unit_id, Role.SYSADMIN)
        if not chenjing.has_role(Role.SYSADMIN):
            roles.grant_role(s, AdminScope.command_line(), chenjing.id, chenjing.unit_id, Role.SYSADMIN)


def _active_sysadmins(sessions) -> int:
    with sessions() as s:
        return s.scalar(
            select(func.count(func.distinct(Person.id)))
            .join(RoleMembership)
            .where(RoleMembership.role == Role.SYSADMIN, Person.active.is_(True))
        )


def _revoke(actor: str, target: str):
    def act(s):
        holder = person(s, target)
        roles.revoke_role(s, AdminScope.of(person(s, actor)), holder.id, holder.unit_id, Role.SYSADMIN)

    return act


def _deactivate(actor: str, target: str):
    def act(s):
        people.deactivate_person(s, AdminScope.of(person(s, actor)), person(s, target).id)

    return act


def test_two_sysadmins_removing_each_others_role_at_once_leave_one(committing_sessions):
    sessions = committing_sessions
    for _ in range(TRIALS):
        _two_sysadmins(sessions)
        outcomes = race(sessions, _revoke("chenjing", "lina"), _revoke("lina", "chenjing"))
        assert outcomes in (["409", "ok"], ["403", "ok"])  # 403: the loser was no longer a sysadmin when it ran
        assert _active_sysadmins(sessions) == 1


def test_two_sysadmins_deactivating_each_other_at_once_leave_one(committing_sessions):
    sessions = committing_sessions
    for _ in range(TRIALS):
        _two_sysadmins(sessions)
        outcomes = race(sessions, _deactivate("chenjing", "lina"), _deactivate("lina", "chenjing"))
        assert outcomes in (["409", "ok"], ["403", "ok"])
        assert _active_sysadmins(sessions) == 1
