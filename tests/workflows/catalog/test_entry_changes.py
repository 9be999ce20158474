"""A change to a catalog entry reaches its grants (issue 18 item 3): 不予共享 needs a named law and the bureau's
confirmation, retiring and removing an item go the same way, and then each active grant is revoked or kept."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select, update

from tests.helpers import (
    BASIS,
    SH,
    apply,
    at,
    confirm_change,
    decide,
    household_as_entered,
    inbox_subjects,
    person,
    propose_not_shared,
    race,
    step,
)
from workflows.catalog import entries, proposals
from workflows.catalog.entries import InvalidEntry
from workflows.engine import sweep, tasks
from workflows.errors import Conflict, ValidationFailed
from workflows.models import (
    AffectedGrant,
    AffectedStatus,
    EntryChange,
    EntryChangeStatus,
    Grant,
    GrantStatus,
    HumanTask,
    Resource,
    ResourceStatus,
    ShareType,
    TaskStatus,
)
from workflows.sharing import affected, grants, integrity

KEEP = "低保年度复核正在进行，复核结束前仍须核对户籍，届时不再续期"
REVOKE = "该单位的应用场景不属于居民身份证法允许提供的情形，立即停止提供"


def household(session) -> Resource:
    return session.scalar(select(Resource).where(Resource.code == "XY-GA-001"))


def granted(sessions, username: str) -> int:
    """An approved application of that person's unit for XY-GA-001; returns its grant."""
    app_id = apply(sessions, username)
    decide(sessions, app_id, decision="approve")
    with sessions() as s:
        return grants.for_application(s, app_id).id


def listed(sessions, change_id: int) -> dict[str, AffectedGrant]:
    """The grants the change reached, by the grantee unit's short name."""
    with sessions() as s:
        return {row.grant.unit.short_name: row for row in affected.rows(s, change_id)}


def provider_decides(sessions, row_id: int, decision: str, reason: str, username: str = "huangtao"):
    with sessions.begin() as s:
        return affected.decide(s, person(s, username), row_id, decision, reason)


def open_steps(sessions, change_id: int) -> dict[str, HumanTask]:
    with sessions() as s:
        return {t.task_key: t for t in tasks.case_tasks(s, "entry_change", change_id) if t.status == TaskStatus.OPEN}


# --- the basis names a law, a regulation or a policy document --------------------------------------------------


@pytest.mark.parametrize(
    "basis",
    [
        "本单位领导研究决定暂缓共享该类数据资源",
        "依《刑事诉讼法》规定侦查过程信息不得对外提供",
        "根据相关规定不予共享",
        "依据上级文件精神，本单位的该类数据暂不对外共享",
    ],
)
def test_a_not_shared_switch_without_a_named_law_is_refused_and_says_what_to_write(ready, basis):
    with pytest.raises(InvalidEntry) as refused:
        propose_not_shared(ready, basis)
    (problem,) = [p for p in refused.value.problems if p.field == "share_condition"]
    assert "第十九条" in problem.message and "国办发〔2021〕6号" in problem.message  # an example of what to write
    with ready() as s:
        assert household(s).share_type == ShareType.CONDITIONAL
        assert s.scalars(select(EntryChange)).all() == []


@pytest.mark.parametrize(
    "basis",
    [
        BASIS,
        "根据国办发〔2021〕6号文件，涉及侦查秘密的户籍数据不予共享",
        "依据豫政[2020]35号文件第三部分，本类数据暂不共享",
        "依据豫政［2020］35号文件，本类数据暂不共享",
    ],
)
def test_a_basis_naming_an_article_or_a_document_number_is_accepted(ready, basis):
    assert propose_not_shared(ready, basis)


# --- nothing takes effect before the bureau confirms ---------------------------------------------------------------


def test_a_published_entry_switched_to_not_shared_waits_for_the_bureau_while_other_edits_save_at_once(ready):
    change_id = propose_not_shared(ready, summary="本县户籍人口的基本登记信息（2026年核定）")
    with ready() as s:
        entry = household(s)
        assert entry.share_type == ShareType.CONDITIONAL and entry.share_method == "api"
        assert entry.summary == "本县户籍人口的基本登记信息（2026年核定）"
        assert entries.history(s, person(s, "huangtao"), entry.id)[0].changes == {
            "summary": ["本县户籍人口的身份和户籍登记信息", "本县户籍人口的基本登记信息（2026年核定）"]
        }
        change = s.get(EntryChange, change_id)
        assert (change.status, change.basis) == (EntryChangeStatus.PENDING, BASIS)
    confirm = open_steps(ready, change_id)["ec_confirm"]
    assert confirm.role == "coordinator" and confirm.due_at == datetime(2026, 2, 27, 23, 59, 59, tzinfo=SH)


def test_a_not_shared_switch_confirmed_lists_every_active_grant_to_the_provider_and_tells_the_grantees(ready):
    civil, bureau = granted(ready, "machao"), granted(ready, "lina")
    change_id = propose_not_shared(ready)
    confirm_change(ready, change_id)
    with ready() as s:
        entry = household(s)
        assert (entry.share_type, entry.share_condition, entry.share_method) == (ShareType.NOT_SHARED, BASIS, None)
        latest = entries.history(s, person(s, "huangtao"), entry.id)[0]
        assert latest.actor.username == "wanglei" and latest.comment.startswith("经县大数据局确认生效（黄涛于")
        assert s.get(EntryChange, change_id).affected_grants == 2
        assert {g.status for g in s.scalars(select(Grant))} == {GrantStatus.ACTIVE}  # until the provider decides
    rows = listed(ready, change_id)
    assert set(rows) == {"县民政局", "县大数据局"} and {r.status for r in rows.values()} == {AffectedStatus.OPEN}
    decide_task = open_steps(ready, change_id)["ag_decide"]
    assert (decide_task.role, decide_task.unit.code) == ("reviewer", "gaj")
    assert any(s.startswith("【待办】") for s in inbox_subjects(ready, "sunhong"))  # a reviewer of 县公安局
    assert any(s.startswith("【资源变更】") and "已改为不予共享" in s for s in inbox_subjects(ready, "machao"))
    assert any(s.startswith("【资源变更】") for s in inbox_subjects(ready, "sunjie"))  # 县民政局's catalog keeper
    assert any("变更已生效" in s for s in inbox_subjects(ready, "huangtao"))
    with ready() as s:
        assert (
            affected.notes(s, [civil, bureau])[civil]
            == f"资源已改为不予共享（依据：{BASIS}）；待提供单位决定撤销或保留至到期"
        )
        assert integrity.check(s) == []


def test_the_provider_keeps_one_grant_until_expiry_and_revokes_another_then_the_task_closes(ready):
    civil, bureau = granted(ready, "machao"), granted(ready, "lina")
    change_id = propose_not_shared(ready)
    confirm_change(ready, change_id)
    rows = listed(ready, change_id)
    with pytest.raises(ValidationFailed) as refused:
        provider_decides(ready, rows["县民政局"].id, "keep", "同意保留")
    assert "保留至到期理由" in refused.value.details[0]
    provider_decides(ready, rows["县民政局"].id, "keep", KEEP)
    assert "ag_decide" in open_steps(ready, change_id)  # one grant still to decide
    provider_decides(ready, rows["县大数据局"].id, "revoke", REVOKE, username="sunhong")
    assert open_steps(ready, change_id) == {}
    with ready() as s:
        kept, revoked = s.get(Grant, civil), s.get(Grant, bureau)
        assert kept.status == GrantStatus.ACTIVE and revoked.status == GrantStatus.REVOKED
        assert revoked.revoked_reason == f"资源已改为不予共享：{REVOKE}"
        notes = affected.notes(s, [civil, bureau])
        assert notes[civil] == f"资源已改为不予共享（依据：{BASIS}）；提供单位决定保留至 2027-02-13：{KEEP}"
        assert notes[bureau] == f"资源已改为不予共享（依据：{BASIS}）；提供单位已撤销授权：{REVOKE}"
        assert integrity.check(s) == []
    assert any(s.startswith("【授权保留】") and "2027-02-13" in s for s in inbox_subjects(ready, "machao"))
    assert any(s.startswith("【授权撤销】") for s in inbox_subjects(ready, "lina"))
    with pytest.raises(Conflict):
        provider_decides(ready, rows["县民政局"].id, "revoke", REVOKE)  # the task is done: decisions stand


def test_only_the_providers_reviewers_decide_on_the_listed_grants(ready):
    granted(ready, "machao")
    change_id = propose_not_shared(ready)
    confirm_change(ready, change_id)
    row = listed(ready, change_id)["县民政局"]
    for outsider in ("sunjie", "wanglei", "machao"):
        with pytest.raises(Exception) as refused:
            provider_decides(ready, row.id, "revoke", REVOKE, username=outsider)
        assert refused.value.status == 403


def test_the_bureau_returns_a_change_with_a_specific_reason_and_the_entry_stays_as_it_was(ready):
    granted(ready, "machao")
    change_id = propose_not_shared(ready)
    with pytest.raises(ValidationFailed):
        confirm_change(ready, change_id, decision="return", reason="不同意")
    confirm_change(
        ready, change_id, decision="return", reason="居民身份证法第十九条不禁止向履职部门共享，请改为有条件共享"
    )
    with ready() as s:
        assert household(s).share_type == ShareType.CONDITIONAL
        change = s.get(EntryChange, change_id)
        assert change.status == EntryChangeStatus.RETURNED and change.return_reason.startswith("居民身份证法")
        assert s.scalars(select(AffectedGrant)).all() == []
    assert open_steps(ready, change_id) == {}
    assert any("退回" in s for s in inbox_subjects(ready, "huangtao"))
    assert propose_not_shared(ready) != change_id  # the unit may submit again


def test_a_second_withdrawing_change_waits_until_the_first_is_decided_but_other_edits_do_not(ready):
    propose_not_shared(ready)
    with ready.begin() as s, pytest.raises(Conflict) as refused:
        entries.retire(s, person(s, "huangtao"), household(s).id, "该资源已并入人口综合库，原条目停用")
    assert "待县大数据局确认" in refused.value.message
    with ready.begin() as s:
        resource, raw, items = household_as_entered(s)
        entries.update_resource(s, person(s, "huangtao"), resource.id, raw | {"update_cycle": "daily"}, items)


def test_a_draft_switched_to_not_shared_losing_an_item_or_retired_changes_at_once(ready):
    with ready.begin() as s:
        huangtao = person(s, "huangtao")
        resource, raw, items = household_as_entered(s)
        draft = entries.create_resource(s, huangtao, huangtao.unit_id, raw | {"name": "户籍人口迁移信息"}, items)
        entries.update_resource(
            s,
            huangtao,
            draft.id,
            raw
            | {"name": "户籍人口迁移信息", "share_type": "not_shared", "share_method": "", "share_condition": BASIS},
            items[:-1],
        )
        assert (draft.share_type, len(draft.items)) == (ShareType.NOT_SHARED, len(items) - 1)
        entries.retire(s, huangtao, draft.id, "登记有误，改由户籍迁移条目提供")
        assert draft.status == ResourceStatus.RETIRED and proposals.open_change(s, draft.id) is None


def test_the_coordinator_is_reminded_and_escalated_but_nothing_is_decided_by_timeout(ready):
    change_id = propose_not_shared(ready)
    with at("2026-03-04T09:00:00"):
        sweep.sweep(ready)
    assert any(s.startswith("【督办】") for s in inbox_subjects(ready, "liuyang"))
    assert "ec_confirm" in open_steps(ready, change_id)
    with ready() as s:
        assert household(s).share_type == ShareType.CONDITIONAL


# --- retiring and removing an info item go the same way --------------------------------------------------------------


def test_retiring_a_published_entry_waits_for_the_bureau_and_reaches_its_grants(ready):
    granted(ready, "machao")
    with ready.begin() as s:
        entries.retire(s, person(s, "huangtao"), household(s).id, "该资源已并入人口综合库，原条目停用")
        change_id = proposals.open_change(s, household(s).id).id
    with ready() as s:
        assert household(s).status == ResourceStatus.PUBLISHED
    confirm_change(ready, change_id)
    with ready() as s:
        assert household(s).status == ResourceStatus.RETIRED
    assert set(listed(ready, change_id)) == {"县民政局"}


def _remove_address(sessions, reason: str) -> int:
    with sessions.begin() as s:
        resource, raw, items = household_as_entered(s)
        entries.update_resource(
            s,
            person(s, "huangtao"),
            resource.id,
            raw,
            [i for i in items if i["name"] != "户籍地址"],
            change_reason=reason,
        )
        return proposals.open_change(s, resource.id).id


def test_removing_an_item_needs_a_reason_and_reaches_only_the_grants_holding_it(ready):
    with_address = granted(ready, "machao")  # 姓名、公民身份号码、户籍地址
    app_id = apply(ready, "lina", items=["姓名", "公民身份号码"])
    decide(ready, app_id, decision="approve")
    with pytest.raises(InvalidEntry) as refused:
        _remove_address(ready, "")
    assert refused.value.problems[0].field == "change_reason"
    change_id = _remove_address(ready, "户籍地址已并入“户籍地址变更信息”条目单独提供，本条目不再维护")
    with ready() as s:
        assert "户籍地址" in [i.name for i in household(s).items]  # until confirmed
    confirm_change(ready, change_id)
    with ready() as s:
        assert "户籍地址" not in [i.name for i in household(s).items]
    rows = listed(ready, change_id)
    assert set(rows) == {"县民政局"}
    provider_decides(ready, rows["县民政局"].id, "keep", KEEP)
    with ready() as s:
        grant = s.get(Grant, with_address)
        assert grant.items == ["姓名", "公民身份号码"] and grant.status == GrantStatus.ACTIVE
        assert not grants.is_authorised(s, grant.unit_id, grant.resource_id, "户籍地址")
        assert "不再提供“户籍地址”" in affected.notes(s, [with_address])[with_address]
        assert integrity.check(s) == []


def test_a_grant_left_with_no_item_cannot_be_kept(ready):
    app_id = apply(ready, items=["户籍地址"])
    decide(ready, app_id, decision="approve")
    change_id = _remove_address(ready, "户籍地址已并入“户籍地址变更信息”条目单独提供，本条目不再维护")
    confirm_change(ready, change_id)
    with pytest.raises(Conflict) as refused:
        provider_decides(ready, listed(ready, change_id)["县民政局"].id, "keep", KEEP)
    assert "只能" in refused.value.message or "请选择撤销" in refused.value.message


def test_a_grant_revoked_elsewhere_meanwhile_needs_no_decision(ready):
    civil = granted(ready, "machao")
    change_id = propose_not_shared(ready)
    confirm_change(ready, change_id)
    with ready.begin() as s:
        grants.revoke(s, person(s, "huangtao"), civil, "发现超出应用场景使用户籍数据，依约撤销授权")
    step(ready, "entry_change", change_id, "ag_decide", "huangtao", {})
    assert listed(ready, change_id)["县民政局"].status == AffectedStatus.ENDED


# --- check-integrity -----------------------------------------------------------------------------------------------


def test_check_integrity_reports_an_active_grant_on_a_not_shared_entry_that_nobody_decided_on(ready):
    granted(ready, "machao")
    change_id = propose_not_shared(ready)
    confirm_change(ready, change_id)
    with ready.begin() as s:  # as if the provider's task had been lost in an incident
        s.execute(update(HumanTask).where(HumanTask.task_key == "ag_decide").values(status=TaskStatus.CANCELLED))
    with ready() as s:
        found = [str(p) for p in integrity.check(s)]
    assert any("不予共享或已停用，授权却仍有效，且提供单位既未决定保留至到期" in p for p in found)


def test_check_integrity_reports_a_grant_holding_an_item_removed_without_a_decision(ready):
    granted(ready, "machao")
    with ready.begin() as s:  # removed behind the service's back
        entry = household(s)
        entry.items = [i for i in entry.items if i.name != "户籍地址"]
    with ready() as s:
        found = [str(p) for p in integrity.check(s)]
    assert any("已删除的信息项“户籍地址”" in p for p in found)


# --- two people at once ----------------------------------------------------------------------------------------------


def test_two_reviewers_deciding_one_listed_grant_at_once_decide_it_once(committing_sessions, ready):
    civil = granted(committing_sessions, "machao")
    granted(committing_sessions, "lina")
    change_id = propose_not_shared(committing_sessions)
    confirm_change(committing_sessions, change_id)
    row = listed(committing_sessions, change_id)["县民政局"].id
    outcomes = race(
        committing_sessions,
        lambda s: affected.decide(s, person(s, "huangtao"), row, "keep", KEEP),
        lambda s: affected.decide(s, person(s, "sunhong"), row, "revoke", REVOKE),
    )
    assert outcomes == ["409", "ok"]
    with committing_sessions() as s:
        decided = s.get(AffectedGrant, row)
        grant = s.get(Grant, civil)
        assert (decided.status == AffectedStatus.KEPT) == (grant.status == GrantStatus.ACTIVE)
        assert integrity.check(s) == []
