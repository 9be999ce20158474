"""Deploy runs the version along every branch of its gateways with sample data from the forms, and refuses a failing path.

A condition, script or timer that fails only on one branch shows only when the engine goes that way; the dry run
goes every way first, names the element and the path, and keeps nothing it did.
"""

from __future__ import annotations


import pytest
from sqlalchemy import func, select

from tests.helpers import PRODUCT_BPMN_DIR
from workflows import engine
from workflows.engine import dryrun, lint
from workflows.models import AuditEvent, HumanTask, ProcessInstance

BPMN = PRODUCT_BPMN_DIR
APPLICATION = (BPMN / "data_application.bpmn").read_text(encoding="utf-8")
FORMS = lint.load_forms(BPMN / "forms")
RETURN_CONDITION = '<bpmn:conditionExpression>decision == "return"</bpmn:conditionExpression>'
# int() of the reason only runs when the reviewer returns the application: the other two branches never evaluate it
FAILS_ON_RETURN = APPLICATION.replace(
    RETURN_CONDITION,
    '<bpmn:conditionExpression>decision == "return" and ' "int(reason) &gt; 0</bpmn:conditionExpression>",
)


def run(db, xml: str) -> dryrun.DryRun:
    return dryrun.run(db, xml, "data_application", FORMS)


def test_every_shipped_process_passes_along_every_path(db):
    expected = {
        "data_application": 8,
        "catalog_update": 4,
        "demand_coordination": 3,
        "entry_change": 3,
        "affected_grants": 2,
        "effect_rating": 2,
    }
    for key, paths in expected.items():
        result = dryrun.run(db, (BPMN / f"{key}.bpmn").read_text(encoding="utf-8"), key, FORMS)
        assert result.ok and result.summary == f"{paths} 条路径全部通过", key


def test_the_paths_of_the_application_cover_every_branch_and_the_deadline_timers(db):
    routes = {tuple(p.choices): p for p in run(db, APPLICATION).paths}
    assert routes[("共享类型=无条件共享",)].outcome == "end"
    assert routes[("共享类型=有条件共享", "审核意见=不通过")].elements[-1] == "da_end_rejected"
    loop = routes[("共享类型=有条件共享", "审核意见=退回补正（暂停计时）")]
    assert loop.outcome == "wait" and "再次等待“审核申请”" in loop.message and "da_f13" in loop.flows
    overdue = routes[("共享类型=有条件共享", "期限届满，定时器触发")]
    assert {"da_send_reminder", "da_send_escalation", "da_supervise"} <= set(overdue.elements)


def test_a_condition_that_fails_on_one_branch_only_is_caught_on_that_flow(db):
    result = run(db, FAILS_ON_RETURN)
    failed = [p for p in result.paths if not p.ok]
    assert result.summary == "8 条路径中 1 条未通过" and len(failed) == 1
    assert failed[0].where == "da_f8"
    assert failed[0].message == "连线「退回补正（暂停计时）」上的条件：无法把 '试运行示例数据' 转换为整数"
    assert failed[0].choices == ["共享类型=有条件共享", "审核意见=退回补正（暂停计时）"]
    assert failed[0].flows == ["da_f1", "da_f3", "da_f5", "da_f6"]  # drawn on the diagram up to the failing flow
    assert [p.ok for p in result.paths if "审核意见=通过（同时授权平台提供数据）" in p.choices] == [True]


def test_a_deploy_with_a_branch_that_fails_is_refused_naming_the_flow_and_the_path(db):
    with pytest.raises(engine.DeployRejected) as caught:
        engine.deploy(db, FAILS_ON_RETURN, FORMS, None)
    assert caught.value.details[0].startswith("[da_f8] 试运行未通过（路径 ")
    assert "审核申请 → 审核意见" in caught.value.details[0] and caught.value.dry_run.ok is False


def test_a_timer_that_cannot_be_evaluated_once_its_task_is_reached_is_named(db):
    xml = APPLICATION.replace(
        '<bpmn:timeDate>task_due("da_review")</bpmn:timeDate>',
        "<bpmn:timeDate>working_days_after(approved_until, 2)</bpmn:timeDate>",
    )
    failed = [p for p in run(db, xml).paths if not p.ok]
    assert [p.where for p in failed] == ["da_overdue"] and "approved_until" in failed[0].message


def test_a_branch_no_sample_value_reaches_is_run_by_forcing_the_gateway(db):
    xml = APPLICATION.replace(
        '<bpmn:conditionExpression>share_type == "unconditional"</bpmn:conditionExpression>',
        "<bpmn:conditionExpression>application_id &gt; 100</bpmn:conditionExpression>",
    )
    forced = [p for p in run(db, xml).paths if p.forced]
    assert len(forced) == 1 and forced[0].ok and forced[0].elements[-1] == "da_end_auto"
    assert forced[0].choices[0] == "按条件强制走分支：共享类型 → 无条件共享"


def test_the_dry_run_keeps_nothing(db):
    def counts():
        return [
            db.scalar(select(func.count()).select_from(model)) for model in (ProcessInstance, HumanTask, AuditEvent)
        ]

    before = counts()
    assert run(db, APPLICATION).ok
    db.flush()
    assert counts() == before
