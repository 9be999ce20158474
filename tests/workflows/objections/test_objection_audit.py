"""The audit trail of objections reads in Chinese: numbers and names, never codes or internal ids."""

import re

from tests import scenarios
from tests.helpers import apply, decide, person
from tests.workflows.objections.helpers import accept_and_transfer, raise_, step
from workflows import audit_text
from workflows.catalog import entries
from workflows.models import AuditEvent, UpdateCycle
from workflows.sharing import grants

CODES = re.compile(
    r"\b(agreed?|disagree|upheld|rejected|refer|reopen|approve|revoke|keep|coordinate|accept|ask_info|"
    r"open|done|daily|monthly|yearly|realtime)\b"
)
IDS = re.compile(r"(异议|授权|目录条目|人员|单位|申请) ?#?\d+(?!\d*[「年])|其他：")


def _lines(sessions) -> list[str]:
    with sessions() as s:
        events = s.query(AuditEvent).order_by(AuditEvent.id).all()
        return [
            f"{line.action}｜{line.subject}｜" + "；".join(f"{what}：{old} → {new}" for what, old, new in line.changes)
            for line in audit_text.describe(s, events)
            if any(word in line.subject for word in ("异议", "授权", "目录条目", "YY2026"))
            and line.action != "部署流程新版本"
        ]


def test_objection_entries_name_objects_by_number_and_choices_by_label(ready):
    scenarios.build(ready)
    app_id = apply(ready)
    decide(ready, app_id, decision="approve")
    with ready() as s:
        grant_id = grants.for_application(s, app_id).id
    usage = raise_(
        ready,
        "huangtao",
        type="usage_dispute",
        grant_id=grant_id,
        facts="县民政局将户籍数据用于招商引资统计，超出低保核对的应用场景",
        request="请撤销授权",
    )
    accept_and_transfer(ready, usage, "mzj")
    step(ready, usage, "ob_answer_1", "sunjie", {"stance": "agree", "position": "确曾用于汇总统计，接受处理"})
    step(
        ready,
        usage,
        "ob_decide",
        "lina",
        {
            "resolution": "agreed",
            "outcome": "upheld",
            "grant_action": "revoke",
            "incident": True,
            "opinion": "超出申请的应用场景使用数据",
        },
    )
    catalog = raise_(
        ready,
        "machao",
        type="catalog_correction",
        resource_code="XY-GA-002",
        facts="目录中该条目的更新周期填写有误，与实际更新频率不符",
        request="请更正更新周期",
    )
    accept_and_transfer(ready, catalog)
    step(ready, catalog, "ob_answer_1", "huangtao", {"stance": "agree", "position": "确有错误"})
    step(
        ready,
        catalog,
        "ob_decide",
        "lina",
        {"resolution": "agreed", "outcome": "upheld", "opinion": "更新周期填写错误，由县公安局更正"},
    )
    with ready.begin() as s:
        huangtao = person(s, "huangtao")
        entry = entries.get_resource(s, huangtao, "XY-GA-002")
        before = entries.snapshot(entry)
        after = "monthly" if before["update_cycle"] != "monthly" else "weekly"
        entries.update_resource(s, huangtao, entry.id, before | {"update_cycle": after}, before["items"])
    step(ready, catalog, "ob_correct", "huangtao", {"done_note": "已将更新周期改为每月"})
    lines = _lines(ready)
    text = "\n".join(lines)
    assert [line for line in lines if CODES.search(line) or IDS.search(line)] == []
    assert (
        "各方意见：意见一致，记录处理结果" in text and "办理结果：异议成立" in text and "对授权的处理：撤销授权" in text
    )
    assert f"异议编号： → YY2026{usage:06d}" in text
    assert (
        f"更新周期：{UpdateCycle.label_of(before['update_cycle'])} → {UpdateCycle.label_of(after)}" in text
        and "纠错状态" not in text
        and "状态：纠错中 → 已纠正" in text
    )
