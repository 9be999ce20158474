"""Every action the code writes to the audit trail has a Chinese name, so the audit page never says 其他操作."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import workflows
from tests.helpers import person, unit
from workflows import audit_text, clock
from workflows.models import ApplicationStatus, AuditEvent, DemandStatus, ObjectionStatus

ROOT = Path(workflows.__file__).parent
ACTION_CODE = re.compile(r"[a-z_]+:[a-z_]+")
# Actions built from a variable: the values each family takes, as the code passes them.
FAMILIES = {
    "resource:": ["created", "updated", "published", "retired", "returned"],
    "task:": ["claimed", "unclaimed", "delegated"],
    "application:": [s.value for s in ApplicationStatus],
    "demand:": [s.value for s in DemandStatus],
    "objection:": [s.value for s in ObjectionStatus],
}


def _recorded_actions() -> tuple[set[str], set[str]]:
    """(action codes written as text, f-string prefixes) in every module that records audit events."""
    codes, prefixes = set(), set()
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts or path.name == "audit_text.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [
            n
            for n in ast.walk(tree)
            if isinstance(n, ast.Call)
            and isinstance(n.func, ast.Attribute)
            and n.func.attr == "record"
            and isinstance(n.func.value, ast.Name)
            and n.func.value.id == "audit"
        ]
        if not calls:
            continue
        kinds = set()
        for call in calls:
            action = call.args[4] if len(call.args) > 4 else next(k.value for k in call.keywords if k.arg == "action")
            if isinstance(action, ast.JoinedStr):
                prefixes.add(action.values[0].value)
            if isinstance(call.args[2], ast.Constant):
                kinds.add(call.args[2].value)
        # constants passed along to a helper that records them (handovers._set_assignee(..., "task:released"))
        codes |= {
            n.value
            for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and ACTION_CODE.fullmatch(n.value)
        }
    return codes, prefixes


def test_every_value_the_code_writes_has_a_chinese_name():
    keys = set()
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and call.func.attr == "record"
                and isinstance(call.func.value, ast.Name)
                and call.func.value.id == "audit"
            ):
                for side in call.args[5:7]:
                    for node in ast.walk(side):
                        if isinstance(node, ast.Dict):
                            keys |= {k.value for k in node.keys if isinstance(k, ast.Constant)}
    assert {"unit", "role", "successor", "kind", "one_time", "reason"} <= keys
    labelled = set(audit_text.KEYS).union(*audit_text.KEYS_BY_SUBJECT.values())
    assert sorted(keys - labelled - audit_text.HIDDEN_KEYS) == []


def test_every_audited_action_has_a_chinese_name():
    codes, prefixes = _recorded_actions()
    assert {
        "role:granted",
        "person:password_reset",
        "task:handed_over",
        "instance:migrated",
        "process:draft_saved",
        "responsibility:set",
        "session:ended",
    } <= codes
    assert prefixes <= set(FAMILIES), f"新的动作族需要列出其取值：{prefixes - set(FAMILIES)}"
    for prefix in prefixes:
        codes |= {prefix + value for value in FAMILIES[prefix]}
    unnamed = sorted(code for code in codes if audit_text.label(code) is None)
    assert unnamed == []


def test_handovers_drafts_case_moves_and_sign_outs_read_without_codes(sessions):
    with sessions() as s:
        sunjie, gaj = person(s, "sunjie"), unit(s, "gaj")
        events = [
            AuditEvent(
                at=clock.now(),
                subject_type="task",
                subject_id="1",
                action="task:handed_over",
                before={"assignee_id": None},
                after={"assignee_id": sunjie.id},
            ),
            AuditEvent(
                at=clock.now(),
                subject_type="task",
                subject_id="1",
                action="task:released",
                before={"assignee_id": sunjie.id},
                after={"assignee_id": None},
            ),
            AuditEvent(
                at=clock.now(),
                subject_type="process",
                subject_id="x",
                action="process:draft_saved",
                before=None,
                after={"base_version": 2},
            ),
            AuditEvent(
                at=clock.now(),
                subject_type="instance",
                subject_id="7",
                action="instance:migrated",
                before={"version": 2, "version_id": 11},
                after={"version": 4, "version_id": 19},
            ),
            AuditEvent(
                at=clock.now(),
                subject_type="person",
                subject_id=str(sunjie.id),
                action="session:ended",
                before=None,
                after={"reason": "logout", "generation": 3},
            ),
            AuditEvent(
                at=clock.now(),
                subject_type="unit",
                subject_id=str(gaj.id),
                action="responsibility:set",
                before={"kind": "section_chief", "person": None},
                after={"kind": "section_chief", "person": "sunjie"},
            ),
            AuditEvent(
                at=clock.now(),
                subject_type="unit",
                subject_id=str(gaj.id),
                action="unit:updated",
                before={"kind": "department"},
                after={"kind": "vertical"},
            ),
            AuditEvent(
                at=clock.now(),
                subject_type="unit",
                subject_id=str(gaj.id),
                action="unit:deactivated",
                before={"active": True},
                after={"active": False},
            ),
            AuditEvent(
                at=clock.now(),
                subject_type="demo",
                subject_id="catalog",
                action="demo:seeded",
                before=None,
                after={"resources": 41},
            ),
        ]
        lines = audit_text.describe(s, events)
    shown = [(line.action, line.subject, line.changes) for line in lines]
    assert shown[0][0] == "管理员转交任务" and ("办理人", "", "孙杰") in shown[0][2]
    assert shown[1][0] == "任务退回单位待办" and ("办理人", "孙杰", "") in shown[1][2]
    assert shown[2] == ("保存流程草稿", "流程“x”", [("基于版本", "", "2")])
    assert shown[3] == ("迁移案件", "案件（已删除）", [("版本", "2", "4")])  # no such case in this database
    assert shown[4] == ("退出登录（结束全部会话）", "人员 孙杰", [("理由", "", "本人退出登录")])
    assert shown[5][0] == "设置责任人" and shown[5][1] == "单位 县公安局"
    assert ("类型", "科室负责人", "科室负责人") in shown[5][2] and ("人员", "", "孙杰（sunjie）") in shown[5][2]
    assert shown[6][2] == [("类型", "县直部门", "垂直管理单位")]
    assert shown[7] == ("停用单位", "单位 县公安局", [("单位状态", "启用", "停用")])
    assert shown[8] == ("载入演示数据", "演示数据（资源目录）", [("目录条目", "", "41")])
