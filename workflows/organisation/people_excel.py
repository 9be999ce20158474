"""People and their roles as an Excel workbook: what the export writes, the import reads back unchanged."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import spreadsheets
from workflows.errors import ValidationFailed
from workflows.models import Person, Role, Unit
from workflows.organisation.scope import AdminScope

SHEET, GUIDE_SHEET = "人员", "填写说明"
COLUMNS = {
    "用户名": "username",
    "姓名": "display_name",
    "单位代码": "unit_code",
    "职务": "position",
    "电子邮箱": "email",
    "角色": "roles",
    "账号状态": "status",
}
WIDTHS = {"用户名": 16, "姓名": 12, "单位代码": 12, "职务": 14, "电子邮箱": 28, "角色": 40, "账号状态": 12}
ACTIVE, INACTIVE = "在用", "已停用"
STATUS_WORDS = {ACTIVE: True, "启用": True, INACTIVE: False, "停用": False}
ROLE_SEPARATORS = re.compile(r"[;；、,，\s]+")
EXAMPLE = "示例："
MAX_ROWS = 1000
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
GUIDE = {
    "用户名": "必填。已有用户名的行修改该人员；新用户名新建账号，导入后显示其一次性密码（只显示一次）。"
    "2–64 位小写字母、数字、点、下划线或连字符",
    "姓名": "必填",
    "单位代码": "必填，人员所在单位的代码（见“单位”页面），如 mzj",
    "职务": "可选",
    "电子邮箱": "可选，用于接收待办和催办邮件",
    "角色": "该人员担任的全部角色，多个用分号分隔，如“申请人；审核人”，指所在单位的角色；"
    "在其他单位担任的角色写成“单位代码:角色”，如 gaj:审核人。已有人员未列出的角色将被取消",
    "账号状态": "在用 或 已停用；留空则保持不变（新账号为在用）。已停用的账号不能登录，其历史记录保留",
}
ROLE_CHOICES = "可选角色：" + "、".join(r.label for r in Role)


def role_cell(person: Person) -> str:
    """The roles as the import reads them: own unit by label, other units as code:label."""
    return "；".join(
        Role(m.role).label if m.unit_id == person.unit_id else f"{m.unit.code}:{Role(m.role).label}"
        for m in sorted(
            person.memberships, key=lambda m: (m.unit_id != person.unit_id, m.unit_id, list(Role).index(Role(m.role)))
        )
    )


def export_workbook(session: Session, scope: AdminScope) -> bytes:
    """Everyone this administrator manages, active or not, in the layout the import reads."""
    scope.require_admin()
    query = select(Person).join(Unit, Person.unit_id == Unit.id).order_by(Unit.id, Person.id)
    if not scope.everything:
        query = query.where(Person.unit_id.in_(scope.unit_ids))
    book = _new_book()
    for person in session.scalars(query):
        if scope.may_manage(person):
            _append(
                book[SHEET],
                [
                    person.username,
                    person.display_name,
                    person.unit.code,
                    person.position,
                    person.email or "",
                    role_cell(person),
                    ACTIVE if person.active else INACTIVE,
                ],
            )
    return _to_bytes(book)


def template_workbook() -> bytes:
    """An empty workbook with an example row and a sheet that explains every column."""
    book = _new_book()
    _append(
        book[SHEET],
        [EXAMPLE + "zhangsan", "张三", "mzj", "科员", "zhangsan@xiayi.gov.example", "申请人；审核人", ACTIVE],
    )
    guide = book.create_sheet(GUIDE_SHEET)
    _header(guide, {"列名": 14, "说明": 100})
    guide.append(
        [
            "全部",
            f"以“{EXAMPLE}”开头的示例行不会导入，可直接覆盖或删除；请勿修改表头。导入前先预览全部变化，"
            "确认后才生效；文件中有任何问题则不导入任何内容",
        ]
    )
    for title in COLUMNS:
        guide.append([title, GUIDE[title] + (f"。{ROLE_CHOICES}" if title == "角色" else "")])
    return _to_bytes(book)


def _new_book() -> Workbook:
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    _header(sheet, WIDTHS)
    rule = DataValidation(
        type="list",
        formula1=f'"{ACTIVE},{INACTIVE}"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="无效值",
        error=f"请选择 {ACTIVE} 或 {INACTIVE}",
    )
    sheet.add_data_validation(rule)
    rule.add(f"{get_column_letter(len(COLUMNS))}2:{get_column_letter(len(COLUMNS))}{MAX_ROWS + 1}")
    return book


def _header(sheet, widths: dict[str, int]) -> None:
    sheet.append(list(widths))
    for index, (cell, width) in enumerate(zip(sheet[1], widths.values()), start=1):
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"


def _append(sheet, values: list) -> None:
    sheet.append(
        [spreadsheets.safe_cell(ILLEGAL_CHARACTERS_RE.sub("", v)) if isinstance(v, str) else v for v in values]
    )


def _to_bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- reading --------------------------------------------------------------------


@dataclass
class Row:
    number: int
    values: dict[str, str]

    def where(self, name: str | None = None) -> str:
        titles = {v: k for k, v in COLUMNS.items()}
        return f"第{self.number}行" + (f"“{titles[name]}”列" if name in titles else "")

    def problem(self, name: str | None, message: str) -> str:
        return f"{self.where(name)}：{message}"


NOT_A_WORKBOOK = ValidationFailed(
    ["请上传由“下载模板”或“导出人员”得到并填写的 .xlsx 文件；.xls、.csv 等格式请先在 Excel 中" "“另存为” .xlsx 工作簿"],
    "文件不是有效的 Excel 工作簿（.xlsx），未导入任何内容",
)


def read_rows(data: bytes) -> list[Row]:
    """The filled rows of the people sheet; the file's sizes are checked before openpyxl unpacks anything."""
    try:
        archive = spreadsheets.open_archive(data)
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            return _read_sheet(book, archive)
        finally:
            book.close()
            archive.close()
    except ValidationFailed:
        raise
    except Exception:  # openpyxl raises zip, XML, key and value errors for a file that is no workbook
        raise ValidationFailed(NOT_A_WORKBOOK.details, NOT_A_WORKBOOK.message) from None


def _fail(problems: list[str]):
    raise ValidationFailed(problems, f"导入文件有 {len(problems)} 处问题，未导入任何内容，请修改后重新上传")


def _read_sheet(book, archive) -> list[Row]:
    if SHEET not in book.sheetnames:
        _fail([f"缺少工作表“{SHEET}”，请使用“下载模板”得到的工作簿填写"])
    sheet = book[SHEET]
    if too_large := spreadsheets.scan_sheet(archive, sheet._worksheet_path, SHEET, MAX_ROWS):  # openpyxl's part name
        _fail([too_large])
    sheet.reset_dimensions()  # every row the sheet holds, also beyond the size its <dimension> declares
    lines = sheet.iter_rows(values_only=True)
    header = [spreadsheets.header_title(v) for v in next(lines, ())]
    if missing := [t for t in COLUMNS if t not in header]:
        _fail([f"第1行缺少列：{'、'.join(missing)}（请勿修改或删除模板的表头）"])
    index = {name: header.index(title) for title, name in COLUMNS.items()}
    rows, problems = [], []
    for number, line in enumerate(lines, start=2):
        row = Row(
            number, {name: spreadsheets.cell_text(line[i] if i < len(line) else None) for name, i in index.items()}
        )
        unreadable = [
            row.problem(name, p) for name, text in row.values.items() if (p := spreadsheets.cell_problem(text))
        ]
        problems += unreadable
        if any(row.values.values()) and not unreadable and not row.values["username"].startswith(EXAMPLE):
            rows.append(row)
    if problems:
        _fail(problems)
    if not rows:
        _fail(["工作表中没有要导入的行（示例行不会导入），请填写后重新上传"])
    return rows
