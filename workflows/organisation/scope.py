"""Who may administer what: the sysadmin everything, a unit's 目录管理员 the people of that unit only.

Services take a scope instead of a person, so the command line (the operator at the server) and the
pages share every rule; the scope of the command line is the sysadmin's.
"""

from __future__ import annotations

from dataclasses import dataclass

from workflows.errors import Forbidden
from workflows.models import Person, Role

# Roles that act on the whole county's system rather than on one unit: only the sysadmin gives them.
SYSADMIN_ONLY_ROLES = frozenset({Role.SYSADMIN, Role.MODELER})
ADMIN_ROLES = (Role.SYSADMIN, Role.UNIT_ADMIN)


@dataclass(frozen=True)
class AdminScope:
    actor_id: int | None  # None: the command line
    everything: bool
    unit_ids: frozenset[int] = frozenset()

    @classmethod
    def of(cls, person: Person) -> AdminScope:
        return cls(
            person.id,
            person.has_role(Role.SYSADMIN),
            frozenset(m.unit_id for m in person.memberships if m.role == Role.UNIT_ADMIN),
        )

    @classmethod
    def command_line(cls) -> AdminScope:
        return cls(None, True)

    @property
    def is_admin(self) -> bool:
        return self.everything or bool(self.unit_ids)

    def covers_unit(self, unit_id: int | None) -> bool:
        return self.everything or unit_id in self.unit_ids

    def require_admin(self) -> None:
        if not self.is_admin:
            raise Forbidden("只有系统管理员或单位目录管理员可以管理人员")

    def require_sysadmin(self, what: str) -> None:
        if not self.everything:
            raise Forbidden(f"只有系统管理员可以{what}")

    def require_unit(self, unit_id: int | None) -> None:
        if not self.covers_unit(unit_id):
            raise Forbidden("您只能管理本单位（您担任目录管理员的单位）的人员和责任人")

    def may_manage(self, person: Person) -> bool:
        """A unit_admin manages a person of their unit whose every role is in their units and not county-wide."""
        if self.everything:
            return True
        return person.unit_id in self.unit_ids and all(
            m.unit_id in self.unit_ids and m.role not in SYSADMIN_ONLY_ROLES for m in person.memberships
        )

    def require_manage(self, person: Person) -> None:
        if self.may_manage(person):
            return
        if person.unit_id in self.unit_ids:
            raise Forbidden(
                f"{person.display_name}担任系统管理员、流程建模人员或其他单位的角色，只有系统管理员可以管理其账号"
            )
        raise Forbidden("您只能管理本单位（您担任目录管理员的单位）的人员")

    def may_grant(self, role: Role | str) -> bool:
        return self.everything or (bool(self.unit_ids) and role not in SYSADMIN_ONLY_ROLES)

    def require_grant(self, role: Role | str, unit_id: int) -> None:
        if not self.may_grant(role):
            raise Forbidden(f"只有系统管理员可以授予或取消“{Role(role).label}”角色")
        self.require_unit(unit_id)
