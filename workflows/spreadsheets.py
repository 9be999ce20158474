"""Spreadsheets in and out: an upload is measured before it is opened, and no exported cell runs as a formula.

An .xlsx file is a zip of XML parts. Its central directory tells how large each part unpacks
(Python's zipfile never unpacks more than it says), so sizes are refused before anything is
unpacked. The parts openpyxl reads whole on opening (shared strings, styles) are found where the
file's own manifest and relationships put them and counted with a streaming parser that builds
nothing and stops at the first cap; each sheet is counted the same way before openpyxl reads it.
"""

from __future__ import annotations

import contextlib
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from xml.parsers import expat

from workflows.errors import ValidationFailed

MB = 1024 * 1024
MAX_UNPACKED_BYTES = 50 * MB
MAX_SHARED_STRINGS_BYTES = 10 * MB
MAX_PARTS = 500
MAX_CELLS_PER_ROW = 100  # also the rightmost column a row may use
MAX_CELL_CHARS = 5000
MAX_OTHER_ELEMENTS = 10_000  # formatting, validations, merged cells … outside the rows
MAX_SHARED_STRINGS = 100_000  # a full catalog of 5000 entries holds about 30,000 distinct texts
MAX_CELL_FORMATS = 10_000  # openpyxl spends about 20 µs on each; Excel's own ceiling is 64,000
MAX_MANIFEST_BYTES = 1 * MB  # [Content_Types].xml and each .rels part
SHARED_STRINGS = "xl/sharedStrings.xml"
STYLES = "xl/styles.xml"  # where openpyxl reads styles, whatever the manifest says
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
    """The upload as a zip whose parts are within the caps before openpyxl reads any of them
    (zipfile errors pass through)."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    try:
        problems = _size_problems(archive)
        if not problems:
            problems = _part_problems(archive)
    except BaseException:
        archive.close()
        raise
    if problems:
        archive.close()
        raise ValidationFailed(problems, TOO_LARGE)
    return archive


def _size_problems(archive: zipfile.ZipFile) -> list[str]:
    """What the central directory alone shows: too many parts, too much unpacked."""
    parts = archive.infolist()
    problems = []
    if len(parts) > MAX_PARTS:
        problems.append(f"文件由 {len(parts)} 个部件组成，超过 {MAX_PARTS} 个，不是正常的 Excel 工作簿")
    total = sum(p.file_size for p in parts)
    if total > MAX_UNPACKED_BYTES:
        problems.append(f"文件解压后为 {_mb(total)}，超过 {_mb(MAX_UNPACKED_BYTES)}，请删除多余内容或分批导入")
    if problems:
        return problems + [
            problem
            for info in parts
            if info.filename == SHARED_STRINGS
            if (problem := _KINDS["strings"].size_problem(info))
        ]
    return []


def _mb(size: int) -> str:
    return f"{size / MB:.0f} MB" if size >= 10 * MB else f"{size / MB:.1f} MB"


@dataclass(frozen=True)
class _Kind:
    """A part openpyxl reads whole on opening, and what it may hold."""

    title: str  # as a person reads it, with the part's name: 文字内容（共享字符串 xl/sharedStrings.xml）
    content_type: str
    relationship: str
    counted: str  # the element a person would count: one text, one cell format
    unit: str
    max_count: int
    max_elements: int
    max_bytes: int
    advice: str

    def size_problem(self, info: zipfile.ZipInfo) -> str | None:
        if info.file_size <= self.max_bytes:
            return None
        return (
            f"文件中的{self.title.format(part=info.filename)}解压后为 {_mb(info.file_size)}，超过 {_mb(self.max_bytes)}，"
            f"{self.advice}"
        )

    def count_problem(self, part: str, count: int, elements: int) -> str | None:
        if count > self.max_count:
            return f"文件中的{self.title.format(part=part)}超过 {self.max_count} {self.unit}，未读取。{self.advice}"
        if elements > self.max_elements:
            return (
                f"文件中的{self.title.format(part=part)}结构异常（超过 {self.max_elements} 个元素），未读取。"
                f"{self.advice}"
            )
        return None


_SPREADSHEETML = "application/vnd.openxmlformats-officedocument.spreadsheetml."
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_FRESH_BOOK = "请将数据复制到“下载模板”得到的新工作簿（粘贴为数值）后重新上传"
_KINDS = {
    "strings": _Kind(
        "文字内容（共享字符串 {part}）",
        _SPREADSHEETML + "sharedStrings+xml",
        _RELATIONSHIPS + "sharedStrings",
        "si",
        "条",
        MAX_SHARED_STRINGS,
        4 * MAX_SHARED_STRINGS,
        MAX_SHARED_STRINGS_BYTES,
        "可能含有异常长的单元格或过多内容，请检查后重新上传或分批导入",
    ),
    "styles": _Kind(
        "单元格格式（样式 {part}）",
        _SPREADSHEETML + "styles+xml",
        _RELATIONSHIPS + "styles",
        "xf",
        "种",
        MAX_CELL_FORMATS,
        5 * MAX_CELL_FORMATS,
        5 * MB,
        _FRESH_BOOK,
    ),
}


def _part_problems(archive: zipfile.ZipFile) -> list[str]:
    """Each shared-strings and styles part over a cap: first by its declared size, then counted as it streams."""
    try:
        kinds = _special_parts(archive)
    except _CapReached as reached:
        return [str(reached)]
    problems = [problem for name, kind in kinds.items() if (problem := kind.size_problem(archive.getinfo(name)))]
    if problems:
        return problems
    for name, kind in kinds.items():
        count = _Count(kind.counted, kind.max_count, kind.max_elements)
        with contextlib.suppress(_CapReached, expat.ExpatError):  # openpyxl refuses a part not well-formed
            _stream(archive, name, count)
        if problem := kind.count_problem(name, count.counted, count.elements):
            problems.append(problem)
    return problems


def _special_parts(archive: zipfile.ZipFile) -> dict[str, _Kind]:
    """The parts openpyxl reads whole, wherever [Content_Types].xml or a relationship puts them, and under
    their conventional names (openpyxl reads xl/styles.xml whatever the manifest says). Part names ignore case."""
    names = {info.filename.lower(): info.filename for info in archive.infolist()}
    named = [(SHARED_STRINGS, _KINDS["strings"]), (STYLES, _KINDS["styles"])]
    by_type = {kind.content_type: kind for kind in _KINDS.values()}
    by_relationship = {kind.relationship: kind for kind in _KINDS.values()}
    for manifest in [n for n in names.values() if n == "[Content_Types].xml" or n.endswith(".rels")]:
        for tag, attrs in _manifest_entries(archive, manifest):
            if tag == "Override" and (kind := by_type.get(attrs.get("ContentType", ""))):
                named.append((attrs.get("PartName", "").lstrip("/"), kind))
            elif tag == "Default" and (kind := by_type.get(attrs.get("ContentType", ""))):
                extension = "." + attrs.get("Extension", "").lower()
                named += [(n, kind) for n in names if n.endswith(extension)]
            elif tag == "Relationship" and (kind := by_relationship.get(attrs.get("Type", ""))):
                named.append((_target(manifest, attrs.get("Target", "")), kind))
    return {names[name.lower()]: kind for name, kind in named if name.lower() in names}


def _target(rels: str, target: str) -> str:
    """A relationship's target as a part name: absolute, or relative to the folder above _rels/."""
    if target.startswith("/"):
        return target.lstrip("/")
    source_folder = posixpath.dirname(posixpath.dirname(rels))
    return posixpath.normpath(posixpath.join(source_folder, target))


def _manifest_entries(archive: zipfile.ZipFile, name: str) -> list[tuple[str, dict]]:
    """The elements of [Content_Types].xml or a .rels part: small in any real workbook, so a large one is refused."""
    problem = (
        f"文件的部件清单（{name}）结构异常，不是正常的 Excel 工作簿。"
        "请在 Excel 中打开后“另存为”新的 .xlsx 工作簿再上传"
    )
    if archive.getinfo(name).file_size > MAX_MANIFEST_BYTES:
        raise _CapReached(problem)
    entries: list[tuple[str, dict]] = []

    def start(tag: str, attrs: dict) -> None:
        if len(entries) >= MAX_OTHER_ELEMENTS:
            raise _CapReached(problem)
        entries.append((tag.rpartition(" ")[2], attrs))

    try:
        _stream(archive, name, start)
    except expat.ExpatError:
        return []  # not well-formed: openpyxl refuses it as no workbook
    return entries


class _Count:
    """Counts one element and all elements as expat reads, stopping just past either cap."""

    def __init__(self, counted: str, max_count: int, max_elements: int):
        self.wanted, self.max_count, self.max_elements = counted, max_count, max_elements
        self.counted = self.elements = 0

    def __call__(self, tag: str, attrs: dict) -> None:
        self.elements += 1
        self.counted += tag.rpartition(" ")[2] == self.wanted
        if self.counted > self.max_count or self.elements > self.max_elements:
            raise _CapReached()


def _stream(archive: zipfile.ZipFile, part: str, start, end=None) -> None:
    """Feed one part to expat in chunks, calling start (and end) per element, which may stop it by raising."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    if end:
        parser.EndElementHandler = end
    with archive.open(part) as stream:
        while chunk := stream.read(64 * 1024):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)


def scan_sheet(archive: zipfile.ZipFile, part: str, sheet: str, max_rows: int, header_rows: int = 1) -> str | None:
    """The first cap a sheet's XML part breaks (rows below the header, blank ones included; cells per row;
    other elements), or None."""
    scan = _SheetScan(sheet, max_rows, header_rows)
    try:
        _stream(archive, part, scan.start, scan.end)
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
                self._stop(
                    f"工作表“{self.sheet}”含有过多的格式、批注或合并单元格（超过 {MAX_OTHER_ELEMENTS} 项），"
                    "请将数据复制到“下载模板”得到的新工作簿后重新上传"
                )

    def end(self, name: str) -> None:
        if name.rpartition(" ")[2] == "sheetData":
            self.in_rows = False

    def _start_row(self, number: str) -> None:
        given = int(number) if number.isascii() and number.isdigit() and len(number) < 10 else 0
        self.row = max(given, self.row + 1)  # every <row> counts: a repeated or smaller r hides none
        self.cells = self.elements = 0
        if self.row > self.max_rows + self.header_rows:
            self._stop(
                f"工作表“{self.sheet}”表头以下超过 {self.max_rows} 行（空行也计算在内），"
                f"第{self.row}行起未读取。请删除多余的行（包括末尾的空行）后分批导入"
            )

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
