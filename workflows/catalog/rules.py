"""What a catalog entry must contain (R13, §6 of RULES.md), declared once and checked the same way for the form and
the Excel import."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from workflows import inputs, reasons
from workflows.models import (
    CategoryClass,
    DataType,
    OpenType,
    ResourceFormat,
    Sensitivity,
    ShareMethod,
    ShareType,
    UpdateCycle,
)

MAX_ITEMS, ITEM_NAME_LIMIT = 500, 100  # the info item name column holds 100 characters
MAX_RELATED_CODES = 50
CODE_LIMIT = 64
YES = {"yes", "是", "true", "1", "y", "on"}
NO = {"no", "否", "false", "0", "n", "", "off"}


def _refused(message: str) -> PydanticCustomError:
    return PydanticCustomError(inputs.REFUSED, message)


def _text(value) -> str:
    """A cell or a form field as text: Excel sends numbers and dates, a form sends strings, a snapshot None."""
    return "" if value is None else str(value)


def _option(enum_cls):
    """A member from its code or Chinese label; blank is None (whether it is required is a rule below)."""

    def member(value):
        if value is None or isinstance(value, enum_cls):
            return value
        text = str(value).strip()
        if not text:
            return None
        if (found := enum_cls.parse(text)) is None:
            raise _refused(f"“{text}”不是有效值，应为 {'、'.join(m.label for m in enum_cls)} 之一")
        return found

    member.enum = enum_cls
    return BeforeValidator(member)


def _text_field(title: str, limit: int):
    return Annotated[str, BeforeValidator(_text), Field(title=title, max_length=limit)]


def _enum_field(title: str, enum_cls):
    return Annotated[enum_cls | None, _option(enum_cls), Field(title=title)]


class InfoItemShape(BaseModel):
    """One info item (信息项) as a form row or a spreadsheet row gives it."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    name: _text_field("信息项名称", ITEM_NAME_LIMIT) = ""
    data_type: Annotated[DataType | None, Field(title="数据类型", validate_default=True)] = None
    length: Annotated[int | None, Field(title="长度")] = None
    sensitive: Annotated[bool, Field(title="是否敏感")] = False

    @field_validator("data_type", mode="before")
    @classmethod
    def _a_data_type(cls, value, info):
        if isinstance(value, DataType) or (value is None and (info.context or {}).get("partial")):
            return value
        if (found := DataType.parse(_text(value))) is None:
            raise _refused(f"应为 {'、'.join(m.label for m in DataType)} 之一")
        return found

    @field_validator("length", mode="before")
    @classmethod
    def _a_length(cls, value):
        text = _text(value).strip()
        if not text:
            return None
        if (length := inputs.parse_int(text, low=1)) is None:
            too_big = text.isascii() and text.isdigit() and int(text) > 0
            raise _refused(f"“{inputs.shown(text)}”" + ("过大" if too_big else "应为正整数"))
        return length

    @field_validator("sensitive", mode="before")
    @classmethod
    def _a_flag(cls, value):
        if isinstance(value, bool):
            return value
        text = _text(value).strip().lower()
        if text not in YES | NO:
            raise _refused(f"“{text}”应为 是 或 否")
        return text in YES


class EntryShape(BaseModel):
    """A catalog entry (R13, GB/T 21063 metadata) declared once: the web form's fields, the Excel columns' checks and
    the service's rules read it, in the order of the spreadsheet's columns. Each field is checked on its own here; the rules between fields are `_rules`."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    code: _text_field("资源代码", CODE_LIMIT) = ""
    name: _text_field("资源名称", 200) = ""
    category_class: _enum_field("资源分类", CategoryClass) = None
    category_path: _text_field("分类路径", 200) = ""
    summary: _text_field("资源摘要", 2000) = ""
    format: _enum_field("资源格式", ResourceFormat) = None
    share_type: _enum_field("共享类型", ShareType) = None
    share_condition: _text_field("共享条件/不予共享依据", 2000) = ""
    share_method: _enum_field("共享方式", ShareMethod) = None
    open_type: _enum_field("开放类型", OpenType) = None
    update_cycle: _enum_field("更新周期", UpdateCycle) = None
    sensitivity: _enum_field("数据分级", Sensitivity) = None
    published_on: Annotated[date | None, Field(title="发布日期")] = None
    related_codes: Annotated[list[str], Field(title="关联资源代码")] = []
    mandate: _text_field("三定职责依据", 500) = ""
    collection_note: _text_field("联合采集登记", 500) = ""
    items: Annotated[list[InfoItemShape], Field(title="信息项")] = []

    OPTIONAL: ClassVar[frozenset[str]] = frozenset({"share_method"})  # 不予共享 has none

    @field_validator("published_on", mode="before")
    @classmethod
    def _a_day(cls, value):
        if value is None or isinstance(value, date):
            return value
        text = _text(value).strip()
        if not text:
            return None
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            raise _refused(inputs.not_a_day(text)) from None

    @field_validator("related_codes", mode="before")
    @classmethod
    def _codes(cls, value):
        """关联资源代码 as typed: separated by ; , ， 、 or spaces, each normalised (case, full-width) as stored."""
        parts = value if isinstance(value, list) else re.split(r"[;；,，、\s]+", _text(value))
        codes = [code for code in (inputs.catalog_code(v) for v in parts) if code]
        if len(codes) > MAX_RELATED_CODES:
            raise _refused(f"最多 {MAX_RELATED_CODES} 个（现有 {len(codes)} 个）")
        if long := [code for code in codes if len(code) > CODE_LIMIT]:
            raise _refused("；".join(f"“{inputs.shown(c)}”{inputs.too_long_message(CODE_LIMIT, len(c))}" for c in long))
        return codes

    @field_validator("items", mode="before")
    @classmethod
    def _not_too_many(cls, value):
        if isinstance(value, list) and len(value) > MAX_ITEMS:
            raise _refused(f"一个条目最多 {MAX_ITEMS} 个信息项（现有 {len(value)} 个），请拆分条目")
        return value


RESOURCE_ENTRY_EXAMPLE = {
    "code": "",
    "name": "犬只登记信息",
    "category_class": "部门",
    "category_path": "部门/公安/犬只",
    "summary": "全县登记犬只及犬主信息",
    "format": "数据库",
    "share_type": "有条件共享",
    "share_condition": "用于犬只管理相关执法",
    "share_method": "接口",
    "open_type": "不予开放",
    "update_cycle": "实时",
    "sensitivity": "重要",
    "published_on": "",
    "related_codes": "xy-ga-002；XY-RS-001",
}  # an entry that passes every check: the shape a form or a spreadsheet row sends

ENUM_FIELDS = {
    name: (field.title, check.func.enum)
    for name, field in EntryShape.model_fields.items()
    for check in field.metadata
    if hasattr(getattr(check, "func", None), "enum")
}
FORM_FIELDS = [name for name in EntryShape.model_fields if name != "items"]
LABELS = {name: field.title for name, field in EntryShape.model_fields.items()} | {"duplicate_reason": "单独采集理由"}
ITEM_LABELS = {name: field.title for name, field in InfoItemShape.model_fields.items()}


@dataclass(frozen=True)
class Problem:
    field: str
    message: str
    item: int | None = None  # index of the info item, when the problem is in one

    def __str__(self) -> str:
        where = f"第{self.item + 1}个信息项的" if self.item is not None else ""
        label = ITEM_LABELS.get(self.field, "") if self.item is not None else LABELS.get(self.field, self.field)
        return f"{where}{label}：{self.message}"


@dataclass
class CleanResource:
    values: dict = field(default_factory=dict)
    items: list[dict] = field(default_factory=list)


def clean_resource(raw: dict, raw_items: list[dict]) -> tuple[CleanResource, list[Problem]]:
    """Parse and check one entry; every problem is reported, not only the first. The values are given back even
    when there are problems (what did not parse is blank), so an import can still compare the row with the entry."""
    data = {name: raw.get(name) for name in FORM_FIELDS} | {"items": [dict(item) for item in raw_items]}
    try:
        shape, problems = EntryShape.model_validate(data), []
    except ValidationError as error:
        problems = [_problem(found) for found in error.errors(include_url=False)]
        for found in error.errors(include_url=False):
            _forget(data, found["loc"])
        shape = EntryShape.model_validate(data, context={"partial": True})
    clean = CleanResource(shape.model_dump(exclude={"items"}), [item.model_dump() for item in shape.items])
    problems += _rules(clean, {(p.field, p.item) for p in problems})
    return clean, sorted(problems, key=_in_column_order)


def _in_column_order(problem: Problem) -> tuple:
    """The entry's problems first, then each info item's, each in the order of the form's fields."""
    fields = list(ITEM_LABELS) if problem.item is not None else FORM_FIELDS
    return (problem.item is not None, problem.item or 0, fields.index(problem.field) if problem.field in fields else 0)


def _problem(found: dict) -> Problem:
    loc = found["loc"]
    item = loc[1] if loc[0] == "items" and len(loc) > 2 else None
    name = str(loc[2] if item is not None else loc[0])
    if found["type"] in ("string_too_long", "too_long"):  # after a BeforeValidator pydantic words it as "too_long"
        return Problem(name, inputs.too_long_message(found["ctx"]["max_length"], len(found["input"].strip())), item)
    return Problem(name, found["msg"], item)


def _forget(data: dict, loc: tuple) -> None:
    """What did not parse is left blank, so the rest of the entry can still be read."""
    if loc[0] == "items" and len(loc) > 2:
        data["items"][loc[1]].pop(loc[2], None)
    else:
        data.pop(loc[0], None)


def _rules(clean: CleanResource, reported: set) -> list[Problem]:
    """What one field cannot say alone: what is required, the share rules, repeated info items. A field that was
    already refused for its value is not told again that it is missing."""
    values, problems = clean.values, []
    if not values["name"] and ("name", None) not in reported:
        problems.append(Problem("name", "必填"))
    for name in ENUM_FIELDS:
        if values[name] is None and name not in EntryShape.OPTIONAL and (name, None) not in reported:
            problems.append(Problem(name, "必填"))
    problems += _share_rules(values, reported)
    seen = set()
    for index, item in enumerate(clean.items):
        if not item["name"] and ("name", index) not in reported:
            problems.append(Problem("name", "必填", index))
        elif item["name"] and item["name"] in seen:
            problems.append(Problem("name", f"“{item['name']}”重复", index))
        seen.add(item["name"])
    return problems


def _share_rules(values: dict, reported: set) -> list[Problem]:
    share_type, method, condition = values["share_type"], values["share_method"], values["share_condition"]
    problems = []
    if ("share_condition", None) in reported:
        condition = None  # too long: told already
    if share_type == ShareType.CONDITIONAL and condition == "":
        problems.append(Problem("share_condition", "有条件共享的资源必须填写共享条件"))
    if share_type == ShareType.NOT_SHARED:
        if condition == "":
            problems.append(Problem("share_condition", "不予共享的资源必须填写法律、行政法规或国家政策依据"))
        elif condition and (problem := reasons.basis_problem(condition)):
            problems.append(Problem("share_condition", problem))
        if method is not None:
            problems.append(Problem("share_method", "不予共享的资源不应填写共享方式"))
    elif share_type is not None and method is None and ("share_method", None) not in reported:
        problems.append(Problem("share_method", "可共享的资源必须填写共享方式（接口、库表或文件）"))
    return problems


def publish_problems(values: dict, items: list) -> list[Problem]:
    """Extra conditions for publishing (R13): a complete entry with at least one info item."""
    problems = []
    if not values.get("summary"):
        problems.append(Problem("summary", "发布前必须填写资源摘要"))
    if not items:
        problems.append(Problem("items", "发布前至少需要一个信息项"))
    return problems
