"""An objection as a unit raises it, declared once: the API parses JSON with it, the service checks every field with
it and the OpenAPI document describes it. What it concerns (an application, an entry, a grant) is looked up by
the service, which tells those problems in the same pass."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator
from pydantic.json_schema import WithJsonSchema

from workflows import inputs
from workflows.errors import FieldProblem, ValidationFailed
from workflows.models.objections import ObjectionType

MAX_ATTACHMENTS, ATTACHMENT_NAME, ATTACHMENT_NOTE = 5, 200, 500
MIN_FACTS, MIN_REQUEST = 10, 2
CODE_LIMIT, NUMBER_LIMIT = 64, 32
TYPE_PROBLEM = "请求内容的数据类型有误，未提交，请按提示修改"
ATTACHMENTS_SHAPE = '附件（attachments）：应为 [{{"name": 文件名, "note": 说明}}] 数组'  # a message template


def _kind(value):
    if isinstance(value, ObjectionType):
        return value
    if (kind := ObjectionType.parse(value if isinstance(value, str) else "")) is None:
        raise inputs.refused(
            "类型：应为 " + "、".join(f"{c}（{label}）" for c, label in ObjectionType.choices()) + " 之一"
        )
    return kind


def _an_id(label: str):
    def number(value, info):
        if value is None or value == "":
            return None
        typed = isinstance(value, int) and not isinstance(value, bool)
        found = inputs.parse_int(value) if typed or (info.mode == "python" and isinstance(value, str)) else None
        if found is None or found <= 0:  # the API names the field as the JSON does
            raise inputs.refused(
                f"{label}（{info.field_name}）：应为正整数编号" if info.mode == "json" else f"{label}：应为正整数编号"
            )
        return found

    return BeforeValidator(number)


class Evidence(BaseModel):
    """Described evidence: the file's name and what it shows."""

    model_config = ConfigDict(str_strip_whitespace=True)

    name: str = Field(title="文件名", max_length=ATTACHMENT_NAME)
    note: str = Field("", title="说明", max_length=ATTACHMENT_NOTE)


Id = WithJsonSchema({"type": "integer", "minimum": 1, "maximum": inputs.INT32_MAX})


class ObjectionInput(BaseModel):
    """What a unit disputes and what it asks for."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")
    MESSAGES: ClassVar[dict[tuple[str, str], str]] = {
        ("facts", "string_too_short"): f"事实和理由：请写明发生了什么、错在哪里（至少{MIN_FACTS}个字）",
        ("facts", "missing"): f"事实和理由：请写明发生了什么、错在哪里（至少{MIN_FACTS}个字）",
        ("request", "string_too_short"): f"请求事项：请写明希望如何处理（至少{MIN_REQUEST}个字）",
        ("request", "missing"): f"请求事项：请写明希望如何处理（至少{MIN_REQUEST}个字）",
        ("attachments", "too_long"): f"附件：最多 {MAX_ATTACHMENTS} 个",
        ("attachments", "string_too_long"): f"附件：名称不超过{ATTACHMENT_NAME}字，说明不超过{ATTACHMENT_NOTE}字",
        ("attachments", "*"): ATTACHMENTS_SHAPE,
    }

    type: Annotated[
        ObjectionType,
        BeforeValidator(_kind),
        inputs.choices_schema(ObjectionType.choices(), "类型代码"),
        Field(title="类型"),
    ]
    facts: str = Field(
        title="事实和理由", min_length=MIN_FACTS, max_length=4000, description=f"事实和理由（至少 {MIN_FACTS} 个字）"
    )
    request: str = Field(
        title="请求事项", min_length=MIN_REQUEST, max_length=2000, description=f"请求事项（至少 {MIN_REQUEST} 个字）"
    )
    application_id: Annotated[
        int | None, _an_id("所涉申请"), Id, Field(title="所涉申请", description="所涉申请（资源申请异议必填）")
    ] = None
    resource_code: str = Field(
        "",
        title="目录条目代码",
        max_length=CODE_LIMIT,
        description="所涉目录条目代码（数据目录纠错、数据质量异议必填）",
    )
    grant_id: Annotated[
        int | None, _an_id("所涉授权"), Id, Field(title="所涉授权", description="所涉授权（数据使用异议必填）")
    ] = None
    application_number: str = Field(
        "",
        title="所涉申请编号",
        max_length=NUMBER_LIMIT,
        description="所涉申请的编号，如 SQ2026000001（可代替 application_id）",
    )
    grant_number: str = Field(
        "",
        title="所涉授权的申请编号",
        max_length=NUMBER_LIMIT,
        description="所涉授权所依据的申请编号（可代替 grant_id）",
    )
    attachments: list[Evidence] = Field(
        [], title="附件", max_length=MAX_ATTACHMENTS, description=f"证据材料（最多 {MAX_ATTACHMENTS} 个）"
    )

    FORM_FIELDS: ClassVar[tuple[str, ...]] = (
        "type",
        "facts",
        "request",
        "application_number",
        "resource_code",
        "grant_number",
    )  # what the web form sends: people know numbers and codes, not ids

    @model_validator(mode="before")
    @classmethod
    def _as_forms_send(cls, data, info):
        """null is left out and 类型 may come as kind (the process's name for it); forms and Python callers also
        name evidence by its file name alone and send no type as ""."""
        if not isinstance(data, dict):
            return data
        data = {name: value for name, value in data.items() if value is not None}
        if not data.get("type") and data.get("kind"):
            data["type"] = data["kind"]
        data.setdefault("type", "")
        if info.mode == "python" and isinstance(files := data.get("attachments"), list):
            data["attachments"] = [
                {"name": f} if isinstance(f, str) else f
                for f in files
                if str((f.get("name") if isinstance(f, dict) else f) or "").strip()
            ]
        elif info.mode == "python" and "attachments" in data and not isinstance(data["attachments"], list):
            data["attachments"] = []
        return data

    @classmethod
    def check(cls, raw: dict) -> tuple[ObjectionInput | None, list[FieldProblem]]:
        """The input and no problem, or None and every problem of its fields."""
        try:
            return cls.model_validate(raw), []
        except ValidationError as error:
            return None, inputs.field_problems(error, cls, cls.MESSAGES)

    @classmethod
    def check_json_types(cls, body: bytes | str) -> None:
        """A JSON body whose values have the types they must (a number for an id, text for the facts …); what they
        say is the service's to check, with what they concern, in one pass."""
        try:
            cls.model_validate_json(body, strict=True)
        except ValidationError as error:
            wrong = [
                e
                for e in error.errors(include_url=False)
                if e["type"].endswith("_type") or e["loc"][0] in ("application_id", "grant_id")
            ]
            if wrong:
                raise ValidationFailed(inputs.field_problems(wrong, cls, cls.MESSAGES), TYPE_PROBLEM) from None
