"""Python's, RestrictedPython's and SpiffWorkflow's English, said in Chinese to the modeler who wrote the snippet.

A modeler reads "除数为零" or "未知名称 reason", not "ZeroDivisionError: division by zero". Messages not listed
here keep the original after a Chinese lead-in, so nothing is lost when a new Python version words one differently.
"""

from __future__ import annotations

import re
import traceback

from workflows.engine.limits import SNIPPET_FILE, ScriptRejected

TYPES = {
    "int": "整数",
    "float": "小数",
    "str": "文字",
    "bool": "是/否值",
    "NoneType": "空值（None）",
    "list": "列表",
    "dict": "字典",
    "tuple": "元组",
    "set": "集合",
    "function": "函数",
    "builtin_function_or_method": "函数",
    "date": "日期",
    "datetime": "时刻",
}


def _type(name: str) -> str:
    return TYPES.get(name.strip("'\""), name)


def _sub(rules, text: str) -> str | None:
    for pattern, say in rules:
        match = re.fullmatch(pattern, text.strip(), re.S)
        if match:
            return say(match) if callable(say) else say
    return None


_SYNTAX = [
    (r"'(.)' was never closed", lambda m: f"“{m[1]}”没有对应的右括号"),
    (r"unmatched '(.)'", lambda m: f"多了一个“{m[1]}”，没有与之对应的左括号"),
    (
        r"closing parenthesis '(.)' does not match opening parenthesis '(.)'.*",
        lambda m: f"右括号“{m[1]}”与左括号“{m[2]}”不匹配",
    ),
    (r"unterminated (triple-quoted )?string literal.*", "字符串缺少结束的引号"),
    (r"expected ':'", "缺少冒号“:”"),
    (
        r"expected an indented block after '(\w+)' statement on line (\d+)",
        lambda m: f"第{m[2]}行的 {m[1]} 语句之后需要缩进的语句",
    ),
    (r"expected an indented block.*", "这里需要缩进的语句"),
    (r"unexpected indent", "缩进多余：这一行不应缩进"),
    (r"unindent does not match any outer indentation level", "缩进与上文对不齐"),
    (
        r"invalid character '(.)' \((U\+[0-9A-F]+)\)",
        lambda m: f'含有不能用的字符 {m[1]}（{m[2]}）：标点请用英文半角，如逗号 , 引号 " 括号 ( )',
    ),
    (r"invalid non-printable character.*", "含有看不见的特殊字符，请删除后重新输入"),
    (r"cannot assign to (\w+)( here)?\. Maybe you meant '==' instead of '='\?", "不能给这里赋值：判断相等请写“==”"),
    (r"invalid syntax\. Maybe you meant '==' or ':=' instead of '='\?", "这里不能用“=”：判断相等请写“==”"),
    (r"invalid syntax\. Perhaps you forgot a comma\?", "写法不正确：可能漏了逗号"),
    (r"invalid syntax", "写法不正确"),
    (r"cannot (assign to|delete) .*", "不能给这里赋值或删除"),
    (r"leading zeros in decimal integer literals .*", "整数不能以 0 开头"),
    (r"invalid (decimal|hexadecimal|octal|binary) literal", "数字写法不正确"),
    (r"positional argument follows keyword argument.*", "按位置的参数不能写在“名称=值”参数之后"),
    (r"keyword argument repeated: (\w+)", lambda m: f"参数 {m[1]} 重复"),
    (r"'(\w+)' outside (function|loop)", lambda m: f"{m[1]} 只能写在{'函数' if m[2] == 'function' else '循环'}之中"),
    (r"f-string: .*", "f-string 写法不正确"),
    (r"Missing parentheses in call to '(\w+)'.*", lambda m: f"调用 {m[1]} 需要加括号"),
    (r"expression expected after dictionary key and ':'", "字典中冒号之后缺少值"),
    (r"expected 'else' after 'if' expression", "条件表达式 … if … 之后缺少 else"),
    (r"iterable unpacking cannot be used in comprehension", "推导式中不能使用 * 展开"),
    (r"(unexpected EOF while parsing|incomplete input)", "内容不完整：可能缺少右括号或后半部分"),
]


def syntax(message: str) -> str:
    """Python's SyntaxError message in Chinese."""
    return _sub(_SYNTAX, message or "") or f"写法不正确（Python 提示：{message}）"


def syntax_error(exc: SyntaxError) -> str:
    return f"语法错误：第{exc.lineno or 1}行 {syntax(exc.msg or '')}"


_RESTRICTED = [
    (
        r'"(\w+)" is an invalid (variable|attribute) name because it starts with "_"\.?',
        lambda m: f"不允许使用以下划线开头的{'名称' if m[2] == 'variable' else '属性'}“{m[1]}”",
    ),
    (
        r'"(\w+)" is an invalid (variable|attribute) name because it ends with "__roles__"\.?',
        lambda m: f"不允许使用以 __roles__ 结尾的名称“{m[1]}”",
    ),
    (r'"(\w+)" is a reserved name\.', lambda m: f"“{m[1]}”是保留名称，不能使用"),
    (
        r'"(\w+)" is a restricted name, that is forbidden to access in RestrictedPython\.',
        lambda m: f"不允许访问属性“{m[1]}”",
    ),
    (r"(Exec|Eval) calls are not allowed\.", lambda m: f"不允许调用 {m[1].lower()}()"),
    (
        r"Augmented assignment of attributes is not allowed\.",
        "不允许对属性使用 +=、-= 等运算赋值，请写成 a.b = a.b + 1",
    ),
    (
        r"Augmented assignment of object items and slices is not allowed\.",
        "不允许对下标使用 +=、-= 等运算赋值，请写成 a[i] = a[i] + 1",
    ),
    (
        r"(\w+) statements? (are|is) not allowed\.?|(\w+) statement is not known to RestrictedPython",
        lambda m: f"不允许使用 {m[1] or m[3]} 语句",
    ),
    (r'The keyword argument "(\w+)" is not allowed\.', lambda m: f"不允许使用参数 {m[1]}"),
    (r"Unpacking in comprehensions is not allowed\.", "推导式中不允许解包"),
    (r'"\*" imports are not allowed\.|Lazy import statements are not allowed\.', "不允许导入模块（import）"),
    (r"Assignment expressions are only allowed for simple targets", "海象运算符 := 只能给简单的名称赋值"),
    (r"(\w+): (.+) at statement: .*", lambda m: syntax(m[2])),
]


def restricted(error: str) -> str:
    """One refusal of RestrictedPython's compiler ("Line 1: …") in Chinese, its line kept."""
    if error.startswith("第"):  # the budget policy's own refusals are already in Chinese
        return error
    match = re.match(r"Line (\w+): (.*)", error, re.S)
    line, text = (match[1], match[2]) if match else (None, error)
    said = _sub(_RESTRICTED, text) or f"不允许的写法（{text}）"
    return f"第{line}行：{said}" if line and line != "None" else said


_VALUES = [
    (r"invalid literal for int\(\) with base \d+: (.*)", lambda m: f"无法把 {m[1]} 转换为整数"),
    (r"could not convert string to float: (.*)", lambda m: f"无法把 {m[1]} 转换为小数"),
    (r"Invalid isoformat string: (.*)", lambda m: f"{m[1]} 不是有效的日期或时刻"),
    (r"(time data|day|month|year) .* (out of range|does not match format).*", "不是有效的日期或时刻"),
    (r"(max|min)\(\) (arg is an|iterable argument is) empty.*", lambda m: f"{m[1]}() 的参数是空的"),
    (r"too many values to unpack.*|not enough values to unpack.*", "赋值两边的个数不一致"),
]
_TYPE_ERRORS = [
    (
        r"unsupported operand type\(s\) for (\S+): '(\w+)' and '(\w+)'",
        lambda m: f"类型不匹配：不能对{_type(m[2])}和{_type(m[3])}做 {m[1]} 运算",
    ),
    (
        r'can only concatenate (\w+) \(not "(\w+)"\) to \w+',
        lambda m: f"类型不匹配：{_type(m[1])}只能与{_type(m[1])}相连，这里是{_type(m[2])}",
    ),
    (
        r"'(\S+)' not supported between instances of '(\w+)' and '(\w+)'",
        lambda m: f"类型不匹配：不能比较{_type(m[2])}和{_type(m[3])}（{m[1]}）",
    ),
    (r"'(\w+)' object is not subscriptable", lambda m: f"{_type(m[1])}不能用 [ ] 取值"),
    (r"'(\w+)' object is not callable", lambda m: f"{_type(m[1])}不能当作函数调用"),
    (r"'(\w+)' object is not iterable", lambda m: f"{_type(m[1])}不能逐项遍历"),
    (r"object of type '(\w+)' has no len\(\)", lambda m: f"{_type(m[1])}没有长度"),
    (r"(\w+)\(\) argument must be .*, not '(\w+)'", lambda m: f"{m[1]}() 不接受{_type(m[2])}"),
    (r"(\w+)\(\) takes (.+) but (.+) given", lambda m: f"{m[1]}() 的参数个数不对"),
    (r"(\w+)\(\) missing (\d+) required .*", lambda m: f"{m[1]}() 缺少 {m[2]} 个参数"),
    (r"(\w+)\(\) got an unexpected keyword argument '(\w+)'", lambda m: f"{m[1]}() 没有参数 {m[2]}"),
    (r"bad operand type for unary (\S+): '(\w+)'", lambda m: f"{_type(m[2])}不能取 {m[1]}"),
]


def _what(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, ZeroDivisionError):
        return "除数为零"
    if isinstance(exc, NameError):
        return f"未知名称 {getattr(exc, 'name', '') or text}：这条路径上前面的环节没有填写或赋值它"
    if isinstance(exc, KeyError):
        return f"字段 {exc.args[0] if exc.args else text} 还没有值"
    if isinstance(exc, IndexError):
        return "下标超出范围"
    if isinstance(exc, AttributeError):
        match = re.fullmatch(r"'(\w+)' object has no attribute '(\w+)'", text)
        return f"{_type(match[1])}没有属性 {match[2]}" if match else f"没有这个属性（{text}）"
    if isinstance(exc, (OverflowError, MemoryError)):
        return "数值过大"
    if isinstance(exc, RecursionError):
        return "函数调用层数过多"
    if isinstance(exc, TypeError):
        return _sub(_TYPE_ERRORS, text) or f"类型不匹配（{text}）"
    if isinstance(exc, ValueError):
        return _sub(_VALUES, text) or f"取值无效（{text}）"
    if isinstance(exc, SyntaxError):
        return syntax_error(exc)
    return _sub(_ENGINE, text) or f"执行出错（{type(exc).__name__}：{text}）"


_ENGINE = [
    (r"No conditions satisfied (for|on) (gateway )?(\w*)", "网关的条件都不满足，又没有默认流：请设置默认流"),
    (r"Error evaluating expression '(.*)'", lambda m: f"表达式 {m[1]} 无法计算"),
]


_PARSER = [
    (
        r"There is no support implemented for this task type\..*",
        "这种元素本系统不能执行，请改用用户任务、脚本任务、排他网关、并行网关或包容网关",
    ),
    (r"No start event found.*", "没有开始事件"),
    (r"Process \S+ is not executable.*", "流程没有设为可执行"),
    (r"(Unknown Time Specification|Time Specification Error).*", "定时器的时间设置无法识别"),
    (r"A SubWorkflow Must contain an End event.*", "子流程需要一个结束事件"),
    (r"Conditional event definition with missing condition.*", "条件事件缺少条件"),
    (r"Cannot resolve data(Input|Output)Association (\S+).*", lambda m: f"数据关联 {m[2]} 找不到对应的数据对象"),
    (r"Duplicate process ID: (\S+).*", lambda m: f"流程 id {m[1]} 重复"),
]


def parser(message: str) -> str:
    """SpiffWorkflow's parser refusing a diagram the lint let through, in Chinese."""
    return _sub(_PARSER, message) or f"流程图无法解析（SpiffWorkflow 提示：{message}）"


def _line(exc: BaseException) -> int | None:
    """The snippet's line the error was raised on, read from the traceback's frames of snippet code."""
    lines = [frame.lineno for frame in traceback.extract_tb(exc.__traceback__) if frame.filename == SNIPPET_FILE]
    return lines[-1] if lines else None


def innermost(exc: BaseException) -> BaseException:
    """The error behind the engine's wrappers (SpiffWorkflow wraps what a snippet raised, sometimes twice)."""
    for _ in range(10):
        if isinstance(exc, ScriptRejected):
            return exc
        nxt = exc.__cause__ or exc.__context__
        if nxt is None:
            return exc
        exc = nxt
    return exc


def cause(exc: BaseException) -> str:
    """What went wrong when a snippet ran, in Chinese; the line of a script is named from its second line on
    (most snippets are one line, where 第1行 would only be noise)."""
    inner = innermost(exc)
    if isinstance(inner, ScriptRejected):
        return str(inner)
    line = _line(inner)
    return f"第{line}行：{_what(inner)}" if line and line > 1 else _what(inner)
