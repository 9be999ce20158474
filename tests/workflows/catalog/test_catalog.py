"""Units keep their own catalog; coordinators oversee; every change is history."""

import threading

import pytest
from sqlalchemy import select

from tests.helpers import person, unit
from workflows.catalog import entries, proposals
from workflows.catalog.entries import DuplicateSuspected, InvalidEntry
from workflows.errors import DomainError, Forbidden, NotFound
from workflows.models import AuditEvent, EntryChangeKind, Resource, ResourceStatus

ENTRY = {
    "name": "养犬登记信息",
    "summary": "本县犬只登记与年检信息",
    "category_class": "departmental",
    "category_path": "部门/公安/治安",
    "format": "database",
    "share_type": "conditional",
    "share_condition": "仅用于城市管理执法",
    "share_method": "api",
    "open_type": "not_open",
    "update_cycle": "daily",
    "sensitivity": "general",
}
ITEMS = [
    {"name": "犬主姓名", "data_type": "字符型", "length": "50", "sensitive": "否"},
    {"name": "犬只芯片号", "data_type": "string", "length": "20", "sensitive": "no"},
]


def draft(db, username="huangtao", unit_code="gaj", **changes):
    return entries.create_resource(db, person(db, username), unit(db, unit_code).id, ENTRY | changes, ITEMS)


def test_a_unit_admin_creates_and_publishes_an_entry_of_their_unit(db):
    entry = draft(db)
    assert entry.code == "XY-GA-005" or entry.code.startswith("XY-")
    assert entry.status == ResourceStatus.DRAFT
    entries.publish(db, person(db, "huangtao"), entry.id)
    assert entry.status == ResourceStatus.PUBLISHED and entry.published_on is not None
    assert [h.action for h in entries.history(db, person(db, "huangtao"), entry.id)] == ["published", "created"]


def test_related_codes_typed_with_spaces_lower_case_and_chinese_separators_are_kept_as_the_catalog_spells_them(
    db, demo_catalog
):
    entry = draft(db, related_codes=" xy-bdc-001 、xy-mz-001， ")
    assert entry.related_codes == ["XY-BDC-001", "XY-MZ-001"]


def test_codes_continue_the_units_series(db, demo_catalog):
    assert draft(db).code == "XY-GA-005"


def _create_at_once(sessions, codes: list[str]) -> list[str]:
    """One thread per code ("" lets the unit's series choose), all released together; each entry's code or refusal."""
    outcomes, barrier = [], threading.Barrier(len(codes))

    def create(code):
        barrier.wait()
        try:
            with sessions.begin() as s:
                outcomes.append(
                    entries.create_resource(
                        s, person(s, "huangtao"), unit(s, "gaj").id, ENTRY | {"code": code}, ITEMS
                    ).code
                )
        except DomainError as err:
            outcomes.append(f"{err.status} {' '.join(err.details)}")
        except Exception as exc:  # an IntegrityError here is the 500 this test exists to catch
            outcomes.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=create, args=(code,)) for code in codes]
    [t.start() for t in threads]
    [t.join() for t in threads]
    return sorted(outcomes)


def test_keepers_creating_entries_of_one_unit_at_once_all_get_the_next_codes_of_the_series(committing_sessions):
    assert _create_at_once(committing_sessions, [""] * 8) == [f"XY-GAJ-{n:03d}" for n in range(1, 9)]
    with committing_sessions() as s:
        assert len(s.scalars(select(Resource.id)).all()) == 8


def test_two_keepers_choosing_the_same_code_at_once_get_one_entry_and_a_clear_refusal(committing_sessions):
    outcomes = _create_at_once(committing_sessions, ["XY-GA-100", "XY-GA-100"])
    assert outcomes == ["422 资源代码：“XY-GA-100”已被其他条目使用", "XY-GA-100"]


PERMISSIONS = [
    # (username, unit of the entry, may edit?) — huangtao: gaj unit_admin; sunhong: gaj applicant/reviewer;
    # sunjie: mzj unit_admin; lina: coordinator and zwfw unit_admin; chenjing: sysadmin
    ("huangtao", "gaj", True),
    ("sunhong", "gaj", False),
    ("sunjie", "gaj", False),
    ("lina", "gaj", False),
    ("chenjing", "gaj", False),
    ("lina", "zwfw", True),
    ("machao", "mzj", False),
]


@pytest.mark.parametrize("username, unit_code, allowed", PERMISSIONS)
def test_only_the_units_own_catalog_keeper_creates_edits_publishes_and_retires(
    processes, db, username, unit_code, allowed
):
    actor = person(db, username)
    owner = {"gaj": "huangtao", "zwfw": "lina", "mzj": "sunjie"}[unit_code]
    if allowed:
        entry = entries.create_resource(db, actor, unit(db, unit_code).id, ENTRY, ITEMS)
        entries.update_resource(db, actor, entry.id, ENTRY | {"summary": "新摘要"}, ITEMS)
        entries.publish(db, actor, entry.id)
        entries.retire(db, actor, entry.id, "职能已划转县行政审批服务局，本局自2026年3月起不再采集")
        assert entry.status == ResourceStatus.PUBLISHED  # until the county data bureau confirms it
        assert proposals.open_change(db, entry.id).kind == EntryChangeKind.RETIRE
        return
    with pytest.raises(Forbidden):
        entries.create_resource(db, actor, unit(db, unit_code).id, ENTRY, ITEMS)
    entry = draft(db, owner, unit_code)
    for action in (
        lambda: entries.update_resource(db, actor, entry.id, ENTRY, ITEMS),
        lambda: entries.publish(db, actor, entry.id),
        lambda: entries.retire(db, actor, entry.id, "不需要了哈"),
    ):
        with pytest.raises((Forbidden, NotFound)):
            action()


def test_drafts_are_hidden_from_other_units_but_published_entries_are_not(db):
    entry = draft(db)
    with pytest.raises(NotFound):
        entries.get_resource(db, person(db, "machao"), entry.code)
    assert entries.get_resource(db, person(db, "wanglei"), entry.code) is entry  # coordinator
    assert entries.get_resource(db, person(db, "sunhong"), entry.code) is entry  # same unit
    entries.publish(db, person(db, "huangtao"), entry.id)
    assert entries.get_resource(db, person(db, "machao"), entry.code) is entry


def test_a_coordinator_returns_an_entry_with_a_reason_and_the_next_edit_clears_it(db):
    entry = draft(db)
    with pytest.raises(Forbidden):
        entries.return_for_correction(db, person(db, "sunjie"), entry.id, "共享类型填写有误请更正")
    entries.return_for_correction(db, person(db, "wanglei"), entry.id, "共享条件过宽，请写明具体用途")
    assert entry.correction_reason == "共享条件过宽，请写明具体用途"
    entries.update_resource(db, person(db, "huangtao"), entry.id, ENTRY | {"share_condition": "仅限执法核查"}, ITEMS)
    assert entry.correction_reason == ""
    latest = entries.history(db, person(db, "huangtao"), entry.id)[0]
    assert latest.changes["share_condition"] == ["仅用于城市管理执法", "仅限执法核查"]
    assert latest.actor.username == "huangtao"


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"share_type": "conditional", "share_condition": ""}, "有条件共享的资源必须填写共享条件"),
        ({"share_type": "not_shared", "share_condition": "", "share_method": ""}, "不予共享的资源必须填写法律"),
        (
            {"share_type": "not_shared", "share_condition": "依《刑事诉讼法》", "share_method": "api"},
            "不予共享的资源不应填写共享方式",
        ),
        ({"share_type": "unconditional", "share_method": ""}, "必须填写共享方式"),
        ({"open_type": "半开放"}, "“半开放”不是有效值"),
        ({"name": ""}, "资源名称：必填"),
        ({"published_on": "2026-13-40"}, "不是存在的日期"),
    ],
)
def test_an_incomplete_entry_is_refused_with_every_problem_named(db, changes, message):
    with pytest.raises(InvalidEntry) as caught:
        draft(db, **changes)
    assert any(message in d for d in caught.value.details), caught.value.details
    assert db.scalar(select(Resource).where(Resource.name == "养犬登记信息")) is None


def test_publishing_needs_a_summary_and_info_items(db):
    entry = entries.create_resource(db, person(db, "huangtao"), unit(db, "gaj").id, ENTRY | {"summary": ""}, [])
    with pytest.raises(InvalidEntry) as caught:
        entries.publish(db, person(db, "huangtao"), entry.id)
    assert len(caught.value.details) == 2


def test_a_likely_duplicate_of_another_units_entry_needs_a_reason(db, demo_catalog):
    items = [
        {"name": "姓名", "data_type": "字符型"},
        {"name": "公民身份号码", "data_type": "字符型", "sensitive": "是"},
    ]
    with pytest.raises(DuplicateSuspected) as caught:
        entries.create_resource(db, person(db, "sunjie"), unit(db, "mzj").id, ENTRY | {"name": "户籍人口信息"}, items)
    assert any("XY-GA-001" in d for d in caught.value.details)
    entry = entries.create_resource(
        db,
        person(db, "sunjie"),
        unit(db, "mzj").id,
        ENTRY | {"name": "户籍人口信息"},
        items,
        duplicate_reason="依《社会救助暂行办法》须独立核实",
    )
    assert entry.duplicate_reason.startswith("依《社会救助暂行办法》")


def test_every_catalog_change_is_audited(db):
    entry = draft(db)
    entries.publish(db, person(db, "huangtao"), entry.id)
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "resource")).all()
    assert actions == ["resource:created", "resource:published"]
