"""The audit trail as a person reads it: who (name and unit), when (Shanghai time), did what to which case, from → to.

Events store codes; this turns them into Chinese once, for the audit page and anything else that shows them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import case_names, clock
from workflows.models import (
    ROLE_LABELS_BY_CODE,
    AnswerStance,
    Application,
    ApplicationStatus,
    AuditEvent,
    CallFrequency,
    CategoryClass,
    ChangeKind,
    ChangeStatus,
    CorrectionStatus,
    FilePurpose,
    DemandStatus,
    EntryChangeKind,
    EntryChangeStatus,
    Grant,
    GrantStatus,
    HumanTask,
    InstanceStatus,
    Objection,
    ObjectionOutcome,
    ObjectionStatus,
    ObjectionType,
    OpenType,
    Person,
    ProcessInstance,
    ProcessVersion,
    RejectionCategory,
    Resource,
    ResourceFormat,
    ResourceStatus,
    ResponsibilityKind,
    Sensitivity,
    ShareMethod,
    ShareType,
    SiteTextKind,
    TaskStatus,
    Unit,
    UnitKind,
    UpdateCycle,
)
from workflows.models.labels import LabeledEnum

ACTIONS = {
    "api_token:created": "创建 API 令牌", "api_token:revoked": "吊销 API 令牌",
    "application:saved": "保存申请", "application:submitted": "提交申请", "application:withdrawn": "撤回申请",
    "application:attachment_added": "上传附件", "calendar:imported": "导入作息安排",
    "application:attachment_removed": "移除附件",
    "catalog_change:registered": "登记目录变更", "catalog_change:done": "完成目录更新",
    "demand:recorded": "登记共享需求", "demand:assigned": "分派共享需求", "demand:answered": "答复共享需求",
    "grant:created": "生成授权", "grant:expired": "授权到期", "grant:revoked": "撤销授权",
    "grant:affected": "目录条目变更生效，授权列给提供单位决定", "grant:kept": "决定保留授权至到期",
    "grant:affected_ended": "授权已失效，无需再决定",
    "instance:started": "案件开始", "instance:cancelled": "案件终止", "instance:timer_fired": "定时提醒触发",
    "process:deployed": "部署流程新版本", "record:created": "生成审批记录", "record:render_failed": "审批记录 PDF 生成失败",
    "session:login": "登录", "session:ended": "退出登录（结束全部会话）", "session:login_failed": "登录失败",
    "session:throttled": "登录受限（失败次数过多）",
    "session:ceiling_reached": "登录失败达到每日上限（已通知系统管理员）",
    "session:deactivated_login": "已停用的账号尝试登录",
    "session:one_time_password_expired": "一次性密码过期后尝试登录",
    "session:vendor_expired_login": "运维厂商人员账号到期后尝试登录",
    "vendor:created": "新建运维厂商人员账号", "vendor:undertaking_accepted": "签署保密承诺",
    "vendor:expiry_reminded": "提醒运维厂商人员账号即将到期",
    "task:opened": "生成待办", "task:completed": "办理任务", "task:closed_by_process": "流程结束时关闭任务",
    "task:claimed": "认领任务", "task:unclaimed": "放弃认领", "task:delegated": "转交任务",
    "task:reminded": "催办", "task:escalated": "督办", "task:due_recomputed": "重新计算期限",
    "resource:created": "新建目录条目", "resource:updated": "修改目录条目", "resource:published": "发布目录条目",
    "opinion:added": "添加常用意见", "opinion:deleted": "删除常用意见",
    "resource:retired": "停用目录条目", "resource:returned": "退回目录条目更正",
    "objection:answered": "答复异议", "objection:file_added": "上传异议证据材料", "objection:coordinated": "组织协调", "application:reopened": "根据异议决定重新审核",
    "resource:correction_ordered": "责成纠错", "resource:corrected": "完成纠错", "unit:incident": "记录违规使用事件",
    "task:assigned": "指定办理人",
    "person:created": "新建人员", "person:updated": "修改人员信息", "person:deactivated": "停用账号",
    "person:reactivated": "恢复账号", "person:password_reset": "重置密码", "person:password_changed": "修改密码",
    "session:unlocked": "解除登录限制", "people:imported": "导入人员和角色",
    "role:granted": "授予角色", "role:revoked": "取消角色", "responsibility:set": "设置责任人",
    "unit:created": "新建单位", "unit:updated": "修改单位信息", "unit:deactivated": "停用单位",
    "unit:reactivated": "恢复单位",
    "task:handed_over": "管理员转交任务", "task:released": "任务退回单位待办",
    "process:draft_saved": "保存流程草稿", "process:draft_discarded": "放弃流程草稿",
    "instance:migrated": "迁移案件", "demo:seeded": "载入演示数据",
    "application:coordination_closed": "县大数据局协调办结（按未通过办结）",
    "objection:government_decided": "记录县政府决定",
    "site_text:updated": "修改公开页面文字",
}
SUBJECTS = {"application": "申请", "task": "任务", "grant": "授权", "instance": "案件", "process": "流程",
            "resource": "目录条目", "demand": "共享需求", "catalog_change": "目录变更", "person": "人员",
            "api_token": "API 令牌", "login": "登录账号", "calendar": "工作日历", "unit": "单位",
            "objection": "异议", "opinion": "常用意见", "people_import": "人员导入", "demo": "演示数据",
            "entry_change": "目录条目变更", "site_text": "公开页面文字"}
KEYS = {"company": "所属公司", "expires_on": "账号有效期至", "undertaking": "保密承诺", "status": "状态", "reason": "理由", "number": "编号", "result": "办理结果", "late": "是否逾期",
        "decision": "审核意见", "rejection_category": "不通过类别", "items": "信息项", "approved_items": "同意提供的信息项",
        "approved_until": "授权有效期至", "valid_until": "有效期至", "unit_id": "单位", "provider_unit_id": "提供单位",
        "assignee_id": "办理人", "due_at": "期限", "provisional": "临时期限", "role": "角色", "name": "名称",
        "recipients": "通知人数", "address": "来源地址", "username": "用户名", "version": "版本", "process": "流程",
        "timers": "定时器", "next_timer_at": "下次提醒", "prefix": "令牌前缀", "person": "人员", "attachment": "附件",
        "size": "大小（字节）", "sha256": "摘要", "error": "原因", "attempts": "尝试次数", "application": "申请",
        "unit": "单位", "kind": "类型", "effective_on": "生效日期", "due_on": "更新期限", "answer": "答复",
        "note": "说明", "resubmit_note": "补正说明", "return_items": "补正事项", "answers": "逐项答复",
        "attachments": "附件", "missing_basis": "缺少或不足的依据", "concerns": "超出履职需要的信息项",
        "provision": "涉及的安全或保密规定", "holder_unit_id": "掌握该数据的单位", "done_note": "更新说明", "supervision_note": "督办意见",
        "scope": "范围", "wait_seconds": "需等待（秒）", "revoked": "已吊销", "frequency": "调用频次",
        "share_type": "共享类型", "code": "代码", "comment": "说明", "revision": "版本", "changes": "变更内容",
        "changed": "变更数量", "days": "天数", "year": "年份", "outcome": "办理结果", "resource_code": "目录条目代码",
        "effect": "处理", "stance": "意见", "supplement": "补充材料",
        "info_request": "要求补充", "responding_unit_ids": "答复单位", "concerned_unit_id": "所涉单位", "rating": "评价",
        "objection_id": "异议编号", "grant_id": "授权", "resource_id": "目录条目", "application_id": "申请",
        "referred_on": "提请日期", "meeting_date": "协调日期", "participants": "参加单位和人员", "minutes": "协调纪要",
        "corrected_on": "更正日期",
        "text": "内容", "resolution": "各方意见", "coordination_result": "协调结果", "application_action": "对申请的处理",
        "grant_action": "对授权的处理", "incident": "记录违规使用事件", "opinion": "处理意见", "evidence": "依据",
        "rating_comment": "评价意见", "transfer_note": "转办说明", "referral_document": "提请文件",
        "correction_unit_id": "纠错单位", "correction": "纠错状态",
        "category_class": "门类", "category_path": "分类", "summary": "摘要", "format": "数据格式",
        "share_condition": "共享条件", "share_method": "共享方式", "open_type": "开放类型", "update_cycle": "更新周期",
        "sensitivity": "敏感程度", "published_on": "发布日期", "related_codes": "关联条目", "mandate": "职责依据",
        "collection_note": "采集说明",
        "display_name": "姓名", "position": "职务", "email": "电子邮箱", "roles": "角色", "active": "账号状态",
        "one_time": "一次性密码", "after_one_time_password": "首次登录改密", "failures": "登录失败次数",
        "during": "发生于", "addresses": "来源地址数", "short_name": "简称", "credit_code": "统一社会信用代码", "successor": "接替人",
        "file": "文件", "created": "新建", "updated": "修改人数", "base_version": "基于版本",
        "holidays_and_makeup_days": "节假日和调休天数", "people": "人员", "units": "单位", "resource": "目录条目",
        "resources": "目录条目", "interfaces": "数据接口", "government_decision": "县政府决定",
        "purpose": "文件类别", "decided_on": "决定日期", "content": "决定内容", "next_step": "处理方式",
        "government_number": "决定文号", "government_decided_on": "决定日期", "government_content": "决定内容",
        "government_outcome": "决定结果", "government_file": "县政府决定文件", "basis": "依据或理由", "removed_items": "删除的信息项",
        "entry_change": "目录条目变更", "grant_status": "授权状态", "registered_late": "登记时已逾期",
        "title": "标题", "length": "正文字数"}
# internal counters, ids and the process's own routing values, meaningless to a reader
HIDDEN_KEYS = {"generation", "version_id", "correction_id", "needs_correction", "responding_unit_1",
               "responding_unit_2", "responding_unit_3"}
BOOLEANS = {"active": ("启用", "停用"), "revoked": ("已吊销", "未吊销"), "one_time": ("已生成", "无"),
            "provisional": ("是", "否"), "late": ("逾期", "未逾期"), "registered_late": ("是", "否")}
END_REASONS = {"logout": "本人退出登录", "password_changed": "修改了密码", "deactivated": "账号被停用",
               "password_reset": "管理员重置了密码"}
DEMO_PARTS = {"org": "单位和人员", "catalog": "资源目录"}
DURING = {"password_change": "修改密码时"}
# the same key means something else on an objection than on a person
KEYS_BY_SUBJECT = {"objection": {"position": "答复意见", "opinion": "处理意见"},
                   "task": {"position": "答复意见", "stance": "是否认可"}}
DECISIONS = {"approve": "通过", "reject": "不通过", "return": "退回补正", "assign": "分派", "refer": "报市级协调",
             "close": "办结", "resolved": "已解决", "unresolved": "无法提供", "will_publish": "可以提供，将编目发布",
             "cannot_provide": "无法提供", "accept": "受理", "ask_info": "要求补充材料（一次性告知）",
             "revised": "已修订本单位的目录条目", "none_affected": "本单位没有受影响的目录条目", "confirm": "确认",
             "cannot": "不能执行县政府决定"}
# the values of the objection forms (bpmn/forms/objection_*.schema.json) by their labels
OBJECTION_CHOICES = {
    "resolution": {"agreed": "意见一致，记录处理结果", "coordinate": "意见不一致，组织协调",
                   "refer": "提请县政府数据共享工作领导小组"},
    "coordination_result": {"upheld": "决定：异议成立", "rejected": "决定：异议不成立",
                            "refer": "协调不成，提请县政府数据共享工作领导小组"},
    "application_action": {"reopen": "退回提供单位重新审核", "approve": "县大数据局作出结论：同意共享并授权"},
    "grant_action": {"revoke": "撤销授权", "keep": "保留授权，责令整改"},
    "government_outcome": {"upheld": "异议成立，按决定办理", "rejected": "异议不成立"}}
CATALOG_CHOICES: dict[str, type[LabeledEnum]] = {
    "category_class": CategoryClass, "format": ResourceFormat, "share_method": ShareMethod, "open_type": OpenType,
    "update_cycle": UpdateCycle, "sensitivity": Sensitivity}
STATUSES: dict[str, type[LabeledEnum]] = {
    "application": ApplicationStatus, "grant": GrantStatus, "task": TaskStatus, "instance": InstanceStatus,
    "resource": ResourceStatus, "demand": DemandStatus, "catalog_change": ChangeStatus, "objection": ObjectionStatus,
    "entry_change": EntryChangeStatus}
MAX_TEXT = 200
CASE_SUBJECTS = ("application", "demand", "catalog_change", "objection", "entry_change")  # named by case_names


@dataclass
class AuditLine:
    at: datetime
    actor: str
    action: str
    subject: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (what, before, after)
    unit: str = ""  # the unit the actor acted for, "" when the event does not say


def describe(session: Session, events: list[AuditEvent]) -> list[AuditLine]:
    """Each event in Chinese; the names it refers to (units, people, application numbers, tasks) load in four queries."""
    names = _Names(session, events)
    return [AuditLine(at=e.at, actor=names.actor(e), action=_action(e.action, e.subject_type), subject=names.subject(e),
                      changes=_changes(e, names), unit=e.unit.name if e.unit else "") for e in events]


def filter_units(session: Session) -> dict[int, str]:
    """Every unit, for filtering the audit trail by the unit acted for (deactivated ones keep their history)."""
    return dict(session.execute(select(Unit.id, Unit.name).order_by(Unit.active.desc(), Unit.id)).all())


def label(code: str) -> str | None:
    """The Chinese name of an action code, or None when there is none (the page would say 其他操作)."""
    text = _action(code)
    return None if text == "其他操作" else text


def filter_actions() -> dict[str, str]:
    """Every action the audit page can filter on: the named ones and each status a subject can take."""
    statuses = {f"{kind}:{member.value}": f"{SUBJECTS.get(kind, '事项')}：{member.label}"
                for kind, enum_cls in STATUSES.items() for member in enum_cls}
    return ACTIONS | {code: label for code, label in statuses.items() if code not in ACTIONS}


def _action(code: str, subject_type: str = "") -> str:
    if code == "record:created" and subject_type == "objection":
        return "生成异议处理记录"
    if code in ACTIONS:
        return ACTIONS[code]
    kind, _, verb = code.partition(":")
    enum_cls = STATUSES.get(kind)
    member = enum_cls.parse(verb) if enum_cls else None
    return f"{SUBJECTS.get(kind, '事项')}：{member.label}" if member else "其他操作"


def key_label(subject_type: str, key: str) -> str:
    return KEYS_BY_SUBJECT.get(subject_type, {}).get(key) or KEYS.get(key, "其他")


def _changes(event: AuditEvent, names: _Names) -> list[tuple[str, str, str]]:
    before, after = event.before or {}, event.after or {}
    rows = []
    for key in list(dict.fromkeys([*before, *after])):
        if key in HIDDEN_KEYS:
            continue
        old, new = (names.value(event.subject_type, key, side.get(key), event.action) for side in (before, after))
        if old != new or key in after:
            what = "单位状态" if (event.subject_type, key) == ("unit", "active") else key_label(event.subject_type, key)
            rows.append((what, old, new))
    return rows


class _Names:
    """Looks up, once per page, the units, people, applications and tasks the events mention by id."""

    def __init__(self, session: Session, events: list[AuditEvent]):
        ids = {"unit": set(), "person": set(), "application": set(), "task": set(), "demand": set(),
               "catalog_change": set(), "instance": set(), "objection": set(), "grant": set(), "resource": set(),
               "entry_change": set()}
        codes, usernames = set(), set()
        for e in events:
            for side in _sides(e):
                ids["unit"] |= {_id(v) for k, v in side.items() if k.endswith("unit_id") and _id(v)}
                ids["unit"] |= {_id(u) for k, v in side.items() if k.endswith("unit_ids") and isinstance(v, list)
                                for u in v if _id(u)}
                for kind in ("objection", "grant", "resource", "application"):
                    ids[kind] |= {_id(v) for k, v in side.items() if k == f"{kind}_id" and _id(v)}
                ids["person"] |= {v for k, v in side.items() if k == "assignee_id" and isinstance(v, int)}
                codes |= {v for k, v in side.items() if k == "unit" and isinstance(v, str)}
                usernames |= {v for k, v in side.items() if k in ("person", "successor") and isinstance(v, str)}
            if e.subject_type in ids and e.subject_id.isdigit():
                ids[e.subject_type].add(int(e.subject_id))
        self.units = dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids["unit"]))).all())
        self.unit_codes = dict(session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(codes))).all())
        self.people = dict(session.execute(select(Person.id, Person.display_name)
                                           .where(Person.id.in_(ids["person"]))).all())
        self.cases = {(kind, i): name for kind in CASE_SUBJECTS
                      for i, name in case_names.by_subject(session, kind, ids[kind]).items()}
        self.numbers = dict(session.execute(select(Application.id, Application.number)
                                            .where(Application.id.in_(ids["application"]))).all())
        self.objections = {o.id: o.number for o in session.scalars(select(Objection)
                                                                    .where(Objection.id.in_(ids["objection"])))}
        self.grants = {g.id: f"{g.application.number}「{g.resource.name}」（{g.unit.name}）"
                       for g in session.scalars(select(Grant).where(Grant.id.in_(ids["grant"])))}
        self.resources = {r.id: f"{r.code} {r.name}"
                          for r in session.scalars(select(Resource).where(Resource.id.in_(ids["resource"])))}
        instances = list(session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(ids["instance"]))))
        self.cases |= {("instance", i): name for i, name in case_names.for_instances(session, instances).items()}
        found = list(session.scalars(select(HumanTask).where(HumanTask.id.in_(ids["task"]))))
        cases = case_names.for_instances(session, [t.instance for t in found])
        self.tasks = {t.id: f"“{t.name}”（{cases[t.instance_id]}）" for t in found}
        self.usernames = dict(session.execute(select(Person.username, Person.display_name)
                                              .where(Person.username.in_(usernames))).all())
        self.processes = dict(session.execute(select(ProcessVersion.process_key, ProcessVersion.name)
                                              .order_by(ProcessVersion.version)).all())

    @staticmethod
    def actor(event: AuditEvent) -> str:
        if event.actor is None:
            return "系统"
        return f"{event.actor.display_name}（{event.actor.unit.name}）"

    def subject(self, event: AuditEvent) -> str:
        kind, key = event.subject_type, event.subject_id
        label = SUBJECTS.get(kind, "事项")
        if kind in (*CASE_SUBJECTS, "instance") and key.isdigit():
            return self.cases.get((kind, int(key))) or f"{label}（已删除）"
        if kind == "task" and key.isdigit():
            return f"{label}{self.tasks.get(int(key), '（已删除）')}"
        if kind == "process":
            return f"{label}“{self.processes.get(key, key)}”"
        if kind == "person" and key.isdigit() and int(key) in self.people:
            return f"{label} {self.people[int(key)]}"
        if kind == "unit" and key.isdigit() and int(key) in self.units:
            return f"{label} {self.units[int(key)]}"
        if kind == "grant" and key.isdigit() and int(key) in self.grants:
            return f"{label} {self.grants[int(key)]}"
        if kind == "resource" and key.isdigit() and int(key) in self.resources:
            return f"{label} {self.resources[int(key)]}"
        if kind == "calendar":
            return f"{key} 年{label}"
        if kind == "demo":
            return f"{label}（{DEMO_PARTS.get(key, '其他')}）"
        if kind == "site_text":
            return f"{label}（{SiteTextKind.label_of(key) or '其他'}）"
        return f"{label} {key}"

    def value(self, subject_type: str, key: str, value, action: str = "") -> str:
        if value is None or value == "" or value == []:
            return ""
        if isinstance(value, bool):
            yes, no = BOOLEANS.get(key, ("是", "否"))
            return yes if value else no
        if isinstance(value, list):
            return "、".join(self.value(subject_type, key, v, action) for v in value)
        if isinstance(value, dict):
            parts = [f"{key_label(subject_type, k)}：{self.value(subject_type, k, v, action)}" for k, v in value.items()
                     if v not in (None, "", []) and k not in HIDDEN_KEYS]
            return "；".join(parts)
        if (key.endswith("unit_id") or key.endswith("unit_ids")) and _id(value):
            return self.units.get(_id(value), "（已删除的单位）")
        named = {"objection_id": self.objections, "grant_id": self.grants, "resource_id": self.resources,
                 "application_id": self.numbers}.get(key)
        if named is not None and _id(value):
            return named.get(_id(value)) or "（已删除）"
        if key == "assignee_id" and isinstance(value, int):
            return self.people.get(value, "（已删除的人员）")
        if key == "unit" and isinstance(value, str):
            return self.unit_codes.get(value, value)
        if key in ("person", "successor") and isinstance(value, str) and value in self.usernames:
            return f"{self.usernames[value]}（{value}）"
        if key == "process" or (subject_type == "process" and key == "process_key"):
            return self.processes.get(str(value), "流程")
        return _text(subject_type, key, str(value), action)


def _id(value) -> int | None:
    """An id as events hold it: an int, or digits from a submitted form ("2")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) <= 10 else None


def _sides(event: AuditEvent) -> list[dict]:
    """Before, after and the dicts nested in them (a task's result), where ids to be named may stand."""
    sides = [event.before or {}, event.after or {}]
    return sides + [v for side in sides for v in side.values() if isinstance(v, dict)]


def _text(subject_type: str, key: str, value: str, action: str = "") -> str:
    if subject_type == "objection" and key in ("outcome", "kind"):
        return (ObjectionOutcome if key == "outcome" else ObjectionType).label_of(value) or value
    if action == "objection:coordinated" and key == "result":
        key = "coordination_result"
    if key in OBJECTION_CHOICES and value in OBJECTION_CHOICES[key]:
        return OBJECTION_CHOICES[key][value]
    if key == "outcome" and ObjectionOutcome.label_of(value):
        return ObjectionOutcome.label_of(value)
    if key == "stance" and AnswerStance.label_of(value):
        return AnswerStance.label_of(value)
    if key == "purpose" and FilePurpose.label_of(value):
        return FilePurpose.label_of(value)
    if key == "next_step":
        return {"reopen": "再次协调，退回提供单位重新审核", "conclude": "按未通过办结"}.get(value, value)
    if key == "rating" and value.isdigit():
        return f"{value} 分"
    if key in CATALOG_CHOICES and CATALOG_CHOICES[key].label_of(value):
        return CATALOG_CHOICES[key].label_of(value)
    if key in ("status", "correction") and action.startswith("resource:correct"):
        return CorrectionStatus.label_of(value) or value
    if key == "status" and subject_type in STATUSES:
        return STATUSES[subject_type].label_of(value) or value
    if key == "kind":
        found = (ResponsibilityKind.label_of(value) if action == "responsibility:set"
                 else UnitKind.label_of(value) if subject_type == "unit"
                 else {"entry_change": EntryChangeKind, "catalog_change": ChangeKind}.get(subject_type, UnitKind)
                 .label_of(value))
        if found:
            return found
    if key == "reason" and action == "session:ended":
        return END_REASONS.get(value, value)
    labelled = {"role": ROLE_LABELS_BY_CODE.get(value), "roles": ROLE_LABELS_BY_CODE.get(value),
                "rejection_category": RejectionCategory.label_of(value),
                "during": DURING.get(value),
                "share_type": ShareType.label_of(value), "frequency": CallFrequency.label_of(value),
                "grant_status": GrantStatus.label_of(value),
                "decision": DECISIONS.get(value), "answer": DECISIONS.get(value), "outcome": DECISIONS.get(value)}
    if labelled.get(key):
        return labelled[key]
    if len(value) >= 19 and value[4:5] == "-" and value[10:11] == "T":  # an ISO instant
        try:
            return clock.fmt(datetime.fromisoformat(value))
        except ValueError:
            pass
    return value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + "…"
