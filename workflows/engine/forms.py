"""The JSON Schemas that user tasks reference: Chinese validation and the option lists pages render.

Supported: type string/integer/boolean, title, enum + enumNames, minLength, maxLength,
minimum, maximum, required, and "x-required-when": {field: {other_field: [values]}}.
A string without maxLength holds at most DEFAULT_MAX_LENGTH characters; an integer is typed
in ASCII digits and fits 32 bits; an array holds at most maxItems (default MAX_ITEMS) values.
"x-options": "units" fills an integer field's choices from the units table; other names are
providers registered by domain modules (e.g. "subject_items": the info items of a task's application).
Type "array" holds several chosen values (checkboxes).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import inputs
from workflows.errors import FieldProblem, ValidationFailed
from workflows.models import Unit

_providers: dict[str, Callable] = {}
_checks: dict[str, Callable] = {}
DEFAULT_MAX_LENGTH = 2000
MAX_ITEMS = 200


def configure(providers: dict[str, Callable], checks: dict[str, Callable] | None = None) -> None:
    """Listed in workflows/bootstrap.py: fn(session, task) -> [(value, label)] for fields with "x-options": name,
    and fn(value, data) -> problem or None for fields with "x-check": name (a rule of the domain, such as a
    specific rejection reason, checked together with the form's own rules so every problem shows at once)."""
    _providers.clear()
    _providers.update(providers)
    _checks.clear()
    _checks.update(checks or {})


@dataclass(frozen=True)
class Field:
    name: str
    spec: dict
    required: bool

    @property
    def title(self) -> str:
        return self.spec.get("title", self.name)

    @property
    def widget(self) -> str:
        if self.spec.get("type") == "array":
            return "checkboxes"
        if self.spec.get("format") == "date":
            return "date"
        if self.spec.get("enum") or self.spec.get("x-options"):
            return self.spec.get("x-widget", "select")
        if self.spec.get("type") == "boolean":
            return "checkbox"
        return self.spec.get("x-widget", "input")


def fields(schema: dict) -> list[Field]:
    required = set(schema.get("required", []))
    return [Field(name, spec, name in required) for name, spec in schema.get("properties", {}).items()]


def options(session: Session, field: Field, task=None) -> list[tuple[str, str]]:
    """(value, label) pairs for a select, radio group or checkboxes."""
    source = field.spec.get("x-options")
    if source == "units":
        return [(str(uid), name) for uid, name in session.execute(select(Unit.id, Unit.name).order_by(Unit.id))]
    if source in _providers:
        return _providers[source](session, task) if task is not None else []
    names = field.spec.get("enumNames") or field.spec.get("enum", [])
    return [(str(v), str(n)) for v, n in zip(field.spec.get("enum", []), names)]


def rendered(session: Session, schema: dict | None, task=None) -> list[dict]:
    """The fields a page renders for a task's form, with their choices (the domain validates on submit)."""
    return [{"name": f.name, "title": f.title, "widget": f.widget, "required": f.required,
             "description": f.spec.get("description", ""), "options": options(session, f, task),
             "type": f.spec.get("type", "string"), "min_length": f.spec.get("minLength")}
            for f in fields(schema or {})]


def readable(session: Session, schema: dict | None, values: dict, task=None) -> list[tuple[str, str]]:
    """What a completed form says as a person reads it: each filled field's title and its values' labels."""
    rows = []
    for f in fields(schema or {}):
        value = values.get(f.name)
        if value in (None, "", [], False):
            continue
        labels = dict(options(session, f, task)) if f.widget in ("select", "radio", "checkboxes") else {}
        if isinstance(value, list):
            text = "、".join(labels.get(str(v), str(v)) for v in value)
        elif value is True:
            text = "是"
        else:
            text = labels.get(str(value), str(value))
        rows.append((f.title, text))
    return rows


def validate(schema: dict, data: dict) -> dict:
    """Cleaned values for the schema's fields; every problem raised at once, in Chinese."""
    clean, problems = {}, []
    for f in fields(schema):
        value, problem = _coerce(f, data.get(f.name))
        if problem:
            problems.append(FieldProblem(f.name, f"{f.title}：{problem}"))
        clean[f.name] = value
    for name, conditions in schema.get("x-required-when", {}).items():
        if all(clean.get(other) in values for other, values in conditions.items()) and clean.get(name) in (None, ""):
            title = schema["properties"].get(name, {}).get("title", name)
            problems.append(FieldProblem(name, f"{title}：必填"))
    for f in fields(schema):
        if f.required and clean.get(f.name) in (None, "", []) and not any(p.startswith(f"{f.title}：") for p in problems):
            problems.append(FieldProblem(f.name, f"{f.title}：必填"))
        check = _checks.get(f.spec.get("x-check", ""))
        if check and clean.get(f.name) not in (None, "", []) and (problem := check(clean[f.name], clean)):
            problems.append(FieldProblem(f.name, f"{f.title}：{problem}"))
    if problems:
        raise ValidationFailed(problems)
    return clean


def _coerce(f: Field, raw) -> tuple[object, str | None]:
    kind = f.spec.get("type", "string")
    if kind == "array":
        values = raw if isinstance(raw, list) else ([] if raw in (None, "") else [raw])
        values = [str(v).strip() for v in values if str(v).strip()]
        limit, longest = f.spec.get("maxItems", MAX_ITEMS), max(map(len, values), default=0)
        if len(values) > limit:
            return [], f"最多选择 {limit} 项（现有 {len(values)} 项）"
        if longest > DEFAULT_MAX_LENGTH:
            return [], inputs.too_long_message(DEFAULT_MAX_LENGTH, longest)
        return values, None
    if kind == "boolean":
        return raw in (True, "true", "on", "1", "yes", 1), None
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    if kind == "integer":
        value = inputs.parse_int(raw)
        if value is None:
            return None, f"应为半角数字写的整数，且不超过 {inputs.INT32_MAX}"
        return value, _range_problem(f.spec, value)
    value = str(raw).strip()
    if f.spec.get("format") == "date" and not _is_date(value):
        return None, "日期格式应为 YYYY-MM-DD"
    if "enum" in f.spec and value not in [str(v) for v in f.spec["enum"]]:
        names = f.spec.get("enumNames") or f.spec["enum"]
        labels = "、".join(str(v) if str(v) == n else f"{v}（{n}）" for v, n in zip(f.spec["enum"], names))
        return None, f"应为 {labels} 之一"
    if len(value) < f.spec.get("minLength", 0):
        return value, f"至少 {f.spec['minLength']} 个字"
    limit = f.spec.get("maxLength", DEFAULT_MAX_LENGTH)
    if len(value) > limit:
        return value, inputs.too_long_message(limit, len(value))
    return value, None


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _range_problem(spec: dict, value: int) -> str | None:
    if "minimum" in spec and value < spec["minimum"]:
        return f"不能小于 {spec['minimum']}"
    if "maximum" in spec and value > spec["maximum"]:
        return f"不能大于 {spec['maximum']}"
    return None
