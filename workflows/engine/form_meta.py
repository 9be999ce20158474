"""What a modeler may write in a form schema: a meta-schema validated by jsonschema, in Chinese.

The meta-schema is a JSON Schema (Draft 2020-12) of our form schemas. Each of its parts may carry "x-problem": what the
modeler reads when that part fails. Two keywords of our own say what JSON Schema cannot: "x-same-length" (enum and
enumNames pair up) and "x-fields" (required, x-required-when and x-shown-when name fields this form defines).
"""

from __future__ import annotations

import json

from jsonschema import Draft202012Validator, ValidationError, validators

INTEGERS = Draft202012Validator.TYPE_CHECKER.redefine(  # 3.0 is a JSON Schema integer, but not one we accept
    "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool)
)

TYPES = {"string": "文字", "integer": "整数", "boolean": "是/否", "array": "多选"}
WIDGETS = {
    "input": "单行文本",
    "textarea": "多行文本",
    "radio": "单选按钮",
    "select": "下拉选择",
    "answers": "逐项答复（每个选项一个文本框）",
    "files": "上传文件",
}
ARRAY_WIDGETS = ("answers", "files")  # only for type array
FORMATS = {"date": "日期"}
# Times the shipped processes' scripts record (`received_at = now_iso()`): no form gives them a title, yet a modeler
# picks a task's period start among them. A field of a new diagram is shown by the step whose script records it.
RECORDED_TIMES = {
    "received_at": "提供方收到申请的时刻",
    "assigned_at": "分派给提供单位的时刻",
    "triage_from": "收到异议的时刻",
    "accepted_at": "受理的时刻",
    "transferred_at": "转办的时刻",
    "answered_at": "答复齐备的时刻",
    "coordinating_from": "开始组织协调的时刻",
    "decided_at": "作出决定的时刻",
}
_FIELD_KEYS = (
    "type",
    "title",
    "description",
    "enum",
    "enumNames",
    "x-widget",
    "x-options",
    "x-check",
    "x-checked",
    "format",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "maxItems",
)
_SCHEMA_KEYS = ("title", "type", "description", "properties", "required", "x-required-when", "x-shown-when")
FIELD_NAME = r"^[a-z][a-z0-9_]{0,49}$"
MAX_FIELDS = 60
MAX_OPTIONS = 100
RULES = {"x-required-when": "条件必填", "x-shown-when": "条件显示"}  # both {field: {other_field: [values]}}


def _rule_problem(key: str) -> str:
    return f"{RULES[key]}（{key}）中 {{name}} 的写法不对：应为 {{{{字段: {{{{另一字段: [取值…]}}}}}}}}"


def _field_schema(sources: dict[str, str], checks: list[str]) -> dict:
    """What one field may say: its keys, their types and values, and which keys only an array may use."""
    checked = {"required": ["type"], "properties": {"type": {"const": "array"}}}
    return {
        "type": "object",
        "propertyNames": {"enum": list(_FIELD_KEYS), "x-problem": "不支持的键“{value}”"},
        "properties": {
            "type": {
                "enum": list(TYPES),
                "x-problem": "类型“{value}”不支持（可用：%s）" % "、".join(f"{k}（{v}）" for k, v in TYPES.items()),
            },
            **{
                key: {"type": "string", "maxLength": 500, "x-problem": f"{key} 应为不超过 500 字的文字"}
                for key in ("title", "description")
            },
            "x-widget": {
                "enum": list(WIDGETS),
                "x-problem": f"显示方式 x-widget“{{value}}”不支持（可用：{'、'.join(WIDGETS)}）",
            },
            "x-options": {
                "enum": list(sources),
                "x-problem": f"选项来源 x-options“{{value}}”不存在（可用：{'、'.join(sources)}）",
            },
            "x-check": {
                "enum": list(checks),
                "x-problem": f"检查规则 x-check“{{value}}”不存在（可用：{'、'.join(checks) or '无'}）",
            },
            "x-checked": {
                "const": "all",
                "x-problem": "默认勾选 x-checked 只能用于多选字段，取值为 all（默认全部勾选）",
            },
            "format": {"enum": list(FORMATS), "x-problem": "格式 format“{value}”不支持（可用：date）"},
            **{
                key: {"type": "integer", "x-problem": f"{key} 应为整数"}
                for key in ("minLength", "maxLength", "minimum", "maximum", "maxItems")
            },
            "enum": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_OPTIONS,
                "items": {"type": ["string", "integer"]},
                "uniqueItems": True,
                "x-problem": {
                    "uniqueItems": "可选值 enum 有重复",
                    "*": f"可选值 enum 应为 1 到 {MAX_OPTIONS} 个文字或整数",
                },
            },
            "enumNames": {
                "type": "array",
                "items": {"type": "string"},
                "x-problem": "选项说明 enumNames 应与 enum 一一对应（同样多的文字）",
            },
        },
        "dependentRequired": {"enumNames": ["enum"]},
        "x-same-length": ["enum", "enumNames"],
        "allOf": [
            {
                "if": {"required": ["x-widget"], "properties": {"x-widget": {"enum": list(ARRAY_WIDGETS)}}},
                "then": checked,
                "x-problem": "显示方式 x-widget“{spec[x-widget]}”只能用于多选（array）字段",
            },
            {
                "if": {"required": ["x-checked"]},
                "then": checked,
                "x-problem": "默认勾选 x-checked 只能用于多选字段，取值为 all（默认全部勾选）",
            },
        ],
        "x-problem": {
            "type": "字段定义应为 JSON 对象",
            "dependentRequired": "选项说明 enumNames 需要与 enum 一起使用",
            "x-same-length": "选项说明 enumNames 应与 enum 一一对应（同样多的文字）",
        },
    }


def meta_schema(sources: dict[str, str], checks: list[str], reserved: set[str] = frozenset()) -> dict:
    """The JSON Schema every form schema must satisfy; each part's x-problem is what a modeler reads when it fails
    ({value}: the offending value, {name}: the field, {spec}: its definition, {count}: how many there are)."""
    required = "必填字段（required）应为字段名的列表，且每个字段都已定义"
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": ["properties"],
        "propertyNames": {
            "enum": list(_SCHEMA_KEYS),
            "x-problem": f"不支持的键“{{value}}”（可用：{'、'.join(sorted(_SCHEMA_KEYS))}）",
        },
        "properties": {
            "type": {"const": "object", "x-problem": "表单的 type 应为 object"},
            "title": {"type": "string", "x-problem": "表单标题（title）应为文字"},
            "properties": {
                "type": "object",
                "maxProperties": MAX_FIELDS,
                "additionalProperties": _field_schema(sources, checks),
                "propertyNames": {
                    "pattern": FIELD_NAME,
                    "not": {"enum": sorted(reserved)},
                    "x-problem": {
                        "pattern": "字段 {value}：字段名只能用小写英文字母开头，由小写字母、数字和下划线组成（不超过 50 个字符）",
                        "not": "字段 {value}：字段名与内置函数同名，会使脚本无法调用该函数，请换一个名字",
                    },
                },
                "x-problem": {
                    "type": "缺少 properties 定义（字段列表）",
                    "maxProperties": f"字段过多：最多 {MAX_FIELDS} 个，现有 {{count}} 个",
                },
            },
            "required": {"type": "array", "items": {"type": "string"}, "x-problem": required},
            **{
                key: {
                    "type": "object",
                    "x-problem": f"{what}（{key}）应为 JSON 对象",
                    "additionalProperties": {
                        "type": "object",
                        "minProperties": 1,
                        "additionalProperties": {"type": "array"},
                        "x-problem": _rule_problem(key),
                    },
                }
                for key, what in RULES.items()
            },
        },
        "x-fields": {  # where this form's field names are expected ("$field")
            "required": {"items": "$field", "x-problem": required},
            **{
                key: {
                    "propertyNames": "$field",
                    "additionalProperties": {"propertyNames": "$field"},
                    "x-problem": _rule_problem(key),
                }
                for key in RULES
            },
        },
        "x-problem": {"type": "表单定义应为 JSON 对象", "required": "缺少 properties 定义（字段列表）"},
    }


def _same_length(validator, keys, instance, schema):
    """x-same-length: the listed arrays (enum and enumNames) pair up one to one."""
    lists = [instance.get(key) for key in keys] if isinstance(instance, dict) else []
    if all(isinstance(found, list) for found in lists) and len({len(found) for found in lists}) > 1:
        yield ValidationError("arrays of different lengths")


def _fields(validator, where, instance, schema):
    """x-fields: each part names fields of this very form; "$field" there becomes the enum of its field names."""
    if not isinstance(instance, dict) or not isinstance(instance.get("properties"), dict):
        return
    names = {"enum": list(instance["properties"])}
    for key, shape in where.items():
        if key in instance:
            yield from validator.descend(instance[key], _naming(shape, names), path=key, schema_path=key)


def _naming(shape, names: dict):
    if shape == "$field":
        return names
    return {k: _naming(v, names) for k, v in shape.items()} if isinstance(shape, dict) else shape


_MetaValidator = validators.extend(
    Draft202012Validator, {"x-same-length": _same_length, "x-fields": _fields}, type_checker=INTEGERS
)


def problems(schema, sources: dict[str, str], checks: list[str], reserved: set[str] = frozenset()) -> list[str]:
    """Everything in a form schema the pages and validation would not understand, in Chinese."""
    meta = meta_schema(sources, checks, reserved)
    order = ["", *_SCHEMA_KEYS]
    fields_at = (
        list(schema["properties"]) if isinstance(schema, dict) and isinstance(schema.get("properties"), dict) else []
    )
    errors = sorted(
        _MetaValidator(meta).iter_errors(schema),
        key=lambda e: (
            order.index(e.path[0]) if e.path and e.path[0] in order else 0,
            fields_at.index(e.path[1]) if len(e.path) > 1 and e.path[0] == "properties" else -1,
        ),
    )
    return list(dict.fromkeys(_said(meta, schema, error) for error in errors))


def _said(meta: dict, schema, error) -> str:
    """The x-problem of the innermost part of the meta-schema that failed, filled in, naming the field it concerns."""
    node, template = meta, None
    for step in [*error.absolute_schema_path, None]:
        if isinstance(node, dict) and "x-problem" in node:
            template = node["x-problem"]
        if not isinstance(node, (dict, list)) or step is None:
            break
        node = node[step]
    if isinstance(template, dict):
        template = template.get(error.validator, template.get("*", "写法不对"))
    at, props = list(error.path), schema.get("properties") if isinstance(schema, dict) else None
    name = at[1] if len(at) > 1 else error.instance
    spec = props.get(name) if isinstance(props, dict) and at[:1] == ["properties"] and isinstance(name, str) else None
    said = template.format(
        value=error.instance,
        name=name,
        spec=spec if isinstance(spec, dict) else {},
        count=len(error.instance) if hasattr(error.instance, "__len__") else 0,
    )
    return f"字段 {name}：{said}" if at[:1] == ["properties"] and len(at) > 1 else said


_JSON_REASONS = (  # Python's json messages, in the words the modeler's editor uses (webapp/static/modeler/json-errors.js)
    ("Expecting property name enclosed in double quotes", "此处应为用双引号括起的属性名或 “}”"),
    ("Expecting ':' delimiter", "属性名后面应为冒号 “:”"),
    ("Expecting ',' delimiter", "此处应为逗号 “,” 或结尾的括号"),
    ("Expecting value", "此处应为一个值（字符串、数字、对象、数组、true、false 或 null）"),
    ("Unterminated string", '字符串缺少结尾的双引号 "'),
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
        reason = (
            "内容不完整（缺少结尾的括号、引号或值）"
            if at_end
            else next((zh for en, zh in _JSON_REASONS if err.msg.startswith(en)), "请检查括号、引号和逗号")
        )
        return f"第 {err.lineno} 行第 {err.colno} 个字符附近：JSON 格式错误（{reason}）"
    except RecursionError:
        return "JSON 嵌套层次过深"
    return None
