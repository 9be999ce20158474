"""A county in full swing: applications, grants, demands and catalog changes in every status, for tests that look
at whole pages (the crawl) rather than one rule."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import select

from tests.helpers import MISSING_BASIS, NARROWED, another_case, person, propose, unit
from tests.helpers import step as helper_step
from workflows import demo
from workflows.catalog import changes as catalog_changes
from workflows.catalog import demands, entries, proposals
from workflows.engine import sweep, tasks
from workflows.incidents import service as incident_services
from workflows.models import Application, ApprovalRecord, EffectRating, Grant, HumanTask, Resource, TaskStatus
from workflows.objections import cases as objection_cases
from workflows.sharing import affected, applications, grants, uploads
from workflows.supervision import effect

SH = ZoneInfo("Asia/Shanghai")
HOUSEHOLD = {
    "resource_code": "XY-GA-001",
    "items": ["姓名", "公民身份号码", "户籍地址"],
    "scenario": "最低生活保障家庭经济状况核对中核验申请人户籍",
    "basis": "《社会救助暂行办法》第十一条",
    "purpose": "核验低保申请人及家庭成员户籍",
    "frequency": "daily",
    "valid_until": "2027-02-13",
    "undertaking": True,
    "sensitive_justification": "核对家庭成员身份必须使用身份证号",
}
COMPANIES = {
    "resource_code": "XY-SJ-001",
    "items": ["企业名称", "统一社会信用代码"],
    "scenario": "市场主体登记信息核验",
    "basis": "《优化营商环境条例》",
    "purpose": "核验企业登记信息",
    "frequency": "weekly",
    "valid_until": "2027-02-13",
    "undertaking": True,
}
VEHICLES = {
    "resource_code": "XY-GA-003",
    "items": ["号牌号码", "车辆类型", "所有人姓名"],
    "scenario": "社会救助家庭经济状况核对中核查申请人名下机动车",
    "basis": "《社会救助暂行办法》第十一条",
    "purpose": "核查低保申请家庭的车辆财产",
    "frequency": "weekly",
    "valid_until": "2027-02-13",
    "undertaking": True,
}
VEHICLES_BASIS = "依《中华人民共和国道路交通安全法》第一百一十二条，机动车登记信息仅限公安机关交通管理部门使用"
KEEP = "低保年度复核正在进行，复核结束前仍须核查车辆，届时不再续期"
REJECTION = "申请的户籍地址信息项超出最低生活保障核对所需范围，请仅申请姓名和身份号码"
RETURN = "请补充低保申请受理通知书扫描件，并说明核对对象的范围"


REFERRAL = "县公安局坚持认为户籍地址不能共享，与县民政局的低保核对职责分歧无法协调一致"


def at(text: str):
    return time_machine.travel(datetime.fromisoformat(text).replace(tzinfo=SH), tick=False)


@dataclass
class County:
    applications: dict[str, int] = field(default_factory=dict)  # status word -> application id
    records: list[str] = field(default_factory=list)  # SHA-256 of approval records
    change_id: int = 0
    demand_ids: list[int] = field(default_factory=list)
    objections: dict[str, int] = field(default_factory=dict)  # status word -> objection id
    entry_changes: dict[str, int] = field(default_factory=dict)  # status word -> entry change id
    incidents: list[int] = field(default_factory=list)  # 安全事件: the demo's two and one on the approved grant
    ratings: list[int] = field(default_factory=list)  # 使用效果评价 of 2025Q4: one given in time, one late


def _apply(sessions, data: dict, username: str = "machao") -> int:
    with sessions.begin() as s:
        return applications.apply(s, person(s, username), another_case(s, username, data)).id


def _decide(sessions, app_id: int, username: str = "huangtao", **data) -> None:
    with sessions() as s:
        task_id = s.scalar(
            select(HumanTask.id)
            .join(Application, Application.instance_id == HumanTask.instance_id)
            .where(
                Application.id == app_id,
                HumanTask.status == TaskStatus.OPEN,
                HumanTask.task_key == applications.REVIEW_TASK,
            )
        )
    with sessions.begin() as s:
        tasks.complete(s, person(s, username), task_id, data)


def build(sessions) -> County:
    """Every status a page can show, reached through the services as people would reach it."""
    county = County()
    with sessions.begin() as s:
        demo.seed_catalog(s)
    _ratings(sessions, county)
    with at("2026-02-13T10:00:00"):
        with sessions.begin() as s:
            demo.seed_demands(s)
            county.applications["draft"] = applications.save_draft(
                s, person(s, "machao"), unit(s, "mzj").id, HOUSEHOLD
            ).id
        for word in ("returned", "approved", "rejected", "withdrawn", "revoked", "late"):
            county.applications[word] = _apply(sessions, HOUSEHOLD)
        county.applications["unconditional"] = _apply(sessions, COMPANIES)
        _decide(sessions, county.applications["returned"], decision="return", reason=RETURN)
        _decide(
            sessions,
            county.applications["approved"],
            decision="approve",
            approved_items=["姓名", "户籍地址"],
            reason=NARROWED,
        )
        _decide(sessions, county.applications["revoked"], decision="approve")
        _decide(
            sessions,
            county.applications["rejected"],
            username="sunhong",
            decision="reject",
            reason=REJECTION,
            rejection_category="scope_exceeds",
            concerns=["户籍地址"],
        )
        with sessions.begin() as s:
            applications.withdraw(s, person(s, "machao"), county.applications["withdrawn"], "业务调整，不再需要")
            grant = grants.for_application(s, county.applications["revoked"])
            grants.revoke(s, person(s, "huangtao"), grant.id, "发现超出应用场景使用，依约撤销授权")
            change = catalog_changes.register_change(
                s,
                person(s, "sunjie"),
                unit(s, "mzj").id,
                "law_revision",
                "《社会救助暂行办法》修订，调整低保认定条件",
                "2026-02-13",
            )
            county.change_id = change.id
            county.demand_ids = [d.id for d in demands.list_demands(s, person(s, "lina"))]
            _incidents(s, county)
    with sessions() as s:
        due = s.scalar(
            select(HumanTask.due_at)
            .join(Application, Application.instance_id == HumanTask.instance_id)
            .where(Application.id == county.applications["late"], HumanTask.status == TaskStatus.OPEN)
        )
    with time_machine.travel(due.astimezone(SH).replace(hour=9, minute=0), tick=False):
        sweep.sweep(sessions)  # the morning of its last working day: 催办
    with at("2026-03-02T09:00:00"):  # the late application passed its 5 working days: 督办
        sweep.sweep(sessions)
        county.applications["in_review"] = _apply(sessions, HOUSEHOLD)
        _objections(sessions, county)
    _entry_changes(sessions, county)
    with sessions() as s:
        county.records = list(s.scalars(select(ApprovalRecord.sha256)))
    return county


PLANNING = COMPANIES | {"resource_code": "XY-ZR-002", "items": ["许可证编号"], "scenario": "住房救助对象建房许可核对"}


def _ratings(sessions, county: County) -> None:
    """Two grants of December 2025, asked on 5 January 2026 to rate 2025Q4 by the 16th: one rated in time, one late."""
    with at("2025-12-15T10:00:00"):
        for data in (COMPANIES, PLANNING):
            _apply(sessions, data | {"valid_until": "2026-12-14"})
    with at("2026-01-05T08:00:00"), sessions.begin() as s:
        effect.start_due(s)
        county.ratings = list(s.scalars(select(EffectRating.id).order_by(EffectRating.id)))
    for rating_id, when in zip(county.ratings, ("2026-01-07T10:00:00", "2026-01-20T10:00:00")):
        with at(when), sessions.begin() as s:
            task = tasks.case_tasks(s, "effect_rating", rating_id)[0]
            tasks.complete(s, person(s, "machao"), task.id, RATED)


RATED = {"usefulness": 4, "effect": "企业开办核验免交营业执照复印件 86 件，办理时间由半天缩短到十分钟"}


def _incidents(s, county: County) -> None:
    """The demo's incidents (by the bureau, one handled) and one the grantee recorded on its grant; the unconditional
    application stands for one submitted before the data protection undertaking was asked."""
    demo.seed_incidents(s)
    grant = grants.for_application(s, county.applications["approved"])
    incident_services.record_incident(
        s,
        person(s, "sunjie"),
        {
            "grant_id": grant.id,
            "occurred_on": "2026-02-12",
            "account": "经办人将核对结果截图发到工作群，群内有非本单位人员",
            "data_affected": "姓名、户籍地址，3 条",
            "measures": "已撤回并删除截图，约谈经办人",
        },
    )
    county.incidents = [i.id for i in incident_services.list_incidents(s, person(s, "lina"))]
    s.get(Application, county.applications["unconditional"]).data_protection = None
    s.get(Grant, grants.for_application(s, county.applications["unconditional"]).id).data_protection = None


def _raise(sessions, username: str, **raw) -> int:
    with sessions.begin() as s:
        return objection_cases.raise_objection(s, person(s, username), raw).id


def _objections(sessions, county: County) -> None:
    """异议 in the statuses the pages show: submitted, awaiting information, transferred, correcting, rated."""
    step = functools.partial(helper_step, sessions, "objection")
    with sessions() as s:
        gaj, mzj, grant_id = (
            str(unit(s, "gaj").id),
            str(unit(s, "mzj").id),
            grants.for_application(s, county.applications["approved"]).id,
        )
    county.objections["submitted"] = _raise(
        sessions,
        "huangtao",
        type="usage_dispute",
        grant_id=grant_id,
        facts="县民政局将户籍数据用于招商统计，超出申请的应用场景",
        request="请核查并撤销授权",
    )
    county.objections["awaiting_info"] = _raise(
        sessions, "machao", type="other", facts="县公安局共享接口多次中断，影响低保核对业务的开展", request="请督促修复"
    )
    step(
        county.objections["awaiting_info"],
        "ob_triage",
        "lina",
        {"decision": "ask_info", "info_request": "请补充接口中断的时间和错误截图"},
    )
    county.objections["transferred"] = _raise(
        sessions,
        "machao",
        type="application_dispute",
        application_id=county.applications["rejected"],
        facts="审核意见认为户籍地址超出所需，但低保核对需要核实户籍地址",
        request="请协调重新审核",
    )
    step(county.objections["transferred"], "ob_triage", "lina", {"decision": "accept"})
    step(county.objections["transferred"], "ob_transfer", "lina", {"responding_unit_ids": [gaj]})
    county.objections["correcting"] = _raise(
        sessions,
        "machao",
        type="catalog_correction",
        resource_code="XY-GA-001",
        facts="目录中户籍地址的更新周期填写为每年，实际为实时更新",
        request="请更正目录",
    )
    step(county.objections["correcting"], "ob_triage", "wanglei", {"decision": "accept"})
    step(county.objections["correcting"], "ob_transfer", "wanglei", {"responding_unit_ids": [gaj]})
    step(
        county.objections["correcting"], "ob_answer_1", "huangtao", {"stance": "agree", "position": "确有错误，将更正"}
    )
    step(
        county.objections["correcting"],
        "ob_decide",
        "wanglei",
        {"resolution": "agreed", "outcome": "upheld", "opinion": "更新周期填写错误，由县公安局更正"},
    )
    county.objections["rated"] = _raise(
        sessions,
        "sunjie",
        type="other",
        facts="县公安局与县民政局的人口口径不一致，核对结果互相矛盾",
        request="请统一口径",
    )
    step(county.objections["rated"], "ob_triage", "lina", {"decision": "accept"})
    step(county.objections["rated"], "ob_transfer", "lina", {"responding_unit_ids": [gaj, mzj]})
    step(county.objections["rated"], "ob_answer_1", "huangtao", {"stance": "agree", "position": "同意以户籍为准"})
    step(
        county.objections["rated"],
        "ob_answer_2",
        "sunjie",
        {"stance": "disagree", "position": "应以实际居住为准", "evidence": "《社会救助暂行办法》"},
    )
    step(county.objections["rated"], "ob_decide", "lina", {"resolution": "coordinate"})
    step(
        county.objections["rated"],
        "ob_coordinate",
        "lina",
        {
            "meeting_date": "2026-03-02",
            "participants": "县大数据局、县公安局、县民政局",
            "minutes": "双方陈述意见",
            "coordination_result": "rejected",
            "opinion": "户籍口径已能满足核对需要，维持现有做法",
        },
    )
    step(county.objections["rated"], "ob_rate", "sunjie", {"rating": "4", "rating_comment": "协调及时"})
    _referred(sessions, county, step)


DECISION_PDF = "%PDF-1.4\n% 夏政文〔2026〕12号\n%%EOF\n".encode()


def _referred(sessions, county: County, step) -> None:
    """A dispute referred to the county government, waiting for its decision; and one whose decision ordered sharing,
    which the provider answered it cannot carry out, so the bureau coordinates (协调中)."""
    with sessions() as s:
        gaj = str(unit(s, "gaj").id)
    for word in ("referred", "coordinating"):
        app_id = _apply(sessions, HOUSEHOLD)
        _decide(
            sessions,
            app_id,
            decision="reject",
            rejection_category="no_basis",
            missing_basis=MISSING_BASIS,
            reason="申请所列依据与低保核对无关，缺少县民政局的核对授权文件",
        )
        objection_id = _raise(
            sessions,
            "machao",
            type="application_dispute",
            application_id=app_id,
            facts="低保核对属于法定职责，县公安局以依据不足为由不予通过",
            request="请协调县公安局共享",
        )
        step(objection_id, "ob_triage", "wanglei", {"decision": "accept"})
        step(objection_id, "ob_transfer", "wanglei", {"responding_unit_ids": [gaj]})
        step(
            objection_id,
            "ob_answer_1",
            "huangtao",
            {"stance": "disagree", "position": "仍认为依据不足，维持不予通过的决定"},
        )
        step(objection_id, "ob_decide", "wanglei", {"resolution": "refer", "opinion": REFERRAL})
        step(
            objection_id,
            "ob_refer",
            "wanglei",
            {"referral_document": "夏数据〔2026〕3号 关于提请研究户籍数据共享争议的请示", "referred_on": "2026-03-02"},
        )
        county.objections[word] = objection_id
        if word == "coordinating":
            with sessions.begin() as s:
                tokens, _ = uploads.stash(
                    s, person(s, "wanglei"), [uploads.Chosen("县政府决定.pdf", "application/pdf", DECISION_PDF)]
                )
            step(
                objection_id,
                "ob_government",
                "wanglei",
                {
                    "government_number": "夏政文〔2026〕12号",
                    "government_decided_on": "2026-03-02",
                    "government_content": "低保核对属于法定职责，县公安局应按申请共享户籍人口信息。",
                    "government_outcome": "upheld",
                    "government_file": tokens,
                },
            )
            _decide(
                sessions, app_id, decision="cannot", reason="户籍地址库由省公安厅垂直管理，本局无权限向县级平台推送"
            )
            county.applications["coordinating"] = app_id


def _entry_changes(sessions, county: County) -> None:
    """不予共享 confirmed with one grant kept and one still to decide; a removal returned; a retirement pending; a
    catalog change waiting for the bureau's confirmation that no entry is affected. After the morning's sweep, so none
    of it is overdue when the pages are read."""
    step = functools.partial(helper_step, sessions)
    with at("2026-03-02T09:30:00"):
        vehicles = [_apply(sessions, VEHICLES, username) for username in ("machao", "lina")]
        for app_id in vehicles:
            _decide(sessions, app_id, decision="approve")
        county.entry_changes["effective"] = propose(
            sessions, "XY-GA-003", {"share_type": "not_shared", "share_method": "", "share_condition": VEHICLES_BASIS}
        )
        step("entry_change", county.entry_changes["effective"], "ec_confirm", "wanglei", {"decision": "approve"})
        with sessions.begin() as s:
            row = next(
                r for r in affected.rows(s, county.entry_changes["effective"]) if r.grant.application_id == vehicles[0]
            )
            affected.decide(s, person(s, "huangtao"), row.id, "keep", KEEP)
        county.entry_changes["returned"] = propose(
            sessions, "XY-GA-002", drop="签发机关", reason="签发机关均为本县公安局，信息项没有区分意义，不再维护"
        )
        step(
            "entry_change",
            county.entry_changes["returned"],
            "ec_confirm",
            "wanglei",
            {"decision": "return", "reason": "签发机关是证件核验的必要信息，删除会影响各单位核验证件"},
        )
        with sessions.begin() as s:
            resource = s.scalar(select(Resource).where(Resource.code == "XY-GA-002"))
            entries.retire(s, person(s, "huangtao"), resource.id, "居民身份证信息已并入全省统一的电子证照库")
            county.entry_changes["pending"] = proposals.open_change(s, resource.id).id
            confirming = catalog_changes.register_change(
                s,
                person(s, "sunjie"),
                unit(s, "mzj").id,
                "law_revision",
                "《社会救助暂行办法》修订，调整特困人员认定条件",
                "2026-02-27",
            ).id
        step(
            "catalog_change",
            confirming,
            "cu_update",
            "sunjie",
            {"outcome": "none_affected", "done_note": "特困人员认定条件调整不涉及本局目录条目的信息项"},
        )
