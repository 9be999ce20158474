"""People: accounts are created, edited, deactivated and given one-time passwords, never deleted."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from workflows import audit, clock, inputs
from workflows.errors import Conflict, Forbidden, NotFound, ValidationFailed
from workflows.models import HumanTask, LoginFailure, Person, Role, RoleMembership, TaskStatus, Unit
from workflows.organisation import accounts, handovers, losses, roles
from workflows.organisation.passwords import hash_password, one_time_password
from workflows.organisation.scope import SYSADMIN_ONLY_ROLES, AdminScope

USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
STATUS_FILTERS = {"active": "在用", "inactive": "已停用", "all": "全部"}
SEARCH_LIMIT = 50


class PersonInput(BaseModel):
    """A person as typed on the form, the command line or an import row, kept as typed to be shown again."""

    username: str = ""
    display_name: str = ""
    unit_code: str = ""
    position: str = ""
    email: str = ""
    roles: list[str] = []  # in the person's own unit


class CheckedPerson(PersonInput):
    """What a person's details must be, field by field; the unit and the roles are checked against the database."""

    model_config = ConfigDict(str_strip_whitespace=True)

    username: str = Field("", title="用户名", max_length=64)
    display_name: str = Field("", title="姓名", max_length=50)
    position: str = Field("", title="职务", max_length=50)
    email: str = Field("", title="电子邮箱", max_length=200)

    @field_validator("username", mode="before")
    @classmethod
    def _lower_case(cls, username):
        return username.strip().lower() if isinstance(username, str) else username

    @field_validator("username", "display_name", "position", "email")
    @classmethod
    def _one_line(cls, text: str, info) -> str:
        return inputs.one_line(cls, text, info.field_name)

    @field_validator("username")
    @classmethod
    def _a_username(cls, username: str, info) -> str:
        """Only a new account's username is checked: an existing one is kept as it is."""
        if (info.context or {}).get("new") and not USERNAME_PATTERN.fullmatch(username):
            raise inputs.refused("用户名：2–64 位小写字母、数字、点、下划线或连字符，以字母或数字开头，如 zhangsan")
        return username

    @field_validator("display_name")
    @classmethod
    def _named(cls, name: str) -> str:
        if not name:
            raise inputs.refused("姓名：必填")
        return name

    @field_validator("email")
    @classmethod
    def _an_address(cls, email: str) -> str:
        if email and not EMAIL_PATTERN.fullmatch(email):
            raise inputs.refused(f"电子邮箱：“{inputs.shown(email)}”格式不正确，如 zhangsan@xiayi.gov.cn；没有可留空")
        return email


def get_person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("人员不存在")
    return person


def person_by_username(session: Session, username: str) -> Person | None:
    return session.scalar(select(Person).where(func.lower(Person.username) == (username or "").strip().lower()))


def managed_person(session: Session, scope: AdminScope, person_id: int) -> Person:
    """A person this administrator may manage (403 otherwise, 404 when there is none)."""
    scope.require_admin()
    person = get_person(session, person_id)
    scope.require_manage(person)
    return person


@dataclass
class PeoplePage:
    items: list[Person]
    total: int
    page: int
    per_page: int
    manageable: set[int] = field(default_factory=set)  # whose page this administrator may open

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)


def search(
    session: Session,
    scope: AdminScope,
    text: str = "",
    unit_id: int | None = None,
    role: str = "",
    status: str = "active",
    page: int = 1,
    per_page: int = 50,
) -> PeoplePage:
    """People by name, username or position, unit, role and status; a unit_admin sees their units' people."""
    scope.require_admin()
    text = (text or "").strip()
    if problem := inputs.too_long("搜索", text, SEARCH_LIMIT):
        raise ValidationFailed([problem], "筛选条件有误，请按提示修改")
    query = select(Person)
    if not scope.everything:
        query = query.where(Person.unit_id.in_(scope.unit_ids))
    if text:
        query = query.where(
            or_(
                func.lower(Person.username).contains(text.lower(), autoescape=True),
                Person.display_name.contains(text, autoescape=True),
                Person.position.contains(text, autoescape=True),
            )
        )
    if unit_id:
        query = query.where(Person.unit_id == unit_id)
    if role:
        query = query.where(Person.memberships.any(RoleMembership.role == role))
    if status in ("active", "inactive"):
        query = query.where(Person.active.is_(status == "active"))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(Person.unit_id, Person.id).limit(per_page).offset((page - 1) * per_page))
    items = list(rows)
    return PeoplePage(items, total, page, per_page, {p.id for p in items if scope.may_manage(p)})


def clean_input(session: Session, data: PersonInput, person: Person | None) -> tuple[dict, Unit]:
    """The typed values, trimmed, with the unit they name; every problem at once, each naming its field."""
    values, problems = {}, []
    try:
        checked = CheckedPerson.model_validate(data.model_dump(), context={"new": person is None})
        values = checked.model_dump(include={"username", "display_name", "position", "email"})
    except ValidationError as error:
        problems = inputs.field_problems(error, CheckedPerson)
    if person is None and not any(p.field == "username" for p in problems):
        problems[:0] = _username_taken(session, data.username.strip().lower())
    unit = session.scalar(select(Unit).where(Unit.code == data.unit_code.strip())) if data.unit_code.strip() else None
    if unit is None:
        problems.append(
            f"所在单位：“{inputs.shown(data.unit_code.strip())}”不是已有单位的代码"
            if data.unit_code.strip()
            else "所在单位：必选"
        )
    elif not unit.active and (person is None or person.unit_id != unit.id):
        problems.append(f"所在单位：{unit.name}已停用")
    if problems:
        raise ValidationFailed(problems)
    return values, unit


def _username_taken(session: Session, username: str) -> list[str]:
    if person_by_username(session, username) is not None:
        return [f"用户名：“{username}”已被占用，请换一个（如在后面加数字）"]
    return []


def wanted_roles(data: PersonInput, unit: Unit) -> list[Role]:
    problems, found = [], []
    for text in data.roles:
        role = roles.parse_role(text)
        if role is None:
            problems.append(
                f"角色：“{inputs.shown(text)}”无效，可选：" + "、".join(f"{r.value}（{r.label}）" for r in Role)
            )
        elif problem := roles.role_problem(role, unit):
            problems.append(f"角色：{problem}")
        elif role not in found:
            found.append(role)
    if problems:
        raise ValidationFailed(problems)
    return found


def create_person(
    session: Session, scope: AdminScope, data: PersonInput, hasher: Callable[[str], str] = hash_password
) -> tuple[Person, str]:
    """A new account with a one-time password (returned once, never stored or logged in clear).

    An import's preview passes a cheap hasher: it rolls back anyway, and scrypt costs 0.1 s a person.
    """
    scope.require_admin()
    values, unit = clean_input(session, data, None)
    scope.require_unit(unit.id)
    wanted = wanted_roles(data, unit)
    for role in wanted:
        scope.require_grant(role, unit.id)
    password = one_time_password()
    person = Person(
        username=values["username"],
        display_name=values["display_name"],
        unit_id=unit.id,
        position=values["position"],
        email=values["email"] or None,
        password_hash=hasher(password),
        active=True,
        must_change_password=True,
        one_time_password_issued_at=clock.now(),
    )
    person.memberships = [RoleMembership(unit_id=unit.id, role=role) for role in wanted]
    session.add(person)
    session.flush()
    audit.record(
        session,
        scope.actor_id,
        "person",
        person.id,
        "person:created",
        None,
        {**values, "unit": unit.code, "roles": [r.value for r in wanted]},
    )
    return person, password


@dataclass
class Moved:
    """What a move to another unit took away: the roles held in the old unit, claimed tasks given back, and the
    responsibilities left vacant there."""

    unit_name: str
    roles: list[str] = field(default_factory=list)
    released: int = 0
    vacated: list[str] = field(default_factory=list)

    def message(self) -> str:
        parts = []
        if self.roles:
            parts.append(f"已取消其在{self.unit_name}担任的角色：{'、'.join(self.roles)}")
        if self.released:
            parts.append(
                f"其已认领的 {self.released} 项待办已退回{self.unit_name}的待办，由该单位担任相应角色的同事认领"
            )
        if self.vacated:
            parts.append(f"{self.unit_name}的{'、'.join(self.vacated)}已空缺，请在单位页面重新指定")
        return "；".join(parts)


def update_person(
    session: Session,
    scope: AdminScope,
    person_id: int,
    data: PersonInput,
    moved: Moved | None = None,
    confirmed: bool = False,
) -> Person:
    """Name, position, email and unit; roles are granted and removed one by one (roles.py).

    A move to another unit takes away the roles held in the old unit, claimed tasks going back to that unit's
    pool (as when removing a role); it is refused, with the tasks, when the person is the last to hold such a
    role while the unit has open tasks for it, and asks to be confirmed (losses.UnitWouldLose) when the unit
    would lose its only 目录管理员 or a responsible person. `moved` (when given) is filled with what was taken away.
    """
    person = managed_person(session, scope, person_id)
    values, unit = clean_input(session, data, person)
    scope.require_unit(unit.id)
    before = {
        "display_name": person.display_name,
        "position": person.position,
        "email": person.email or "",
        "unit": person.unit.code,
    }
    after = {
        "display_name": values["display_name"],
        "position": values["position"],
        "email": values["email"],
        "unit": unit.code,
    }
    changed = {k: v for k, v in after.items() if before[k] != v}
    if "unit" in changed:
        _leave_unit(session, scope, person, unit, moved if moved is not None else Moved(person.unit.name), confirmed)
    if changed:
        person.display_name, person.position = values["display_name"], values["position"]
        person.email, person.unit_id = values["email"] or None, unit.id
        session.flush()
        session.refresh(person, ["unit"])
        audit.record(
            session, scope.actor_id, "person", person.id, "person:updated", {k: before[k] for k in changed}, changed
        )
    return person


def _leave_unit(
    session: Session, scope: AdminScope, person: Person, new_unit: Unit, moved: Moved, confirmed: bool
) -> None:
    """Roles of the old unit go (claimed tasks back to its pool); county-wide roles (系统管理员, 流程建模人员) follow;
    the old unit's responsibilities the person held fall vacant."""
    old = person.unit
    moved.unit_name = old.name
    leaving = sorted(
        (m for m in person.memberships if m.unit_id == old.id and m.role not in SYSADMIN_ONLY_ROLES),
        key=lambda m: list(Role).index(Role(m.role)),
    )  # named in the order the pages list roles
    if person.active:
        try:
            for membership in leaving:
                handovers.refuse_stranding(session, person, old.id, membership.role, old.name)
        except handovers.LastHolder as err:
            raise handovers.LastHolder(
                f"不能调往{new_unit.name}：调动会取消其在{old.name}的角色。{err.message}", err.details
            ) from None
    losses.require_confirmed(
        session, person, old, f"把{person.display_name}调往{new_unit.name}", confirmed, leaving=True
    )
    moved.vacated = losses.leave_responsibilities(session, scope.actor_id, person, old)
    for membership in leaving:
        role = Role(membership.role)
        moved.released += handovers.release(session, scope.actor_id, person, old.id, role)
        moved.roles.append(role.label)
        person.memberships.remove(membership)
        audit.record(
            session,
            scope.actor_id,
            "person",
            person.id,
            "role:revoked",
            {"unit": old.code, "role": role.value},
            {"reason": f"调往{new_unit.name}"},
        )
    for membership in [m for m in person.memberships if m.unit_id == old.id]:  # county-wide: they follow the person
        if person.has_role(membership.role, new_unit.id):
            person.memberships.remove(membership)
        else:
            membership.unit_id = new_unit.id
        audit.record(
            session,
            scope.actor_id,
            "person",
            person.id,
            "role:granted",
            {"unit": old.code},
            {"unit": new_unit.code, "role": str(membership.role)},
        )
    session.flush()


def deactivate_person(session: Session, scope: AdminScope, person_id: int) -> list[HumanTask]:
    """Never deleted: past decisions keep their author. Returns the person's open tasks, now to hand over."""
    person = managed_person(session, scope, person_id)
    if person.id == scope.actor_id:
        raise Forbidden("不能停用自己的账号，请联系其他管理员办理")
    if not person.active:
        return assigned_open_tasks(session, person.id)
    handovers.check_not_last_sysadmin(session, person)
    for membership in person.memberships:
        handovers.refuse_stranding(session, person, membership.unit_id, membership.role, membership.unit.name)
    person.active = False
    audit.record(
        session, scope.actor_id, "person", person.id, "person:deactivated", {"active": True}, {"active": False}
    )
    accounts.end_sessions(session, person.id, scope.actor_id, "deactivated")
    return assigned_open_tasks(session, person.id)


def reactivate_person(session: Session, scope: AdminScope, person_id: int) -> Person:
    person = managed_person(session, scope, person_id)
    if not person.unit.active:
        raise Conflict(f"{person.unit.name}已停用，请先把{person.display_name}调到在用的单位再恢复账号")
    if not person.active:
        person.active = True
        audit.record(
            session, scope.actor_id, "person", person.id, "person:reactivated", {"active": False}, {"active": True}
        )
    return person


def assigned_open_tasks(session: Session, person_id: int) -> list[HumanTask]:
    return list(
        session.scalars(
            select(HumanTask)
            .where(HumanTask.assignee_id == person_id, HumanTask.status == TaskStatus.OPEN)
            .order_by(HumanTask.id)
        )
    )


def reset_password(session: Session, scope: AdminScope, person_id: int) -> str:
    """A one-time password, shown once; every session ends, failed logins are forgotten, the next login changes it."""
    person = managed_person(session, scope, person_id)
    if not person.active:
        raise Conflict(f"{person.display_name}的账号已停用，请先恢复账号再重置密码")
    password = one_time_password()
    person.password_hash, person.must_change_password = hash_password(password), True
    person.one_time_password_issued_at = clock.now()
    session.execute(delete(LoginFailure).where(LoginFailure.username == person.username))
    audit.record(session, scope.actor_id, "person", person.id, "person:password_reset", None, {"one_time": True})
    accounts.end_sessions(session, person.id, scope.actor_id, "password_reset")
    return password


def unlock(session: Session, scope: AdminScope, person_id: int) -> int:
    """Forget the person's failed logins, so they may try again at once; returns how many were forgotten."""
    person = managed_person(session, scope, person_id)
    return accounts.forget_failures(session, scope.actor_id, person.username)
