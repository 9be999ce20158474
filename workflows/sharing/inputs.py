"""A data application as people and programs send it, declared once: the web form reads its fields, the API parses
JSON with it, the service checks with it and the OpenAPI document describes it. Three steps of strictness:
the shape (types and limits, before anything is looked up), a draft (dates that can be kept), a submission."""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from workflows import clock, inputs
from workflows.errors import FieldProblem, ValidationFailed
from workflows.models import PROTECTION_FIELDS, ApplicationStatus, CallFrequency

MAX_VALIDITY_YEARS = 3
MAX_ITEMS, MAX_ITEM_NAME = 200, 100
MIN_SCENARIO, MIN_BASIS, MIN_PURPOSE, MIN_JUSTIFICATION = 6, 4, 4, 6  # the least a specific answer takes
REFUSED_APPLICATION = "申请内容有误，未提交，请按提示修改"

ResourceCode = Annotated[
    str, Field(title="目录条目代码", min_length=1, max_length=64, description="目录条目代码，如 XY-GA-001")
]
ItemName = Annotated[str, Field(max_length=MAX_ITEM_NAME)]
Items = Annotated[
    list[ItemName], Field(title="信息项", max_length=MAX_ITEMS, description="信息项名称（按需申请，只选业务必需的）")
]
Scenario = Annotated[str, Field(title="应用场景", max_length=2000)]
Basis = Annotated[str, Field(title="法律或政策依据", max_length=1000)]
Purpose = Annotated[str, Field(title="用途", max_length=1000)]
Frequency = Annotated[str, Field(title="预计调用频次", max_length=20)]
ValidUntil = Annotated[str, Field(title="有效期至", max_length=32, json_schema_extra={"format": "date"})]
Undertaking = Annotated[bool, Field(title="使用承诺")]
Justification = Annotated[
    str,
    Field(
        title="敏感信息项使用理由", max_length=1000, description="申请敏感信息项时必填：必须使用的理由（至少 6 个字）"
    ),
]
UnitId = Annotated[
    int | None,
    Field(
        title="申请单位",
        ge=1,
        le=inputs.INT32_MAX,
        description="以哪个单位的申请人身份申请；不填为本人第一个申请人单位",
    ),
]


MIN_PROTECTION = 4  # “本单位内网服务器”, “业务科室经办人” say where and who; “有” says nothing
_PROTECTION = {name: (title, limit) for name, title, limit in PROTECTION_FIELDS}
PROTECTION_HINTS = {
    "storage": "存放位置：写明数据存放在哪里，例如“本单位政务外网业务系统数据库（机房位于县政务服务中心）”",
    "access": "知悉范围：写明本单位哪些人可以查看，例如“社会救助股经办人员 3 人，按岗位授权”",
    "disposal": "销毁期限和方式：写明何时、如何删除，例如“授权到期或业务办结后 30 日内从系统中删除，不留副本”",
}
# The form's three boxes: name, title, limit, and what to write (the hint after the title's colon).
PROTECTION_FORM = [
    (name, title, limit, PROTECTION_HINTS[name].split("：", 1)[1]) for name, title, limit in PROTECTION_FIELDS
]


def _protection_field(name: str, minimum: int = 0):
    title, limit = _PROTECTION[name]
    return Annotated[str, Field(title=title, max_length=limit, min_length=minimum, description=PROTECTION_HINTS[name])]


class DataProtection(BaseModel):
    """How the using unit undertakes to keep the data (谁使用谁负责): where, who may see it, when it is deleted. A draft
    may hold part of it; a submission that states it states all three."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    storage: _protection_field("storage") = ""
    access: _protection_field("access") = ""
    disposal: _protection_field("disposal") = ""

    def given(self) -> bool:
        return any((self.storage, self.access, self.disposal))


# Answers that say nothing of where, who or when, however long they are made
VAGUE_PROTECTION = {
    "无",
    "暂无",
    "没有",
    "同上",
    "略",
    "不详",
    "待定",
    "见附件",
    "按规定",
    "按要求",
    "按规定执行",
    "按相关规定",
}


class DataProtectionInput(DataProtection):
    """A stated undertaking: every one of the three answered specifically."""

    storage: _protection_field("storage", MIN_PROTECTION)
    access: _protection_field("access", MIN_PROTECTION)
    disposal: _protection_field("disposal", MIN_PROTECTION)

    @field_validator("storage", "access", "disposal")
    @classmethod
    def _specific(cls, text: str) -> str:
        """“aaaa” or “同上同上” pass a length check; an answer names a place, people or a time in Chinese words."""
        bare = "".join(ch for ch in text if ch.isalnum())
        distinct = {ch for ch in bare if "\u4e00" <= ch <= "\u9fff"}
        if len(distinct) < 3 or bare.strip("。") in VAGUE_PROTECTION or bare in {v * 2 for v in VAGUE_PROTECTION}:
            raise PydanticCustomError("protection_vague", "vague")
        return text


PROTECTION_WARNING = (
    "未填写数据保护承诺（data_protection：存放位置、知悉范围、销毁期限和方式）。申请已提交，"
    "但审核人将看到“未填写”；请在今后的申请中写明，网页表单中此项为必填"
)


def missing_protection() -> list[FieldProblem]:
    """A submission from the web form without the undertaking: each of the three is asked for beside its field."""
    return [FieldProblem(f"data_protection.{name}", f"{PROTECTION_HINTS[name]}（必填）") for name in _PROTECTION]


def latest_valid_until(submitted: date) -> date:
    """一次最长三年."""
    return inputs.years_on(submitted, MAX_VALIDITY_YEARS)


def _refused(message: str) -> PydanticCustomError:
    return PydanticCustomError(inputs.REFUSED, message)


class ApplicationShape(BaseModel):
    """Types and limits, checked before anything is looked up or echoed back: a million characters are refused
    here, never matched against the catalog."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")
    MESSAGES: ClassVar[dict[tuple[str, str], str]] = {
        ("resource_code", "missing"): "目录条目代码（resource_code）：必填，例如 XY-GA-001",
        ("resource_code", "string_too_short"): "目录条目代码（resource_code）：必填，例如 XY-GA-001",
        ("items", "list_type"): '信息项（items）：应为信息项名称的数组，例如 ["姓名", "公民身份号码"]',
        ("items", "string_type"): '信息项（items）：应为信息项名称的数组，例如 ["姓名", "公民身份号码"]',
        ("items", "too_long"): "信息项：一次最多申请 {max_length} 项（现有 {actual_length} 项），请只选业务必需的",
        ("items", "string_too_long"): "信息项：名称不能超过 {max_length} 个字，请从资源的信息项中选择",
        ("undertaking", "bool_type"): "使用承诺（undertaking）：应为布尔值 true",
        ("unit_id", "*"): "申请单位（unit_id）：应为单位 ID（正整数）",
        ("items", "too_short"): "信息项：请至少选择一项（按需申请，只选业务必需的）",
        ("scenario", "string_too_short"): "应用场景：请具体写明使用数据的业务场景，至少 {min_length} 个字",
        (
            "basis",
            "string_too_short",
        ): "法律或政策依据：请写明具体的法律、法规或政策文件名称及条款，至少 {min_length} 个字",
        ("purpose", "string_too_short"): "用途：请写明申请数据的具体用途，至少 {min_length} 个字",
        ("valid_until", "string_too_short"): "有效期至：请选择有效期截止日期（最长三年，到期后可重新申请）",
        ("undertaking", "literal_error"): "使用承诺：请阅读并勾选“谁使用谁负责”承诺",
    }
    PROTECTION_MESSAGES: ClassVar[dict[str, str]] = {
        "string_too_short": "{hint}（至少 {min_length} 个字）",
        "protection_vague": "{hint}（请用中文具体写明，不要只写“无”“同上”或字母）",
        "missing": "{hint}（必填）",
        "string_too_long": "{title}：不能超过 {max_length} 个字（现有 {length} 个字），请精简",
        "string_type": "{title}（data_protection.{name}）：应为文字",
        "extra_forbidden": "数据保护承诺（data_protection）：只有 storage（存放位置）、access（知悉范围）、"
        "disposal（销毁期限和方式）三项，{name} 不是其中之一",
    }

    resource_code: ResourceCode
    items: Items = []
    scenario: Scenario = ""
    basis: Basis = ""
    purpose: Purpose = ""
    frequency: Frequency = ""
    valid_until: ValidUntil = ""
    undertaking: Undertaking = False
    sensitive_justification: Justification = ""
    unit_id: UnitId = None
    data_protection: Annotated[
        DataProtection | None,
        Field(
            title="数据保护承诺",
            description="使用单位如何保管数据（谁使用谁负责）：storage 存放位置、access 知悉范围、disposal 销毁期限和方式。"
            "网页表单必填；接口中可不填（应答 warnings 提示补充），填写的须三项都写明",
        ),
    ] = None

    @model_validator(mode="before")
    @classmethod
    def _as_forms_send(cls, data, info):
        """null is left out; forms and Python callers also send "on"/"true" for a ticked box and "a；b" for a list,
        which JSON, having types, never needs."""
        if not isinstance(data, dict):
            return data
        data = {name: value for name, value in data.items() if value is not None}
        if info.mode != "python":
            return data
        if isinstance(items := data.get("items"), str):
            data["items"] = [i.strip() for i in items.replace("；", ";").replace(",", ";").split(";") if i.strip()]
        if isinstance(ticked := data.get("undertaking"), str):
            data["undertaking"] = ticked.lower() in ("true", "on", "1", "yes")
        if data.get("unit_id") == "":
            del data["unit_id"]
        return data

    @field_validator("resource_code", mode="before")
    @classmethod
    def _as_stored(cls, code):
        """A code as typed ("xy-ga-001 ", full width) in the form codes are stored in."""
        return inputs.catalog_code(code)[:200] if isinstance(code, str) else code

    @classmethod
    def parse(cls, raw: dict | ApplicationShape) -> ApplicationShape:
        """The shape of what a form or a Python caller sent; every problem at once, in Chinese."""
        if isinstance(raw, ApplicationShape):
            return raw
        try:
            return cls.model_validate(raw)
        except ValidationError as error:
            raise ValidationFailed(cls.problems(error), REFUSED_APPLICATION) from None

    @classmethod
    def parse_json(cls, body: bytes | str) -> ApplicationShape:
        """The shape of a JSON body: JSON has types, so a number for a text or "yes" for true is refused."""
        try:
            return cls.model_validate_json(body, strict=True)
        except ValidationError as error:
            raise ValidationFailed(cls.problems(error), REFUSED_APPLICATION) from None

    @classmethod
    def problems(cls, error: ValidationError) -> list[FieldProblem]:
        errors = error.errors(include_url=False)
        nested = [e for e in errors if e["loc"][:1] == ("data_protection",) and e["type"] != inputs.REFUSED]
        found = inputs.field_problems([e for e in errors if e not in nested], cls, cls.MESSAGES)
        return found + [cls._protection_problem(e) for e in nested]

    @classmethod
    def _protection_problem(cls, found: dict) -> FieldProblem:
        """A problem of one of the three, beside its own field: "data_protection.storage"."""
        name = str(found["loc"][1]) if len(found["loc"]) > 1 else ""
        if name not in _PROTECTION:
            if found["type"] == "extra_forbidden":
                text = cls.PROTECTION_MESSAGES["extra_forbidden"].format(name=inputs.shown(name, 20))
                return FieldProblem("data_protection", text)
            return FieldProblem(
                "data_protection", "数据保护承诺（data_protection）：应为含 storage、access、disposal 三项文字的对象"
            )
        title, _ = _PROTECTION[name]
        template = cls.PROTECTION_MESSAGES.get(found["type"], "{title}（data_protection.{name}）：格式有误")
        sent = found.get("input")
        return FieldProblem(
            f"data_protection.{name}",
            template.format(
                hint=PROTECTION_HINTS[name],
                title=title,
                name=name,
                length=len(sent) if isinstance(sent, str) else 0,
                **(found.get("ctx") or {}),
            ),
        )

    @classmethod
    def of(cls, app) -> ApplicationShape:
        """What a saved application says, as it was typed: submitting a draft checks it, its form shows it again."""
        return cls.parse(
            {
                "resource_code": app.resource.code,
                "items": list(app.items),
                "scenario": app.scenario,
                "basis": app.basis,
                "purpose": app.purpose,
                "frequency": app.frequency or "",
                "valid_until": app.valid_until.isoformat() if app.valid_until else "",
                "undertaking": app.undertaking,
                "sensitive_justification": app.sensitive_justification,
                "unit_id": app.applicant_unit_id,
                "data_protection": app.data_protection,
            }
        )

    def until(self) -> date | None:
        """The day typed in valid_until, once the draft's rules passed."""
        return date.fromisoformat(self.valid_until[:10]) if self.valid_until else None

    def problems_as(self, model: type[ApplicationShape]) -> list[FieldProblem]:
        """What `model` (a draft, a submission) finds wrong with this shape."""
        try:
            model.model_validate(self.model_dump())
        except ValidationError as error:
            return model.problems(error)
        return []


class ApplicationDraft(ApplicationShape):
    """What can be saved as a draft: its date, when there is one, lies ahead and within three years."""

    @field_validator("valid_until")
    @classmethod
    def _ahead_within_three_years(cls, text: str) -> str:
        if not text:
            return text
        try:
            until = date.fromisoformat(text[:10])
        except ValueError:
            raise _refused(f"有效期至：{inputs.not_a_day(text)}") from None
        if until <= clock.today():
            raise _refused("有效期至：应晚于今天")
        if until > latest_valid_until(clock.today()):
            raise _refused("有效期至：一次申请最长三年，到期后可重新申请")
        return text


class ApplicationInput(ApplicationDraft):
    """What a submission needs: every field answered specifically. Whether sensitive items are justified depends
    on the resource, so the service checks that."""

    items: Annotated[Items, Field(min_length=1)]
    scenario: Annotated[Scenario, Field(min_length=MIN_SCENARIO, description=f"应用场景（至少 {MIN_SCENARIO} 个字）")]
    basis: Annotated[Basis, Field(min_length=MIN_BASIS, description="具体的法律、法规或政策文件名称及条款")]
    purpose: Annotated[Purpose, Field(min_length=MIN_PURPOSE, description="申请数据的具体用途")]
    frequency: Annotated[
        Frequency,
        Field(
            description="预计调用频次："
            + "、".join(f"{f.value}={f.label}" for f in CallFrequency)
            + "（代码或中文名均可）",
            json_schema_extra={"enum": [f.value for f in CallFrequency] + [f.label for f in CallFrequency]},
        ),
    ]
    valid_until: Annotated[ValidUntil, Field(min_length=1, description="有效期至（YYYY-MM-DD，晚于今天、最长三年）")]
    undertaking: Annotated[Literal[True], Field(title="使用承诺", description="“谁使用谁负责”承诺，须为 true")]
    data_protection: Annotated[
        DataProtectionInput | None,
        Field(
            title="数据保护承诺",
            description="使用单位如何保管数据（谁使用谁负责）：storage 存放位置、access 知悉范围、disposal 销毁期限和方式，"
            f"各至少 {MIN_PROTECTION} 个字。接口中可不填（应答 warnings 提示补充）；填写的须三项都写明",
        ),
    ] = None

    @field_validator("frequency")
    @classmethod
    def _a_frequency(cls, text: str) -> str:
        if not text:
            raise _refused("预计调用频次：请选择调用频次")
        if CallFrequency.parse(text) is None:
            raise _refused("预计调用频次：应为 " + "、".join(f.label for f in CallFrequency) + " 之一")
        return text


# --- the API's list filters ---------------------------------------------------------
SCOPES = [("mine", "本单位"), ("provider", "本单位提供的数据"), ("all", "全部（仅协调员）")]


def _scope(mine: str, provider: str):
    described = [("mine", mine), ("provider", provider), ("all", "全部（仅协调员，其他人等同 mine）")]
    return Annotated[str, inputs.one_of(SCOPES, "scope"), inputs.choices_schema(described, "范围，不填为 mine")]


ApplicationScope, GrantScope = (
    _scope("本单位提出的申请", "申请本单位数据的申请"),
    _scope("本单位获得的授权", "本单位数据上的授权"),
)


class ApplicationQuery(BaseModel):
    """GET /api/v1/applications: whose applications, in which status."""

    scope: ApplicationScope = "mine"
    status: Annotated[
        ApplicationStatus | None,
        inputs.choice(ApplicationStatus, "status"),
        inputs.choices_schema(ApplicationStatus.choices(), "按状态筛选", labels=True),
    ] = None


class GrantQuery(BaseModel):
    """GET /api/v1/grants: the grants the unit holds, or those on its data."""

    scope: GrantScope = "mine"
