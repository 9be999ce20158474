"""Hostile workbooks are measured before they are read, and exported cells never run as formulas."""

import io
import re
import time
import zipfile

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.helpers import (
    DOG,
    DOG_ITEMS,
    SHEET,
    catalog_state,
    export,
    huge_shared_string,
    million_blank_rows,
    patched,
    person,
    run_import,
    with_rows,
    workbook,
)
from workflows import spreadsheets
from workflows.catalog import entries
from workflows.errors import ValidationFailed
from workflows.models import Resource
from workflows.organisation import people_excel

TOO_LARGE = "文件过大或结构异常，未导入任何内容，请删除多余内容或分批导入"


def refused(db, data: bytes) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        run_import(db, data)
    return caught.value


def test_a_million_blank_rows_are_refused_at_the_first_row_over_the_cap(db, demo_catalog):
    data = million_blank_rows()
    assert len(data) > 2_000_000
    before = catalog_state(db)
    error = refused(db, data)
    assert error.message == "导入文件有 1 处问题，未导入任何内容，请修改后重新上传"
    assert error.details == [
        "工作表“资源目录”表头以下超过 5000 行（空行也计算在内），第5002行起未读取。"
        "请删除多余的行（包括末尾的空行）后分批导入"
    ]
    assert catalog_state(db) == before


def test_a_shared_string_that_unpacks_to_200_mb_is_refused_from_the_central_directory(db):
    data = huge_shared_string()
    assert 200_000 < len(data) < 230_000
    error = refused(db, data)
    assert error.message == TOO_LARGE
    assert error.details == [
        "文件解压后为 200 MB，超过 50 MB，请删除多余内容或分批导入",
        "文件中的文字内容（共享字符串 xl/sharedStrings.xml）解压后为 200 MB，超过 10 MB，"
        "可能含有异常长的单元格或过多内容，请检查后重新上传或分批导入",
    ]


# --- the three files of issue 18: about 100 KB each, they cost 15–60 s of CPU and up to 1.3 GB before ----------

MAIN = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
STRINGS_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
STRINGS_RELATIONSHIP = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def rebuilt(data: bytes, change) -> bytes:
    """The workbook with each part passed through change(name, body), which returns the parts to write instead."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            for name, body in change(info.filename, source.read(info)):
                target.writestr(name, body)
    return out.getvalue()


def one_row_number_repeated(data: bytes, times: int = 4_000_000) -> bytes:
    rows = b'<row r="2"/>' * times
    return rebuilt(
        data,
        lambda name, body: [(name, body.replace(b"</sheetData>", rows + b"</sheetData>") if name == SHEET else body)],
    )


def shared_strings_at(data: bytes, part: str, strings: int) -> bytes:
    """Shared strings under a name of the file's choosing, declared in the manifest and the workbook's relationships."""
    body = b"<sst " + MAIN + b">" + b"<si><t>a</t></si>" * strings + b"</sst>"

    def change(name, old):
        if name == "[Content_Types].xml":
            declared = b'<Override PartName="/%s" ContentType="%s"/></Types>' % (part.encode(), STRINGS_TYPE)
            return [(name, old.replace(b"</Types>", declared)), (part, body)]
        if name == "xl/_rels/workbook.xml.rels":
            related = b'<Relationship Type="%s" Target="/%s" Id="rId99"/></Relationships>' % (
                STRINGS_RELATIONSHIP,
                part.encode(),
            )
            return [(name, old.replace(b"</Relationships>", related))]
        return [(name, old)]

    return rebuilt(data, change)


def cell_formats(data: bytes, formats: int) -> bytes:
    xfs = b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' * formats
    return rebuilt(
        data,
        lambda name, body: [
            (
                name,
                re.sub(rb'<cellXfs count="\d+">', b'<cellXfs count="%d">' % formats + xfs, body)
                if name == "xl/styles.xml"
                else body,
            )
        ],
    )


ISSUE_FILES = {
    '4 M <row r="2"/>': (
        one_row_number_repeated,
        "工作表“{sheet}”表头以下超过 {rows} 行（空行也计算在内），"
        "第{next}行起未读取。请删除多余的行（包括末尾的空行）后分批导入",
    ),
    "2.8 M shared strings in xl/strs.xml": (
        lambda data: shared_strings_at(data, "xl/strs.xml", 2_800_000),
        "文件中的文字内容（共享字符串 xl/strs.xml）解压后为 45 MB，超过 10 MB，可能含有异常长的单元格或过多内容，"
        "请检查后重新上传或分批导入",
    ),
    "700 k styles": (
        lambda data: cell_formats(data, 700_000),
        "文件中的单元格格式（样式 xl/styles.xml）解压后为 41 MB，超过 5.0 MB，"
        "请将数据复制到“下载模板”得到的新工作簿（粘贴为数值）后重新上传",
    ),
}
IMPORTS = {
    "catalog": (lambda: workbook([DOG], DOG_ITEMS), "资源目录", 5000),
    "people": (people_excel.template_workbook, "人员", 1000),
}


@pytest.mark.parametrize("importer", IMPORTS)
@pytest.mark.parametrize("hostile", ISSUE_FILES)
def test_the_issues_hostile_workbooks_are_refused_in_a_moment_with_the_part_and_the_limit(
    db, demo_catalog, hostile, importer
):
    build, expected = ISSUE_FILES[hostile]
    template, sheet, rows = IMPORTS[importer]
    data = build(template())
    assert len(data) < 150_000
    before = catalog_state(db)
    started = time.process_time()
    with pytest.raises(ValidationFailed) as caught:
        run_import(db, data) if importer == "catalog" else people_excel.read_rows(data)
    assert time.process_time() - started < 1
    assert caught.value.details == [expected.format(sheet=sheet, rows=rows, next=rows + 2)]
    assert catalog_state(db) == before


def test_shared_strings_past_the_count_are_refused_wherever_the_manifest_puts_them(db):
    data = shared_strings_at(workbook([DOG], DOG_ITEMS), "xl/texts/strs.bin", spreadsheets.MAX_SHARED_STRINGS + 1)
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/texts/strs.bin").file_size < 2 * 1024 * 1024  # under 10 MB
    assert refused(db, data).details == [
        "文件中的文字内容（共享字符串 xl/texts/strs.bin）超过 100000 条，未读取。"
        "可能含有异常长的单元格或过多内容，请检查后重新上传或分批导入"
    ]


def test_cell_formats_past_the_count_are_refused(db):
    data = cell_formats(workbook([DOG], DOG_ITEMS), spreadsheets.MAX_CELL_FORMATS + 1)
    assert refused(db, data).details == [
        "文件中的单元格格式（样式 xl/styles.xml）超过 10000 种，未读取。"
        "请将数据复制到“下载模板”得到的新工作簿（粘贴为数值）后重新上传"
    ]


def test_a_workbook_with_its_shared_strings_under_another_name_still_imports(db, demo_catalog):
    data = shared_strings_at(workbook([DOG], DOG_ITEMS), "xl/strs.xml", 10)
    assert run_import(db, data).created == 1


def test_a_part_that_unpacks_to_more_than_it_declares_is_no_workbook(db):
    data = bytearray(workbook([DOG], DOG_ITEMS))
    entry = data.find(SHEET.encode(), zipfile.ZipFile(io.BytesIO(data)).start_dir) - 46  # its central directory record
    data[entry + 24 : entry + 28] = (100).to_bytes(4, "little")  # claims 100 bytes unpacked
    error = refused(db, bytes(data))
    assert error.message == "文件不是有效的 Excel 工作簿（.xlsx），未导入任何内容"


def test_rows_beyond_the_declared_dimension_are_read(db, demo_catalog):
    dogs = [DOG | {"资源名称": f"犬只信息{n}"} for n in range(5)]
    declared = b'<dimension ref="A1:B3"/>'
    data = patched(workbook(dogs, []), SHEET, lambda body: re.sub(rb'<dimension ref="[^"]+"/>', declared, body))
    assert load_workbook(io.BytesIO(data), read_only=True)["资源目录"].max_row == 3  # what the file declares
    assert run_import(db, data).created == 5
    names = set(db.scalars(select(Resource.name).where(Resource.name.like("犬只信息%"))))
    assert names == {f"犬只信息{n}" for n in range(5)}


def test_a_cell_far_to_the_right_is_refused_with_its_row(db):
    far = b'<row r="3"><c r="XFD3" t="inlineStr"><is><t>x</t></is></c></row>'
    error = refused(db, with_rows(workbook([DOG], DOG_ITEMS), far))
    assert error.details == ["工作表“资源目录”第3行超过 100 列，请删除表格右侧多余的列"]


def test_a_row_of_many_cells_is_refused_with_its_row(db):
    cells = b"".join(b'<c t="inlineStr"><is><t>x</t></is></c>' for _ in range(101))
    error = refused(db, with_rows(workbook([DOG], DOG_ITEMS), b'<row r="3">' + cells + b"</row>"))
    assert error.details == ["工作表“资源目录”第3行超过 100 列，请删除表格右侧多余的列"]


def test_a_sheet_full_of_merged_cells_is_refused(db):
    merges = b"".join(b'<mergeCell ref="A%d:B%d"/>' % (n, n) for n in range(3, 10_004))
    data = patched(
        workbook([DOG], DOG_ITEMS),
        SHEET,
        lambda body: body.replace(b"</sheetData>", b"</sheetData><mergeCells>" + merges + b"</mergeCells>"),
    )
    assert refused(db, data).details == [
        "工作表“资源目录”含有过多的格式、批注或合并单元格（超过 10000 项），请将数据复制到“下载模板”得到的新工作簿后重新上传"
    ]


def test_a_cell_of_more_than_5000_characters_is_refused_with_its_row_and_column(db):
    error = refused(db, workbook([DOG | {"资源摘要": "摘" * 5001}], DOG_ITEMS))
    assert error.details == ["工作表“资源目录”第2行“资源摘要”列：内容超过 5000 个字，请精简后重新上传"]


def test_an_over_long_summary_is_named_by_row_and_column(db):
    error = refused(db, workbook([DOG | {"资源摘要": "摘" * 2001}], DOG_ITEMS))
    assert error.details == [
        "工作表“资源目录”第2行“资源摘要”列：不能超过 2000 个字（现有 2001 个字），请精简后重新提交"
    ]


@pytest.mark.parametrize(
    "text", ['=HYPERLINK("http://evil.example","点击")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
)
def test_an_exported_cell_that_starts_a_formula_is_neutralised_and_imports_back_unchanged(db, demo_catalog, text):
    with db.begin_nested():
        huangtao = person(db, "huangtao")
        entry = entries.get_resource(db, huangtao, "XY-GA-002")
        raw = entries.snapshot(entry) | {"summary": text}
        entries.update_resource(db, huangtao, entry.id, raw, entries.snapshot(entry)["items"])
    data = export(db)
    book = load_workbook(io.BytesIO(data))
    row = next(r for r in book["资源目录"].iter_rows(values_only=True) if r[0] == "XY-GA-002")
    assert row[4] == "'" + text.strip()  # entries are stored stripped
    before = catalog_state(db)
    assert run_import(db, data).updated == 0
    assert catalog_state(db) == before


def test_the_cell_guard_leaves_ordinary_values_alone():
    ordinary = ["户籍", "2026-01-01", 18, None, "'=x"]
    assert [spreadsheets.safe_cell(v) for v in ordinary] == ordinary
    assert spreadsheets.typed_cell("'=x") == "=x" and spreadsheets.typed_cell("'户籍") == "'户籍"
