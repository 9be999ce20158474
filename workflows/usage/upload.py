"""Usage records uploaded as CSV or Excel by a unit without the platform's API (or by the bureau for it), and by the
`flask usage import` command: the same records as POST /api/v1/usage, one per row, each row's problem named."""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from sqlalchemy.orm import Session

from workflows import inputs, spreadsheets
from workflows.errors import Forbidden, ValidationFailed
from workflows.models import CallType, Person, Role, UsageSource
from workflows.usage import ingest
from workflows.usage.inputs import MAX_RECORDS, UsageRecordInput

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # as the catalog's import
SHEET = "数据使用记录"
EXAMPLE = "示例"
COLUMNS = {  # the header a person reads → the field of UsageRecordInput
    "记录编号": "id",
    "授权编号": "grant_id",
    "申请编号": "application_number",
    "使用单位代码": "unit_code",
    "目录条目代码": "resource_code",
    "接口编码": "interface_code",
    "调用时间": "at",
    "调用方式": "call_type",
    "调用次数": "count",
    "失败次数": "failed",
    "应用场景": "scenario",
}
NUMBERS = ("grant_id", "count", "failed")
EXAMPLE_ROW = [
    EXAMPLE + "-0001",
    "",
    "XY2026000123",
    "",
    "",
    "IF-001",
    "2026-03-02 09:30",
    "接口调用",
    "120",
    "2",
    "最低生活保障资格审核",
]
NOT_READABLE = "文件无法读取：请上传由“下载模板”得到并填写的 .xlsx 工作簿，或 UTF-8 编码的 .csv 文件"


@dataclass
class UploadResult:
    accepted: int = 0
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)  # 第N行：…


def may_upload(person: Person) -> bool:
    return person.has_role(Role.UNIT_ADMIN) or person.has_role(Role.COORDINATOR)


def allowed_units(person: Person) -> set[int] | None:
    """A coordinator uploads for every unit (None); a 目录管理员 for the units where they hold that role."""
    if person.has_role(Role.COORDINATOR):
        return None
    return {m.unit_id for m in person.memberships if m.role == Role.UNIT_ADMIN}


def template_workbook() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.append(EXAMPLE_ROW)
    guide = book.create_sheet("填写说明")
    guide.append(["列名", "说明"])
    for title, name in COLUMNS.items():
        guide.append(
            [title, UsageRecordInput.model_fields[name].description or UsageRecordInput.model_fields[name].title]
        )
    guide.append(
        ["全部", f"以“{EXAMPLE}”开头的行不会导入；每行一条记录，每次最多 {MAX_RECORDS} 行；同一记录编号只计一次"]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def template_csv() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(list(COLUMNS))
    writer.writerow(EXAMPLE_ROW)
    return "\ufeff" + buffer.getvalue()


def import_file(session: Session, person: Person, filename: str, data: bytes, platform: bool = False) -> UploadResult:
    """Store the good rows of a file and name each bad row by its number; nothing is previewed.

    platform: the command line's import of the platform's own files (its record ids, any unit)."""
    if not platform and not may_upload(person):
        raise Forbidden("只有单位目录管理员和县大数据局协调员可以上传数据使用记录")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationFailed([f"文件超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB，请分批上传"], "文件过大，未导入")
    rows = _read(filename, data)
    if not rows:
        raise ValidationFailed([f"文件中没有要导入的行（以“{EXAMPLE}”开头的示例行不会导入），请填写后重新上传"])
    if len(rows) > MAX_RECORDS:
        raise ValidationFailed(
            [f"每次最多上传 {MAX_RECORDS} 行（现有 {len(rows)} 行），请分批上传"], "文件过大，未导入"
        )
    records = [_record(values) for _, values in rows]
    report = ingest.ingest(
        session,
        person,
        f"upload-{uuid.uuid4().hex}",
        hashlib.sha256(data).hexdigest(),
        records,
        [],
        UsageSource.PLATFORM if platform else UsageSource.UPLOAD,
        id_prefix="" if platform else f"{person.unit.code}/",
        allowed_units=None if platform else allowed_units(person),
    )
    numbers = [number for number, _ in rows]
    problems = [f"第{numbers[p['index']]}行：{p['message']}" for p in report.problems]
    return UploadResult(report.accepted, report.duplicates, problems)


def _record(values: dict[str, str]) -> dict:
    record = {name: value for name, value in values.items() if value != ""}
    for name in NUMBERS:
        if name in record:
            number = inputs.parse_int(record[name], 0)
            record[name] = number if number is not None else record[name]
    if "call_type" in record:
        kind = CallType.parse(record["call_type"])
        record["call_type"] = kind.value if kind else record["call_type"]
    if "at" in record:
        record["at"] = record["at"].replace("/", "-")
    return record


def _read(filename: str, data: bytes) -> list[tuple[int, dict[str, str]]]:
    name = (filename or "").lower()
    if name.endswith(".csv"):
        return _read_csv(data)
    if name.endswith(".xlsx"):
        return _read_xlsx(data)
    raise ValidationFailed(
        ["请上传 .xlsx 或 .csv 文件（.xls 请先在 Excel 中“另存为” .xlsx）"], "文件格式不支持，未导入"
    )


def _columns(header: list[str]) -> dict[str, int]:
    titles = [spreadsheets.header_title(h) for h in header]
    if missing := [t for t in ("记录编号", "调用时间", "调用方式", "调用次数") if t not in titles]:
        raise ValidationFailed([f"第1行缺少列：{'、'.join(missing)}（请使用“下载模板”得到的表头）"], "表头不对，未导入")
    return {COLUMNS[t]: i for i, t in enumerate(titles) if t in COLUMNS}


def _row(number: int, line, index: dict[str, int]) -> tuple[int, dict[str, str]] | None:
    values = {name: _text(line[i] if i < len(line) else None) for name, i in index.items()}
    if not any(values.values()) or values.get("id", "").startswith(EXAMPLE):
        return None
    return number, values  # each field's own limit (UsageRecordInput) names a cell too long


def _text(value) -> str:
    if isinstance(value, datetime):  # a time typed into Excel: keep the time, in Shanghai as typed
        return value.isoformat(sep=" ")
    return spreadsheets.cell_text(value)


def _read_csv(data: bytes) -> list[tuple[int, dict[str, str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(
            ["文件不是 UTF-8 编码的 CSV，请在 Excel 中另存为“CSV UTF-8”后重试"], NOT_READABLE
        ) from None
    reader = csv.reader(io.StringIO(text))
    try:
        index = _columns(next(reader, []))
        rows = []
        for line in reader:
            if reader.line_num > MAX_RECORDS + 100:
                raise ValidationFailed([f"每次最多上传 {MAX_RECORDS} 行，请分批上传"], "文件过大，未导入")
            if (row := _row(reader.line_num, line, index)) is not None:
                rows.append(row)
        return rows
    except csv.Error:
        raise ValidationFailed([f"第{reader.line_num}行：CSV 格式有误（引号不成对等）"], NOT_READABLE) from None


def _read_xlsx(data: bytes) -> list[tuple[int, dict[str, str]]]:
    try:
        archive = spreadsheets.open_archive(data)
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ValidationFailed:
        raise
    except Exception:  # openpyxl raises zip, XML, key and value errors for a file that is no workbook
        raise ValidationFailed([NOT_READABLE], NOT_READABLE) from None
    try:
        sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        if too_large := spreadsheets.scan_sheet(archive, sheet._worksheet_path, sheet.title, MAX_RECORDS):
            raise ValidationFailed([too_large], "文件过大，未导入")
        sheet.reset_dimensions()
        lines = sheet.iter_rows(values_only=True)
        index = _columns([str(v or "") for v in next(lines, ())])
        rows = []
        for number, line in enumerate(lines, start=2):
            if (row := _row(number, line, index)) is not None:
                rows.append(row)
        return rows
    finally:
        book.close()
        archive.close()
