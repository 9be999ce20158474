"""What a catalog entry must contain (R13, §6 of RULES.md), checked the same way for forms, API and Excel."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

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

ENUM_FIELDS = {
    "category_class": ("资源分类", CategoryClass),
    "format": ("资源格式", ResourceFormat),
    "share_type": ("共享类型", ShareType),
    "share_method": ("共享方式", ShareMethod),
    "open_type": ("开放类型", OpenType),
    "update_cycle": ("更新周期", UpdateCycle),
    "sensitivity": ("数据分级", Sensitivity),
}
TEXT_FIELDS = {
    "code": ("资源代码", 64),
    "name": ("资源名称", 200),
    "category_path": ("分类路径", 200),
    "summary": ("资源摘要", 2000),
    "share_condition": ("共享条件/不予共享依据", 2000),
    "mandate": ("三定职责依据", 500),
    "collection_note": ("采集登记说明", 500),
}
MAX_ITEMS, ITEM_NAME_LIMIT = 500, 100  # the info item name column holds 100 characters
MAX_RELATED_CODES = 50
LABELS = {k: v[0] for k, v in (ENUM_FIELDS | TEXT_FIELDS).items()} | {
    "published_on": "发布日期",
    "related_codes": "关联资源代码",
    "items": "信息项",
    "duplicate_reason": "单独采集理由",
}
ITEM_LABELS = {"name": "信息项名称", "data_type": "数据类型", "length": "长度", "sensitive": "是否敏感"}
YES = {"yes", "是", "true", "1", "y", "on"}
NO = {"no", "否", "false", "0", "n", "", "off"}


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
    """Parse and check one entry; every problem is reported, not only the first."""
    out, problems = CleanResource(), []
    for name, (label, limit) in TEXT_FIELDS.items():
        value = str(raw.get(name) or "").strip()
        if len(value) > limit:
            problems.append(Problem(name, inputs.too_long_message(limit, len(value))))
        out.values[name] = value
    if not out.values["name"]:
        problems.append(Problem("name", "必填"))
    for name, (label, enum_cls) in ENUM_FIELDS.items():
        text = str(raw.get(name) or "").strip()
        member = enum_cls.parse(text)
        if text and member is None:
            allowed = "、".join(m.label for m in enum_cls)
            problems.append(Problem(name, f"“{text}”不是有效值，应为 {allowed} 之一"))
        elif member is None and name != "share_method":
            problems.append(Problem(name, "必填"))
        out.values[name] = member
    out.values["published_on"] = _date(raw.get("published_on"), problems)
    out.values["related_codes"] = _codes(raw.get("related_codes"))
    problems += _code_problems(out.values["related_codes"]) + _share_rules(out.values)
    if len(raw_items) > MAX_ITEMS:
        return out, problems + [
            Problem("items", f"一个条目最多 {MAX_ITEMS} 个信息项（现有 {len(raw_items)} 个），请拆分条目")
        ]
    out.items, item_problems = clean_items(raw_items)
    return out, problems + item_problems


def _date(value, problems: list[Problem]) -> date | None:
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        problems.append(Problem("published_on", f"“{text}”不是有效日期，格式应为 YYYY-MM-DD"))
        return None


def _codes(value) -> list[str]:
    """关联资源代码 as typed: separated by ; , ， 、 or spaces, each normalised (case, full-width) as stored."""
    parts = value if isinstance(value, list) else re.split(r"[;；,，、\s]+", str(value or ""))
    return [code for code in (inputs.catalog_code(v) for v in parts) if code]


def _code_problems(codes: list[str]) -> list[Problem]:
    limit = TEXT_FIELDS["code"][1]
    if len(codes) > MAX_RELATED_CODES:
        return [Problem("related_codes", f"最多 {MAX_RELATED_CODES} 个（现有 {len(codes)} 个）")]
    return [
        Problem("related_codes", f"“{inputs.shown(code)}”{inputs.too_long_message(limit, len(code))}")
        for code in codes
        if len(code) > limit
    ]


def _share_rules(values: dict) -> list[Problem]:
    share_type, method, condition = values["share_type"], values["share_method"], values["share_condition"]
    problems = []
    if share_type == ShareType.CONDITIONAL and not condition:
        problems.append(Problem("share_condition", "有条件共享的资源必须填写共享条件"))
    if share_type == ShareType.NOT_SHARED:
        if not condition:
            problems.append(Problem("share_condition", "不予共享的资源必须填写法律、行政法规或国家政策依据"))
        elif problem := reasons.basis_problem(condition):
            problems.append(Problem("share_condition", problem))
        if method is not None:
            problems.append(Problem("share_method", "不予共享的资源不应填写共享方式"))
    elif share_type is not None and method is None:
        problems.append(Problem("share_method", "可共享的资源必须填写共享方式（接口、库表或文件）"))
    return problems


def clean_items(raw_items: list[dict]) -> tuple[list[dict], list[Problem]]:
    items, problems, seen = [], [], set()
    for index, raw in enumerate(raw_items):
        name = str(raw.get("name") or "").strip()
        if not name:
            problems.append(Problem("name", "必填", index))
        elif len(name) > ITEM_NAME_LIMIT:
            problems.append(Problem("name", inputs.too_long_message(ITEM_NAME_LIMIT, len(name)), index))
        elif name in seen:
            problems.append(Problem("name", f"“{name}”重复", index))
        seen.add(name)
        data_type = DataType.parse(str(raw.get("data_type") or ""))
        if data_type is None:
            allowed = "、".join(m.label for m in DataType)
            problems.append(Problem("data_type", f"应为 {allowed} 之一", index))
        length = _length(raw.get("length"), index, problems)
        sensitive = _flag(raw.get("sensitive"), index, problems)
        items.append({"name": name, "data_type": data_type, "length": length, "sensitive": sensitive})
    return items, problems


def _length(value, index: int, problems: list[Problem]) -> int | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    length = inputs.parse_int(text, low=1)
    if length is None:
        too_big = text.isascii() and text.isdigit() and int(text) > 0
        problems.append(Problem("length", f"“{inputs.shown(text)}”" + ("过大" if too_big else "应为正整数"), index))
    return length


def _flag(value, index: int, problems: list[Problem]) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().lower()
    if text in YES:
        return True
    if text not in NO:
        problems.append(Problem("sensitive", f"“{text}”应为 是 或 否", index))
    return False


def publish_problems(values: dict, items: list) -> list[Problem]:
    """Extra conditions for publishing (R13): a complete entry with at least one info item."""
    problems = []
    if not values.get("summary"):
        problems.append(Problem("summary", "发布前必须填写资源摘要"))
    if not items:
        problems.append(Problem("items", "发布前至少需要一个信息项"))
    return problems
