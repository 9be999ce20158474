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
from workflows.models import ApplicationStatus, CallFrequency

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
        return inputs.field_problems(error, cls, cls.MESSAGES)

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
