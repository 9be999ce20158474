"""A county in full swing: applications, grants, demands and catalog changes in every status, for tests that look
at whole pages (the crawl) rather than one rule."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import select

from tests.helpers import another_case, person, unit
from workflows import demo
from workflows.catalog import changes as catalog_changes
from workflows.catalog import demands
from workflows.engine import sweep, tasks
from workflows.models import Application, ApprovalRecord, HumanTask, TaskStatus
from workflows.sharing import applications, grants

SH = ZoneInfo("Asia/Shanghai")
HOUSEHOLD = {"resource_code": "XY-GA-001", "items": ["姓名", "公民身份号码", "户籍地址"],
             "scenario": "最低生活保障家庭经济状况核对中核验申请人户籍", "basis": "《社会救助暂行办法》第十一条",
             "purpose": "核验低保申请人及家庭成员户籍", "frequency": "daily", "valid_until": "2027-02-13",
             "undertaking": True, "sensitive_justification": "核对家庭成员身份必须使用身份证号"}
COMPANIES = {"resource_code": "XY-SJ-001", "items": ["企业名称", "统一社会信用代码"], "scenario": "市场主体登记信息核验",
             "basis": "《优化营商环境条例》", "purpose": "核验企业登记信息", "frequency": "weekly",
             "valid_until": "2027-02-13", "undertaking": True}
REJECTION = "申请的户籍地址信息项超出最低生活保障核对所需范围，请仅申请姓名和身份号码"
RETURN = "请补充低保申请受理通知书扫描件，并说明核对对象的范围"


def at(text: str):
    return time_machine.travel(datetime.fromisoformat(text).replace(tzinfo=SH), tick=False)


@dataclass
class County:
    applications: dict[str, int] = field(default_factory=dict)  # status word -> application id
    records: list[str] = field(default_factory=list)  # SHA-256 of approval records
    change_id: int = 0
    demand_ids: list[int] = field(default_factory=list)


def _apply(sessions, data: dict, username: str = "machao") -> int:
    with sessions.begin() as s:
        return applications.apply(s, person(s, username), another_case(s, username, data)).id


def _decide(sessions, app_id: int, username: str = "huangtao", **data) -> None:
    with sessions() as s:
        task_id = s.scalar(select(HumanTask.id).join(Application, Application.instance_id == HumanTask.instance_id)
                           .where(Application.id == app_id, HumanTask.status == TaskStatus.OPEN,
                                  HumanTask.task_key == applications.REVIEW_TASK))
    with sessions.begin() as s:
        tasks.complete(s, person(s, username), task_id, data)


def build(sessions) -> County:
    """Every status a page can show, reached through the services as people would reach it."""
    county = County()
    with sessions.begin() as s:
        demo.seed_catalog(s)
    with at("2026-02-13T10:00:00"):
        with sessions.begin() as s:
            demo.seed_demands(s)
            county.applications["draft"] = applications.save_draft(
                s, person(s, "machao"), unit(s, "mzj").id, HOUSEHOLD).id
        for word in ("returned", "approved", "rejected", "withdrawn", "revoked", "late"):
            county.applications[word] = _apply(sessions, HOUSEHOLD)
        county.applications["unconditional"] = _apply(sessions, COMPANIES)
        _decide(sessions, county.applications["returned"], decision="return", reason=RETURN)
        _decide(sessions, county.applications["approved"], decision="approve", approved_items=["姓名", "户籍地址"])
        _decide(sessions, county.applications["revoked"], decision="approve")
        _decide(sessions, county.applications["rejected"], username="sunhong", decision="reject", reason=REJECTION,
                rejection_category="scope_exceeds")
        with sessions.begin() as s:
            applications.withdraw(s, person(s, "machao"), county.applications["withdrawn"], "业务调整，不再需要")
            grant = grants.for_application(s, county.applications["revoked"])
            grants.revoke(s, person(s, "huangtao"), grant.id, "发现超出应用场景使用，依约撤销授权")
            change = catalog_changes.register_change(s, person(s, "sunjie"), unit(s, "mzj").id, "law_revision",
                                                     "《社会救助暂行办法》修订，调整低保认定条件", "2026-02-13")
            county.change_id = change.id
            county.demand_ids = [d.id for d in demands.list_demands(s, person(s, "lina"))]
    with at("2026-03-02T09:00:00"):  # the late application passed its 5 working days: 催办, then 督办
        sweep.sweep(sessions)
        county.applications["in_review"] = _apply(sessions, HOUSEHOLD)
    with sessions() as s:
        county.records = list(s.scalars(select(ApprovalRecord.sha256)))
    return county
