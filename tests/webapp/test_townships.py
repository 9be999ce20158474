"""Townships (乡镇（街道）, notice 三(一)) apply and provide like county units; the demo has 城关镇 and 会亭镇."""

from __future__ import annotations

from tests.helpers import at, decide, login, person, status, text_of
from tests.helpers import apply as apply_for
from workflows.catalog import entries
from workflows.models import UnitKind
from workflows.sharing import grants

KENNELS = {
    "name": "镇区养犬登记信息",
    "category_class": "部门",
    "summary": "城关镇镇区犬只登记与年检信息",
    "format": "数据库",
    "share_type": "有条件共享",
    "share_condition": "仅用于城市管理执法",
    "share_method": "接口",
    "open_type": "不予开放",
    "update_cycle": "每日",
    "sensitivity": "一般",
}


def test_the_demo_has_two_townships_each_with_an_applicant_and_a_reviewer_who_keeps_its_catalog(db):
    for code, applicant, keeper in (("cgz", "qinhao", "baixue"), ("htz", "kongliang", "qiumin")):
        assert person(db, applicant).unit.kind == UnitKind.TOWNSHIP and person(db, applicant).unit.code == code
        assert person(db, applicant).has_role("applicant")
        assert person(db, keeper).has_role("reviewer") and person(db, keeper).has_role("unit_admin")


def test_a_township_applies_for_county_data_and_is_granted_it_by_the_provider(processes, demo_catalog):
    with at("2026-03-02T10:00:00"):
        app_id = apply_for(processes, "qinhao")
        decide(processes, app_id, decision="approve")
    assert status(processes, app_id) == "approved"
    with processes() as s:
        assert grants.for_application(s, app_id).unit_id == person(s, "qinhao").unit_id


def test_a_township_publishes_its_own_entry_which_a_county_unit_may_apply_for(processes, demo_catalog):
    with at("2026-03-02T10:00:00"), processes.begin() as s:
        keeper = person(s, "baixue")
        entry = entries.create_resource(
            s,
            keeper,
            keeper.unit_id,
            KENNELS,
            [{"name": "犬主姓名", "data_type": "字符型", "length": "50", "sensitive": "否"}],
        )
        entries.publish(s, keeper, entry.id)
        code = entry.code
    with at("2026-03-03T10:00:00"):
        app_id = apply_for(processes, "machao", resource_code=code, items=["犬主姓名"], sensitive_justification="")
        decide(processes, app_id, username="baixue", decision="approve")
    assert status(processes, app_id) == "approved"


def test_the_units_page_filters_by_kind_and_shows_the_townships(client):
    with at("2026-03-02T10:00:00"):
        login(client, "chenjing")
        page = text_of(client.get("/org/units?kind=township"))
    assert "城关镇人民政府" in page and "会亭镇人民政府" in page and "县公安局" not in page
    assert page.count("乡镇（街道）") >= 3  # the filter's option and each township's kind
