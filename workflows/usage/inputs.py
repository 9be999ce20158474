"""A usage report as the city platform sends it (POST /api/v1/usage) and a unit uploads it, declared once: the
service checks each record with it, the OpenAPI document is generated from it, the upload's columns name its fields."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from workflows import clock, inputs

MAX_RECORDS = 5000  # per batch; a platform sends more in several batches
MAX_RESOURCE_UPDATES = 1000
MAX_BODY_BYTES = 4 * 1024 * 1024  # 5,000 records of ~400 bytes each, with room
MAX_COUNT = 10_000_000  # calls in one record (a run of calls summed by the platform)
FUTURE_SKEW = timedelta(minutes=10)  # the platform's clock may run a little ahead of ours
EARLIEST = datetime(2020, 1, 1, tzinfo=timezone.utc)  # before any sharing under the notice: a time typed wrong
TIME_EXAMPLE = "如 2026-12-05 09:30 或 2026-12-05T09:30:00+08:00"
_A_NUMBER = re.compile(r"\s*[+-]?\d+(\.\d*)?\s*")  # pydantic would read it as seconds since 1970
RecordId = Annotated[
    str,
    Field(
        title="记录编号",
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9._:\-]+$",
        description="发送方的记录编号（字母、数字和 . _ : -）：同一编号只计一次，重发不会重复计数",
    ),
]


class UsageRecordInput(BaseModel):
    """One reported call, or a run of calls of one kind summed by the platform."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: RecordId
    grant_id: Annotated[int | None, Field(title="授权编号", ge=1, le=inputs.INT32_MAX)] = None
    application_number: Annotated[
        str | None, Field(title="申请编号", max_length=32, description="授权所依据的申请编号；与 grant_id 二选一")
    ] = None
    unit_code: Annotated[
        str | None,
        Field(title="使用单位代码", max_length=32, description="无授权的调用须填使用单位代码和目录条目代码"),
    ] = None
    resource_code: Annotated[str | None, Field(title="目录条目代码", max_length=64)] = None
    interface_code: Annotated[
        str | None, Field(title="接口编码", max_length=64, description="接口调用时所调用的数据接口编码，如 IF-001")
    ] = None
    at: Annotated[
        datetime,
        Field(title="调用时间", description="ISO 8601 时间；不带时区时按北京时间；不能晚于当前时间 10 分钟以上"),
    ]
    call_type: Annotated[
        Literal["interface", "table", "file"],
        Field(title="调用方式", description="interface=接口调用、table=库表交换、file=文件下载"),
    ]
    count: Annotated[int, Field(title="调用次数", ge=0, le=MAX_COUNT)]
    failed: Annotated[int, Field(title="失败次数", ge=0, le=MAX_COUNT)] = 0
    scenario: Annotated[str, Field(title="应用场景", max_length=200)] = ""

    @field_validator("at", mode="before")
    @classmethod
    def _a_date_and_time(cls, at):
        if isinstance(at, int | float) or (isinstance(at, str) and _A_NUMBER.fullmatch(at)):
            raise inputs.refused(f"调用时间（at）：应为日期和时间，{TIME_EXAMPLE}")
        return at

    @field_validator("at")
    @classmethod
    def _not_in_the_future(cls, at: datetime) -> datetime:
        at = clock.parse_instant(at)
        if at > clock.now() + FUTURE_SKEW:
            raise inputs.refused("调用时间（at）：不能晚于当前时间，请检查发送方的时钟和时区")
        if at < EARLIEST:
            raise inputs.refused(f"调用时间（at）：早于 {EARLIEST.year} 年，请检查是否填错（{TIME_EXAMPLE}）")
        return at

    @model_validator(mode="after")
    def _whose_call(self) -> UsageRecordInput:
        if self.failed > self.count:
            raise inputs.refused("失败次数（failed）：不能大于调用次数（count）")
        if self.grant_id is None and not self.application_number and not (self.unit_code and self.resource_code):
            raise inputs.refused(
                "请填写授权编号（grant_id）或申请编号（application_number）；无授权的调用填写使用单位代码（unit_code）"
                "和目录条目代码（resource_code）"
            )
        return self


RECORD_MESSAGES = {  # what to write, beside the generic 格式有误
    **{
        ("at", kind): f"调用时间（at）：格式有误，应为日期和时间，{TIME_EXAMPLE}"
        for kind in ("datetime_parsing", "datetime_from_date_parsing", "datetime_type", "datetime_object_invalid")
    },
    ("id", "string_pattern_mismatch"): "记录编号（id）：只能用字母、数字和 . _ : -（不含空格和汉字）",
}


class ResourceUpdateInput(BaseModel):
    """When a resource's data was last refreshed on the platform."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    resource_code: Annotated[str, Field(title="目录条目代码", min_length=1, max_length=64)]
    updated_at: Annotated[datetime, Field(title="数据更新时间", description="ISO 8601 时间；不带时区时按北京时间")]

    @field_validator("updated_at")
    @classmethod
    def _not_in_the_future(cls, at: datetime) -> datetime:
        at = clock.parse_instant(at)
        if at > clock.now() + FUTURE_SKEW:
            raise inputs.refused("数据更新时间（updated_at）：不能晚于当前时间")
        return at


class UsageBatchInput(BaseModel):
    """The body of POST /api/v1/usage. Each record is checked on its own: good ones are kept, bad ones answered."""

    model_config = ConfigDict(extra="forbid")

    records: Annotated[
        list[UsageRecordInput], Field(title="调用记录", max_length=MAX_RECORDS, description="每批最多 5000 条")
    ] = []
    resource_updates: Annotated[
        list[ResourceUpdateInput], Field(title="数据更新情况", max_length=MAX_RESOURCE_UPDATES)
    ] = []
