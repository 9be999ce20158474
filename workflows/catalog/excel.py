"""A unit's catalog as an Excel workbook, because units keep and review their catalogs in spreadsheets."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from types import SimpleNamespace

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import spreadsheets
from workflows.catalog import entries, proposals
from workflows.catalog.entries import DuplicateSuspected, InvalidEntry
from workflows.catalog.rules import (
    ENUM_FIELDS,
    FORM_FIELDS,
    LABELS,
    CleanResource,
    Problem,
    clean_resource,
    publish_problems,
)
from workflows.errors import Forbidden, NotFound, ValidationFailed
from workflows.models import DataType, Person, Resource, ResourceStatus, Role, Unit

RESOURCE_SHEET, ITEM_SHEET, GUIDE_SHEET = "资源目录", "信息项", "填写说明"
RESOURCE_COLUMNS = {LABELS[name]: name for name in FORM_FIELDS} | {"状态": "status"}
ITEM_COLUMNS = {
    "资源代码": "code",
    "信息项名称": "name",
    "数据类型": "data_type",
    "长度": "length",
    "是否敏感(是/否)": "sensitive",
}
ENUMS = {name: enum_cls for name, (_, enum_cls) in ENUM_FIELDS.items()} | {
    "status": ResourceStatus,
    "data_type": DataType,
}
CHOICES = {name: [m.label for m in enum_cls] for name, enum_cls in ENUMS.items()} | {"sensitive": ["是", "否"]}
WIDTHS = {
    "资源名称": 26,
    "资源摘要": 40,
    "共享条件/不予共享依据": 36,
    "分类路径": 20,
    "关联资源代码": 22,
    "三定职责依据": 26,
    "联合采集登记": 26,
    "信息项名称": 22,
    "资源代码": 14,
}
GUIDE = {
    "资源代码": "已有条目填写其代码即修改该条目；新条目可留空，由系统按本单位序列自动编号",
    "资源名称": "必填，不超过 200 字",
    "分类路径": "如：基础/人口/户籍",
    "资源摘要": "发布前必填",
    "共享条件/不予共享依据": "有条件共享填写共享条件；不予共享填写法律、行政法规或国家政策依据",
    "共享方式": "可共享的资源必填；不予共享的资源留空",
    "发布日期": "格式 YYYY-MM-DD，留空则以发布当天为准",
    "关联资源代码": "多个用分号分隔",
    "三定职责依据": "可选，本单位“三定”规定中的对应职责",
    "联合采集登记": "可选，多部门共同采集时写明各方分工",
    "状态": "留空即保持原状态（新条目为草稿）；填“已发布”则导入后立即发布",
    "信息项/资源代码": "所属条目的资源代码；新条目未填代码时填写其资源名称。某条目在本表列出的信息项将整体替换其原有"
    "信息项；本表未列出的已有条目保留原信息项",
    "信息项/信息项名称": "必填，同一条目内不能重复",
    "信息项/长度": "可选，正整数",
}
EXAMPLE = "示例："
MAX_ROWS = 5000
MIN_REASON = 4
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    published: int = 0


# --- export ------------------------------------------------------------------


def export_workbook(session: Session, person: Person, unit_id: int) -> bytes:
    """Every entry of the unit in every status, in the same layout the import reads back."""
    if session.get(Unit, unit_id) is None:
        raise NotFound("所选单位不存在")
    if not (entries.can_edit(person, unit_id) or person.has_role(Role.COORDINATOR)):
        raise Forbidden("只有本单位的目录管理员或县大数据局协调员可以导出本单位的目录")
    book = _new_book()
    for resource in sorted(entries.unit_entries(session, person, [unit_id]), key=lambda r: r.code):
        data = entries.snapshot(resource)
        _append(book[RESOURCE_SHEET], [_cell(f, data[f]) for f in RESOURCE_COLUMNS.values()])
        for item in data["items"]:
            _append(book[ITEM_SHEET], [_cell(f, (item | {"code": resource.code})[f]) for f in ITEM_COLUMNS.values()])
    return _to_bytes(book)


def template_workbook() -> bytes:
    """An empty workbook with one example row per sheet and a sheet that explains every column."""
    book = _new_book()
    example = {
        "name": EXAMPLE + "养犬登记信息",
        "category_class": "部门",
        "category_path": "部门/公安/治安",
        "summary": "本县犬只登记与年检信息",
        "format": "数据库",
        "share_type": "有条件共享",
        "share_condition": "仅用于城市管理执法",
        "share_method": "接口",
        "open_type": "不予开放",
        "update_cycle": "每日",
        "sensitivity": "一般",
        "status": "草稿",
    }
    _append(book[RESOURCE_SHEET], [example.get(f) for f in RESOURCE_COLUMNS.values()])
    for name, length in (("犬主姓名", 50), ("犬只芯片号", 20)):
        _append(book[ITEM_SHEET], [example["name"], name, "字符型", length, "否"])
    guide = book.create_sheet(GUIDE_SHEET)
    _header(guide, {"工作表": 10, "列名": 24, "说明": 90})
    guide.append(
        [
            "全部",
            "",
            f"以“{EXAMPLE}”开头的示例行不会导入，可直接覆盖或删除；请勿修改表头。"
            "导入前会检查全部内容，有任何问题则不导入任何内容",
        ]
    )
    for sheet, columns in ((RESOURCE_SHEET, RESOURCE_COLUMNS), (ITEM_SHEET, ITEM_COLUMNS)):
        for title, name in columns.items():
            allowed = f"可选值：{'、'.join(CHOICES[name])}" if name in CHOICES else ""
            note = GUIDE.get(f"{sheet}/{title}") or GUIDE.get(title, "")
            guide.append([sheet, title, "；".join(t for t in (note, allowed) if t)])
    return _to_bytes(book)


def _new_book() -> Workbook:
    book = Workbook()
    book.active.title = RESOURCE_SHEET
    book.create_sheet(ITEM_SHEET)
    for sheet, columns in ((RESOURCE_SHEET, RESOURCE_COLUMNS), (ITEM_SHEET, ITEM_COLUMNS)):
        _header(book[sheet], {t: WIDTHS.get(t, max(10, 2 * len(t) + 2)) for t in columns})
        for index, name in enumerate(columns.values(), start=1):
            if name in CHOICES:
                _dropdown(book[sheet], get_column_letter(index), CHOICES[name])
    return book


def _header(sheet, widths: dict[str, int]) -> None:
    sheet.append(list(widths))
    for index, (cell, width) in enumerate(zip(sheet[1], widths.values()), start=1):
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"


def _dropdown(sheet, column: str, labels: list[str]) -> None:
    rule = DataValidation(
        type="list",
        formula1='"' + ",".join(labels) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="无效值",
        error="请从下拉列表中选择：" + "、".join(labels),
    )
    sheet.add_data_validation(rule)
    rule.add(f"{column}2:{column}{MAX_ROWS + 1}")


def _cell(name: str, value):
    """A snapshot value as people read it: labels, not codes."""
    if value in (None, "", []):
        return None
    if name in ENUMS:
        return ENUMS[name](value).label
    if name == "related_codes":
        return ";".join(value)
    if name == "sensitive":
        return "是" if value else "否"
    return value


def _append(sheet, values: list) -> None:
    sheet.append(
        [spreadsheets.safe_cell(ILLEGAL_CHARACTERS_RE.sub("", v)) if isinstance(v, str) else v for v in values]
    )


def _to_bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- import: reading ---------------------------------------------------------


@dataclass
class _Row:
    sheet: str
    number: int
    values: dict

    def where(self, name: str | None) -> str:
        titles = {v: k for k, v in (RESOURCE_COLUMNS if self.sheet == RESOURCE_SHEET else ITEM_COLUMNS).items()}
        column = f"“{titles[name]}”列" if name in titles else ""
        return f"工作表“{self.sheet}”第{self.number}行{column}"

    def problem(self, name: str | None, message: str) -> tuple[int, int, str]:
        return int(self.sheet == ITEM_SHEET), self.number, f"{self.where(name)}：{message}"


def _fail(problems: list[tuple[int, int, str]]):
    raise ValidationFailed(
        [text for *_, text in sorted(problems, key=lambda p: p[:2])],
        f"导入文件有 {len(problems)} 处问题，未导入任何内容，请修改后重新上传",
    )


def _read_workbook(data: bytes) -> tuple[list[_Row], list[_Row]]:
    """Both sheets' rows; the file's sizes are checked before openpyxl unpacks anything."""
    problems: list = []
    try:
        archive = spreadsheets.open_archive(data)
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            rows = (
                _read_sheet(book, archive, RESOURCE_SHEET, RESOURCE_COLUMNS, problems),
                _read_sheet(book, archive, ITEM_SHEET, ITEM_COLUMNS, problems),
            )
        finally:
            book.close()
            archive.close()
    except ValidationFailed:
        raise
    except Exception:  # openpyxl raises zip, XML, key and value errors for a file that is no workbook
        raise ValidationFailed(
            [
                "请上传由“下载模板”或“导出本单位目录”得到并填写的 .xlsx 文件；"
                ".xls、.csv 等格式请先在 Excel 中“另存为” .xlsx 工作簿"
            ],
            "文件不是有效的 Excel 工作簿（.xlsx），未导入任何内容",
        ) from None
    if problems:
        _fail(problems)
    return rows


def _title(value) -> str:
    return re.sub(r"[（(].*$", "", str(value or "")).strip()


def _read_sheet(book, archive, sheet: str, columns: dict[str, str], problems: list) -> list[_Row]:
    if sheet not in book.sheetnames:
        problems.append((0, 0, f"缺少工作表“{sheet}”，请使用“下载模板”得到的工作簿填写"))
        return []
    worksheet = book[sheet]
    too_large = spreadsheets.scan_sheet(archive, worksheet._worksheet_path, sheet, MAX_ROWS)  # openpyxl's part name
    if too_large:
        problems.append((int(sheet == ITEM_SHEET), 0, too_large))
        return []
    worksheet.reset_dimensions()  # every row the sheet holds, also beyond the size its <dimension> declares
    lines = worksheet.iter_rows(values_only=True)
    header = [_title(v) for v in next(lines, ())]
    missing = [t for t in columns if _title(t) not in header]
    if missing:
        problems.append((0, 0, f"工作表“{sheet}”第1行缺少列：{'、'.join(missing)}（请勿修改或删除模板的表头）"))
        return []
    index = {name: header.index(_title(title)) for title, name in columns.items()}
    rows = []
    for number, line in enumerate(lines, start=2):
        row = _Row(sheet, number, {name: _text(line[i] if i < len(line) else None) for name, i in index.items()})
        unreadable = [
            row.problem(name, problem)
            for name, text in row.values.items()
            if (problem := spreadsheets.cell_problem(text))
        ]
        problems += unreadable
        example = (row.values["code"] + row.values["name"]).startswith(EXAMPLE)
        if any(row.values.values()) and not unreadable and not example:
            rows.append(row)
    return rows


def _text(value) -> str:
    """A cell as the text a person typed, whatever type Excel stored it as."""
    if isinstance(value, date):
        return (value.date() if isinstance(value, datetime) else value).isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else spreadsheets.typed_cell(str(value).strip())


# --- import: checking --------------------------------------------------------


@dataclass
class _Plan:
    """What one entry of the file will do: its row (None when only its info items are listed) and checks."""

    row: _Row | None
    existing: Resource | None
    items: list[_Row] = field(default_factory=list)
    raw: dict = field(default_factory=dict)
    raw_items: list[dict] = field(default_factory=list)
    clean: CleanResource | None = None
    status: ResourceStatus = ResourceStatus.DRAFT
    changed: bool = True
    flagged: bool = False

    @property
    def first_row(self) -> _Row:
        return self.row or self.items[0]


def _make_plans(session: Session, unit_id: int, resource_rows: list[_Row], item_rows: list[_Row]):
    codes = {r.values["code"] for r in resource_rows + item_rows if r.values["code"]}
    known = {r.code: r for r in session.scalars(select(Resource).where(Resource.code.in_(codes)))} if codes else {}
    plans, problems = _link_resources(resource_rows, known, unit_id)
    problems += _link_items(item_rows, plans, known, unit_id)
    for plan in plans.values():
        problems += _check(plan)
    return list(plans.values()), problems


def _link_resources(rows: list[_Row], known: dict, unit_id: int) -> tuple[dict[str, _Plan], list]:
    plans, problems = {}, []
    for row in rows:
        code, key = row.values["code"], row.values["code"] or row.values["name"]
        existing = known.get(code)
        if key in plans:
            problems.append(
                row.problem(
                    "code" if code else "name", f"“{key}”与第{plans[key].row.number}行重复，同一条目只能出现一次"
                )
            )
        elif existing is not None and existing.provider_unit_id != unit_id:
            problems.append(
                row.problem(
                    "code",
                    f"“{code}”是{existing.provider_unit.name}的条目" f"“{existing.name}”的代码，不能导入到本单位",
                )
            )
        else:
            plans[key] = _Plan(row, existing)
    return plans, problems


def _link_items(rows: list[_Row], plans: dict[str, _Plan], known: dict, unit_id: int) -> list:
    problems = []
    for row in rows:
        key, existing = row.values["code"], known.get(row.values["code"])
        if not key:
            problems.append(row.problem("code", "必填，应为所属条目的资源代码"))
        elif key not in plans and (existing is None or existing.provider_unit_id != unit_id):
            problems.append(
                row.problem("code", f"“{key}”既不在工作表“{RESOURCE_SHEET}”中，也不是本单位已有条目的资源代码")
            )
        else:
            plans.setdefault(key, _Plan(None, existing)).items.append(row)
    return problems


def _check(plan: _Plan) -> list:
    """Every problem of one entry, each located at its row and column."""
    existing = plan.existing
    if plan.row is not None:
        plan.raw = {k: v for k, v in plan.row.values.items() if k != "status"}
    else:
        plan.raw = {k: v for k, v in entries.snapshot(existing).items() if k not in ("items", "status")}
    plan.raw_items = (
        [r.values for r in plan.items] if plan.items else entries.snapshot(existing)["items"] if existing else []
    )
    plan.clean, found = clean_resource(plan.raw, plan.raw_items)
    plan.changed = existing is None or not _same(existing, plan.clean)
    problems = _status_problems(plan)
    if plan.existing is not None and plan.changed and (held := proposals.not_by_import(plan.existing, plan.clean)):
        problems.append(plan.first_row.problem(*held))
    if plan.status == ResourceStatus.PUBLISHED and (plan.changed or existing.status != plan.status):
        found += publish_problems(plan.clean.values, plan.clean.items)
    return problems + [_locate(plan, p) for p in found]


def _same(resource: Resource, clean: CleanResource) -> bool:
    """Whether saving the row would change nothing, compared the way history compares entries."""
    values = clean.values | {
        "code": clean.values["code"] or resource.code,
        "published_on": clean.values["published_on"] or resource.published_on,
    }
    shadow = SimpleNamespace(**values, status=resource.status, items=[SimpleNamespace(**i) for i in clean.items])
    return entries.snapshot(shadow) == entries.snapshot(resource)


def _status_problems(plan: _Plan) -> list:
    text = plan.row.values["status"] if plan.row is not None else ""
    wanted = ResourceStatus.parse(text)
    if text and wanted is None:
        return [plan.row.problem("status", f"“{text}”不是有效值，应为 {'、'.join(CHOICES['status'])} 之一")]
    current = plan.existing.status if plan.existing is not None else None
    plan.status = wanted or current or ResourceStatus.DRAFT
    message = None
    if current == ResourceStatus.RETIRED and (plan.changed or plan.status != current):
        message = "已停用的条目不能通过导入修改或恢复，请删除此行"
    elif current is None and plan.status == ResourceStatus.RETIRED:
        message = "新条目不能导入为“已停用”"
    elif plan.status == ResourceStatus.RETIRED and current != plan.status:
        message = "停用条目请在条目页操作并填写停用原因"
    elif current == ResourceStatus.PUBLISHED and plan.status == ResourceStatus.DRAFT:
        message = "已发布的条目不能改回草稿；如不再提供请在条目页停用"
    return [plan.first_row.problem("status" if plan.row else "code", message)] if message else []


def _locate(plan: _Plan, problem: Problem) -> tuple[int, int, str]:
    if problem.item is not None and plan.items:
        return plan.items[problem.item].problem(problem.field, problem.message)
    if plan.row is None:
        return plan.items[0].problem("code", f"条目“{plan.existing.code}”的{problem}")
    if problem.item is not None:
        return plan.row.problem(None, f"原有{problem}")
    return plan.row.problem("status" if problem.field == "items" else problem.field, problem.message)


# --- import: saving ----------------------------------------------------------


def import_workbook(
    session: Session, person: Person, unit_id: int, data: bytes, duplicate_reason: str = ""
) -> ImportResult:
    """Check the whole file, then save it in the caller's transaction; any problem means nothing is saved."""
    if session.get(Unit, unit_id) is None:
        _fail([(0, 0, "所选单位不存在，请重新选择要导入的单位")])
    if not entries.can_edit(person, unit_id):
        raise Forbidden("只有本单位的目录管理员可以导入本单位的目录")
    entries.check_duplicate_reason(duplicate_reason)
    resource_rows, item_rows = _read_workbook(data)
    plans, problems = _make_plans(session, unit_id, resource_rows, item_rows)
    if problems:
        _fail(problems)
    _warn_duplicates(session, unit_id, plans, duplicate_reason)
    result = ImportResult()
    for plan in plans:
        _save(session, person, unit_id, plan, duplicate_reason if plan.flagged else "", result)
    return result


def _warn_duplicates(session: Session, unit_id: int, plans: list[_Plan], reason: str) -> None:
    """一数一源: new or changed entries that resemble another unit's entry need a reason."""
    hints = {}
    for plan in plans:
        if not plan.changed or (plan.existing is not None and plan.existing.duplicate_reason):
            continue
        name = plan.clean.values["name"]
        found = entries.find_duplicates(
            session, name, [i["name"] for i in plan.clean.items], unit_id, plan.existing.id if plan.existing else None
        )
        plan.flagged = bool(found)
        for hint in found:
            hints.setdefault(hint.code, replace(hint, why=f"{hint.why}，与{plan.first_row.where(None)}“{name}”相似"))
    if hints and len(reason.strip()) < MIN_REASON:
        raise DuplicateSuspected(list(hints.values()))


def _save(session: Session, person: Person, unit_id: int, plan: _Plan, reason: str, result: ImportResult) -> None:
    try:
        if plan.existing is None:
            resource = entries.create_resource(session, person, unit_id, plan.raw, plan.raw_items, reason)
            result.created += 1
        elif plan.changed:
            resource = entries.update_resource(session, person, plan.existing.id, plan.raw, plan.raw_items, reason)
            result.updated += 1
        else:
            resource = plan.existing
        if plan.status == ResourceStatus.PUBLISHED and resource.status == ResourceStatus.DRAFT:
            entries.publish(session, person, resource.id)
            result.published += 1
    except InvalidEntry as err:
        _fail([(0, 0, f"{plan.first_row.where(None)}：{detail}") for detail in err.details])
