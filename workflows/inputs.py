"""Bounds shared by every typed value (forms, API, Excel, CSV), so each is refused the same way in Chinese."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from pydantic import BeforeValidator, ValidationError
from pydantic.json_schema import WithJsonSchema
from pydantic_core import PydanticCustomError

from workflows.errors import FieldProblem, ValidationFailed, unknown_choice

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
_ASCII_INT = re.compile(r"-?[0-9]{1,10}")
# Bidirectional controls make "txt.exe" look like "exe.txt"; they and every other control character go.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
FILENAME_MAX = 100
_MAX_EXTENSION = 10


def too_long_message(limit: int, length: int) -> str:
    return f"不能超过 {limit} 个字（现有 {length} 个字），请精简后重新提交"


def too_long(label: str, value: str, limit: int, field: str | None = None) -> str | None:
    """The problem of a text over its limit, naming the field; None when it fits."""
    if len(value) <= limit:
        return None
    message = f"{label}：{too_long_message(limit, len(value))}"
    return FieldProblem(field, message) if field else message


def shown(text: str, limit: int = 20) -> str:
    """A typed value quoted back in a message, shortened so a huge value never fills the page."""
    return text if len(text) <= limit else text[:limit] + "…"


def length_problems(values: dict[str, str], limits: dict[str, tuple[str, int]]) -> list[str]:
    """Every value of `values` longer than its (label, limit) in `limits`."""
    found = (too_long(label, values.get(name) or "", limit, name) for name, (label, limit) in limits.items())
    return [problem for problem in found if problem]


def catalog_code(text) -> str:
    """A catalog code as typed ("xy-ga-001 ", full-width "ＸＹ－ＧＡ－００１") in the form codes are stored in
    ("XY-GA-001"): one normalisation before every lookup of a typed code."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or ""))).upper()


def file_size(size: int | None) -> str:
    """A file's size as people read it everywhere (pages, lists, messages): whole KB below 1 MB, MB with one decimal
    above, both rounded up, so a 400-byte file reads "1 KB" on every page."""
    size = max(int(size or 0), 0)
    if size < 1024 * 1024:
        return f"{-(-size // 1024)} KB"
    tenths = -(-size * 10 // (1024 * 1024))
    return f"{tenths // 10}.{tenths % 10} MB"


def has_control_characters(text: str) -> bool:
    """Whether a text holds a control character (NUL, BEL, a line break …)."""
    return any(unicodedata.category(c) == "Cc" for c in text)


def parse_int(value, low: int = INT32_MIN, high: int = INT32_MAX) -> int | None:
    """An integer typed in ASCII digits within [low, high] (at most 32 bits); anything else is None.

    Python's int() also reads '²'-like or Arabic-Indic digits and numbers of any size, which
    the database cannot hold: those are no valid input here.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value if value is not None else "").strip()
        if not _ASCII_INT.fullmatch(text):
            return None
        number = int(text)
    return number if max(low, INT32_MIN) <= number <= min(high, INT32_MAX) else None


def clean_filename(name: str | None, default: str = "附件", limit: int = FILENAME_MAX) -> str:
    """A file name safe to store and show: NFC, no control or bidi characters, no path, bounded, extension kept."""
    text = unicodedata.normalize("NFC", name or "")
    text = "".join(c for c in text if c not in BIDI_CONTROLS and not unicodedata.category(c).startswith("C"))
    text = re.sub(r"[/\\]+", "_", text).strip()
    stem, dot, extension = text.rpartition(".")
    if not dot or not extension.strip() or len(extension) > _MAX_EXTENSION:
        stem, extension = text, ""
    suffix = f".{extension}" if extension else ""
    stem = stem.lstrip(". ")[: limit - len(suffix)].strip() or default  # no hidden ".name"
    return stem + suffix


FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)  # any date a person types in this system lies within


_BETWEEN_HANZI = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


def search_words(text: str) -> str:
    """A keyword as people paste it, as the catalog stores its words: full-width letters and digits as ASCII
    (ＸＹ-ＧＡ-001), no spaces between Chinese characters (户 籍), single spaces elsewhere."""
    return " ".join(_BETWEEN_HANZI.sub("", unicodedata.normalize("NFKC", text)).split())


_DAY_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def not_a_day(text: str) -> str:
    """Why a typed text is no date, and how to type one: a day that does not exist is told apart from a wrong shape."""
    if _DAY_SHAPE.fullmatch(text.strip()):
        return f"“{shown(text)}”不是存在的日期，请核对年、月、日后按 2026-12-31 的格式填写"
    return f"“{shown(text)}”不是有效日期，请按 2026-12-31 的格式填写"


def parse_day(text, label: str, problems: list, field: str | None = None) -> date | None:
    """A date typed as YYYY-MM-DD within 2000–2099; anything else adds a problem naming the field, None."""
    text = str(text or "").strip()
    if not text:
        return None
    try:
        if len(text) != 10:
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        message = f"{label}：{not_a_day(text)}"
        problems.append(FieldProblem(field, message) if field else message)
        return None
    if not FIRST_DAY <= day <= LAST_DAY:
        message = f"{label}：日期超出范围（应在 {FIRST_DAY} 至 {LAST_DAY} 之间）"
        problems.append(FieldProblem(field, message) if field else message)
        return None
    return day


def period_problems(start: date | None, end: date | None, problems: list, field: str = "until") -> None:
    """A period whose end lies before its start is said so rather than giving silently nothing."""
    if start and end and end < start:
        problems.append(FieldProblem(field, f"截止日期：{end} 早于起始日期 {start}，请交换或改正"))


def years_on(day, years: int):
    """The same calendar day so many years on (29 February falls back to 28 February): the longest validity of an
    application and of a vendor account."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


# --- pydantic's errors in Chinese -------------------------------------------------
# Each input shape is a pydantic model (titles are the Chinese field names); its errors reach people through here.
# A message may use {title}, {name}, {length} (of what was sent) and the error's own context, e.g. {max_length}.
MESSAGES = {
    "missing": "{title}（{name}）：必填",
    "string_type": "{title}（{name}）：应为字符串",
    "bool_type": "{title}（{name}）：应为布尔值 true 或 false",
    "bool_parsing": "{title}（{name}）：应为布尔值 true 或 false",
    "int_type": "{title}（{name}）：应为整数",
    "int_parsing": "{title}（{name}）：应为整数",
    "list_type": "{title}（{name}）：应为数组",
    "string_too_short": "{title}：至少 {min_length} 个字",
    "too_short": "{title}：至少 {min_length} 项",
    "too_long": "{title}：最多 {max_length} 项（现有 {actual_length} 项）",
    "literal_error": "{title}：应为 {expected}",
    "greater_than_equal": "{title}（{name}）：不能小于 {ge}",
    "less_than_equal": "{title}（{name}）：不能大于 {le}",
}
REFUSED = "refused"  # the type of a PydanticCustomError whose message is already the Chinese sentence to show


def field_problems(error, model, messages: dict | None = None) -> list[FieldProblem]:
    """Every error of a pydantic ValidationError (or some of its errors) as the problem people read, naming the field by its Chinese title;
    `messages` words a field's errors its own way, by (field, error type) or (field, "*"). Repeats are told once."""
    messages = messages or {}
    problems: list[FieldProblem] = []
    for found in error if isinstance(error, list) else error.errors(include_url=False):
        name = str(found["loc"][0]) if found["loc"] else ""
        problem = FieldProblem(name, _message(model, name, found, messages))
        if problem not in problems:
            problems.append(problem)
    return problems


def _message(model, name: str, found: dict, messages: dict) -> str:
    kind, context, sent = found["type"], found.get("ctx") or {}, found.get("input")
    if kind == REFUSED:
        return found["msg"]
    field = model.model_fields.get(name)
    title = field.title if field and field.title else name
    template = messages.get((name, kind)) or messages.get((name, "*"))
    if template is None and kind == "string_too_long":
        return f"{title}：{too_long_message(context['max_length'], len(sent))}"
    template = template or MESSAGES.get(kind, "{title}（{name}）：格式有误")
    length = len(sent) if isinstance(sent, str | list | tuple) else 0
    if "expected" in context:  # pydantic's "'interface', 'table' or 'file'": the codes stay, the English goes
        context = context | {"expected": str(context["expected"]).replace("' or '", "' 或 '").replace(", ", "、")}
    return template.format(title=title, name=name, length=length, **context)


# --- query parameters ----------------------------------------------------------------
QUERY_PROBLEM = "查询参数有误，请按提示修改"


def refused(message: str) -> PydanticCustomError:
    """An error whose message is already the Chinese sentence people read."""
    return PydanticCustomError(REFUSED, message)


def _blank_means_none(info) -> bool:
    return (info.context or {}).get("blank_means_all", True)


def choice(enum_cls, label: str) -> BeforeValidator:
    """A labelled enum member from its code or its Chinese name; a search form's 全部 sends it blank."""

    def member(value, info):
        if value is None or isinstance(value, enum_cls):
            return value
        text = str(value).strip()
        if text == "" and _blank_means_none(info):
            return None
        if (found := enum_cls.parse(text)) is None:
            raise refused(unknown_choice(label, text, enum_cls.choices()))
        return found

    member.choice = True
    return BeforeValidator(member)


def one_of(pairs, label: str) -> BeforeValidator:
    """One of fixed (code, name) choices, by its code."""
    codes = dict(pairs)

    def code(value, info):
        text = str(value).strip()
        if text not in codes:
            raise refused(unknown_choice(label, text, pairs))
        return text

    code.choice = True
    return BeforeValidator(code)


def whole_number(label: str, low: int, high: int) -> BeforeValidator:
    """A number in ASCII digits within [low, high]; other digits and numbers beyond 32 bits are refused."""

    def number(value):
        if value is None or (isinstance(value, int) and not isinstance(value, bool) and low <= value <= high):
            return value
        text = str(value).strip()
        if (found := parse_int(text, low, high)) is None:
            raise refused(f"{label}：应为 {low} 到 {high} 之间的整数（半角数字），现为“{shown(text)}”")
        return found

    return BeforeValidator(number)


def choices_schema(pairs, description: str, labels: bool = False) -> WithJsonSchema:
    """A choice as the API documents it: its codes (and Chinese names where those are accepted too)."""
    pairs = list(pairs)
    listed = "、".join(f"{code}={label}" for code, label in pairs)
    values = [code for code, _ in pairs] + ([label for _, label in pairs] if labels else [])
    return WithJsonSchema(
        {
            "type": "string",
            "enum": values,
            "description": f"{description}：{listed}" + ("（代码或中文名均可）" if labels else ""),
        }
    )


def _is_choice(field) -> bool:
    return any(getattr(getattr(m, "func", None), "choice", False) for m in field.metadata)


def parse_query(model, args, blank_means_all: bool = True):
    """The query parameters a model declares, read from a query string or form; a blank number or text is as good as
    absent, a blank choice too where a form's 全部 sends it blank (not in the API). Every problem at once."""
    values = {}
    for name, field in model.model_fields.items():
        value = None if field.exclude else args.get(name)
        if value is not None and (str(value).strip() or (not blank_means_all and _is_choice(field))):
            values[name] = str(value).strip()
    try:
        return model.model_validate(values, context={"blank_means_all": blank_means_all})
    except ValidationError as error:
        raise ValidationFailed(field_problems(error, model), QUERY_PROBLEM) from None


def one_line(model, text: str, field: str) -> str:
    """A one-line text of a model's field (a name, a code); a line break or any control character is refused."""
    if has_control_characters(text):
        raise refused(f"{model.model_fields[field].title}：不能含有换行等控制字符")
    return text
