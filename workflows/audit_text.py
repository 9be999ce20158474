"""The audit trail as a person reads it: who (name and unit), when (Shanghai time), did what to which case, from → to.

Events store codes. Each feature declares beside its services the actions it records and how their fields read
(an `Events`); workflows/bootstrap.py hands every declaration to `configure`, so this module knows no feature's
words and a label exists once, where its feature keeps it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import case_names, clock
from workflows.models import (
    Application,
    AuditEvent,
    Grant,
    HumanTask,
    Objection,
    Person,
    ProcessInstance,
    ProcessVersion,
    Resource,
    Unit,
)
from workflows.models.labels import LabeledEnum

# How a field's stored value reads: a table of codes, a LabeledEnum, or a function (None: it does not know the value)
Reader = Mapping[str, str] | type[LabeledEnum] | Callable[[str], str | None]


@dataclass(frozen=True)
class Events:
    """What one feature writes to the audit trail, in the words the audit page shows."""

    actions: Mapping[str, str] = field(default_factory=dict)  # action code → what was done
    actions_by_subject: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (action, subject) → label
    subjects: Mapping[str, str] = field(default_factory=dict)  # subject type → what it is
    subject_names: Mapping[str, Callable[[str], str]] = field(default_factory=dict)  # subject id → text (no row)
    statuses: Mapping[str, type[LabeledEnum]] = field(default_factory=dict)  # subject type → its status enum
    keys: Mapping[str, str] = field(default_factory=dict)  # field → its name
    keys_by_subject: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # a field named per subject
    hidden_keys: frozenset[str] = frozenset()  # counters, ids and routing values meaningless to a reader
    booleans: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # field → (yes, no)
    values: Mapping[str, Reader] = field(default_factory=dict)  # field → how its value reads anywhere
    values_by_subject: Mapping[str, Mapping[str, Reader]] = field(default_factory=dict)
    values_by_action: Mapping[str, Mapping[str, Reader]] = field(default_factory=dict)
    values_by_form: Mapping[str, Mapping[str, Reader]] = field(default_factory=dict)  # a task's result, by its form


class NotConfigured(RuntimeError):
    """Reading the trail before bootstrap would show every action as 其他操作."""


class _Reader:
    """Every reader declared for one field in one scope: the tables merged (a code named twice differently is an
    error), then the functions in the order declared."""

    def __init__(self):
        self.table: dict[str, str] = {}
        self.functions: list[Callable[[str], str | None]] = []

    def add(self, reader: Reader, where: str) -> None:
        if isinstance(reader, type) and issubclass(reader, LabeledEnum):
            reader = {m.value: m.label for m in reader}
        if callable(reader) and not isinstance(reader, Mapping):
            self.functions.append(reader)
            return
        _merge(self.table, reader, where)

    def read(self, value: str) -> str | None:
        if value in self.table:
            return self.table[value]
        return next((said for fn in self.functions if (said := fn(value))), None)


def _merge(into: dict, declared: Mapping, where: str) -> None:
    for code, said in declared.items():
        if into.setdefault(code, said) != said:
            raise ValueError(f"{where} {code!r} is declared twice: {into[code]!r} and {said!r}")


# The registry, filled by configure(); the module-level names stay what the audit page and tests read.
ACTIONS: dict[str, str] = {}
SUBJECTS: dict[str, str] = {}
KEYS: dict[str, str] = {}
KEYS_BY_SUBJECT: dict[str, dict[str, str]] = {}
HIDDEN_KEYS: set[str] = set()
STATUSES: dict[str, type[LabeledEnum]] = {}
_ACTIONS_BY_SUBJECT: dict[tuple[str, str], str] = {}
_SUBJECT_NAMES: dict[str, Callable[[str], str]] = {}
_BOOLEANS: dict[str, tuple[str, str]] = {}
_READERS: dict[tuple[str, str, str], _Reader] = {}  # (scope, scope's name, field); scope "" is everywhere
_configured = False

MAX_TEXT = 200
CASE_SUBJECTS = ("application", "demand", "catalog_change", "objection", "entry_change")  # named by case_names


def configure(declarations: Iterable[Events]) -> None:
    """Take every feature's declaration (from workflows/bootstrap.py); a label declared twice differently fails."""
    global _configured
    for registry in (
        ACTIONS,
        SUBJECTS,
        KEYS,
        KEYS_BY_SUBJECT,
        HIDDEN_KEYS,
        STATUSES,
        _ACTIONS_BY_SUBJECT,
        _SUBJECT_NAMES,
        _BOOLEANS,
        _READERS,
    ):
        registry.clear()
    for d in declarations:
        _merge(ACTIONS, d.actions, "action")
        _merge(_ACTIONS_BY_SUBJECT, d.actions_by_subject, "action on a subject")
        _merge(SUBJECTS, d.subjects, "subject")
        _merge(_SUBJECT_NAMES, d.subject_names, "subject name")
        _merge(STATUSES, d.statuses, "status enum of")
        _merge(KEYS, d.keys, "key")
        for subject, keys in d.keys_by_subject.items():
            _merge(KEYS_BY_SUBJECT.setdefault(subject, {}), keys, f"key on {subject}")
        HIDDEN_KEYS.update(d.hidden_keys)
        _merge(_BOOLEANS, d.booleans, "yes/no of")
        scoped = [
            ("", "", d.values),
            *(("subject", s, v) for s, v in d.values_by_subject.items()),
            *(("action", a, v) for a, v in d.values_by_action.items()),
            *(("form", f, v) for f, v in d.values_by_form.items()),
        ]
        for scope, name, readers in scoped:
            for key, reader in readers.items():
                _READERS.setdefault((scope, name, key), _Reader()).add(reader, f"value of {key} ({scope} {name})")
        for subject, enum_cls in d.statuses.items():
            _READERS.setdefault(("subject", subject, "status"), _Reader()).add(enum_cls, f"status of {subject}")
    _configured = True


# The words of the trail itself: the ids it names (a unit, a person, a case), and fields every feature records.
COMMON = Events(
    keys={
        "status": "状态",
        "reason": "理由",
        "note": "说明",
        "comment": "说明",
        "name": "名称",
        "kind": "类型",
        "number": "编号",
        "code": "代码",
        "late": "是否逾期",
        "opinion": "处理意见",
        "unit_id": "单位",
        "unit": "单位",
        "person": "人员",
        "assignee_id": "办理人",
        "provider_unit_id": "提供单位",
        "application_id": "申请",
        "grant_id": "授权",
        "resource_id": "目录条目",
        "objection_id": "异议编号",
        "anomaly_id": "使用异常编号",
        "attachment": "附件",
        "attachments": "附件",
        "size": "大小（字节）",
        "sha256": "摘要",
        "error": "原因",
        "file": "文件",
    },
    booleans={"late": ("逾期", "未逾期")},
)


def _require_configured() -> None:
    if not _configured:
        raise NotConfigured("workflows.bootstrap.bootstrap() must run before the audit trail is read")


@dataclass
class AuditLine:
    at: datetime
    actor: str
    action: str
    subject: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (what, before, after)
    unit: str = ""  # the unit the actor acted for, "" when the event does not say


def describe(session: Session, events: list[AuditEvent]) -> list[AuditLine]:
    """Each event in Chinese; the names it refers to (units, people, application numbers, tasks) load in four queries."""
    _require_configured()
    names = _Names(session, events)
    return [
        AuditLine(
            at=e.at,
            actor=names.actor(e),
            action=_action(e.action, e.subject_type),
            subject=names.subject(e),
            changes=_changes(e, names),
            unit=e.unit.name if e.unit else "",
        )
        for e in events
    ]


def filter_units(session: Session) -> dict[int, str]:
    """Every unit, for filtering the audit trail by the unit acted for (deactivated ones keep their history)."""
    return dict(session.execute(select(Unit.id, Unit.name).order_by(Unit.active.desc(), Unit.id)).all())


def label(code: str) -> str | None:
    """The Chinese name of an action code, or None when no feature declares it (the page would say 其他操作)."""
    text = _action(code)
    return None if text == "其他操作" else text


def filter_actions() -> dict[str, str]:
    """Every action the audit page can filter on: the named ones and each status a subject can take."""
    _require_configured()
    statuses = {
        f"{kind}:{member.value}": f"{SUBJECTS.get(kind, '事项')}：{member.label}"
        for kind, enum_cls in STATUSES.items()
        for member in enum_cls
    }
    return ACTIONS | {code: label for code, label in statuses.items() if code not in ACTIONS}


def _action(code: str, subject_type: str = "") -> str:
    _require_configured()
    if (code, subject_type) in _ACTIONS_BY_SUBJECT:
        return _ACTIONS_BY_SUBJECT[(code, subject_type)]
    if code in ACTIONS:
        return ACTIONS[code]
    kind, _, verb = code.partition(":")
    enum_cls = STATUSES.get(kind)
    member = enum_cls.parse(verb) if enum_cls else None
    return f"{SUBJECTS.get(kind, '事项')}：{member.label}" if member else "其他操作"


def key_label(subject_type: str, key: str) -> str:
    return KEYS_BY_SUBJECT.get(subject_type, {}).get(key) or KEYS.get(key, "其他")


def _changes(event: AuditEvent, names: _Names) -> list[tuple[str, str, str]]:
    before, after = event.before or {}, event.after or {}
    form = (
        names.forms.get(int(event.subject_id), "")
        if event.subject_type == "task" and event.subject_id.isdigit()
        else ""
    )
    rows = []
    for key in list(dict.fromkeys([*before, *after])):
        if key in HIDDEN_KEYS:
            continue
        old, new = (names.value(event.subject_type, key, side.get(key), event.action, form) for side in (before, after))
        if old != new or key in after:
            rows.append((key_label(event.subject_type, key), old, new))
    return rows


class _Names:
    """Looks up, once per page, the units, people, applications and tasks the events mention by id."""

    def __init__(self, session: Session, events: list[AuditEvent]):
        ids = {
            "unit": set(),
            "person": set(),
            "application": set(),
            "task": set(),
            "demand": set(),
            "catalog_change": set(),
            "instance": set(),
            "objection": set(),
            "grant": set(),
            "resource": set(),
            "entry_change": set(),
        }
        codes, usernames = set(), set()
        for e in events:
            for side in _sides(e):
                ids["unit"] |= {_id(v) for k, v in side.items() if k.endswith("unit_id") and _id(v)}
                ids["unit"] |= {
                    _id(u)
                    for k, v in side.items()
                    if k.endswith("unit_ids") and isinstance(v, list)
                    for u in v
                    if _id(u)
                }
                for kind in ("objection", "grant", "resource", "application"):
                    ids[kind] |= {_id(v) for k, v in side.items() if k == f"{kind}_id" and _id(v)}
                ids["person"] |= {v for k, v in side.items() if k == "assignee_id" and isinstance(v, int)}
                codes |= {v for k, v in side.items() if k == "unit" and isinstance(v, str)}
                usernames |= {v for k, v in side.items() if k in ("person", "successor") and isinstance(v, str)}
            if e.subject_type in ids and e.subject_id.isdigit():
                ids[e.subject_type].add(int(e.subject_id))
        self.units = dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids["unit"]))).all())
        self.unit_codes = dict(session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(codes))).all())
        self.people = dict(
            session.execute(select(Person.id, Person.display_name).where(Person.id.in_(ids["person"]))).all()
        )
        self.cases = {
            (kind, i): name
            for kind in CASE_SUBJECTS
            for i, name in case_names.by_subject(session, kind, ids[kind]).items()
        }
        self.numbers = dict(
            session.execute(
                select(Application.id, Application.number).where(Application.id.in_(ids["application"]))
            ).all()
        )
        self.objections = {
            o.id: o.number for o in session.scalars(select(Objection).where(Objection.id.in_(ids["objection"])))
        }
        self.grants = {
            g.id: f"{g.application.number}「{g.resource.name}」（{g.unit.name}）"
            for g in session.scalars(select(Grant).where(Grant.id.in_(ids["grant"])))
        }
        self.resources = {
            r.id: f"{r.code} {r.name}"
            for r in session.scalars(select(Resource).where(Resource.id.in_(ids["resource"])))
        }
        instances = list(session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(ids["instance"]))))
        self.cases |= {("instance", i): name for i, name in case_names.for_instances(session, instances).items()}
        found = list(session.scalars(select(HumanTask).where(HumanTask.id.in_(ids["task"]))))
        cases = case_names.for_instances(session, [t.instance for t in found])
        self.tasks = {t.id: f"“{t.name}”（{cases[t.instance_id]}）" for t in found}
        self.forms = {t.id: t.form or "" for t in found}  # a task's result reads in the words of its form
        self.usernames = dict(
            session.execute(select(Person.username, Person.display_name).where(Person.username.in_(usernames))).all()
        )
        self.processes = dict(
            session.execute(
                select(ProcessVersion.process_key, ProcessVersion.name).order_by(ProcessVersion.version)
            ).all()
        )

    @staticmethod
    def actor(event: AuditEvent) -> str:
        if event.actor is None:
            return "系统"
        return f"{event.actor.display_name}（{event.actor.unit.name}）"

    def subject(self, event: AuditEvent) -> str:
        kind, key = event.subject_type, event.subject_id
        label = SUBJECTS.get(kind, "事项")
        if kind in (*CASE_SUBJECTS, "instance") and key.isdigit():
            return self.cases.get((kind, int(key))) or f"{label}（已删除）"
        if kind == "task" and key.isdigit():
            return f"{label}{self.tasks.get(int(key), '（已删除）')}"
        if kind == "process":
            return f"{label}“{self.processes.get(key, key)}”"
        rows = {"person": self.people, "unit": self.units, "grant": self.grants, "resource": self.resources}.get(kind)
        if rows is not None and key.isdigit() and int(key) in rows:
            return f"{label} {rows[int(key)]}"
        if kind in _SUBJECT_NAMES:
            return _SUBJECT_NAMES[kind](key)
        return f"{label} {key}"

    def value(self, subject_type: str, key: str, value, action: str = "", form: str = "") -> str:
        if value is None or value == "" or value == []:
            return ""
        if isinstance(value, bool):
            yes, no = _BOOLEANS.get(key, ("是", "否"))
            return yes if value else no
        if isinstance(value, list):
            return "、".join(self.value(subject_type, key, v, action, form) for v in value)
        if isinstance(value, dict):
            parts = [
                f"{key_label(subject_type, k)}：{self.value(subject_type, k, v, action, form)}"
                for k, v in value.items()
                if v not in (None, "", []) and k not in HIDDEN_KEYS
            ]
            return "；".join(parts)
        if (key.endswith("unit_id") or key.endswith("unit_ids")) and _id(value):
            return self.units.get(_id(value), "（已删除的单位）")
        named = {
            "objection_id": self.objections,
            "grant_id": self.grants,
            "resource_id": self.resources,
            "application_id": self.numbers,
        }.get(key)
        if named is not None and _id(value):
            return named.get(_id(value)) or "（已删除）"
        if key == "assignee_id" and isinstance(value, int):
            return self.people.get(value, "（已删除的人员）")
        if key == "unit" and isinstance(value, str):
            return self.unit_codes.get(value, value)
        if key in ("person", "successor") and isinstance(value, str) and value in self.usernames:
            return f"{self.usernames[value]}（{value}）"
        if key == "process" or (subject_type == "process" and key == "process_key"):
            return self.processes.get(str(value), "流程")
        return _text(subject_type, key, str(value), action, form)


def _id(value) -> int | None:
    """An id as events hold it: an int, or digits from a submitted form ("2")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) <= 10 else None


def _sides(event: AuditEvent) -> list[dict]:
    """Before, after and the dicts nested in them (a task's result), where ids to be named may stand."""
    sides = [event.before or {}, event.after or {}]
    return sides + [v for side in sides for v in side.values() if isinstance(v, dict)]


def _text(subject_type: str, key: str, value: str, action: str = "", form: str = "") -> str:
    """A value in the words declared nearest to it: its task's form, its action, its subject, then anywhere."""
    for scope in (("form", form), ("action", action), ("subject", subject_type), ("", "")):
        reader = _READERS.get((*scope, key))
        if reader is not None and (said := reader.read(value)):
            return said
    for (scope, _, field_key), reader in _READERS.items():  # a task whose form is not known (an older diagram)
        if scope == "form" and field_key == key and (said := reader.read(value)):
            return said
    if len(value) >= 19 and value[4:5] == "-" and value[10:11] == "T":  # an ISO instant
        try:
            return clock.fmt(datetime.fromisoformat(value))
        except ValueError:
            pass
    return value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + "…"
