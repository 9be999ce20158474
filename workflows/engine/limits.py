"""Limits that keep every BPMN snippet small and short, so no diagram can hang or exhaust the engine.

Refused when the snippet is compiled (deploy compiles every snippet, so a diagram carrying one is not deployed):
- more than MAX_SOURCE_CHARS characters, or nesting deeper than MAX_DEPTH levels (Python's own parser runs out
  of stack on such input, which used to surface as a traceback);
- `while` loops, `import`, and `try` (a `try` could swallow the budget's stop and keep looping);
- `**` unless the exponent is a number literal of at most MAX_EXPONENT, so `9**9**9` cannot be written;
- methods that make a string or list many times larger in one C call (ljust, join, replace, extend, ...);
- f-string format specs other than short literals (`f"{x:>999999999}"` allocates a gigabyte).

Checked while the snippet runs:
- `*`, `**`, `<<`, `+` and `%` go through binop(), which refuses a result over MAX_ITEMS items or MAX_INT_BITS
  bits before computing it (doubling a string in a loop stops there too) and refuses `%` formatting of strings;
- range() yields at most MAX_RANGE numbers;
- a budget per engine operation: every line a snippet executes (counted by a tracer on the snippets' own frames
  only) and every item binop() or range() produces is a step; past MAX_STEPS steps or MAX_SECONDS of snippet
  time the snippet stops with ScriptRejected, which the engine turns into EngineStepFailed: the transaction rolls
  back and the case stays exactly as it was.
Work done inside one C call on values that stayed within these limits cannot be interrupted in-process; the
limits above keep every such call small.
"""

from __future__ import annotations

import ast
import gc
import operator
import sys
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar

from RestrictedPython import RestrictingNodeTransformer
from RestrictedPython.transformer import copy_locations

SNIPPET_FILE = "<bpmn>"  # the tracer follows only frames of code compiled under this name
MAX_SOURCE_CHARS = 10_000
MAX_DEPTH = 50
MAX_EXPONENT = 100
MAX_ITEMS = 100_000
MAX_INT_BITS = 10_000
MAX_RANGE = 10_000
MAX_STEPS = 1_000_000
MAX_SECONDS = 1.0
GROWING_METHODS = frozenset(
    {
        "center",
        "expandtabs",
        "extend",
        "format",
        "format_map",
        "join",
        "ljust",
        "maketrans",
        "replace",
        "rjust",
        "translate",
        "zfill",
    }
)
TOO_DEEP = f"嵌套层数过多（最多 {MAX_DEPTH} 层），请拆分为几个简单的步骤"
OVER_BUDGET = f"运行超出限制（每次操作最多 {MAX_SECONDS:g} 秒、{MAX_STEPS} 步），已停止"

_SEQUENCES = (str, bytes, list, tuple)
_OPS = {"+": operator.add, "*": operator.mul, "**": operator.pow, "<<": operator.lshift, "%": operator.mod}
_GUARDED = {ast.Add: "+", ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<", ast.Mod: "%"}
_INPLACE = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    "**=": operator.ipow,
    "<<=": operator.ilshift,
    ">>=": operator.irshift,
    "&=": operator.iand,
    "|=": operator.ior,
    "^=": operator.ixor,
}


class ScriptRejected(Exception):
    """A snippet the restricted compiler or the run-time budget refuses; message in Chinese."""


# --- compile time -------------------------------------------------------------


def parse(source: str, mode: str) -> ast.AST:
    """Parse a snippet, refusing sizes and nesting before the compiler can choke on them."""
    if len(source) > MAX_SOURCE_CHARS:
        raise ScriptRejected(f"内容过长（{len(source)} 个字符，最多 {MAX_SOURCE_CHARS} 个），请拆分为几个简单的步骤")
    try:
        tree = ast.parse(source, SNIPPET_FILE, mode)
    except (RecursionError, MemoryError):
        raise ScriptRejected(TOO_DEEP) from None
    except SyntaxError as exc:
        if "too many nested" in (exc.msg or ""):
            raise ScriptRejected(TOO_DEEP) from None
        raise
    if _depth(tree) > MAX_DEPTH:
        raise ScriptRejected(TOO_DEEP)
    return tree


def _depth(tree: ast.AST) -> int:
    deepest, stack = 0, [(tree, 1)]
    while stack and deepest <= MAX_DEPTH:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _small_number(node: ast.AST) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return isinstance(node, ast.Constant) and type(node.value) in (int, float) and abs(node.value) <= MAX_EXPONENT


def _short_spec(spec: ast.JoinedStr) -> bool:
    """A literal format spec whose widths and precisions have at most two digits (".2f", ">10")."""
    if not all(isinstance(part, ast.Constant) for part in spec.values):
        return False
    text, run = "".join(str(part.value) for part in spec.values), 0
    for char in text:
        run = run + 1 if char.isdigit() else 0
        if run > 2:
            return False
    return True


class BudgetPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy plus the limits above; refusals are recorded in Chinese."""

    def refuse(self, node: ast.AST, message: str) -> None:
        self.errors.append(f"第{getattr(node, 'lineno', 1)}行：{message}")

    def visit_While(self, node):
        self.refuse(node, f"不允许使用 while 循环，请用 for 遍历有限的数据（例如 range(n)，n 不超过 {MAX_RANGE}）")
        return node

    def visit_Import(self, node):
        self.refuse(node, "不允许导入模块（import），请只使用内置函数")
        return node

    visit_ImportFrom = visit_Import

    def visit_Try(self, node):
        self.refuse(node, "不允许使用 try 语句：出错时本次操作整体不生效，无需在脚本中捕获")
        return node

    visit_TryStar = visit_Try

    def visit_Attribute(self, node):
        if node.attr in GROWING_METHODS:
            self.refuse(node, f"不允许调用 {node.attr}（可能一次生成极大的字符串或列表），请用 + 拼接")
        return super().visit_Attribute(node)

    def visit_FormattedValue(self, node):
        if node.format_spec is not None and not _short_spec(node.format_spec):
            self.refuse(node, "f-string 的格式说明只能是简短的常量（宽度和精度最多两位数）")
        return super().visit_FormattedValue(node)

    def visit_AugAssign(self, node):
        if isinstance(node.op, ast.Pow) and not _small_number(node.value):
            self.refuse(node, f"乘方（**=）的指数只能是不超过 {MAX_EXPONENT} 的数字常量")
        return super().visit_AugAssign(node)  # becomes _inplacevar_(op, target, value), checked at run time

    def visit_BinOp(self, node):
        node = self.node_contents_visit(node)
        if isinstance(node.op, ast.Pow) and not _small_number(node.right):
            self.refuse(node, f"乘方（**）的指数只能是不超过 {MAX_EXPONENT} 的数字常量，例如 x ** 2")
        symbol = _GUARDED.get(type(node.op))
        if symbol is None:
            return node
        call = ast.Call(
            func=ast.Name("_binop_", ast.Load()), args=[ast.Constant(symbol), node.left, node.right], keywords=[]
        )
        copy_locations(call, node)
        return call


# --- run time -----------------------------------------------------------------

_active: ContextVar[Budget | None] = ContextVar("bpmn_budget", default=None)


def charge(steps: int) -> None:
    """Count work done outside the traced lines (items produced in C) against the running snippet's budget."""
    budget = _active.get()
    if budget is not None:
        budget.charge(steps)


def _int(value) -> bool:
    return isinstance(value, int)


def _result_bits(symbol: str, a, b) -> int:
    if not (_int(a) and _int(b)):
        return 0
    if symbol == "*":
        return a.bit_length() + b.bit_length()
    if symbol == "**" and b > 0 and abs(a) > 1:
        return a.bit_length() * b
    if symbol == "<<" and b > 0:
        return a.bit_length() + b
    return 0


def _result_items(symbol: str, a, b) -> int:
    if symbol == "+" and isinstance(a, _SEQUENCES) and isinstance(b, _SEQUENCES):
        return len(a) + len(b)
    if symbol == "*" and isinstance(a, _SEQUENCES) and _int(b):
        return len(a) * max(b, 0)
    if symbol == "*" and isinstance(b, _SEQUENCES) and _int(a):
        return len(b) * max(a, 0)
    return 0


def _check(symbol: str, a, b) -> None:
    if symbol == "%" and isinstance(a, (str, bytes)):
        raise ScriptRejected("不允许用 % 格式化字符串，请使用 f-string 或 + 拼接")
    bits = _result_bits(symbol, a, b)
    if bits > MAX_INT_BITS:
        raise ScriptRejected(f"数值过大（约 {bits} 位二进制，最多 {MAX_INT_BITS} 位）")
    items = _result_items(symbol, a, b)
    if items > MAX_ITEMS:
        raise ScriptRejected(f"结果过大（{items} 项，最多 {MAX_ITEMS} 项）")
    charge(items)


def binop(symbol: str, a, b):
    """The operators that can build huge values in one step, computed only when the result stays small."""
    _check(symbol, a, b)
    return _OPS[symbol](a, b)


def inplacevar(op: str, target, value):
    """`x op= y` as RestrictedPython rewrites it, under the same checks as binop()."""
    if op not in _INPLACE:
        raise ScriptRejected(f"不支持的运算 {op}")
    if op[:-1] in _OPS:
        _check(op[:-1], target, value)
    return _INPLACE[op](target, value)


def capped_range(*args) -> range:
    """range() of at most MAX_RANGE numbers, charged to the budget as the numbers will be walked."""
    numbers = range(*args)
    try:
        count = len(numbers)
    except OverflowError:
        count = MAX_RANGE + 1
    if count > MAX_RANGE:
        raise ScriptRejected(f"range() 最多 {MAX_RANGE} 个数，这里是 {count} 个")
    charge(count)
    return numbers


def check_plain_size(value) -> None:
    """Refuse data a script leaves that would take the serializer long to walk (huge, deep or self-nesting)."""
    stack, seen = [(value, 0)], 0
    while stack:
        item, depth = stack.pop()
        seen += 1
        if seen > MAX_ITEMS or depth > MAX_DEPTH:
            raise ScriptRejected(
                f"脚本留下的数据过大或嵌套过深（最多 {MAX_ITEMS} 项、{MAX_DEPTH} 层），请只保存简单的值"
            )
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend((v, depth + 1) for v in item)


class Budget:
    """Steps and CPU seconds (of this thread: a busy machine never stops a legitimate step) that all snippets of
    one engine operation may use together. Time the interpreter spends collecting garbage while a snippet runs is
    not the snippet's: a full collection in a worker with a large heap can take a second on its own."""

    def __init__(self, steps: int = MAX_STEPS, seconds: float = MAX_SECONDS):
        self.steps_left, self.seconds_left = steps, seconds
        self._deadline = 0.0
        self._owner, self._collecting_since = 0, None

    def _collecting(self, phase: str, info: dict) -> None:
        """gc.callbacks: move the deadline by the collection's own CPU time, when it ran in this thread."""
        if threading.get_ident() != self._owner:
            return
        if phase == "start":
            self._collecting_since = time.thread_time()
        elif self._collecting_since is not None:
            self._deadline += time.thread_time() - self._collecting_since
            self._collecting_since = None

    def charge(self, steps: int = 1) -> None:
        self.steps_left -= steps
        if self.steps_left < 0 or time.thread_time() > self._deadline:
            raise ScriptRejected(OVER_BUDGET)

    @contextmanager
    def running(self):
        """Trace the snippet's own frames while it runs; any tracer already installed (coverage) comes back after."""
        if _active.get() is not None:  # a snippet inside a snippet shares the outer run
            yield
            return
        started = time.thread_time()
        self._deadline, self._owner = started + self.seconds_left, threading.get_ident()
        previous, token = sys.gettrace(), _active.set(self)
        gc.callbacks.append(self._collecting)
        sys.settrace(self._trace)
        try:
            yield
        finally:
            sys.settrace(previous)
            gc.callbacks.remove(self._collecting)
            _active.reset(token)
            collecting = self._deadline - (started + self.seconds_left)
            self.seconds_left -= (time.thread_time() - started) - collecting

    def _trace(self, frame, event, arg):
        if frame.f_code.co_filename != SNIPPET_FILE:
            return None
        self.charge()
        return self._line

    def _line(self, frame, event, arg):
        if event == "line":
            self.charge()
        return self._line
