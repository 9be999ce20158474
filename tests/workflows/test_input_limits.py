"""Every typed text has a limit named once in the domain; beyond it the service refuses in Chinese, never cuts."""

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.helpers import HOUSEHOLD, apply, decide, person
from workflows import audit, inputs
from workflows.catalog import changes as catalog_changes
from workflows.catalog import demands, entries
from workflows.catalog import search as catalog_search
from workflows.engine import forms, tasks
from workflows.errors import ValidationFailed
from workflows.models import Application, Attachment, Resource
from workflows.organisation import accounts
from workflows.sharing import applications, grants

MILLION = "数" * 1_000_000
PDF = b"%PDF-1.4 test"
ENTRY = {
    "name": "养犬登记信息",
    "category_class": "部门",
    "summary": "本县犬只登记与年检信息",
    "format": "数据库",
    "share_type": "有条件共享",
    "share_condition": "仅用于城市管理执法",
    "share_method": "接口",
    "open_type": "不予开放",
    "update_cycle": "每日",
    "sensitivity": "一般",
}
ITEMS = [{"name": "犬主姓名", "data_type": "字符型", "length": "50", "sensitive": "否"}]


def refused(call) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        call()
    return caught.value.details


# --- applications ---------------------------------------------------------------


def test_a_million_character_scenario_is_refused_with_the_field_and_its_limit_named(ready):
    with ready.begin() as s:
        details = refused(lambda: applications.apply(s, person(s, "machao"), HOUSEHOLD | {"scenario": MILLION}))
    assert details == ["应用场景：不能超过 2000 个字（现有 1000000 个字），请精简后重新提交"]
    with ready() as s:
        assert s.scalar(select(func.count()).select_from(Application)) == 0


def test_a_scenario_of_exactly_2000_characters_is_accepted(ready):
    app_id = apply(ready, scenario="核" * 2000)
    with ready() as s:
        assert len(s.get(Application, app_id).scenario) == 2000


def test_a_draft_is_held_to_the_same_limits_as_a_submission(ready):
    with ready.begin() as s:
        machao = person(s, "machao")
        details = refused(
            lambda: applications.save_draft(s, machao, machao.unit_id, HOUSEHOLD | {"basis": "法" * 1001})
        )
    assert details == ["法律或政策依据：不能超过 1000 个字（现有 1001 个字），请精简后重新提交"]


def test_too_many_or_too_long_info_items_are_refused_before_they_are_looked_up(ready):
    with ready.begin() as s:
        machao = person(s, "machao")
        many = refused(lambda: applications.apply(s, machao, HOUSEHOLD | {"items": [f"项{i}" for i in range(201)]}))
        long = refused(lambda: applications.apply(s, machao, HOUSEHOLD | {"items": ["姓" * 101]}))
    assert many == ["信息项：一次最多申请 200 项（现有 201 项），请只选业务必需的"]
    assert long == ["信息项：名称不能超过 100 个字，请从资源的信息项中选择"]


def test_a_withdrawal_reason_and_a_revocation_reason_have_limits(ready):
    app_id = apply(ready)
    with ready.begin() as s:
        details = refused(lambda: applications.withdraw(s, person(s, "machao"), app_id, "撤" * 1001))
    assert details == ["撤回理由：不能超过 1000 个字（现有 1001 个字），请精简后重新提交"]
    decide(ready, app_id, decision="approve")
    with ready.begin() as s:
        grant_id = grants.for_application(s, app_id).id
        details = refused(lambda: grants.revoke(s, person(s, "huangtao"), grant_id, "撤" * 1001))
    assert details == ["撤销理由：不能超过 1000 个字（现有 1001 个字），请精简后重新提交"]


# --- attachments -----------------------------------------------------------------


def draft(sessions) -> int:
    with sessions.begin() as s:
        machao = person(s, "machao")
        return applications.save_draft(s, machao, machao.unit_id, HOUSEHOLD).id


def test_the_eleventh_attachment_of_an_application_is_refused(ready):
    app_id = draft(ready)
    with ready.begin() as s:
        machao = person(s, "machao")
        for n in range(10):
            applications.add_attachment(s, machao, app_id, f"材料{n}.pdf", "application/pdf", PDF)
        details = refused(lambda: applications.add_attachment(s, machao, app_id, "材料10.pdf", "application/pdf", PDF))
    assert details == ["附件：每份申请最多 10 个附件，请将材料合并为一个 PDF 后上传"]
    with ready() as s:
        assert s.scalar(select(func.count()).select_from(Attachment)) == 10


def test_an_attachment_name_loses_its_right_to_left_override_and_its_path(ready):
    app_id = draft(ready)
    with ready.begin() as s:
        saved = applications.add_attachment(
            s, person(s, "machao"), app_id, "..\\证明\u202efdp.exe", "application/pdf", PDF
        )
        assert saved.filename == "_证明fdp.exe"


@pytest.mark.parametrize(
    "name, stored",
    [
        ("申请函\u202egnp.pdf", "申请函gnp.pdf"),
        ("\u2067身份证\u2069\u200f.pdf", "身份证.pdf"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ("e\u0301\u0000\r\n.png", "\u00e9.png"),  # NFC: e + combining acute becomes é
        (".pdf", "附件.pdf"),
        ("长" * 300 + ".pdf", "长" * 96 + ".pdf"),
    ],
)
def test_file_names_are_normalised_kept_short_and_keep_their_extension(name, stored):
    assert inputs.clean_filename(name) == stored


# --- catalog, demands and changes ------------------------------------------------


def test_a_catalog_entry_is_refused_field_by_field_over_its_limits(sessions):
    with sessions.begin() as s:
        huangtao = person(s, "huangtao")
        raw = ENTRY | {"name": "犬" * 201, "related_codes": ";".join(["XY-GA-001"] * 51)}
        details = refused(
            lambda: entries.create_resource(s, huangtao, huangtao.unit_id, raw, [{**ITEMS[0], "name": "名" * 101}])
        )
    assert details == [
        "资源名称：不能超过 200 个字（现有 201 个字），请精简后重新提交",
        "关联资源代码：最多 50 个（现有 51 个）",
        "第1个信息项的信息项名称：不能超过 100 个字（现有 101 个字），请精简后重新提交",
    ]


def test_an_info_item_length_in_other_digits_or_beyond_32_bits_is_a_problem_not_a_crash(sessions):
    with sessions.begin() as s:
        huangtao = person(s, "huangtao")
        typed = (("甲", "²"), ("乙", "١٢"), ("丙", "99999999999999999999"))
        items = [{**ITEMS[0], "name": name, "length": length} for name, length in typed]
        details = refused(lambda: entries.create_resource(s, huangtao, huangtao.unit_id, ENTRY, items))
    assert details == [
        "第1个信息项的长度：“²”应为正整数",
        "第2个信息项的长度：“١٢”应为正整数",
        "第3个信息项的长度：“99999999999999999999”过大",
    ]


def test_reasons_kept_in_500_characters_are_refused_beyond(sessions, demo_catalog):
    with sessions.begin() as s:
        huangtao, entry = person(s, "huangtao"), s.scalar(select(Resource).where(Resource.code == "XY-GA-002"))
        retire = refused(lambda: entries.retire(s, huangtao, entry.id, "停" * 501))
        correct = refused(lambda: entries.return_for_correction(s, person(s, "wanglei"), entry.id, "改" * 501))
        duplicate = refused(lambda: entries.create_resource(s, huangtao, huangtao.unit_id, ENTRY, ITEMS, "因" * 501))
    assert retire == ["停用原因：不能超过 500 个字（现有 501 个字），请精简后重新提交"]
    assert correct == ["更正要求：不能超过 500 个字（现有 501 个字），请精简后重新提交"]
    assert duplicate == ["单独采集理由：不能超过 500 个字（现有 501 个字），请精简后重新提交"]


def test_a_demand_and_its_catalog_suggestions_refuse_an_over_long_wanted_data(sessions):
    with sessions.begin() as s:
        machao = person(s, "machao")
        recorded = refused(lambda: demands.record_demand(s, machao, machao.unit_id, "户" * 201, "场" * 501))
        suggested = refused(lambda: demands.suggestions(s, MILLION))
    assert recorded == [
        "所需数据：不能超过 200 个字（现有 201 个字），请精简后重新提交",
        "应用场景：不能超过 500 个字（现有 501 个字），请精简后重新提交",
    ]
    assert suggested == ["所需数据：不能超过 200 个字（现有 1000000 个字），请精简后重新提交"]


def test_a_catalog_change_description_has_a_limit(sessions):
    with sessions.begin() as s:
        huangtao = person(s, "huangtao")
        details = refused(
            lambda: catalog_changes.register_change(
                s, huangtao, huangtao.unit_id, "法律法规修订", "修" * 2001, date(2026, 3, 2)
            )
        )
    assert details == ["变更内容：不能超过 2000 个字（现有 2001 个字），请精简后重新提交"]


# --- tasks and their forms ---------------------------------------------------------

NOTE = {
    "type": "object",
    "properties": {
        "note": {"type": "string", "title": "说明"},
        "unit_id": {"type": "integer", "title": "单位"},
        "items": {"type": "array", "title": "信息项"},
    },
}


def test_a_task_form_string_without_a_declared_maximum_holds_2000_characters():
    assert forms.validate(NOTE, {"note": "说" * 2000})["note"] == "说" * 2000
    assert refused(lambda: forms.validate(NOTE, {"note": MILLION})) == [
        "说明：不能超过 2000 个字（现有 1000000 个字），请精简后重新提交"
    ]


def test_a_task_form_array_holds_at_most_200_values():
    assert refused(lambda: forms.validate(NOTE, {"items": [str(i) for i in range(201)]})) == [
        "信息项：最多选择 200 项（现有 201 项）"
    ]


@pytest.mark.parametrize("typed", ["²", "١٢", "99999999999999999999", "12.5"])
def test_a_task_form_integer_is_ascii_digits_within_32_bits(typed):
    assert refused(lambda: forms.validate(NOTE, {"unit_id": typed})) == [
        "单位：应为半角数字写的整数，且不超过 2147483647"
    ]


def test_delegating_to_an_over_long_username_is_refused(ready):
    app_id = apply(ready)
    with ready.begin() as s:
        task = next(t for t in tasks.case_tasks(s, "application", app_id) if t.task_key == "da_review")
        details = refused(lambda: tasks.delegate(s, person(s, "huangtao"), task.id, "u" * 65))
        filtered = refused(lambda: tasks.open_tasks(s, person(s, "huangtao"), resource="户" * 51))
    assert details == ["转交对象（用户名）：不能超过 64 个字（现有 65 个字），请精简后重新提交"]
    assert filtered == ["资源关键词：不能超过 50 个字（现有 51 个字），请精简后重新提交"]


# --- search, audit filters and logins ------------------------------------------------


def test_search_keywords_are_refused_beyond_their_limit_instead_of_cut():
    details = refused(lambda: catalog_search.parse_resource_query({"q": "户" * 51, "unit": "局" * 51}))
    assert details == [
        "关键词：不能超过 50 个字（现有 51 个字），请精简后重新提交",
        "单位名称关键词：不能超过 50 个字（现有 51 个字），请精简后重新提交",
    ]
    assert catalog_search.parse_resource_query({"q": "户" * 50}).q == "户" * 50


@pytest.mark.parametrize("typed", ["²", "١٢", "99999999999999999999"])
def test_search_numbers_in_other_digits_or_beyond_32_bits_are_problems(typed):
    details = refused(lambda: catalog_search.parse_interface_query({"page": typed, "min_calls": typed}))
    assert details == [
        f"月调用次数下限：应为 0 到 2147483647 之间的整数（半角数字），现为“{typed}”",
        f"页码：应为 1 到 100000 之间的整数（半角数字），现为“{typed}”",
    ]


def test_an_audit_filter_longer_than_any_stored_value_is_a_problem():
    assert audit.filter_problems(audit.AuditFilter(action="a" * 61)) == [
        "动作：不能超过 60 个字（现有 61 个字），请精简后重新提交"
    ]


def test_a_login_with_an_over_long_username_or_password_is_refused_before_any_lookup(db):
    with pytest.raises(ValidationFailed) as caught:
        accounts.authenticate(db, "machao" * 20, "p" * 129, "127.0.0.1")
    assert caught.value.details == [
        "用户名：不能超过 64 个字（现有 120 个字），请精简后重新提交",
        "密码：不能超过 128 个字（现有 129 个字），请精简后重新提交",
    ]


@pytest.mark.parametrize(
    "typed, low, expected",
    [
        ("42", 1, 42),
        (" 7 ", 1, 7),
        ("-5", 1, None),
        ("-5", inputs.INT32_MIN, -5),
        ("²", 1, None),
        ("١٢", 1, None),
        ("99999999999999999999", 1, None),
        ("2147483648", 1, None),
        ("2147483647", 1, 2147483647),
        (True, 0, None),
        (12, 1, 12),
        ("", 1, None),
        (None, 1, None),
    ],
)
def test_integers_are_read_only_from_ascii_digits_within_32_bits(typed, low, expected):
    assert inputs.parse_int(typed, low=low) == expected
