"""Spreadsheets in and out: an upload is measured before it is opened, and no exported cell runs as a formula.

An .xlsx file is a zip of XML parts. Its central directory tells how large each part unpacks
(Python's zipfile never unpacks more than it says), so sizes are refused before anything is
unpacked; each sheet is then read once with a streaming parser that builds nothing and stops
at the first cap, before openpyxl reads it for real.
"""
from __future__ import annotations

import io
import re
import zipfile
from xml.parsers import expat

from workflows.errors import ValidationFailed

MB = 1024 * 1024
MAX_UNPACKED_BYTES = 50 * MB
MAX_SHARED_STRINGS_BYTES = 10 * MB
MAX_PARTS = 500
MAX_CELLS_PER_ROW = 100  # also the rightmost column a row may use
MAX_CELL_CHARS = 5000
MAX_OTHER_ELEMENTS = 10_000  # formatting, validations, merged cells … outside the rows
SHARED_STRINGS = "xl/sharedStrings.xml"
TOO_LARGE = "文件过大或结构异常，未导入任何内容，请删除多余内容或分批导入"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CELL_REF = re.compile(r"([A-Z]{1,3})[0-9]*")


# --- export --------------------------------------------------------------------

def safe_cell(value):
    """An exported CSV or Excel value: text a spreadsheet would run as a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def cell_problem(text: str) -> str | None:
    """What is wrong with one cell's text read from an upload (XML itself cannot carry control characters)."""
    return f"内容超过 {MAX_CELL_CHARS} 个字，请精简后重新上传" if len(text) > MAX_CELL_CHARS else None


def typed_cell(text: str) -> str:
    """Undo safe_cell on text read back, so an exported file imports unchanged."""
    return text[1:] if text.startswith("'") and text[1:2] and text[1] in FORMULA_START else text


# --- import --------------------------------------------------------------------

def open_archive(data: bytes) -> zipfile.ZipFile:
    """The upload as a zip whose central directory promises sizes within the caps (zipfile errors pass through)."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    parts = archive.infolist()
    problems = []
    if len(parts) > MAX_PARTS:
        problems.append(f"文件由 {len(parts)} 个部件组成，超过 {MAX_PARTS} 个，不是正常的 Excel 工作簿")
    total = sum(p.file_size for p in parts)
    if total > MAX_UNPACKED_BYTES:
        problems.append(f"文件解压后为 {_mb(total)}，超过 {_mb(MAX_UNPACKED_BYTES)}，请删除多余内容或分批导入")
    strings = next((p.file_size for p in parts if p.filename == SHARED_STRINGS), 0)
    if strings > MAX_SHARED_STRINGS_BYTES:
        problems.append(f"文件中的文字内容（共享字符串）解压后为 {_mb(strings)}，超过 {_mb(MAX_SHARED_STRINGS_BYTES)}，"
                        "可能含有异常长的单元格，请检查后重新上传")
    if problems:
        archive.close()
        raise ValidationFailed(problems, TOO_LARGE)
    return archive


def _mb(size: int) -> str:
    return f"{size / MB:.0f} MB" if size >= 10 * MB else f"{size / MB:.1f} MB"


def scan_sheet(archive: zipfile.ZipFile, part: str, sheet: str, max_rows: int, header_rows: int = 1) -> str | None:
    """The first cap a sheet's XML part breaks (rows below the header, blank ones included; cells per row;
    other elements), or None."""
    scan = _SheetScan(sheet, max_rows, header_rows)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler, parser.EndElementHandler = scan.start, scan.end
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(64 * 1024):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _CapReached:
        return scan.problem
    except expat.ExpatError:
        return None  # not well-formed: openpyxl refuses it as no workbook
    return None


class _CapReached(Exception):
    pass


class _SheetScan:
    """Counts as expat reads, building no tree; raises _CapReached with the problem at the first cap."""

    def __init__(self, sheet: str, max_rows: int, header_rows: int):
        self.sheet, self.max_rows, self.header_rows = sheet, max_rows, header_rows
        self.row = self.cells = self.elements = self.other = 0
        self.in_rows = False
        self.problem: str | None = None

    def _stop(self, problem: str):
        self.problem = problem
        raise _CapReached()

    def start(self, name: str, attrs: dict) -> None:
        tag = name.rpartition(" ")[2]
        if tag == "sheetData":
            self.in_rows = True
        elif tag == "row" and self.in_rows:
            self._start_row(attrs.get("r", ""))
        elif tag == "c" and self.in_rows:
            self._start_cell(attrs.get("r", ""))
        elif self.in_rows:
            self.elements += 1
            if self.elements > MAX_CELLS_PER_ROW * 10:
                self._stop(f"工作表“{self.sheet}”第{self.row}行内容结构异常（元素过多），请删除该行后重新填写")
        else:
            self.other += 1
            if self.other > MAX_OTHER_ELEMENTS:
                self._stop(f"工作表“{self.sheet}”含有过多的格式、批注或合并单元格（超过 {MAX_OTHER_ELEMENTS} 项），"
                           "请将数据复制到“下载模板”得到的新工作簿后重新上传")

    def end(self, name: str) -> None:
        if name.rpartition(" ")[2] == "sheetData":
            self.in_rows = False

    def _start_row(self, number: str) -> None:
        self.row = int(number) if number.isascii() and number.isdigit() else self.row + 1
        self.cells = self.elements = 0
        if self.row > self.max_rows + self.header_rows:
            self._stop(f"工作表“{self.sheet}”表头以下超过 {self.max_rows} 行（空行也计算在内），"
                       f"第{self.row}行起未读取。请删除多余的行（包括末尾的空行）后分批导入")

    def _start_cell(self, ref: str) -> None:
        self.cells += 1
        match = _CELL_REF.match(ref)
        column = _column_number(match.group(1)) if match else self.cells
        if self.cells > MAX_CELLS_PER_ROW or column > MAX_CELLS_PER_ROW:
            self._stop(f"工作表“{self.sheet}”第{self.row}行超过 {MAX_CELLS_PER_ROW} 列，请删除表格右侧多余的列")


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


# --- small helpers every workbook shares ---------------------------------------------

def cell_text(value) -> str:
    """A cell as the text a person typed, whatever type Excel stored it as."""
    from datetime import date, datetime

    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else typed_cell(str(value).strip())


def header_title(value) -> str:
    """A header cell without its note in brackets: 角色（可多个） reads as 角色."""
    return re.sub(r"[（(].*$", "", str(value or "")).strip()
