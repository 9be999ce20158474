"""A unit's catalog travels as an Excel workbook: exported, filled in, checked as a whole, then imported."""

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.helpers import (
    BASIS,
    DOG,
    DOG_ITEMS,
    HOUSEHOLD_ROW,
    HOUSEHOLD_ROW_ITEMS,
    catalog_state,
    export,
    person,
    run_import,
    unit,
    workbook,
)
from workflows.catalog import entries
from workflows.catalog import excel as catalog_excel
from workflows.catalog.entries import DuplicateSuspected
from workflows.errors import Forbidden, ValidationFailed
from workflows.models import Resource, ResourceStatus


def test_exporting_and_importing_the_same_file_leaves_the_catalog_unchanged(db, demo_catalog):
    before = catalog_state(db)
    result = run_import(db, export(db))
    assert (result.created, result.updated, result.published) == (0, 0, 0)
    db.expire_all()
    assert catalog_state(db) == before and len([c for c in before["entries"] if c.startswith("XY-GA-")]) == 4


def test_the_export_has_one_labelled_row_per_entry_and_per_info_item(db, demo_catalog):
    book = load_workbook(io.BytesIO(export(db)))
    rows = list(book["资源目录"].iter_rows(values_only=True))
    header, first = rows[0], dict(zip(rows[0], rows[1]))
    assert header[:3] == ("资源代码", "资源名称", "资源分类") and header[-1] == "状态"
    assert [r[0] for r in rows[1:]] == ["XY-GA-001", "XY-GA-002", "XY-GA-003", "XY-GA-004"]
    assert (first["共享类型"], first["发布日期"], first["共享方式"], first["状态"]) == (
        "有条件共享",
        "2024-03-15",
        "接口",
        "已发布",
    )
    items = list(book["信息项"].iter_rows(values_only=True))
    assert items[0] == ("资源代码", "信息项名称", "数据类型", "长度", "是否敏感(是/否)")
    assert ("XY-GA-001", "公民身份号码", "字符型", 18, "是") in items and len(items) == 1 + 23
    sheet = book["资源目录"]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    assert any("有条件共享" in rule.formula1 for rule in sheet.data_validations.dataValidation)


def test_a_new_row_creates_a_draft_and_a_row_marked_published_is_published(db, demo_catalog):
    vaccine = DOG | {
        "资源代码": "XY-GA-100",
        "资源名称": "犬只免疫信息",
        "状态": "已发布",
        "关联资源代码": "XY-GA-001；XY-GA-002",
    }
    data = workbook([DOG, vaccine], DOG_ITEMS + [["XY-GA-100", "芯片号", "字符型", 20, "否"]])
    result = run_import(db, data)
    assert (result.created, result.updated, result.published) == (2, 0, 1)
    dog = db.scalar(select(Resource).where(Resource.name == "养犬登记信息"))
    assert dog.code == "XY-GA-005" and dog.status == ResourceStatus.DRAFT
    assert [i.name for i in dog.items] == ["犬主姓名", "犬只芯片号"]
    published = entries.get_resource(db, person(db, "huangtao"), "XY-GA-100")
    assert published.status == ResourceStatus.PUBLISHED and published.related_codes == ["XY-GA-001", "XY-GA-002"]
    assert [h.action for h in entries.history(db, person(db, "huangtao"), published.id)] == ["published", "created"]


def test_an_edited_row_updates_only_its_entry_with_one_revision(db, demo_catalog):
    book = load_workbook(io.BytesIO(export(db)))
    book["资源目录"]["E3"] = "居民身份证申领、换领、补领和挂失记录"
    out = io.BytesIO()
    book.save(out)
    assert run_import(db, out.getvalue()).updated == 1
    latest = entries.history(
        db, person(db, "huangtao"), entries.get_resource(db, person(db, "huangtao"), "XY-GA-002").id
    )
    assert latest[0].action == "updated" and list(latest[0].changes) == ["summary"]


CASE_ITEMS = [
    ["XY-GA-004", "案件编号", "字符型", 30, "否"],
    ["XY-GA-004", "案件类别", "字符型", 20, "否"],
    ["XY-GA-004", "立案日期", "日期型", 10, "否"],
    ["XY-GA-004", "涉案人员身份号码", "字符型", 18, "是"],
]


def test_info_items_listed_for_an_existing_entry_replace_its_items_and_keep_the_rest(db, demo_catalog):
    data = workbook([], CASE_ITEMS + [["XY-GA-004", "办案单位", "字符型", 100, "否"]])
    assert run_import(db, data).updated == 1
    entry = entries.get_resource(db, person(db, "huangtao"), "XY-GA-004")
    assert (
        [i.name for i in entry.items][-1] == "办案单位" and len(entry.items) == 5 and entry.share_type == "not_shared"
    )


def test_removing_items_of_a_published_entry_or_switching_it_to_not_shared_is_left_to_its_page(db, demo_catalog):
    before = catalog_state(db)
    removed = workbook([], CASE_ITEMS[:2])
    switched = workbook(
        [
            HOUSEHOLD_ROW
            | {
                "资源代码": "XY-GA-001",
                "资源名称": "户籍人口基本信息",
                "共享类型": "不予共享",
                "共享方式": None,
                "共享条件/不予共享依据": BASIS,
            }
        ],
        [],
    )
    for data, what in ((removed, "删除信息项“立案日期、涉案人员身份号码”"), (switched, "改为不予共享")):
        with pytest.raises(ValidationFailed) as caught:
            run_import(db, data)
        assert f"已发布条目{what}须经县大数据局确认后才生效" in caught.value.details[0]
    assert catalog_state(db) == before


def test_a_not_shared_entry_imported_without_a_named_law_is_refused(db, demo_catalog):
    data = workbook(
        [
            DOG
            | {
                "共享类型": "不予共享",
                "共享方式": None,
                "共享条件/不予共享依据": "本单位领导研究决定暂缓共享该类数据资源",
            }
        ],
        DOG_ITEMS,
    )
    with pytest.raises(ValidationFailed) as caught:
        run_import(db, data)
    assert "没有写明具体的法律、行政法规或政策文件" in caught.value.details[0] and "第十九条" in caught.value.details[0]


def test_a_bad_workbook_is_refused_whole_and_every_problem_names_sheet_row_and_column(db, demo_catalog):
    before = catalog_state(db)
    data = workbook(
        [
            DOG,
            DOG | {"资源名称": "犬只年检信息", "共享条件/不予共享依据": None},
            DOG | {"资源名称": "犬只免疫信息", "发布日期": "2026-13-40"},
            DOG | {"资源名称": "犬只伤人信息", "共享类型": "半共享"},
        ],
        DOG_ITEMS + [["XY-GA-999", "芯片号", "字符型", 20, "否"]],
    )
    with pytest.raises(ValidationFailed) as caught:
        run_import(db, data)
    assert caught.value.message == "导入文件有 4 处问题，未导入任何内容，请修改后重新上传"
    assert caught.value.details[:3] == [
        "工作表“资源目录”第3行“共享条件/不予共享依据”列：有条件共享的资源必须填写共享条件",
        "工作表“资源目录”第4行“发布日期”列：“2026-13-40”不是存在的日期，请核对年、月、日后按 2026-12-31 的格式填写",
        "工作表“资源目录”第5行“共享类型”列：“半共享”不是有效值，应为 无条件共享、有条件共享、不予共享 之一",
    ]
    assert caught.value.details[3].startswith("工作表“信息项”第4行“资源代码”列：“XY-GA-999”既不在")
    assert catalog_state(db) == before


def test_problems_in_info_items_point_at_their_row_in_the_info_item_sheet(db, demo_catalog):
    data = workbook([DOG | {"状态": "已发布"}], [DOG_ITEMS[0], ["养犬登记信息", "犬主姓名", "字型", "五十", "也许"]])
    with pytest.raises(ValidationFailed) as caught:
        run_import(db, data)
    assert caught.value.details == [
        "工作表“信息项”第3行“信息项名称”列：“犬主姓名”重复",
        "工作表“信息项”第3行“数据类型”列：应为 字符型、数值型、整型、日期型、日期时间型、布尔型、二进制 之一",
        "工作表“信息项”第3行“长度”列：“五十”应为正整数",
        "工作表“信息项”第3行“是否敏感(是/否)”列：“也许”应为 是 或 否",
    ]


def test_codes_of_other_units_repeated_codes_and_impossible_statuses_are_problems(db, demo_catalog):
    data = workbook(
        [
            DOG | {"资源代码": "XY-GA-001"},
            DOG | {"资源代码": "XY-MZ-001", "状态": "草稿"},
            DOG | {"资源代码": "XY-MZ-001"},
            DOG | {"资源名称": "犬只信息", "状态": "已停用"},
        ],
        [],
    )
    with pytest.raises(ValidationFailed) as caught:
        run_import(db, data, "sunjie", "mzj")
    assert caught.value.details == [
        "工作表“资源目录”第2行“资源代码”列：“XY-GA-001”是县公安局的条目“户籍人口基本信息”的代码，不能导入到本单位",
        "工作表“资源目录”第3行“状态”列：已发布的条目不能改回草稿；如不再提供请在条目页停用",
        "工作表“资源目录”第4行“资源代码”列：“XY-MZ-001”与第3行重复，同一条目只能出现一次",
        "工作表“资源目录”第5行“状态”列：新条目不能导入为“已停用”",
    ]


@pytest.mark.parametrize("data", ["资源代码,资源名称\nXY-GA-100,养犬登记信息\n".encode(), b"", b"PK\x03\x04broken"])
def test_a_file_that_is_not_a_workbook_is_refused_in_chinese(db, data):
    with pytest.raises(ValidationFailed) as caught:
        run_import(db, data)
    assert caught.value.message == "文件不是有效的 Excel 工作簿（.xlsx），未导入任何内容"
    assert "另存为" in caught.value.details[0]


def test_a_missing_sheet_or_a_renamed_column_is_named(db):
    book = load_workbook(io.BytesIO(workbook([DOG], DOG_ITEMS)))
    book["资源目录"]["G1"] = "共享类别"
    del book["信息项"]
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ValidationFailed) as caught:
        run_import(db, out.getvalue())
    assert caught.value.details == [
        "工作表“资源目录”第1行缺少列：共享类型（请勿修改或删除模板的表头）",
        "缺少工作表“信息项”，请使用“下载模板”得到的工作簿填写",
    ]


def test_a_likely_duplicate_of_another_units_entry_needs_a_reason(db, demo_catalog):
    data = workbook([HOUSEHOLD_ROW], HOUSEHOLD_ROW_ITEMS)
    with pytest.raises(DuplicateSuspected) as caught:
        run_import(db, data, "sunjie", "mzj")
    assert any("XY-GA-001" in d and "第2行" in d for d in caught.value.details), caught.value.details
    assert db.scalar(select(Resource).where(Resource.name == "户籍人口信息")) is None
    assert run_import(db, data, "sunjie", "mzj", "依《社会救助暂行办法》须独立核实").created == 1
    entry = db.scalar(select(Resource).where(Resource.name == "户籍人口信息"))
    assert entry.code == "XY-MZ-006" and entry.duplicate_reason == "依《社会救助暂行办法》须独立核实"


def test_the_template_explains_every_column_and_imports_nothing_but_its_examples(db):
    book = load_workbook(io.BytesIO(catalog_excel.template_workbook()))
    assert book.sheetnames == ["资源目录", "信息项", "填写说明"]
    guide = [row for row in book["填写说明"].iter_rows(values_only=True)]
    assert ("资源目录", "共享类型", "可选值：无条件共享、有条件共享、不予共享") in guide
    result = run_import(db, catalog_excel.template_workbook())
    assert (result.created, result.updated, result.published) == (0, 0, 0)


def test_only_the_units_catalog_keeper_imports_and_coordinators_may_also_export(db, demo_catalog):
    gaj = unit(db, "gaj").id
    assert catalog_excel.export_workbook(db, person(db, "wanglei"), gaj)
    for username in ("machao", "sunjie", "sunhong"):
        with pytest.raises(Forbidden):
            catalog_excel.export_workbook(db, person(db, username), gaj)
    for username in ("machao", "sunjie", "wanglei"):
        with pytest.raises(Forbidden):
            catalog_excel.import_workbook(db, person(db, username), gaj, workbook([DOG], DOG_ITEMS))


def test_an_import_into_an_unknown_unit_is_a_problem(db):
    with pytest.raises(ValidationFailed) as caught:
        catalog_excel.import_workbook(db, person(db, "huangtao"), 999999, workbook([DOG], DOG_ITEMS))
    assert caught.value.details == ["所选单位不存在，请重新选择要导入的单位"]
