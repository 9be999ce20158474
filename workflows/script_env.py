"""The restricted world BPMN scripts, conditions and timer expressions live in.

SpiffWorkflow evaluates with plain eval/exec; here every snippet is compiled with
RestrictedPython and sees only whitelisted builtins and our helpers.
"""
from __future__ import annotations

import ast
from datetime import date, datetime
from functools import lru_cache

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)

from workflows import calendar, clock

SAFE_BUILTINS = {
    name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
    for name in ("abs", "all", "any", "bool", "dict", "enumerate", "float", "int", "isinstance",
                 "len", "list", "max", "min", "range", "round", "set", "sorted", "str", "sum",
                 "tuple", "zip", "True", "False", "None")
}

HELPER_NAMES = ("working_days_after", "working_day_start", "now_iso", "today_iso", "emit")


class ScriptRejected(Exception):
    """A snippet the restricted compiler refuses; message in Chinese."""


@lru_cache(maxsize=2048)
def compile_expression(source: str):
    result = compile_restricted_eval(source.strip())
    if result.errors:
        raise ScriptRejected("；".join(_translate(e) for e in result.errors))
    return result.code


@lru_cache(maxsize=2048)
def compile_script(source: str):
    if any(isinstance(node, (ast.Import, ast.ImportFrom)) for node in ast.walk(ast.parse(source))):
        raise ScriptRejected("不允许导入模块（import），请只使用内置函数")
    result = compile_restricted_exec(source)
    if result.errors:
        raise ScriptRejected("；".join(_translate(e) for e in result.errors))
    return result.code


def _translate(error: str) -> str:
    if "invalid variable name" in error or "invalid attribute name" in error:
        return f"不允许使用以下划线开头的名称或属性（{error}）"
    if "SyntaxError" in error or "invalid syntax" in error:
        return f"语法错误（{error}）"
    return f"不允许的写法（{error}）"


def names_read_and_written(source: str, mode: str) -> tuple[set[str], set[str]]:
    """Names a snippet reads and names it binds, for the deploy-time unknown-name check."""
    tree = ast.parse(source.strip(), mode=mode)
    read, written = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else written).add(node.id)
        elif isinstance(node, ast.arg):
            written.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.Lambda)):
            written.add(getattr(node, "name", ""))
    return read, written


def known_global_names() -> set[str]:
    return set(SAFE_BUILTINS) | set(HELPER_NAMES)


def build_globals(session, emitted: list | None = None) -> dict:
    """Fresh globals for one engine operation; helpers that need the calendar use this session.

    emit(name, **values) records a domain event (e.g. "reminder", "escalation") that the engine
    publishes once the step has succeeded.
    """

    def working_days_after(start, n):
        """End (23:59:59 Shanghai) of the n-th working day after start, as an ISO instant."""
        return calendar.working_days_after(session, _as_start(start), int(n)).at.isoformat()

    def working_day_start(due):
        """00:00 Shanghai of the day a due instant falls on: when the last-day reminder goes out."""
        return clock.start_of_day(clock.local(clock.parse_instant(due)).date()).isoformat()

    def now_iso():
        return clock.now().isoformat()

    def today_iso():
        return clock.today().isoformat()

    def emit(name, **values):
        if emitted is not None:
            emitted.append((str(name), values))
        return True

    helpers = {"working_days_after": working_days_after, "working_day_start": working_day_start,
               "now_iso": now_iso, "today_iso": today_iso, "emit": emit}
    return {
        "__builtins__": dict(SAFE_BUILTINS) | helpers,
        "_getattr_": safer_getattr,
        "_getitem_": default_guarded_getitem,
        "_getiter_": iter,
        "_write_": full_write_guard,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
    } | helpers


def _as_start(value):
    if isinstance(value, (datetime, date)):
        return value
    return clock.parse_instant(str(value))


def evaluate(globals_: dict, expression: str, context: dict):
    scope = dict(globals_)
    scope.update(context)
    return eval(compile_expression(expression), scope)  # noqa: S307 - restricted bytecode


def execute(globals_: dict, script: str, context: dict) -> None:
    """Run a script; afterwards the task data holds exactly the plain values the script left."""
    clash = set(HELPER_NAMES) & set(context)
    if clash:
        raise ScriptRejected(f"任务数据中的字段名与内置函数重名：{', '.join(sorted(clash))}，请改名")
    scope = dict(globals_)
    scope.update(context)
    exec(compile_script(script), scope)  # noqa: S102 - restricted bytecode
    for key in list(context):
        if key not in scope:
            del context[key]
    for key, value in scope.items():
        if key.startswith("_") or key in globals_ or callable(value):
            continue
        context[key] = value
