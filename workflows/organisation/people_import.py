"""Importing people and roles from Excel: every change is previewed first, then applied all together or not at all."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from workflows import audit, clock, inputs
from workflows.errors import DomainError, NotFound, ValidationFailed
from workflows.models import PeopleImport, Person, Role, Unit
from workflows.organisation import people, roles
from workflows.organisation.people_excel import ROLE_SEPARATORS, STATUS_WORDS, Row, read_rows
from workflows.organisation.scope import AdminScope

STAGED_FOR = timedelta(hours=24)


@dataclass
class Change:
    """What one row will do, as the preview shows it."""

    row: int
    username: str
    action: str  # 新建 / 修改 / 无变化
    lines: list[str] = field(default_factory=list)


@dataclass
class Preview:
    import_id: int
    filename: str
    changes: list[Change]

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)


@dataclass
class Applied:
    created: list[tuple[str, str, str]] = field(default_factory=list)  # username, name, one-time password
    updated: int = 0
    unchanged: int = 0


@dataclass
class _Intent:
    row: Row
    person: Person | None
    data: people.PersonInput
    unit: Unit
    roles: set[tuple[int, Role]]
    active: bool | None


def _fail(problems: list[str]):
    raise ValidationFailed(problems, f"导入文件有 {len(problems)} 处问题，未导入任何内容，请修改后重新上传")


# --- checking ----------------------------------------------------------------------


def _intents(session: Session, scope: AdminScope, rows: list[Row]) -> list[_Intent]:
    units = {u.code: u for u in session.scalars(select(Unit))}
    seen: dict[str, int] = {}
    intents, problems = [], []
    for row in rows:
        username = row.values["username"].strip().lower()
        if username in seen:
            problems.append(
                f"{row.where()} 用户名：“{inputs.shown(username)}”与第{seen[username]}行重复，每人只能出现一次"
            )
            continue
        seen[username] = row.number
        found: list[str] = []
        intent = _intent(session, scope, row, units, found)
        problems += [f"{row.where()} {p}" for p in found]
        if intent is not None and not found:
            intents.append(intent)
    if problems:
        _fail(problems)
    return intents


def _intent(session: Session, scope: AdminScope, row: Row, units: dict, problems: list[str]) -> _Intent | None:
    """What the row asks for; its problems (all of them, each naming its field) go to `problems`."""
    v = row.values
    person = people.person_by_username(session, v["username"])
    if person is not None and not scope.may_manage(person):
        problems.append(f"用户名：{person.display_name}（{person.username}）不是您可以管理的人员")
        return None
    data = people.PersonInput(
        username=v["username"],
        display_name=v["display_name"],
        unit_code=v["unit_code"],
        position=v["position"],
        email=v["email"],
    )
    unit = None
    try:
        _, unit = people.clean_input(session, data, person)
    except ValidationFailed as err:
        problems += err.details
    if unit is not None and not scope.covers_unit(unit.id):
        problems.append(f"单位代码：{unit.name}不是您管理的单位")
    wanted = _roles(v["roles"], unit, units, scope, problems)
    active = STATUS_WORDS.get(v["status"]) if v["status"] else None
    if v["status"] and active is None:
        problems.append(f"账号状态：“{inputs.shown(v['status'])}”无效，应为 在用 或 已停用，或留空")
    if person is None and active is False:
        problems.append("账号状态：新账号不能导入为已停用")
    return _Intent(row, person, data, unit, wanted, active) if unit is not None else None


def _roles(text: str, unit: Unit | None, units: dict, scope: AdminScope, problems: list[str]) -> set[tuple[int, Role]]:
    wanted = set()
    for token in (t for t in ROLE_SEPARATORS.split(text) if t):
        code, _, name = token.replace("：", ":").rpartition(":")
        where = units.get(code) if code else unit
        role = roles.parse_role(name)
        if code and where is None:
            problems.append(f"角色：“{inputs.shown(token)}”中的单位代码“{inputs.shown(code)}”不存在")
        elif role is None:
            problems.append(f"角色：“{inputs.shown(name)}”无效，可选：" + "、".join(r.label for r in Role))
        elif where is None:
            continue  # the row's unit is wrong, which is already said
        elif problem := roles.role_problem(role, where):
            problems.append(f"角色：{problem}")
        elif not scope.may_grant(role) or not scope.covers_unit(where.id):
            problems.append(f"角色：您不能授予{where.name}的{role.label}角色")
        else:
            wanted.add((where.id, role))
    return wanted


def _describe(intent: _Intent, names: dict[int, str]) -> Change:
    person, data, unit = intent.person, intent.data, intent.unit

    def label(pairs) -> str:
        return "、".join(f"{names[u]} {r.label}" for u, r in sorted(pairs))

    username = data.username.strip().lower()
    if person is None:
        line = f"新建账号 {data.display_name.strip()}（{unit.name}），生成一次性密码"
        return Change(
            intent.row.number, username, "新建", [line] + ([f"角色：{label(intent.roles)}"] if intent.roles else [])
        )
    lines = []
    for title, before, after in (
        ("姓名", person.display_name, data.display_name.strip()),
        ("单位", person.unit.name, unit.name),
        ("职务", person.position, data.position.strip()),
        ("电子邮箱", person.email or "", data.email.strip()),
    ):
        if before != after:
            lines.append(f"{title}：{before or '（空）'} → {after or '（空）'}")
    held = _held(person)
    if added := intent.roles - held:
        lines.append(f"增加角色：{label(added)}")
    if removed := held - intent.roles:
        lines.append(f"取消角色：{label(removed)}")
    if intent.active is not None and intent.active != person.active:
        lines.append("恢复账号" if intent.active else "停用账号（不能再登录，历史记录保留）")
    return Change(intent.row.number, username, "修改" if lines else "无变化", lines)


# --- applying ------------------------------------------------------------------------


class _Applier:
    """Runs the services row by row; every refusal is collected with its row instead of stopping at the first."""

    def __init__(self, session: Session, scope: AdminScope, hasher=None):
        self.session, self.scope, self.hasher = session, scope, hasher
        self.result, self.problems = Applied(), []

    def step(self, intent: _Intent, action) -> object:
        try:
            return action()
        except DomainError as err:
            self.problems.extend(f"{intent.row.where()} {d}" for d in (err.details or [err.message]))
            return None

    def create_or_update(self, intent: _Intent) -> None:
        s, scope = self.session, self.scope
        if intent.person is not None:
            if intent.active:
                self.step(intent, lambda: people.reactivate_person(s, scope, intent.person.id))
            self.step(
                intent, lambda: people.update_person(s, scope, intent.person.id, intent.data, confirmed=True)
            )  # the preview was the question
            return
        intent.data.roles = [r.value for u, r in intent.roles if u == intent.unit.id]
        extra = {"hasher": self.hasher} if self.hasher else {}
        made = self.step(intent, lambda: people.create_person(s, scope, intent.data, **extra))
        if made:
            intent.person = made[0]
            self.result.created.append((made[0].username, made[0].display_name, made[1]))

    def grant(self, intent: _Intent) -> None:
        for unit_id, role in sorted(intent.roles - _held(intent.person)):
            self.step(
                intent, lambda u=unit_id, r=role: roles.grant_role(self.session, self.scope, intent.person.id, u, r)
            )

    def remove(self, intent: _Intent) -> None:
        for unit_id, role in sorted(_held(intent.person) - intent.roles):
            self.step(
                intent,
                lambda u=unit_id, r=role: roles.revoke_role(
                    self.session, self.scope, intent.person.id, u, r, confirmed=True
                ),
            )
        if intent.active is False:
            self.step(intent, lambda: people.deactivate_person(self.session, self.scope, intent.person.id))


def _held(person: Person) -> set[tuple[int, Role]]:
    return {(m.unit_id, Role(m.role)) for m in person.memberships}


def _apply(session: Session, scope: AdminScope, intents: list[_Intent], hasher=None) -> Applied:
    """Creations, changes and grants first, then removals and deactivations, so a role moved within the file
    never looks like its last holder leaving."""
    applier = _Applier(session, scope, hasher)
    for intent in intents:
        applier.create_or_update(intent)
    for intent in (i for i in intents if i.person is not None):
        applier.grant(intent)
    for intent in (i for i in intents if i.person is not None):
        applier.remove(intent)
    if applier.problems:
        _fail(applier.problems)
    return applier.result


def _plan(session: Session, scope: AdminScope, data: bytes) -> tuple[list[_Intent], list[Change], str]:
    intents = _intents(session, scope, read_rows(data))
    names = dict(session.execute(select(Unit.id, Unit.short_name)).all())
    changes = [_describe(i, names) for i in intents]
    digest = hashlib.sha256(json.dumps([asdict(c) for c in changes], ensure_ascii=False).encode()).hexdigest()
    return intents, changes, digest


def preview(session: Session, scope: AdminScope, filename: str, data: bytes) -> Preview:
    """Check the whole file and try it out (rolled back); keep it for the confirmation."""
    scope.require_admin()
    if scope.actor_id is None:
        raise ValidationFailed(["请在网页上导入人员"])
    intents, changes, digest = _plan(session, scope, data)
    with session.begin_nested() as trial:
        _apply(session, scope, intents, hasher=lambda _password: "preview")
        trial.rollback()
    session.execute(
        delete(PeopleImport).where(
            (PeopleImport.actor_id == scope.actor_id) | (PeopleImport.created_at < clock.now() - STAGED_FOR)
        )
    )
    staged = PeopleImport(
        actor_id=scope.actor_id,
        filename=inputs.clean_filename(filename, "人员.xlsx"),
        data=data,
        digest=digest,
        created_at=clock.now(),
    )
    session.add(staged)
    session.flush()
    return Preview(staged.id, staged.filename, changes)


def confirm(session: Session, scope: AdminScope, import_id: int) -> Applied:
    """Apply what the preview showed; if anything changed since, nothing is applied and a new preview is needed."""
    staged = session.get(PeopleImport, import_id)
    if staged is None or staged.actor_id != scope.actor_id or staged.created_at < clock.now() - STAGED_FOR:
        raise NotFound("该导入已执行、已过期或不存在，请重新上传文件")
    intents, changes, digest = _plan(session, scope, staged.data)
    if digest != staged.digest:
        raise ValidationFailed(["预览之后，相关人员或角色已被修改，请重新上传文件查看最新的变化"], "未导入任何内容")
    result = _apply(session, scope, intents)
    result.updated = sum(1 for c in changes if c.action == "修改")
    result.unchanged = sum(1 for c in changes if c.action == "无变化")
    session.delete(staged)
    audit.record(
        session,
        scope.actor_id,
        "people_import",
        import_id,
        "people:imported",
        None,
        {"file": staged.filename, "created": [u for u, _, _ in result.created], "updated": result.updated},
    )
    return result
