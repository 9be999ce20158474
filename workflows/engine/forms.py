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
"""
from __future__ import annotations

import itertools
import json
import re
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
    return [{"name": f.name, "title": f.title, "widget": f.widget, "required": f.required,
             "description": f.spec.get("description", ""), "options": options(session, f, task),
             "type": f.spec.get("type", "string"), "min_length": f.spec.get("minLength"),
             "checked_all": f.spec.get("x-checked") == "all", "check": f.spec.get("x-check", ""),
             "shown_when": shown_when.get(f.name)}
            for f in fields(schema or {})]


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
            text = "\n".join(f"{q}：{a}" if q else str(a) for q, a in itertools.zip_longest(questions[:len(value)], value))
        elif isinstance(value, list):
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
    for name, conditions in schema.get("x-shown-when", {}).items():  # a field not shown holds nothing
        if not _holds(clean, conditions):
            clean[name] = None
            problems = [p for p in problems if p.field != name]
    for name, conditions in schema.get("x-required-when", {}).items():
        if _holds(clean, conditions) and clean.get(name) in (None, "", []):
            title = schema["properties"].get(name, {}).get("title", name)
            problems.append(FieldProblem(name, f"{title}：{_when(schema, conditions, clean)}必填"))
    for f in fields(schema):
        if f.required and clean.get(f.name) in (None, "", []) and not any(p.startswith(f"{f.title}：") for p in problems):
            problems.append(FieldProblem(f.name, f"{f.title}：必填"))
        check = _checks.get(f.spec.get("x-check", ""))
        if check and clean.get(f.name) not in (None, "", []) and (problem := check(clean[f.name], clean)):
            problems.append(FieldProblem(f.name, f"{f.title}：{problem}"))
    if problems:
        raise ValidationFailed(problems)
    return clean


def _holds(clean: dict, conditions: dict) -> bool:
    return all(clean.get(other) in values for other, values in conditions.items())


def _when(schema: dict, conditions: dict, clean: dict) -> str:
    """When a conditional field is required, as a person reads it: 不通过类别为“其他”时."""
    other = list(conditions)[-1]
    spec = schema["properties"].get(other, {})
    labels = dict(zip(map(str, spec.get("enum", [])), map(str, spec.get("enumNames") or spec.get("enum", []))))
    value = str(clean.get(other))
    return f"{spec.get('title', other)}为“{labels.get(value, value)}”时"


def _coerce(f: Field, raw) -> tuple[object, str | None]:
    kind = f.spec.get("type", "string")
    if kind == "array":
        if raw is None:
            return None, None  # not given at all: the domain decides what that means (e.g. the whole request)
        values = raw if isinstance(raw, list) else ([] if raw == "" else [raw])
        values = [str(v).strip() for v in values]
        if f.widget != "answers":  # an unanswered question keeps its place; an empty choice is no choice
            values = [v for v in values if v]
        limit, longest = f.spec.get("maxItems", MAX_ITEMS), max(map(len, values), default=0)
        if len(values) > limit:
            return [], f"最多{'' if f.widget == 'answers' else '选择'} {limit} 项（现有 {len(values)} 项）"
        if longest > (most := f.spec.get("maxLength", DEFAULT_MAX_LENGTH)):
            return [], inputs.too_long_message(most, longest)
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


# --- what a modeler may write in a form schema ------------------------------------------------------

FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
TYPES = {"string": "文字", "integer": "整数", "boolean": "是/否", "array": "多选"}
WIDGETS = {"input": "单行文本", "textarea": "多行文本", "radio": "单选按钮", "select": "下拉选择",
           "answers": "逐项答复（每个选项一个文本框）", "files": "上传文件"}
ARRAY_WIDGETS = ("answers", "files")  # only for type array
FORMATS = {"date": "日期"}
# Times the shipped processes' scripts record (`received_at = now_iso()`): no form gives them a title, yet a modeler
# picks a task's period start among them. A field of a new diagram is shown by the step whose script records it.
RECORDED_TIMES = {"received_at": "提供方收到申请的时刻", "assigned_at": "分派给提供单位的时刻", "triage_from": "收到异议的时刻",
                  "accepted_at": "受理的时刻", "transferred_at": "转办的时刻", "answered_at": "答复齐备的时刻",
                  "coordinating_from": "开始组织协调的时刻", "decided_at": "作出决定的时刻"}
_FIELD_KEYS = {"type", "title", "description", "enum", "enumNames", "x-widget", "x-options", "x-check", "x-checked",
               "format",
               "minLength", "maxLength", "minimum", "maximum", "maxItems"}
_SCHEMA_KEYS = {"title", "type", "description", "properties", "required", "x-required-when", "x-shown-when"}
MAX_FIELDS = 60
MAX_OPTIONS = 100


def option_sources() -> dict[str, str]:
    """The x-options names a field may use: the units table and the providers listed in bootstrap."""
    return {"units": "单位列表"} | {name: "程序提供" for name in _providers}


def schema_problems(schema, reserved: set[str] = frozenset()) -> list[str]:
    """Everything in a form schema the pages and validation would not understand, in Chinese."""
    if not isinstance(schema, dict):
        return ["表单定义应为 JSON 对象"]
    problems = [f"不支持的键“{k}”（可用：{'、'.join(sorted(_SCHEMA_KEYS))}）" for k in schema if k not in _SCHEMA_KEYS]
    if schema.get("type", "object") != "object":
        problems.append("表单的 type 应为 object")
    if not isinstance(schema.get("title", ""), str):
        problems.append("表单标题（title）应为文字")
    props = schema.get("properties")
    if not isinstance(props, dict):
        return problems + ["缺少 properties 定义（字段列表）"]
    if len(props) > MAX_FIELDS:
        problems.append(f"字段过多：最多 {MAX_FIELDS} 个，现有 {len(props)} 个")
    for name, spec in props.items():
        problems += [f"字段 {name}：{p}" for p in _field_problems(name, spec, reserved)]
    required = schema.get("required", [])
    if not isinstance(required, list) or any(r not in props for r in required if isinstance(r, str)) \
            or not all(isinstance(r, str) for r in required):
        problems.append("必填字段（required）应为字段名的列表，且每个字段都已定义")
    problems += _required_when_problems(schema.get("x-required-when", {}), props)
    problems += _required_when_problems(schema.get("x-shown-when", {}), props, "x-shown-when", "条件显示")
    return problems


def _field_problems(name: str, spec, reserved: set[str]) -> list[str]:
    if not FIELD_NAME.match(str(name)):
        return ["字段名只能用小写英文字母开头，由小写字母、数字和下划线组成（不超过 50 个字符）"]
    if name in reserved:
        return ["字段名与内置函数同名，会使脚本无法调用该函数，请换一个名字"]
    if not isinstance(spec, dict):
        return ["字段定义应为 JSON 对象"]
    problems = [f"不支持的键“{k}”" for k in spec if k not in _FIELD_KEYS]
    kind = spec.get("type", "string")
    if kind not in TYPES:
        problems.append(f"类型“{kind}”不支持（可用：{'、'.join(f'{k}（{v}）' for k, v in TYPES.items())}）")
    for key in ("title", "description"):
        if not isinstance(spec.get(key, ""), str) or len(spec.get(key, "")) > 500:
            problems.append(f"{key} 应为不超过 500 字的文字")
    if spec.get("x-widget", "input") not in WIDGETS:
        problems.append(f"显示方式 x-widget“{spec.get('x-widget')}”不支持（可用：{'、'.join(WIDGETS)}）")
    elif spec.get("x-widget") in ARRAY_WIDGETS and kind != "array":
        problems.append(f"显示方式 x-widget“{spec['x-widget']}”只能用于多选（array）字段")
    if "x-options" in spec and spec["x-options"] not in option_sources():
        problems.append(f"选项来源 x-options“{spec['x-options']}”不存在（可用：{'、'.join(option_sources())}）")
    if "x-check" in spec and spec["x-check"] not in _checks:
        problems.append(f"检查规则 x-check“{spec['x-check']}”不存在（可用：{'、'.join(_checks) or '无'}）")
    if "x-checked" in spec and (spec["x-checked"] != "all" or kind != "array"):
        problems.append("默认勾选 x-checked 只能用于多选字段，取值为 all（默认全部勾选）")
    if "format" in spec and spec["format"] not in FORMATS:
        problems.append(f"格式 format“{spec['format']}”不支持（可用：date）")
    for key in ("minLength", "maxLength", "minimum", "maximum", "maxItems"):
        if key in spec and (not isinstance(spec[key], int) or isinstance(spec[key], bool)):
            problems.append(f"{key} 应为整数")
    return problems + _enum_problems(spec)


def _enum_problems(spec: dict) -> list[str]:
    if "enum" not in spec:
        return ["选项说明 enumNames 需要与 enum 一起使用"] if "enumNames" in spec else []
    values, names = spec["enum"], spec.get("enumNames", spec["enum"])
    if not isinstance(values, list) or not values or len(values) > MAX_OPTIONS \
            or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in values):
        return [f"可选值 enum 应为 1 到 {MAX_OPTIONS} 个文字或整数"]
    if not isinstance(names, list) or len(names) != len(values) or not all(isinstance(n, str) for n in names):
        return ["选项说明 enumNames 应与 enum 一一对应（同样多的文字）"]
    if len(set(map(str, values))) != len(values):
        return ["可选值 enum 有重复"]
    return []


def _required_when_problems(rules, props: dict, key: str = "x-required-when", what: str = "条件必填") -> list[str]:
    if not isinstance(rules, dict):
        return [f"{what}（{key}）应为 JSON 对象"]
    problems = []
    for name, conditions in rules.items():
        if name not in props or not isinstance(conditions, dict) or not conditions or not all(
                other in props and isinstance(values, list) for other, values in conditions.items()):
            problems.append(f"{what}（{key}）中 {name} 的写法不对：应为 {{字段: {{另一字段: [取值…]}}}}")
    return problems


_JSON_REASONS = (  # Python's json messages, in the words the modeler's editor uses (webapp/static/modeler/json-errors.js)
    ("Expecting property name enclosed in double quotes", "此处应为用双引号括起的属性名或 “}”"),
    ("Expecting ':' delimiter", "属性名后面应为冒号 “:”"),
    ("Expecting ',' delimiter", "此处应为逗号 “,” 或结尾的括号"),
    ("Expecting value", "此处应为一个值（字符串、数字、对象、数组、true、false 或 null）"),
    ("Unterminated string", "字符串缺少结尾的双引号 \""),
    ("Invalid control character", "字符串中不能直接换行或含控制字符"),
    ("Invalid \\escape", "无效的转义字符（反斜杠 \\ 要写成 \\\\）"),
    ("Invalid \\uXXXX escape", "转义字符 \\u 后应为 4 位十六进制数"),
    ("Extra data", "值结束后还有多余的内容"),
)


def json_problem(text: str) -> str | None:
    """None when the text is valid JSON, else where and why it is not, in Chinese (第 L 行第 C 个字符附近：…)."""
    try:
        json.loads(text)
    except json.JSONDecodeError as err:
        at_end = err.pos >= len(text.rstrip())
        reason = "内容不完整（缺少结尾的括号、引号或值）" if at_end else next(
            (zh for en, zh in _JSON_REASONS if err.msg.startswith(en)), "请检查括号、引号和逗号")
        return f"第 {err.lineno} 行第 {err.colno} 个字符附近：JSON 格式错误（{reason}）"
    except RecursionError:
        return "JSON 嵌套层次过深"
    return None
