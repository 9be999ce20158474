"""An incident as a coordinator or a unit's 目录管理员 records it, and a change of its status, declared once: the
web form reads their fields and limits, the service checks with them."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from workflows import clock, inputs, reasons
from workflows.errors import ValidationFailed
from workflows.models import IncidentStatus

MIN_ACCOUNT, MIN_DATA, MIN_MEASURES, MIN_NOTE = 10, 2, 4, 4
REFUSED_INCIDENT = "安全事件内容有误，未保存，请按提示修改"
REFUSED_STATUS = "处置状态未更改，请按提示修改"
NOTE_HINT = "请写明处置进展或结案依据，如“已删除违规留存的数据并约谈经办人”"


def _an_id(label: str):
    def number(value):
        if value is None or value == "":
            return None
        found = inputs.parse_int(value) if isinstance(value, int | str) and not isinstance(value, bool) else None
        if found is None or found <= 0:
            raise inputs.refused(f"{label}：应为正整数编号，请从列表中选择")
        return found

    return BeforeValidator(number)


class IncidentInput(BaseModel):
    """What happened, when, to which data, and what was done about it."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")
    MESSAGES: ClassVar[dict[tuple[str, str], str]] = {
        ("unit_id", "missing"): "使用单位：请选择发生事件的使用单位",
        ("occurred_on", "string_too_short"): "发生时间：请填写事件发生的日期（如 2026-12-01）",
        ("occurred_on", "missing"): "发生时间：请填写事件发生的日期（如 2026-12-01）",
        ("account", "string_too_short"): f"经过：请写明发生了什么、如何发现的（至少 {MIN_ACCOUNT} 个字）",
        ("account", "missing"): f"经过：请写明发生了什么、如何发现的（至少 {MIN_ACCOUNT} 个字）",
        (
            "data_affected",
            "string_too_short",
        ): f"涉及数据：请写明涉及哪些数据或信息项、大约多少条（至少 {MIN_DATA} 个字）",
        ("data_affected", "missing"): f"涉及数据：请写明涉及哪些数据或信息项、大约多少条（至少 {MIN_DATA} 个字）",
        ("measures", "string_too_short"): f"处置措施：请写明已经采取或将要采取的措施（至少 {MIN_MEASURES} 个字）",
        ("measures", "missing"): f"处置措施：请写明已经采取或将要采取的措施（至少 {MIN_MEASURES} 个字）",
    }

    unit_id: Annotated[int | None, _an_id("使用单位"), Field(title="使用单位")] = None
    grant_id: Annotated[int | None, _an_id("所涉授权"), Field(title="所涉授权")] = None
    anomaly_id: Annotated[int | None, _an_id("所涉使用异常"), Field(title="所涉使用异常")] = None
    occurred_on: str = Field("", title="发生时间", min_length=1, max_length=32)
    account: str = Field("", title="经过", min_length=MIN_ACCOUNT, max_length=4000)
    data_affected: str = Field("", title="涉及数据", min_length=MIN_DATA, max_length=1000)
    measures: str = Field("", title="处置措施", min_length=MIN_MEASURES, max_length=2000)

    @field_validator("occurred_on")
    @classmethod
    def _a_past_day(cls, text: str) -> str:
        problems: list = []
        day = inputs.parse_day(text, "发生时间", problems)
        if problems:
            raise inputs.refused(str(problems[0]))
        if day and day > clock.today():
            raise inputs.refused(f"发生时间：{day} 晚于今天，请填写事件已经发生的日期")
        return day.isoformat() if day else text

    @classmethod
    def parse(cls, raw: dict) -> IncidentInput:
        try:
            return cls.model_validate(raw)
        except ValidationError as error:
            raise ValidationFailed(inputs.field_problems(error, cls, cls.MESSAGES), REFUSED_INCIDENT) from None


class StatusChange(BaseModel):
    """A new status and what was done to reach it (the note is kept with the change in the audit trail)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")
    MESSAGES: ClassVar[dict[tuple[str, str], str]] = {
        ("note", "string_too_short"): f"说明：请写明处置进展或结案依据（至少 {MIN_NOTE} 个字）",
        ("note", "missing"): f"说明：请写明处置进展或结案依据（至少 {MIN_NOTE} 个字）",
        ("status", "*"): "处置状态：请选择" + "、".join(s.label for s in IncidentStatus) + "之一",
    }

    status: Annotated[IncidentStatus, inputs.choice(IncidentStatus, "处置状态"), Field(title="处置状态")]
    note: str = Field("", title="说明", min_length=MIN_NOTE, max_length=1000)

    @field_validator("note")
    @classmethod
    def _specific(cls, text: str) -> str:
        """“ok ok ok ok” passes a length check; the note says in Chinese what was done (the audit trail keeps it)."""
        if problem := reasons.reason_problem(text, "说明", minimum=MIN_NOTE, hint=NOTE_HINT):
            raise inputs.refused(f"说明：{problem}")
        return text

    @classmethod
    def parse(cls, raw: dict) -> StatusChange:
        try:
            return cls.model_validate(raw)
        except ValidationError as error:
            raise ValidationFailed(inputs.field_problems(error, cls, cls.MESSAGES), REFUSED_STATUS) from None


class IncidentQuery(BaseModel):
    """/incidents/: whose incidents, in which status (blank for all)."""

    unit: Annotated[int | None, inputs.whole_number("单位", 1, inputs.INT32_MAX), Field(title="单位")] = None
    status: Annotated[IncidentStatus | None, inputs.choice(IncidentStatus, "处置状态"), Field(title="处置状态")] = None
