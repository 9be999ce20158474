"""A catalog entry is checked by one declaration: every problem at once, in the order of the form, worded for people."""

from workflows.catalog.rules import LABELS, RESOURCE_ENTRY_EXAMPLE, clean_resource
from workflows.models import DataType

ITEM = {"name": "姓名", "data_type": "字符型", "length": "50", "sensitive": "否"}


def test_a_complete_entry_has_no_problem_and_gives_typed_values():
    clean, problems = clean_resource(RESOURCE_ENTRY_EXAMPLE, [ITEM])
    assert problems == []
    assert clean.values["share_type"].label == "有条件共享"
    assert clean.values["related_codes"] == ["XY-GA-002", "XY-RS-001"]
    assert clean.items == [{"name": "姓名", "data_type": DataType.STRING, "length": 50, "sensitive": False}]


def test_every_problem_of_an_entry_is_named_once_in_the_order_of_the_form():
    raw = RESOURCE_ENTRY_EXAMPLE | {"name": " ", "format": "纸质", "share_method": "", "published_on": "2026-02-30"}
    items = [ITEM, ITEM | {"data_type": "", "length": "五十", "sensitive": "也许"}]
    _, problems = clean_resource(raw, items)
    assert [str(p) for p in problems] == [
        "资源名称：必填",
        "资源格式：“纸质”不是有效值，应为 电子文件、电子表格、数据库、图形图像、流媒体、接口 之一",
        "共享方式：可共享的资源必须填写共享方式（接口、库表或文件）",
        "发布日期：“2026-02-30”不是存在的日期，请核对年、月、日后按 2026-12-31 的格式填写",
        "第2个信息项的信息项名称：“姓名”重复",
        "第2个信息项的数据类型：应为 字符型、数值型、整型、日期型、日期时间型、布尔型、二进制 之一",
        "第2个信息项的长度：“五十”应为正整数",
        "第2个信息项的是否敏感：“也许”应为 是 或 否",
    ]


def test_an_invalid_choice_is_not_also_called_missing():
    _, problems = clean_resource(RESOURCE_ENTRY_EXAMPLE | {"sensitivity": "绝密"}, [ITEM])
    assert [p.field for p in problems] == ["sensitivity"]


def test_a_not_shared_entry_needs_a_basis_naming_a_law_and_no_share_method():
    raw = RESOURCE_ENTRY_EXAMPLE | {"share_type": "不予共享", "share_condition": "不同意"}
    _, problems = clean_resource(raw, [ITEM])
    assert [p.field for p in problems] == ["share_condition", "share_method"]
    assert "不应填写共享方式" in str(problems[1])


def test_a_text_too_long_is_told_its_length_and_the_rest_of_the_entry_is_still_read():
    clean, problems = clean_resource(RESOURCE_ENTRY_EXAMPLE | {"summary": "字" * 2001}, [ITEM])
    assert [str(p) for p in problems] == ["资源摘要：不能超过 2000 个字（现有 2001 个字），请精简后重新提交"]
    assert clean.values["name"] == RESOURCE_ENTRY_EXAMPLE["name"]


def test_the_labels_people_read_come_from_the_declaration():
    assert LABELS["collection_note"] == "联合采集登记"
    assert LABELS["share_condition"] == "共享条件/不予共享依据"
