"""The catalog's search queries, declared once: the search pages and the API read them from the query string, the
OpenAPI document lists them as parameters, and each refused value names its field as the search form shows it."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.json_schema import SkipJsonSchema, WithJsonSchema

from workflows import inputs
from workflows.inputs import choices_schema
from workflows.models import (
    CategoryClass,
    ObjectClass,
    OpenType,
    ResourceFormat,
    Sensitivity,
    ShareType,
    UpdateCycle,
)

FACETS = {
    "share_type": ShareType,
    "open_type": OpenType,
    "format": ResourceFormat,
    "category": CategoryClass,
    "sensitivity": Sensitivity,
    "update_cycle": UpdateCycle,
}
MAX_PER_PAGE = 100
MAX_PAGE = 100_000
MAX_CALLS = 2**31 - 1  # a bound on the calls of 30 days a person may type (they come from the usage rollups)
# The names the search forms show for their fields: every message names the field as the person sees it.
FIELD_LABELS = {
    "share_type": "共享类型",
    "open_type": "开放类型",
    "category": "资源分类",
    "format": "资源格式",
    "update_cycle": "更新周期",
    "sensitivity": "数据分级",
    "object_class": "对象分类",
    "sort": "排序",
    "page": "页码",
    "per_page": "每页条数",
    "min_calls": "月调用次数下限",
    "max_calls": "月调用次数上限",
}
SORT_CHOICES = [
    ("-monthly_calls", "月调用次数从高到低"),
    ("monthly_calls", "月调用次数从低到高"),
    ("name", "名称升序"),
    ("-name", "名称降序"),
    ("code", "代码升序"),
    ("-code", "代码降序"),
]


def _facet(name: str):
    enum_cls = FACETS[name]
    return Annotated[
        enum_cls | None,
        inputs.choice(enum_cls, FIELD_LABELS[name]),
        choices_schema(enum_cls.choices(), f"按{FIELD_LABELS[name]}筛选", labels=True),
    ]


ShareTypeChoice, OpenTypeChoice, FormatChoice = _facet("share_type"), _facet("open_type"), _facet("format")
CategoryChoice, SensitivityChoice, CycleChoice = _facet("category"), _facet("sensitivity"), _facet("update_cycle")
Page = Annotated[
    int,
    inputs.whole_number("页码", 1, MAX_PAGE),
    Field(description=f"页码，1–{MAX_PAGE}"),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}),
]
PerPage = Annotated[
    int,
    inputs.whole_number("每页条数", 1, MAX_PER_PAGE),
    Field(description=f"每页条数，1–{MAX_PER_PAGE}"),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 20}),
]
Calls = WithJsonSchema({"type": "integer", "minimum": 0, "maximum": MAX_CALLS})


class ResourceQuery(BaseModel):
    """A search of the catalog's entries."""

    model_config = ConfigDict(str_strip_whitespace=True)

    q: str = Field("", title="关键词", max_length=50, description="关键词（名称或摘要的子串）")
    unit: str = Field("", title="单位名称关键词", max_length=50, description="提供单位名称关键词")
    share_type: ShareTypeChoice = None
    open_type: OpenTypeChoice = None
    format: FormatChoice = None
    category: CategoryChoice = None
    sensitivity: SensitivityChoice = None
    update_cycle: CycleChoice = None
    category_path: str = Field("", title="资源分类路径", max_length=200, description="分类路径前缀，如 基础/人口")
    page: Page = 1
    per_page: PerPage = 20
    shared_only: SkipJsonSchema[bool] = Field(
        False, exclude=True
    )  # the public catalog: 不予共享 entries are neither listed nor counted

    @field_validator("q", "unit", "category_path")
    @classmethod
    def _as_pasted(cls, text: str) -> str:
        return inputs.search_words(text)

    @property
    def filters(self) -> dict:
        """The facets chosen: name -> enum member."""
        return {name: value for name in FACETS if (value := getattr(self, name)) is not None}


class InterfaceQuery(BaseModel):
    """A search of the shared interfaces."""

    model_config = ConfigDict(str_strip_whitespace=True)

    q: str = Field("", title="关键词", max_length=50, description="接口或资源名称关键词")
    scenario: str = Field("", title="业务场景", max_length=50, description="业务场景关键词")
    object_class: Annotated[
        ObjectClass | None,
        inputs.choice(ObjectClass, FIELD_LABELS["object_class"]),
        choices_schema(ObjectClass.choices(), "对象类别", labels=True),
    ] = None
    min_calls: Annotated[
        int | None, inputs.whole_number("月调用次数下限", 0, MAX_CALLS), Calls, Field(description="月调用次数下限")
    ] = None
    max_calls: Annotated[
        int | None, inputs.whole_number("月调用次数上限", 0, MAX_CALLS), Calls, Field(description="月调用次数上限")
    ] = None
    sort: Annotated[
        str,
        inputs.one_of(SORT_CHOICES, FIELD_LABELS["sort"]),
        choices_schema(SORT_CHOICES, "排序，不填为 -monthly_calls"),
    ] = "-monthly_calls"
    page: Page = 1
    per_page: PerPage = 20

    @field_validator("q", "scenario")
    @classmethod
    def _as_pasted(cls, text: str) -> str:
        return inputs.search_words(text)


def parse_resource_query(args, blank_means_all: bool = True) -> ResourceQuery:
    """Query parameters as codes (share_type=conditional …) or Chinese names; any bad value is a 422 in Chinese.

    A search form's 全部 sends share_type= (blank_means_all); the API refuses an empty choice like any unknown one."""
    return inputs.parse_query(ResourceQuery, args, blank_means_all)


def parse_interface_query(args, blank_means_all: bool = True) -> InterfaceQuery:
    return inputs.parse_query(InterfaceQuery, args, blank_means_all)
