"""Usage records uploaded as CSV or Excel by a unit without the platform's API (or by the bureau for it), and by the
`flask usage import` command: the same records as POST /api/v1/usage, one per row, each row's problem named."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.datetime import from_excel
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import inputs, spreadsheets
from workflows.errors import Forbidden, ValidationFailed
from workflows.models import CallType, Person, Role, Unit, UsageSource
from workflows.usage import ingest
from workflows.usage.inputs import MAX_RECORDS

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
GUIDE = {  # each column as the 填写说明 sheet explains it to a clerk (the API's descriptions name JSON fields)
    "记录编号": "本单位系统中这条调用记录的编号（字母、数字和 . _ : -，最多 64 个字符）；同一编号只计一次",
    "授权编号": "可不填：填申请编号即可",
    "申请编号": "授权所依据的申请编号，如 SQ2026000123（见“数据授权”页）",
    "使用单位代码": "无授权的调用填写：使用数据的单位代码",
    "目录条目代码": "无授权的调用填写：目录条目代码，如 XY-GA-001",
    "接口编码": "接口调用时填写所调用的数据接口编码，如 IF-001",
    "调用时间": "北京时间，如 2026-12-05 09:30；也可以是 Excel 的日期单元格；不能晚于当前时间",
    "调用方式": "接口调用、库表交换 或 文件下载",
    "调用次数": "这条记录合计的调用次数（整数）",
    "失败次数": "其中失败的次数（整数），不能大于调用次数；可不填",
    "应用场景": "调用时的应用场景，应与授权的应用场景一致；可不填",
}
EXAMPLE_ROW = [
    EXAMPLE + "-0001",
    "",
    "SQ2026000123",
    "",
    "",
    "IF-001",
    "2026-03-02 09:30",
    "接口调用",
    "120",
    "2",
    "最低生活保障资格审核",
]
NOT_READABLE = "文件无法读取：请上传由“下载模板”得到并填写的 .xlsx 工作簿，或 UTF-8、GBK 编码的 .csv 文件"
DAMAGED = "文件已损坏或不是 Excel 工作簿：请在 Excel 中打开后“另存为” .xlsx，或重新下载模板填写"


@dataclass
class UploadResult:
    accepted: int = 0
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)  # 第N行：…
    unit_id: int | None = None  # the unit the file was for (None: the platform's own)


def may_upload(person: Person) -> bool:
    return person.has_role(Role.UNIT_ADMIN) or person.has_role(Role.COORDINATOR)


def uploading_units(session: Session, person: Person) -> list[Unit]:
    """The units whose records the person may upload: any active unit for the bureau's coordinators, else the units
    where they are 目录管理员. A file is one unit's: its record ids are that unit's, whoever uploads it."""
    if person.has_role(Role.COORDINATOR):
        return list(session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.id)))
    return [m.unit for m in person.memberships if m.role == Role.UNIT_ADMIN]


def _uploading_unit(session: Session, person: Person, unit_id: int | None) -> Unit:
    units = uploading_units(session, person)
    if unit_id is None and len(units) == 1:
        return units[0]
    if unit_id is None:
        raise ValidationFailed(
            ["报送单位：请选择这批记录是哪个单位的（同一单位的同一记录编号只计一次，由谁上传都一样）"], "未选择报送单位"
        )
    unit = next((u for u in units if u.id == unit_id), None)
    if unit is None:
        raise Forbidden("只能上传本单位（担任目录管理员的单位）的数据使用记录")
    return unit


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
    for title in COLUMNS:
        guide.append([title, GUIDE[title]])
    guide.append(
        [
            "全部",
            f"以“{EXAMPLE}”开头的行不会导入；每行一条记录，每次最多 {MAX_RECORDS} 行；同一单位的同一记录编号只计一次",
        ]
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


def import_file(
    session: Session, person: Person, filename: str, data: bytes, platform: bool = False, unit_id: int | None = None
) -> UploadResult:
    """Store the good rows of one unit's file (unit_id: which, when the person may upload for several) and name each
    bad row by its number; nothing is previewed. The records must concern that unit, as user or as provider.

    platform: the command line's import of the platform's own files (its record ids, any unit)."""
    if not platform and not may_upload(person):
        raise Forbidden("只有单位目录管理员和县大数据局协调员可以上传数据使用记录")
    unit = None if platform else _uploading_unit(session, person, unit_id)
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
        id_prefix="" if unit is None else f"{unit.code}/",
        allowed_units=None if unit is None else {unit.id},
    )
    numbers = [number for number, _ in rows]
    problems = [f"第{numbers[p['index']]}行：{_for_people(p['message'])}" for p in report.problems]
    return UploadResult(report.accepted, report.duplicates, problems, unit.id if unit else None)


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
        record["at"] = _typed_time(record["at"])
    if "application_number" in record:
        record["application_number"] = record["application_number"].upper()  # sq2026000001 is SQ2026000001
    return record


_WRITTEN = re.compile(  # 2026-12-05 9:30, 2026/12/5 09:30:00, 2026.12.5, 2026年12月5日 9时30分, … 11时
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*[T ]?\s*(\d{1,2})\s*(?:[:：时]\s*(\d{1,2})\s*分?|时)(?:\s*(?:[:：]\s*(\d{1,2})|(\d{1,2})\s*秒))?)?"
)


def _typed_time(text: str) -> str:
    """The time as ISO 8601 for the record, from the ways a clerk writes one; else as typed (the record's check then
    says what to write). A time written with a zone (…+08:00, …Z) is left as it is."""
    if (found := _WRITTEN.fullmatch(text.strip())) is None:
        return text
    year, month, day, hour, minute, second, seconds = (int(part or 0) for part in found.groups())
    second = second or seconds
    return f"{year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}:{second:02d}"


def _for_people(message: str) -> str:
    """A record's problem as the uploading clerk reads it: the columns by their titles, the call types in words."""
    message = re.sub(r"（[a-z_]+）", "", message)
    return message.replace("'interface'、'table' 或 'file'", "“接口调用”“库表交换”或“文件下载”")


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
    if twice := sorted({t for t in titles if t in COLUMNS and titles.count(t) > 1}, key=titles.index):
        columns = "、".join(f"“{t}”" for t in twice)
        raise ValidationFailed([f"第1行的列{columns}出现了不止一次，请删去多余的列后重新上传"], "表头不对，未导入")
    if missing := [t for t in ("记录编号", "调用时间", "调用方式", "调用次数") if t not in titles]:
        raise ValidationFailed([f"第1行缺少列：{'、'.join(missing)}（请使用“下载模板”得到的表头）"], "表头不对，未导入")
    return {COLUMNS[t]: i for i, t in enumerate(titles) if t in COLUMNS}


def _row(number: int, line, index: dict[str, int]) -> tuple[int, dict[str, str]] | None:
    values = {name: _text(line[i] if i < len(line) else None, name) for name, i in index.items()}
    if not any(values.values()) or values.get("id", "").startswith(EXAMPLE):
        return None
    return number, values  # each field's own limit (UsageRecordInput) names a cell too long


def _text(value, name: str = "") -> str:
    if isinstance(value, datetime):  # a time typed into Excel: keep the time, in Shanghai as typed
        return value.isoformat(sep=" ")
    if name == "at" and isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 2958466:
        return from_excel(value).isoformat(sep=" ", timespec="seconds")  # a date cell shown as its day number
    return spreadsheets.cell_text(value)


def _read_csv(data: bytes) -> list[tuple[int, dict[str, str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:  # Excel on Chinese Windows saves “CSV（逗号分隔）” in GBK
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise ValidationFailed(
                ["文件不是 UTF-8 或 GBK 编码的 CSV，请在 Excel 中另存为“CSV UTF-8”后重试"], NOT_READABLE
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
        raise ValidationFailed([DAMAGED], NOT_READABLE) from None
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
