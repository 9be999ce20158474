"""GET /api/v1/openapi.json: the OpenAPI 3.0.3 description of every /api/v1 route, public so clients can be generated."""

from __future__ import annotations

from flask import jsonify

from webapp.api.blueprint import bp
from webapp.api.schemas import openapi_schema, query_parameters, task_form_schema
from webapp.api.supervision import ScorecardQuery
from webapp.input_guard import MAX_ID
from workflows.catalog.queries import FACETS, FIELD_LABELS, InterfaceQuery, ResourceQuery
from workflows.engine.tasks import TaskQuery
from workflows.models import (
    PROTECTION_FIELDS,
    AnswerStance,
    ApplicationStatus,
    CallFrequency,
    DataType,
    GrantStatus,
    ObjectClass,
    ObjectionOutcome,
    ObjectionStatus,
    ObjectionType,
    RejectionCategory,
    ResourceStatus,
    Role,
    ShareMethod,
    TaskStatus,
)
from workflows.objections.inputs import ObjectionInput
from workflows.sharing import rejections
from workflows.sharing.inputs import ApplicationInput, ApplicationQuery, GrantQuery
from workflows.usage.feed import GrantFeedQuery
from workflows.usage.inputs import UsageBatchInput
from workflows.supervision import scorecards

ERRORS = {
    "400": ("BadRequest", "请求体不是 JSON 对象或格式不正确（code: bad_request）"),
    "401": ("Unauthorized", "缺少或无效的 API 令牌（code: unauthorized）"),
    "403": ("Forbidden", "没有权限，例如不是本单位的申请人或审核人（code: forbidden）"),
    "404": ("NotFound", "不存在，或无权查看其他单位的内容（code: not_found）"),
    "409": ("Conflict", "已由他人办理或状态不允许（code: already_handled / conflict）"),
    "304": ("NotModified", "内容与 If-None-Match 所带的 ETag 相同，未变化"),
    "413": ("TooLarge", "请求体超过大小上限（code: too_large）"),
    "422": (
        "Unprocessable",
        "内容有误，details 逐条说明（code: validation_failed / not_shareable / engine_step_failed；"
        "含控制字符、超长字段、JSON 嵌套过深时为 invalid_input）",
    ),
}
BEARER = [{"bearerAuth": []}]


# --- small builders ----------------------------------------------------------


def _s(kind: str, description: str = "", **extra) -> dict:
    return {"type": kind, **({"description": description} if description else {}), **extra}


def _text(description: str = "", **extra) -> dict:
    return _s("string", description, **extra)


def _null(schema: dict) -> dict:
    if "enum" in schema:
        schema = schema | {"enum": [*schema["enum"], None]}
    return schema | {"nullable": True}


def _int(description: str = "", **extra) -> dict:
    return _s("integer", description, **extra)


def _id(description: str = "") -> dict:
    return _int(description, minimum=1, maximum=MAX_ID)


def _bool(description: str = "") -> dict:
    return _s("boolean", description)


def _instant(description: str) -> dict:
    return _text(description + "（ISO-8601，UTC）", format="date-time")


def _day(description: str) -> dict:
    return _null(_text(description + "（YYYY-MM-DD）", format="date"))


def _choices(pairs, description: str) -> dict:
    """A string with fixed values (answers carry codes; the inputs, generated from their models, take names too)."""
    pairs = list(pairs)
    return _text(f"{description}：" + "、".join(f"{code}={label}" for code, label in pairs), enum=[c for c, _ in pairs])


def _enum(enum_cls, description: str) -> dict:
    return _choices(enum_cls.choices(), description)


def _arr(items: dict, description: str = "") -> dict:
    return _s("array", description, items=items)


def _obj(properties: dict, required=(), description: str = "") -> dict:
    """An object; `required=...` (Ellipsis) means every property is always present."""
    names = list(properties) if required is ... else list(required)
    schema = _s("object", description, properties=properties)
    return schema | ({"required": names} if names else {})


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _path(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": schema or _id()}


def _op(
    tag: str,
    summary: str,
    ok: tuple[str, dict, str],
    errors: tuple[str, ...] = (),
    *,
    status: str = "200",
    params=(),
    body: dict | None = None,
    body_required: bool = True,
    description: str = "",
    public: bool = False,
    content: dict | None = None,
    headers: dict | None = None,
) -> dict:
    """One operation: its success response, its error responses (401 unless public; 422 always, the input
    guard refuses control characters in any parameter), and its security."""
    operation_id, schema, success = ok
    operation = {
        "tags": [tag],
        "summary": summary,
        "operationId": operation_id,
        "responses": {status: {"description": success, "content": content or _json(schema)}},
        "security": [] if public else BEARER,
    }
    if headers:
        operation["responses"][status]["headers"] = headers
    if description:
        operation["description"] = description
    if params:
        operation["parameters"] = list(params)
    if body is not None:
        operation["requestBody"] = {"required": body_required, "content": _json(body)}
    for code in sorted({*errors, "422", *(() if public else ("401",))}):
        operation["responses"][code] = {"$ref": f"#/components/responses/{ERRORS[code][0]}"}
    return operation


def _ok(operation_id: str, schema: dict, description: str = "成功") -> tuple[str, dict, str]:
    return operation_id, schema, description


# --- schemas -------------------------------------------------------------------


def _schemas() -> dict:
    return {
        "Error": _obj(
            {
                "code": _text("机器可读的错误代码，如 validation_failed、already_handled、invalid_input"),
                "message": _text("中文说明与下一步操作"),
                "details": _arr(_text(), "逐条问题（字段：问题），仅在有时出现"),
                "fields": {
                    "type": "object",
                    "additionalProperties": _text(),
                    "description": "出错的字段及其问题（字段名 → 说明），仅在问题属于某个字段时出现",
                },
            },
            ("code", "message"),
        ),
        "Task": _task(),
        "TimelineStep": _obj(
            {
                "step": _text("环节"),
                "unit": _null(_text("单位名称")),
                "role": _role(),
                "actor": _null(_text("办理人")),
                "created_at": _null(_instant("开始")),
                "completed_at": _null(_instant("完成")),
                "due_at": _null(_instant("时限")),
                "on_time": _null(_bool("按期（true）、逾期（false）、进行中或无时限（null）")),
                "status": _enum(TaskStatus, "环节状态"),
                "result": _null(_s("object", "办理时提交的表单内容", additionalProperties=True)),
            },
            ...,
        ),
        "ApplicationSummary": _obj(_application_summary(), ...),
        "Application": {"allOf": [_ref("ApplicationSummary"), _obj(_application_detail(), ...)]},
        "ApplicationInput": openapi_schema(
            ApplicationInput,
            "数据申请：字段、上限与网页表单相同；缺少或不符合要求的内容返回 422，"
            "fields 指出字段，说明与网页表单相同",
        ),
        "TaskCompletion": task_form_schema(
            ("application_review.schema.json", "application_resubmit.schema.json"),
            ("attachments",),
            "数据申请审核（decision 等）与补正（answers 等）环节的表单，即流程表单本身；其他任务提交各自表单的字段（字符串、"
            "数字、布尔值或它们的数组）。缺少或不符合要求的内容返回 422，fields 指出字段，说明与网页表单相同；第 n 项答复有误时 "
            "fields 中为 answers.{n-1}；补正附件请在网页上传",
        ),
        "TaskCompleted": _obj({"task": _ref("Task"), "application": _ref("Application")}, ("task",)),
        "Grant": _obj(
            {
                "id": _id(),
                "application_id": _id(),
                "application_number": _null(_text("申请编号")),
                "unit": _text("获得授权的单位"),
                "resource_code": _text(),
                "resource_name": _text("名称"),
                "items": _arr(_text(), "授权的信息项"),
                "scenario": _text("应用场景"),
                "valid_from": _day("起"),
                "valid_until": _day("止"),
                "status": _enum(GrantStatus, "授权状态"),
                "status_label": _text(),
                "data_protection": _protection("授权载明的数据保护承诺；未填写的为 null"),
            },
            ...,
        ),
        "Resource": _obj(_resource(), ...),
        "GrantFeed": _obj(
            {"items": _arr(_ref("GrantChange")), "next_cursor": _null(_text("下一页的游标；最后一页为 null"))}, ...
        ),
        "GrantChange": _obj(_grant_change(), ...),
        "UsageBatchInput": openapi_schema(
            UsageBatchInput, "数据使用记录：每批最多 5000 条；同一记录编号重复发送只计一次"
        ),
        "UsageReport": _obj(
            {
                "accepted": _int("本次保存的记录数", minimum=0),
                "duplicates": _int("已收到过（或本批内重复）的记录数", minimum=0),
                "rejected": _int("有问题未保存的记录数", minimum=0),
                "resource_updates": _int("保存的数据更新情况条数", minimum=0),
                "problems": _arr(
                    _obj(
                        {
                            "index": _int("在 records 中的序号（从 0 起）"),
                            "id": _null(_text("记录编号")),
                            "message": _text("问题与修改方法"),
                        },
                        ...,
                    )
                ),
                "resource_update_problems": _arr(_s("object", "有问题的数据更新情况", additionalProperties=True)),
            },
            ...,
        ),
        "ApplicationCreated": {
            "allOf": [
                _ref("Application"),
                _obj(
                    {
                        "warnings": _arr(
                            _text(),
                            "提醒（中文），如未填写数据保护承诺；申请已提交，没有提醒时不出现",
                        )
                    }
                ),
            ]
        },
        "ObjectionInput": openapi_schema(
            ObjectionInput, "异议或纠错：类型未知、缺少事实和理由等返回 422，fields 指出字段"
        ),
        "ObjectionCreated": _obj(
            {"id": _id("异议 ID"), "status": _enum(ObjectionStatus, "异议状态"), "status_label": _text("状态中文名")},
            ...,
        ),
        "Objection": _obj(
            {
                "id": _id(),
                "type": _enum(ObjectionType, "类型"),
                "type_label": _text(),
                "status": _enum(ObjectionStatus, "状态"),
                "status_label": _text(),
                "facts": _text("事实和理由"),
                "request": _text("请求事项"),
                "raiser_unit": _text("提出单位"),
                "concerned_unit": _null(_text("所涉单位")),
                "application_id": _null(_id("所涉申请")),
                "grant_id": _null(_id("所涉授权")),
                "resource_code": _null(_text("所涉目录条目")),
                "outcome": _null(_enum(ObjectionOutcome, "处理结果")),
                "outcome_label": _null(_text()),
                "opinion": _null(_text("处理意见")),
                "effect": _null(_text("对所涉对象的处理")),
                "answers": _arr(
                    _obj(
                        {
                            "unit": _text("答复单位"),
                            "stance": _choices(AnswerStance.choices(), "意见"),
                            "position": _text("答复意见"),
                            "evidence": _text("依据和证据"),
                            "answered_at": _instant("答复时间"),
                        },
                        ...,
                    ),
                    "各单位答复",
                ),
                "rating": _null(_int("评价（1–5）", minimum=1, maximum=5)),
                "created_at": _instant("提出时间"),
                "closed_at": _null(_instant("办结时间")),
            },
            ...,
        ),
        "ResourceDetail": {
            "allOf": [
                _ref("Resource"),
                _obj(
                    {
                        "share_condition": _text("共享条件或不予共享依据"),
                        "related_codes": _arr(_text(), "关联的目录条目代码"),
                        "revision": _int("修订版本号", minimum=1),
                        "info_items": _arr(
                            _obj(
                                {
                                    "name": _text("名称"),
                                    "data_type": _enum(DataType, "数据类型"),
                                    "data_type_label": _null(_text()),
                                    "length": _null(_int("长度")),
                                    "sensitive": _bool("是否敏感"),
                                },
                                ...,
                            ),
                            "信息项",
                        ),
                    },
                    ...,
                ),
            ]
        },
        "Interface": _obj(
            {
                "code": _text(),
                "name": _text("名称"),
                "resource_code": _text(),
                "resource_name": _text(),
                "provider_unit": _text("提供单位"),
                "object_class": _enum(ObjectClass, "对象类别"),
                "object_class_label": _null(_text()),
                "business_scenarios": _arr(_text(), "业务场景"),
                "method": _text("调用方式，如 POST"),
                "monthly_calls": _int(
                    "月调用次数：近 30 天（含当天）各单位的实际调用次数，来自数据平台报送的使用记录", minimum=0
                ),
            },
            ...,
        ),
    }


def _protection(description: str) -> dict:
    titles = {name: title for name, title, _ in PROTECTION_FIELDS}
    return _null(_obj({name: _text(title) for name, title in titles.items()}, ..., description))


def _role() -> dict:
    return _choices([*((r.value, r.label) for r in Role), ("", "无")], "角色代码")


def _task() -> dict:
    case_ids = {
        f"{kind}_id": _id(f"{label} ID（{kind} 类案件才有）")
        for kind, label in (
            ("application", "申请"),
            ("catalog_change", "目录变更"),
            ("demand", "供需对接"),
            ("objection", "异议"),
            ("entry_change", "目录条目变更"),
            ("effect_rating", "使用效果评价"),
        )
    }
    fields = {
        "id": _id("任务 ID"),
        "name": _text("环节名称"),
        "process": _text("流程标识，如 data_application"),
        "process_version": _int("流程版本", minimum=1),
        "instance_id": _id("案件 ID"),
        "role": _role(),
        "unit": _null(_text("单位名称")),
        "status": _enum(TaskStatus, "任务状态"),
        "due_at": _null(_instant("办理时限")),
        "due_provisional": _bool("时限是否按未公布的节假日安排暂算"),
        "overdue": _bool("是否已逾期"),
        "created_at": _instant("创建时间"),
    }
    return _obj(
        fields | case_ids | {"subject_id": _null(_id("无业务对象的案件为 null"))},
        list(fields),
        "另有一个业务对象字段：application_id、catalog_change_id、demand_id、objection_id、entry_change_id、"
        "effect_rating_id 或 subject_id",
    )


def _application_summary() -> dict:
    return {
        "id": _id(),
        "number": _null(_text("申请编号，如 SQ2026000001；草稿为 null")),
        "status": _enum(ApplicationStatus, "申请状态"),
        "status_label": _text("状态中文名"),
        "resource_code": _text("目录条目代码"),
        "resource_name": _text("名称"),
        "applicant_unit": _text("申请单位"),
        "provider_unit": _text("提供单位"),
        "items": _arr(_text(), "申请的信息项"),
        "frequency": _null(_enum(CallFrequency, "预计调用频次（草稿未填时为 null）")),
        "frequency_label": _null(_text()),
        "valid_until": _day("申请有效期至"),
        "submitted_at": _null(_instant("提交时间")),
        "decided_at": _null(_instant("决定时间")),
        "late": _bool(
            "是否逾期：审核期限已过仍未决定，或任一轮审核逾期后才作出决定或撤回（逾期记录不会因后续轮次消除）"
        ),
    }


def _application_detail() -> dict:
    grant = _obj(
        {
            "id": _id(),
            "status": _enum(GrantStatus, "授权状态"),
            "items": _arr(_text(), "授权的信息项"),
            "valid_from": _day("起"),
            "valid_until": _day("止"),
            "scenario": _text("应用场景"),
            "data_protection": _protection("授权载明的数据保护承诺（审核通过时从申请复制）；未填写的为 null"),
        },
        ...,
        description="授权",
    )
    record = _obj(
        {
            "sha256": _text("审批记录内容的 SHA-256", pattern="^[0-9a-f]{64}$"),
            "url": _text("PDF 地址：/api/v1/applications/{id}/record.pdf"),
            "verify_url": _text("核验页：/verify/{sha256}"),
        },
        ...,
        description="审批记录（办结后）",
    )
    return {
        "applicant": _text("申请人"),
        "scenario": _text("应用场景"),
        "basis": _text("法律或政策依据"),
        "purpose": _text("用途"),
        "sensitive_justification": _text("敏感信息项使用理由"),
        "data_protection": _protection("使用单位的数据保护承诺；本功能上线前提交或接口未填写的为 null"),
        "decision_reason": _null(_text("决定理由")),
        "rejection_category": _null(_choices(RejectionCategory.choices(), "不通过类别")),
        "rejection_fact": _null(
            _obj(
                {
                    "field": _choices([(f, t) for f, t in rejections.TITLES.items()], "字段"),
                    "title": _text("名称"),
                    "text": _text("内容"),
                },
                ...,
                "不通过类别要求写明的具体内容（如超出履职需要的信息项），未通过时才有",
            )
        ),
        "due_at": _null(_instant("当前待办环节的办理时限；无条件共享直接通过时为 null")),
        "timeline": _arr(_ref("TimelineStep"), "办理过程"),
        "grant": _null(grant),
        "record": _null(
            record | {"description": "现行有效决定的审批记录（最新一份）；决定被异议撤销、重新审核期间为 null"}
        ),
        "records": _arr(
            _obj(
                {
                    "sha256": _text("审批记录内容的 SHA-256", pattern="^[0-9a-f]{64}$"),
                    "decision": _text("该记录所载的审核结论，如 已通过、未通过"),
                    "decided_at": _text("该记录所载的决定时间（北京时间）"),
                    "current": _bool("是否为现行有效的记录（其后的决定或重新审核会使之失效）"),
                    "verify_url": _text("核验页：/verify/{sha256}"),
                },
                ...,
            ),
            "本申请的全部审批记录，按生成先后排列（最早在前）；异议重新审核后会有多份",
        ),
    }


def _resource() -> dict:
    labelled = {}
    for name, enum_cls in FACETS.items():
        labelled |= {name: _enum(enum_cls, FIELD_LABELS[name]), f"{name}_label": _null(_text("中文名"))}
    return {
        "code": _text("目录条目代码"),
        "name": _text("名称"),
        "provider_unit": _text("提供单位"),
        "provider_unit_code": _text("提供单位代码"),
        "provider_credit_code": _text("统一社会信用代码"),
        "summary": _text("摘要"),
        "status": _enum(ResourceStatus, "目录条目状态"),
        **labelled,
        "share_method": _null(_enum(ShareMethod, "共享方式")),
        "share_method_label": _null(_text("中文名")),
        "category_path": _text("分类路径，如 基础/人口/户籍；可为空"),
        "published_on": _day("发布日期"),
    }


def _grant_change() -> dict:
    unit = _obj({"code": _text("单位代码"), "name": _text("单位名称")}, ...)
    return {
        "id": _id("授权 ID"),
        "application_number": _null(_text("申请编号")),
        "grantee_unit": unit,
        "provider_unit": unit,
        "resource_code": _text("目录条目代码"),
        "resource_name": _text("目录条目名称"),
        "items": _arr(_text(), "授权的信息项"),
        "scenario": _text("应用场景"),
        "valid_from": _day("起"),
        "valid_until": _day("止"),
        "status": _enum(GrantStatus, "当日的授权状态"),
        "status_label": _text(),
        "revoked_at": _null(_instant("撤销时间")),
        "resource_change_pending": _bool("目录条目已变更，提供单位正在决定撤销或保留"),
        "record_sha256": _null(_text("生成该授权的审批记录的 SHA-256，可在 /verify 核验")),
        "changed_at": _instant("最近变更时间"),
    }


def _list_of(name: str) -> dict:
    return _obj({"items": _arr(_ref(name))}, ...)


def _page_of(name: str, facets: dict) -> dict:
    counts = {
        key: _arr(
            _obj({"value": _text(enum=[m.value for m in enum_cls]), "label": _text(), "count": _int(minimum=0)}, ...)
        )
        for key, enum_cls in facets.items()
    }
    return _obj(
        {
            "items": _arr(_ref(name)),
            "total": _int("命中总数", minimum=0),
            "page": _int("页码", minimum=1),
            "per_page": _int("每页条数", minimum=1),
            "pages": _int("总页数", minimum=1),
            "facets": _obj(counts, ..., "分面计数：字段 → [{value, label, count}]"),
        },
        ...,
    )


# --- paths -------------------------------------------------------------------


def _catalog_paths() -> dict:
    return {
        "/catalog/resources": {
            "get": _op(
                "资源目录",
                "检索目录条目（中文子串、分面计数）",
                _ok("searchResources", _page_of("Resource", FACETS)),
                params=query_parameters(ResourceQuery),
            )
        },
        "/catalog/resources/{code}": {
            "get": _op(
                "资源目录",
                "目录条目详情与信息项",
                _ok("getResource", _ref("ResourceDetail")),
                ("404",),
                params=[_path("code", "目录条目代码", _text())],
            )
        },
        "/catalog/interfaces": {
            "get": _op(
                "资源目录",
                "检索共享接口",
                _ok("searchInterfaces", _page_of("Interface", {"object_class": ObjectClass})),
                params=query_parameters(InterfaceQuery),
            )
        },
    }


def _application_paths() -> dict:
    app_id = _path("app_id", "申请 ID")
    return {
        "/applications": {
            "get": _op(
                "数据申请",
                "申请列表（最近 500 条）",
                _ok("listApplications", _list_of("ApplicationSummary")),
                params=query_parameters(ApplicationQuery),
            ),
            "post": _op(
                "数据申请",
                "提交数据申请",
                _ok(
                    "createApplication",
                    _ref("ApplicationCreated"),
                    "已提交；有条件共享进入审核（due_at 为审核时限），无条件共享直接通过",
                ),
                ("400", "403", "404", "409", "413"),
                status="201",
                body=_ref("ApplicationInput"),
                headers={"Location": {"description": "新申请的地址", "schema": _text()}},
                description="不予共享的资源不能申请（422 not_shareable）；目录条目不存在或未发布为 404；"
                "没有申请人角色为 403。",
            ),
        },
        "/applications/{app_id}": {
            "get": _op(
                "数据申请",
                "申请详情、办理过程、授权与审批记录",
                _ok("getApplication", _ref("Application")),
                ("404",),
                params=[app_id],
            )
        },
        "/applications/{app_id}/withdraw": {
            "post": _op(
                "数据申请",
                "撤回申请（办结前）",
                _ok("withdrawApplication", _ref("Application")),
                ("400", "403", "404", "409", "413"),
                params=[app_id],
                body=_obj({"reason": _text("撤回理由（可不填）")}),
                body_required=False,
            )
        },
        "/applications/{app_id}/record.pdf": {
            "get": _op(
                "数据申请",
                "审批记录 PDF（办结后）",
                _ok("getApplicationRecord", _text(format="binary"), "审批记录 PDF"),
                ("404",),
                params=[app_id],
                content={"application/pdf": {"schema": _text(format="binary")}},
                description="申请作出通过或不通过决定时生成；尚未办结为 404。",
            )
        },
        "/grants": {
            "get": _op(
                "授权",
                "数据授权列表；数据平台运营方令牌：全县授权的变更清单（机器可读的授权提供单）",
                _ok("listGrants", {"anyOf": [_list_of("Grant"), _ref("GrantFeed")]}),
                ("304",),
                params=query_parameters(GrantQuery) + query_parameters(GrantFeedQuery),
                description="工作人员令牌：本单位获得的授权（scope=mine）或本单位数据的授权（scope=provider）。"
                "数据平台运营方令牌：changed_since 之后有变更（新授权、撤销、到期、目录变更影响、保留时删除信息项）"
                "的全部授权，按 (changed_at, id) 排序，用 next_cursor 翻页直到为 null；"
                "变更在 30 秒后列出（等待同时进行的事务提交，翻页不会越过它们）；"
                "应答带 ETag，请求带 If-None-Match 且内容未变时为 304。",
            )
        },
        "/usage": {
            "post": _op(
                "数据使用",
                "报送数据使用记录（仅数据平台运营方令牌）",
                _ok("postUsage", _ref("UsageReport"), "已处理：合格的记录已保存，有问题的逐条说明"),
                ("400", "403", "409", "413"),
                params=[
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": True,
                        "description": "本批记录的唯一标识（最多 100 个字符）：重发同一批时使用同一个值，返回第一次的结果",
                        "schema": _text(maxLength=100),
                    }
                ],
                body=_ref("UsageBatchInput"),
                description="每条记录各自检查：合格的保存，有问题的在 problems 中按序号（index）和编号（id）说明；"
                "同一记录编号只计一次（duplicates）。同一 Idempotency-Key 配不同内容为 409。",
            )
        },
    }


def _objection_paths() -> dict:
    return {
        "/objections": {
            "post": _op(
                "异议",
                "提出异议或纠错",
                _ok(
                    "createObjection",
                    _ref("ObjectionCreated"),
                    "已提交，县大数据局在受理审查期限内受理审查（期限见流程的“受理审查”环节）",
                ),
                ("400", "409", "413"),
                status="201",
                body=_ref("ObjectionInput"),
                headers={"Location": {"description": "新异议的地址", "schema": _text()}},
                description="类型未知或缺少事实和理由为 422，fields 指出出错的字段。本单位已提出、尚未办结的同一异议"
                "（同一类型、对象和事实）再次提交为 409 conflict，message 写明已有的异议编号。后续各环节通过待办接口办理，"
                "任务带 objection_id。",
            )
        },
        "/objections/{objection_id}": {
            "get": _op(
                "异议",
                "异议详情",
                _ok("getObjection", _ref("Objection")),
                ("404",),
                params=[_path("objection_id", "异议 ID")],
                description="提出单位、所涉单位、答复单位和县大数据局协调员可以查看；其他人为 404。",
            )
        },
    }


def _paths() -> dict:
    return {
        "/tasks": {
            "get": _op(
                "待办",
                "我的待办任务（逾期的在前）",
                _ok("listTasks", _list_of("Task")),
                params=query_parameters(TaskQuery),
            )
        },
        "/tasks/{task_id}/complete": {
            "post": _op(
                "待办",
                "办理任务",
                _ok("completeTask", _ref("TaskCompleted"), "已办理；申请类案件同时返回申请的最新状态"),
                ("400", "403", "404", "409", "413"),
                params=[_path("task_id", "任务 ID")],
                body=_ref("TaskCompletion"),
                description="同一任务只能办理一次：两人同时办理时，后到者得到 409 already_handled。"
                "不通过须写明具体理由，否则 422。",
            )
        },
        **_catalog_paths(),
        **_application_paths(),
        **_objection_paths(),
        "/scorecards": {
            "get": _op(
                "考核",
                "单位考核：各单位得分、排名及分项明细",
                _ok("listScorecards", openapi_schema(scorecards.Ranking)),
                params=query_parameters(ScorecardQuery),
                description="所有单位的得分和排名；分项（parts）只含本单位的，县大数据局协调员可见全部单位的分项，"
                "其他单位的 parts 为空数组。已结束的期间按结束后首次计算的结果保存，不再变化。",
            )
        },
        "/openapi.json": {
            "get": _op(
                "接口说明",
                "本文档（无需令牌）",
                _ok("getOpenAPI", _s("object", additionalProperties=True), "OpenAPI 3.0.3 文档"),
                public=True,
            )
        },
    }


def document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "夏邑县政务数据共享审批系统 API",
            "version": "1.0.0",
            "description": "数据目录检索、数据申请与审核、授权和审批记录。每个请求在请求头携带 "
            "Authorization: Bearer <令牌>（在“API 令牌”页面或 flask create-token 生成）。"
            "错误统一返回 {code, message, details}，message 为中文说明。",
        },
        "servers": [{"url": "/api/v1"}],
        "security": BEARER,
        "tags": [{"name": n} for n in ("待办", "资源目录", "数据申请", "授权", "数据使用", "异议", "考核", "接口说明")],
        "paths": _paths(),
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "description": "个人 API 令牌，可随时撤销"}
            },
            "schemas": _schemas(),
            "responses": {
                name: {"description": text} | ({} if name == "NotModified" else {"content": _json(_ref("Error"))})
                for name, text in ERRORS.values()
            },
        },
    }


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())
