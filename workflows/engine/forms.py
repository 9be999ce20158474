"""The JSON Schemas that user tasks reference: Chinese validation and the option lists pages render.

Supported: type string/integer/boolean, title, enum + enumNames, minLength, maxLength,
minimum, maximum, required, and "x-required-when": {field: {other_field: [values]}}.
A string without maxLength holds at most DEFAULT_MAX_LENGTH characters; an integer is typed
in ASCII digits and fits 32 bits; an array holds at most maxItems (default MAX_ITEMS) values.
"x-options": "units" fills an integer field's choices from the units table; other names are
providers registered by domain modules (e.g. "subject_items": the info items of a task's application).
Type "array" holds several chosen values (checkboxes); with "x-widget": "answers" it holds one text per option
(a box for each question the options list, answered in their order), with "x-widget": "files" the tokens of files
kept for the person (the page uploads them; the domain handler moves them where they belong).
"x-shown-when" (same shape as x-required-when) shows a field only while its condition holds; otherwise it holds nothing.
Submitted data is typed and trimmed, then validated by jsonschema's Draft 2020-12 validator extended with these keywords;
its errors become the Chinese problems a person reads under each field.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Callable

from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import inputs
from workflows.engine import form_meta
from workflows.engine.form_meta import ARRAY_WIDGETS, INTEGERS, TYPES
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
            return self.spec["x-widget"] if self.spec.get("x-widget") in ARRAY_WIDGETS else "checkboxes"
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
    shown_when = (schema or {}).get("x-shown-when", {})
    return [
        {
            "name": f.name,
            "title": f.title,
            "widget": f.widget,
            "required": f.required,
            "description": f.spec.get("description", ""),
            "options": options(session, f, task),
            "type": f.spec.get("type", "string"),
            "min_length": f.spec.get("minLength"),
            "checked_all": f.spec.get("x-checked") == "all",
            "check": f.spec.get("x-check", ""),
            "shown_when": shown_when.get(f.name),
        }
        for f in fields(schema or {})
    ]


def readable(session: Session, schema: dict | None, values: dict, task=None) -> list[tuple[str, str]]:
    """What a completed form says as a person reads it: each filled field's title and its values' labels."""
    rows = []
    for f in fields(schema or {}):
        value = values.get(f.name)
        if value in (None, "", [], False):
            continue
        labels = dict(options(session, f, task)) if f.widget in ("select", "radio", "checkboxes", "answers") else {}
        if f.widget == "answers" and isinstance(value, list):  # each question with its answer
            questions = list(labels.values())
            text = "\n".join(
                f"{q}：{a}" if q else str(a) for q, a in itertools.zip_longest(questions[: len(value)], value)
            )
        elif isinstance(value, list):
            text = "、".join(labels.get(str(v), str(v)) for v in value)
        elif value is True:
            text = "是"
        else:
            text = labels.get(str(value), str(value))
        rows.append((f.title, text))
    return rows


def validate(schema: dict, data: dict) -> dict:
    """Cleaned values for the schema's fields; every problem jsonschema finds raised at once, in Chinese."""
    clean = _cleaned(schema, data)
    filled = {name: value for name, value in clean.items() if value not in (None, "", [])}
    errors = _FormValidator(schema, format_checker=_DATES).iter_errors(filled)
    if problems := _problems(schema, errors):
        raise ValidationFailed(problems)
    return clean


def _cleaned(schema: dict, data: dict) -> dict:
    """What an HTML form sends, typed and trimmed; a field not shown for the choices made holds nothing."""
    clean = {f.name: _coerced(f, data.get(f.name)) for f in fields(schema)}
    shown_when = schema.get("x-shown-when", {})
    while hidden := [
        name for name, conditions in shown_when.items() if clean.get(name) is not None and not _holds(clean, conditions)
    ]:
        clean.update(dict.fromkeys(hidden))  # hiding one field may hide those shown by its value
    return clean


def _coerced(f: Field, raw):
    """The value as the schema's type holds it where it reads as one; anything else is left for jsonschema to refuse."""
    kind = f.spec.get("type", "string")
    if kind == "array":
        if raw is None:
            return None  # not given at all: the domain decides what that means (e.g. the whole request)
        values = [str(v).strip() for v in (raw if isinstance(raw, list) else ([] if raw == "" else [raw]))]
        return values if f.widget == "answers" else [v for v in values if v]  # an unanswered question keeps its place
    if kind == "boolean":
        return raw in (True, "true", "on", "1", "yes", 1)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if kind == "integer" and isinstance(raw, str) and _ASCII_INT.fullmatch(raw.strip()):
        return int(raw)
    return raw if kind == "integer" else str(raw).strip()


def _holds(values: dict, conditions: dict) -> bool:
    return all(values.get(other) in allowed for other, allowed in conditions.items())


def _when(schema: dict, conditions: dict, values: dict) -> str:
    """When a conditional field is required, as a person reads it: 不通过类别为“其他”时."""
    other = list(conditions)[-1]
    spec = schema["properties"].get(other, {})
    value = str(values.get(other))
    return f"{spec.get('title', other)}为“{dict(_labels(spec)).get(value, value)}”时"


def _labels(spec: dict) -> list[tuple[str, str]]:
    return list(zip(map(str, spec.get("enum", [])), map(str, spec.get("enumNames") or spec.get("enum", []))))


# --- our keywords, as keywords of jsonschema's Draft 2020-12 validator ------------------------------------

_ASCII_INT = re.compile(r"-?[0-9]{1,20}")  # longer digit runs are no 32-bit integer; int() would only slow down
_DRAFT = Draft202012Validator.VALIDATORS
_DATES = FormatChecker(formats=("date",))  # YYYY-MM-DD, a day that exists


def _typed(validator, kind, instance, schema):
    """A type here carries the bounds every value of it has: 32 bits, DEFAULT_MAX_LENGTH characters, MAX_ITEMS values."""
    if wrong := list(_DRAFT["type"](validator, kind, instance, schema)):
        yield from wrong
    elif kind == "integer" and not inputs.INT32_MIN <= instance <= inputs.INT32_MAX:
        yield ValidationError("an integer beyond 32 bits", validator="type")
    elif kind == "string" and "maxLength" not in schema and len(instance) > DEFAULT_MAX_LENGTH:
        yield ValidationError("too long", validator="maxLength", validator_value=DEFAULT_MAX_LENGTH)
    elif kind == "array":
        if "maxItems" not in schema and len(instance) > MAX_ITEMS:
            yield ValidationError("too many values", validator="maxItems", validator_value=MAX_ITEMS)
        longest, limit = max(instance, key=len, default=""), schema.get("maxLength", DEFAULT_MAX_LENGTH)
        if len(longest) > limit:  # an array's maxLength bounds each of its values
            yield ValidationError("a value too long", validator="maxLength", validator_value=limit, instance=longest)


def _enum(validator, choices, instance, schema):
    """A form sends text, so a value matches a choice by its text; each value of an array is one of the choices."""
    texts = {str(choice) for choice in choices}
    if any(str(value) not in texts for value in (instance if isinstance(instance, list) else [instance])):
        yield ValidationError("not one of the choices")


def _required(validator, names, instance, schema):
    """Names the missing field, which jsonschema's own required keyword says only in English prose."""
    for name in names:
        if name not in instance:
            yield ValidationError("必填", path=[name])


def _required_when(validator, rules, instance, schema):
    """x-required-when: {field: {other_field: [values]}}: the field is required while every other field holds one of
    its values, and the problem says when."""
    for name, conditions in rules.items():
        if name not in instance and _holds(instance, conditions):
            yield ValidationError(f"{_when(schema, conditions, instance)}必填", path=[name])


def _shown_when(validator, rules, instance, schema):
    """x-shown-when (same shape): a field not shown holds nothing (cleaning empties it; this says it must)."""
    for name, conditions in rules.items():
        if name in instance and not _holds(instance, conditions):
            yield ValidationError("当前不显示，不应填写", path=[name])


def _properties(validator, properties, instance, schema):
    """Each field's own keywords, then x-check: a rule of the domain that reads the whole form, run on a value of the
    field's type, format and choices (a text too long may also be too vague: both show at once)."""
    errors = list(_DRAFT["properties"](validator, properties, instance, schema))
    yield from errors
    unfit = {e.path[0] for e in errors if e.validator in ("type", "format", "enum")}
    for name, spec in properties.items():
        check = _checks.get(spec.get("x-check", ""))
        if check and name in instance and name not in unfit and (problem := check(instance[name], instance)):
            yield ValidationError(problem, validator="x-check", path=[name])


_FormValidator = validators.extend(
    Draft202012Validator,
    {
        "type": _typed,
        "enum": _enum,
        "required": _required,
        "properties": _properties,
        "x-required-when": _required_when,
        "x-shown-when": _shown_when,
    },
    type_checker=INTEGERS,
)

_SAYS = {  # jsonschema's keywords in the words a person filling the form reads; ours speak Chinese already
    "type": lambda e, spec: (
        f"应为半角数字写的整数，且不超过 {inputs.INT32_MAX}"
        if e.validator_value == "integer"
        else f"应为{TYPES.get(e.validator_value, e.validator_value)}"
    ),
    "format": lambda e, spec: inputs.not_a_day(str(e.instance)),
    "enum": lambda e, spec: "应为 {} 之一".format("、".join(v if v == n else f"{v}（{n}）" for v, n in _labels(spec))),
    "minLength": lambda e, spec: f"至少 {e.validator_value} 个字",
    "maxItems": lambda e, spec: (
        f"最多{'' if spec.get('x-widget') == 'answers' else '选择'} {e.validator_value} 项"
        f"（现有 {len(e.instance)} 项）"
    ),
    "maxLength": lambda e, spec: inputs.too_long_message(e.validator_value, len(e.instance)),
    "minimum": lambda e, spec: f"不能小于 {e.validator_value}",
    "maximum": lambda e, spec: f"不能大于 {e.validator_value}",
}


def _problems(schema: dict, errors) -> list[FieldProblem]:
    """What is wrong with each value (the first thing, in the form's order), then which conditional fields are
    missing, then each field that is required yet empty and each domain check's objection."""
    errors, titles = list(errors), {f.name: f.title for f in fields(schema)}
    wrong, rest = {}, []
    for e in sorted((e for e in errors if e.validator in _SAYS), key=lambda e: list(_SAYS).index(e.validator)):
        wrong.setdefault(e.path[0], _SAYS[e.validator](e, schema["properties"][e.path[0]]))
    missing = [(e.path[0], e.message) for e in errors if e.validator in ("x-required-when", "x-shown-when")]
    said = set(wrong) | {name for name, _ in missing}
    for name in titles:
        rest += [
            (name, e.message)
            for e in errors
            if e.path[0] == name and (e.validator == "x-check" or e.validator == "required" and name not in said)
        ]
    found = [(name, wrong[name]) for name in titles if name in wrong] + missing + rest
    return [FieldProblem(name, f"{titles[name]}：{message}") for name, message in found]


# --- what a modeler may write: checked against workflows/engine/form_meta.py's meta-schema ------------------


def option_sources() -> dict[str, str]:
    """The x-options names a field may use: the units table and the providers listed in bootstrap."""
    return {"units": "单位列表"} | {name: "程序提供" for name in _providers}


def schema_problems(schema, reserved: set[str] = frozenset()) -> list[str]:
    """Everything in a form schema the pages and validation would not understand, in Chinese."""
    return form_meta.problems(schema, option_sources(), list(_checks), reserved)
