"""The restricted world BPMN scripts, conditions and timer expressions live in.

SpiffWorkflow evaluates with plain eval/exec; here every snippet is compiled with
RestrictedPython and sees only whitelisted builtins and our helpers, within the
size and time limits of script_limits.
"""

from __future__ import annotations

import ast
import contextvars
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
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from workflows import calendar, clock
from workflows.engine import explain, limits
from workflows.engine.limits import ScriptRejected

SAFE_BUILTINS = {
    name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
    for name in (
        "abs",
        "all",
        "any",
        "bool",
        "dict",
        "enumerate",
        "float",
        "int",
        "isinstance",
        "len",
        "list",
        "max",
        "min",
        "round",
        "set",
        "sorted",
        "str",
        "sum",
        "tuple",
        "zip",
        "True",
        "False",
        "None",
    )
} | {"range": limits.capped_range}

HELPER_NAMES = (
    "working_days_after",
    "working_days_before",
    "working_day_start",
    "now_iso",
    "today_iso",
    "emit",
    "task_due",
)
# What the modeler's properties panel lists beside every script, condition and timer.
HELPER_DOCS = {
    "task_due": ('task_due("环节id")', "该用户任务办理期限的截止时刻（按其“办理期限”属性计算）"),
    "working_days_after": ("working_days_after(起算时刻, 天数)", "起算时刻之后第 N 个工作日的 23:59:59（按工作日历）"),
    "working_days_before": (
        "working_days_before(时刻, 天数)",
        "该时刻之前第 N 个工作日的 0 点（如期限前 2 个工作日催办）",
    ),
    "working_day_start": ("working_day_start(时刻)", "该时刻所在那一天的 0 点（用于“最后一个工作日催办”）"),
    "now_iso": ("now_iso()", "当前时刻，如记录“收到申请”的时间"),
    "today_iso": ("today_iso()", "今天的日期（上海时间）"),
    "emit": (
        'emit("事件", task="环节id", template="通知模板")',
        "发出事件：催办、督办、通过、不通过等，由程序发送通知",
    ),
}
_DATA: contextvars.ContextVar[dict] = contextvars.ContextVar("snippet_data")
MAX_WORKING_DAYS = 1000
_BUDGET = "_budget_"  # key of the operation's Budget in the globals; snippets cannot name it (leading "_")


@lru_cache(maxsize=2048)
def compile_expression(source: str):
    return _compile(source.strip(), "eval")


@lru_cache(maxsize=2048)
def compile_script(source: str):
    return _compile(source, "exec")


def _compile(source: str, mode: str):
    try:
        tree = limits.parse(source, mode)
    except SyntaxError as exc:
        raise ScriptRejected(explain.syntax_error(exc)) from None
    compile_restricted = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compile_restricted(tree, filename=limits.SNIPPET_FILE, policy=limits.BudgetPolicy)
    if result.errors:
        raise ScriptRejected("；".join(dict.fromkeys(explain.restricted(e) for e in result.errors)))
    return result.code


def names_read_and_written(source: str, mode: str) -> tuple[set[str], set[str]]:
    """Names a snippet reads and names it binds, for the deploy-time unknown-name check.

    Raises SyntaxError, or ScriptRejected for a snippet too long or too deeply nested to parse safely.
    """
    tree = limits.parse(source.strip(), mode)
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


def build_globals(session, emitted: list | None = None, periods: dict[str, tuple[int, str]] | None = None) -> dict:
    """Fresh globals for one engine operation; helpers that need the calendar use this session.

    emit(name, **values) records a domain event (e.g. "reminder", "escalation") that the engine
    publishes once the step has succeeded. task_due(key) is the end of the period a user task declares
    (its `period` working days after the instant in its `period_start` field), so the task's due date and
    the timers around it are read from one property of the process version.
    """

    def working_days_after(start, n):
        """End (23:59:59 Shanghai) of the n-th working day after start, as an ISO instant."""
        return calendar.working_days_after(session, _as_start(start), _working_days(n)).at.isoformat()

    def working_days_before(due, n):
        """00:00 Shanghai of the n-th working day before the day a due instant falls on."""
        day = clock.local(clock.parse_instant(due)).date()
        days = _working_days(n)
        found = calendar.subtract_working_days(session, day, days).day if days else day
        return clock.start_of_day(found).isoformat()

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

    def task_due(key):
        days, start_field = (periods or {}).get(str(key), (None, None))
        if days is None:
            raise ScriptRejected(f"环节 {key} 没有设置办理期限（period 属性）")
        start = _DATA.get({}).get(start_field)
        if start in (None, ""):
            raise ScriptRejected(f"环节 {key} 的期限起算字段 {start_field} 还没有值")
        return working_days_after(start, days)

    helpers = {
        "working_days_after": working_days_after,
        "working_days_before": working_days_before,
        "working_day_start": working_day_start,
        "now_iso": now_iso,
        "today_iso": today_iso,
        "emit": emit,
        "task_due": task_due,
    }
    return {
        "__builtins__": dict(SAFE_BUILTINS) | helpers,
        "_getattr_": safer_getattr,
        "_getitem_": default_guarded_getitem,
        "_getiter_": iter,
        "_write_": full_write_guard,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_binop_": limits.binop,
        "_inplacevar_": limits.inplacevar,
        _BUDGET: limits.Budget(),
    } | helpers


def _working_days(n) -> int:
    """A period the calendar walks day by day, so a snippet cannot ask it to walk for ever."""
    days = int(n)
    if not 0 <= days <= MAX_WORKING_DAYS:
        raise ScriptRejected(f"工作日数应在 0 到 {MAX_WORKING_DAYS} 之间，这里是 {days}")
    return days


def _as_start(value):
    if isinstance(value, (datetime, date)):
        return value
    return clock.parse_instant(str(value))


def _budget(globals_: dict) -> limits.Budget:
    """The operation's budget (build_globals makes one per engine operation), or a fresh one."""
    budget = globals_.get(_BUDGET)
    return budget if isinstance(budget, limits.Budget) else limits.Budget()


def evaluate(globals_: dict, expression: str, context: dict):
    code = compile_expression(expression)
    scope = dict(globals_)
    scope.update(context)
    token = _DATA.set(context)
    try:
        with _budget(globals_).running():
            return eval(code, scope)  # noqa: S307 - restricted bytecode
    finally:
        _DATA.reset(token)


def execute(globals_: dict, script: str, context: dict) -> None:
    """Run a script; afterwards the task data holds exactly the plain values the script left."""
    clash = set(HELPER_NAMES) & set(context)
    if clash:
        raise ScriptRejected(f"任务数据中的字段名与内置函数重名：{', '.join(sorted(clash))}，请改名")
    code = compile_script(script)
    scope = dict(globals_)
    scope.update(context)
    token = _DATA.set(context)
    try:
        with _budget(globals_).running():
            exec(code, scope)  # noqa: S102 - restricted bytecode
    finally:
        _DATA.reset(token)
    left = {
        key: value for key, value in scope.items() if not (key.startswith("_") or key in globals_ or callable(value))
    }
    limits.check_plain_size(left)
    for key in list(context):
        if key not in scope:
            del context[key]
    context.update(left)


def rejection_in(error: BaseException | None) -> ScriptRejected | None:
    """The sandbox's refusal behind an engine error (SpiffWorkflow wraps it), so its Chinese message reaches people."""
    for _ in range(10):
        if error is None or isinstance(error, ScriptRejected):
            return error
        error = error.__cause__ or error.__context__
    return None


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """SpiffWorkflow's script environment, evaluating every snippet in this module's restricted world."""

    def evaluate(self, expression, context, external_context=None):
        return evaluate(self.globals | (external_context or {}), expression, context)

    def execute(self, script, context, external_context=None):
        execute(self.globals | (external_context or {}), script, context)
        return True


def script_engine(session, periods: dict[str, tuple[int, str]], engine_class=PythonScriptEngine):
    """A fresh engine per operation; what scripts emit() waits in .emitted until the step succeeds."""
    emitted: list = []
    engine = engine_class(environment=RestrictedEnvironment(build_globals(session, emitted, periods)))
    engine.emitted = emitted
    return engine
