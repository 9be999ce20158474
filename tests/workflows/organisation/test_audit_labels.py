"""Every action the code writes to the audit trail has a Chinese name, so the audit page never says 其他操作."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import workflows
from workflows import audit_text
from workflows.models import ApplicationStatus, DemandStatus

ROOT = Path(workflows.__file__).parent
ACTION_CODE = re.compile(r"[a-z_]+:[a-z_]+")
# Actions built from a variable: the values each family takes, as the code passes them.
FAMILIES = {
    "resource:": ["created", "updated", "published", "retired", "returned"],
    "task:": ["claimed", "unclaimed", "delegated"],
    "application:": [s.value for s in ApplicationStatus],
    "demand:": [s.value for s in DemandStatus],
}


def _recorded_actions() -> tuple[set[str], set[str]]:
    """(action codes written as text, f-string prefixes) in every module that records audit events."""
    codes, prefixes = set(), set()
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts or path.name == "audit_text.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                 and n.func.attr == "record" and isinstance(n.func.value, ast.Name) and n.func.value.id == "audit"]
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
        codes |= {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                  and ACTION_CODE.fullmatch(n.value)}
    return codes, prefixes


def test_every_audited_action_has_a_chinese_name():
    codes, prefixes = _recorded_actions()
    assert {"role:granted", "person:password_reset", "task:handed_over", "instance:migrated",
            "process:draft_saved", "responsibility:set", "session:ended"} <= codes
    assert prefixes <= set(FAMILIES), f"新的动作族需要列出其取值：{prefixes - set(FAMILIES)}"
    for prefix in prefixes:
        codes |= {prefix + value for value in FAMILIES[prefix]}
    unnamed = sorted(code for code in codes if audit_text.label(code) is None)
    assert unnamed == []

