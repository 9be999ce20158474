"""Small helpers the tests share: the demo people and units by name, the clock, a case in review, the web and API
clients, Excel workbooks. Fixtures live in conftest.py; test modules import from here, never from each other."""

from __future__ import annotations

import contextlib
import functools
import io
import re
import threading
import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import time_machine
from openpyxl import load_workbook
from sqlalchemy import func, select

from workflows import engine as wf_engine
from workflows import spreadsheets
from workflows.catalog import entries
from workflows.catalog import excel as catalog_excel
from workflows.catalog import proposals
from workflows.engine import lint, tasks
from workflows.errors import DomainError
from workflows.models import (
    Application,
    AuditEvent,
    HumanTask,
    Notification,
    Person,
    Resource,
    ResourceRevision,
    TaskStatus,
    Unit,
)
from workflows.organisation import accounts, people_excel, responsibilities
from workflows.sharing import applications

BPMN_DIR = Path(__file__).parent / "workflows" / "bpmn"
PRODUCT_BPMN_DIR = Path(__file__).resolve().parents[1] / "bpmn"
SH = ZoneInfo("Asia/Shanghai")

# --- people, units, processes, time ------------------------------------------------------------------------------


def person(session, username: str) -> Person:
    return session.scalar(select(Person).where(Person.username == username))


def unit(session, code: str) -> Unit:
    return session.scalar(select(Unit).where(Unit.code == code))


def gap_of(session, code: str) -> list[str]:
    """What the units page and the coordinators' workbench say the unit lacks."""
    return next((g.missing for g in responsibilities.gaps(session) if g.unit.code == code), [])


def deploy_test_process(sessions, name: str = "three_step.bpmn", xml: str | None = None, note: str = "测试用的新版本"):
    with sessions.begin() as session:
        source = xml if xml is not None else (BPMN_DIR / name).read_text(encoding="utf-8")
        return wf_engine.deploy(session, source, lint.load_forms(BPMN_DIR / "forms"), None, note).version.version


APPLICATION_XML = (PRODUCT_BPMN_DIR / "data_application.bpmn").read_text(encoding="utf-8")
THREE_DAYS = APPLICATION_XML.replace('name="period" value="5"', 'name="period" value="3"')  # the review in 3 days
PRODUCT_FORMS = lint.load_forms(PRODUCT_BPMN_DIR / "forms")


def deploy_product_processes(sessions) -> None:
    """Every diagram in bpmn/ deployed, as seed-demo does."""
    forms = lint.load_forms(PRODUCT_BPMN_DIR / "forms")
    with sessions.begin() as session:
        for path in sorted(PRODUCT_BPMN_DIR.glob("*.bpmn")):
            wf_engine.deploy(session, path.read_text(encoding="utf-8"), forms, None)


def at(text: str):
    """The clock at a Shanghai wall-clock time, e.g. at("2026-02-13T10:00:00")."""
    return time_machine.travel(datetime.fromisoformat(text).replace(tzinfo=SH), tick=False)


def inbox_subjects(sessions, username: str) -> list[str]:
    with sessions() as s:
        return [
            n.subject
            for n in s.scalars(
                select(Notification).where(Notification.person_id == person(s, username).id).order_by(Notification.id)
            )
        ]


# --- the three-step test process (tests/workflows/bpmn/three_step.bpmn) ------------------------------------------


def start_case(sessions, submitted_at: str = "2026-02-13T10:00:00+08:00") -> int:
    with sessions.begin() as s:
        instance = wf_engine.start(
            s,
            "three_step",
            person(s, "machao").id,
            unit(s, "mzj").id,
            {"provider_unit_id": unit(s, "gaj").id, "submitted_at": submitted_at},
        )
        return instance.id


def open_task(session, instance_id: int) -> HumanTask:
    return session.scalar(
        select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == TaskStatus.OPEN)
    )


def complete(sessions, instance_id: int, username: str, data: dict) -> HumanTask:
    with sessions.begin() as s:
        return wf_engine.complete_task(s, open_task(s, instance_id).id, person(s, username), data)


# --- a data application (machao of 县民政局 asks 县公安局 for household data) ------------------------------------

# The using unit's undertaking how it keeps the data (谁使用谁负责), as the web form requires it.
# 县民政局's API application for 县市场监管局's company register (基础 · 一般), to check companies: the usage and effect
# tests' grant
COMPANY_CHECKS = {
    "resource_code": "XY-SJ-001",
    "items": ["企业名称", "统一社会信用代码"],
    "scenario": "企业开办一件事中核验企业登记信息",
    "basis": "《优化营商环境条例》",
    "purpose": "核验企业登记状态",
    "frequency": "weekly",
    "valid_until": "2027-02-13",
    "undertaking": True,
    "sensitive_justification": "",
}
PROTECTION = {
    "storage": "县民政局社会救助信息系统数据库（县政务云机房）",
    "access": "社会救助股经办人员 3 人，按岗位授权查看",
    "disposal": "授权到期或核对办结后 30 日内从系统中删除，不留副本",
}
PROTECTION_FORM = {f"data_protection.{name}": text for name, text in PROTECTION.items()}
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
    "data_protection": PROTECTION,
}
# an approval that leaves requested items out says why, as a rejection does
NARROWED = "户籍地址超出核对低保申请人身份的履职需要，不予提供"
# a rejection for lack of basis names the basis it finds insufficient (quoting HOUSEHOLD's)
MISSING_BASIS = "《社会救助暂行办法》第十一条只规定核对家庭收入和财产状况，未授权获取户籍信息"
# A sentence that fits every application, and per rejection category of a HOUSEHOLD application: the field of the fact
# the category asks for, a fact that says nothing of this application, a specific fact and a specific reason
# (units by their code).
GENERIC_REJECTION = "该申请不符合本单位数据共享的有关规定要求"
VAGUE_REJECTION = "经局领导集体研究，暂不宜对外提供"  # no stock phrase in it, yet it fits every application
REJECTION_FACTS = {
    "no_basis": (
        "missing_basis",
        "依据不足，请补充相关法律法规",
        MISSING_BASIS,
        "申请所列依据只涉及家庭经济状况核对，不能作为获取户籍地址的依据",
    ),
    "scope_exceeds": (
        "concerns",
        ["不动产权证号"],
        ["户籍地址"],
        "申请的户籍地址信息项超出最低生活保障核对所需范围，请仅申请姓名和身份号码",
    ),
    "security": (
        "provision",
        "有关保密规定",
        "《中华人民共和国数据安全法》第二十一条",
        "公民身份号码属于重要数据，须按数据分类分级保护制度经单位主要负责人审批后方可提供",
    ),
    "not_in_duty": (
        "holder_unit_id",
        "gaj",
        "bdc",
        "不动产登记信息由县不动产登记中心采集和管理，本局未掌握该数据，请向县不动产登记中心申请",
    ),
}


def rejection_fact(sessions, field: str, value):
    """A fact of REJECTION_FACTS as a form or the API sends it: a unit by its id."""
    if field != "holder_unit_id":
        return value
    with sessions() as s:
        return unit(s, value).id


HOUSEHOLD_FORM = {
    "resource_code": "XY-GA-001",
    "items": ["姓名", "公民身份号码"],
    "scenario": "最低生活保障家庭经济状况核对中核验申请人户籍",
    "basis": "《社会救助暂行办法》第十一条",
    "purpose": "核验低保申请人及家庭成员户籍",
    "frequency": "daily",
    "valid_until": "2027-02-13",
    "undertaking": "true",
    "sensitive_justification": "核对家庭成员身份必须使用身份证号",
} | PROTECTION_FORM


def another_case(session, username: str, data: dict) -> dict:
    """The data with its scenario numbered when the unit already has this very application under way: tests that
    start several cases start several needs, as a unit may not send the same application twice."""
    found = session.scalars(
        select(Application.scenario).where(
            Application.applicant_unit_id == person(session, username).unit_id,
            Application.status.in_(applications.OPEN_STATUSES),
        )
    ).all()
    scenario, n = data.get("scenario", ""), 1
    while scenario in found:
        n += 1
        scenario = f"{data['scenario']}（第 {n} 件）"
    return data | {"scenario": scenario}


def apply(sessions, username: str = "machao", **changes) -> int:
    with sessions.begin() as s:
        return applications.apply(s, person(s, username), another_case(s, username, HOUSEHOLD | changes)).id


def review_task(sessions, app_id: int) -> HumanTask:
    with sessions() as s:
        return next(
            t
            for t in tasks.case_tasks(s, "application", app_id)
            if t.task_key == "da_review" and t.status == TaskStatus.OPEN
        )


def decide(sessions, app_id: int, username: str = "huangtao", **data) -> None:
    task_id = review_task(sessions, app_id).id
    with sessions.begin() as s:
        tasks.complete(s, person(s, username), task_id, data)


RETURN_LIST = "1. 请补充低保申请受理通知书扫描件\n2. 请说明核对对象的范围和预计人数"
RETURN_ANSWERS = [
    "已上传低保申请受理通知书扫描件（民低保〔2026〕18号）",
    "核对对象为申请人及共同生活的家庭成员，约 3 人",
]


def returned(sessions) -> tuple[int, int]:
    """An application returned with RETURN_LIST: its id and the applicant's open 补正后重新提交 task."""
    app_id = apply(sessions)
    decide(sessions, app_id, decision="return", reason=RETURN_LIST)
    with sessions() as s:
        return app_id, next(t.id for t in tasks.case_tasks(s, "application", app_id) if t.status == TaskStatus.OPEN)


def status(sessions, app_id: int) -> str:
    with sessions() as s:
        return s.get(Application, app_id).status


# --- a change that withdraws data from a published entry (县公安局's household data) and reaches its grants -----

BASIS = "依《中华人民共和国居民身份证法》第十九条，公民身份号码等个人信息不得向无关单位提供"


def household_as_entered(session) -> tuple[Resource, dict, list[dict]]:
    """XY-GA-001 as its edit form holds it: the fields and the info items."""
    resource = session.scalar(select(Resource).where(Resource.code == "XY-GA-001"))
    raw = {k: v for k, v in entries.snapshot(resource).items() if k not in ("code", "status")}
    return resource, raw, raw.pop("items")


def propose(
    sessions,
    code: str = "XY-GA-001",
    changes: dict | None = None,
    drop: str = "",
    reason: str = "",
    username: str = "huangtao",
) -> int:
    """The keeper edits a published entry of 县公安局 (changes; the item `drop` removed, for `reason`); returns the
    change now waiting for the bureau."""
    with sessions.begin() as s:
        resource = s.scalar(select(Resource).where(Resource.code == code))
        raw = {k: v for k, v in entries.snapshot(resource).items() if k not in ("code", "status")}
        items = [i for i in raw.pop("items") if i["name"] != drop]
        entries.update_resource(s, person(s, username), resource.id, raw | (changes or {}), items, change_reason=reason)
        return proposals.open_change(s, resource.id).id


def propose_not_shared(sessions, basis: str = BASIS, username: str = "huangtao", **changes) -> int:
    """The keeper switches XY-GA-001 to 不予共享; returns the change waiting for the bureau."""
    return propose(
        sessions,
        changes={"share_type": "not_shared", "share_method": "", "share_condition": basis} | changes,
        username=username,
    )


def step(sessions, subject_type: str, subject_id: int, task_key: str, username: str, data: dict) -> None:
    """Complete the open task `task_key` of the cases about one subject, as that person."""
    with sessions() as s:
        task_id = next(
            t.id
            for t in tasks.case_tasks(s, subject_type, subject_id)
            if t.task_key == task_key and t.status == TaskStatus.OPEN
        )
    with sessions.begin() as s:
        tasks.complete(s, person(s, username), task_id, data)


def confirm_change(sessions, change_id: int, username: str = "wanglei", **data) -> None:
    step(sessions, "entry_change", change_id, "ec_confirm", username, {"decision": "approve"} | data)


# --- the web app, its commands and its API ---------------------------------------------------------------------


@contextlib.contextmanager
def serving(app, sessions):
    """The app's requests and commands work in the given sessions (the test's) for the duration."""
    saved = app.extensions["db_sessions"]
    app.extensions["db_sessions"] = sessions
    try:
        yield app
    finally:
        app.extensions["db_sessions"] = saved


def csrf_token(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def login(client, username: str, password: str = "Demo@2026"):
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_token(client)})


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def submit_form(client, data: dict, path: str = "/applications/new?resource=XY-GA-001", **extra):
    return client.post(
        path,
        data={"csrf_token": csrf_token(client, "/applications")} | data | extra,
        content_type="multipart/form-data",
    )


def upload(client, data: bytes, name: str = "catalog.xlsx", **fields):
    token = csrf_token(client, "/catalog/import")
    return client.post(
        "/catalog/import",
        data={"file": (io.BytesIO(data), name), "csrf_token": token} | fields,
        content_type="multipart/form-data",
    )


def run_command(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def bearer(sessions, username: str) -> dict:
    with sessions.begin() as s:
        return {"Authorization": f"Bearer {accounts.create_token(s, username)}"}


class Api:
    """Calls the API as one of the demo people, each with their own token."""

    def __init__(self, client, sessions):
        self.client, self.sessions, self.tokens = client, sessions, {}

    def headers(self, username: str) -> dict:
        if username not in self.tokens:
            self.tokens[username] = bearer(self.sessions, username)
        return self.tokens[username]

    def get(self, path, username="machao", **params):
        return self.client.get(path, query_string=params, headers=self.headers(username))

    def post(self, path, body=None, username="machao", **kwargs):
        if body is not None:
            kwargs["json"] = body
        return self.client.post(path, headers=self.headers(username), **kwargs)

    def apply(self, username="machao", **changes) -> dict:
        with self.sessions() as s:
            data = another_case(s, username, HOUSEHOLD | changes)
        response = self.post("/api/v1/applications", data, username)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def review_task(self, app_id, username="huangtao") -> dict:
        items = self.get("/api/v1/tasks", username).get_json()["items"]
        return next(t for t in items if t.get("application_id") == app_id)

    def complete(self, task_id, body, username="huangtao"):
        return self.post(f"/api/v1/tasks/{task_id}/complete", body, username)


# --- Excel workbooks of a unit's catalog -------------------------------------------------------------------------

DOG = {
    "资源名称": "养犬登记信息",
    "资源分类": "部门",
    "分类路径": "部门/公安/治安",
    "资源摘要": "本县犬只登记与年检信息",
    "资源格式": "数据库",
    "共享类型": "有条件共享",
    "共享条件/不予共享依据": "仅用于城市管理执法",
    "共享方式": "接口",
    "开放类型": "不予开放",
    "更新周期": "每日",
    "数据分级": "一般",
}
DOG_ITEMS = [["养犬登记信息", "犬主姓名", "字符型", 50, "否"], ["养犬登记信息", "犬只芯片号", "字符型", 20, "否"]]
HOUSEHOLD_ROW = DOG | {"资源名称": "户籍人口信息"}
HOUSEHOLD_ROW_ITEMS = [
    ["户籍人口信息", "姓名", "字符型", 50, "否"],
    ["户籍人口信息", "公民身份号码", "字符型", 18, "是"],
]
SHEET = "xl/worksheets/sheet1.xml"  # 资源目录 in the template


def workbook(resources: list[dict], items: list[list]) -> bytes:
    """The downloadable template with these rows (keyed by column title) instead of its examples."""
    book = load_workbook(io.BytesIO(catalog_excel.template_workbook()))
    sheet, item_sheet = book["资源目录"], book["信息项"]
    sheet.delete_rows(2)
    item_sheet.delete_rows(2, 2)
    titles = [cell.value for cell in sheet[1]]
    for row in resources:
        sheet.append([row.get(title) for title in titles])
    for row in items:
        item_sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export(db, username="huangtao", unit_code="gaj") -> bytes:
    return catalog_excel.export_workbook(db, person(db, username), unit(db, unit_code).id)


def run_import(db, data: bytes, username="huangtao", unit_code="gaj", reason=""):
    return catalog_excel.import_workbook(db, person(db, username), unit(db, unit_code).id, data, reason)


def catalog_state(db) -> dict:
    """Everything an import could change: entries, history and the audit trail."""
    snapshots = {r.code: entries.snapshot(r) for r in db.scalars(select(Resource))}
    return {
        "entries": snapshots,
        "revisions": db.scalar(select(func.count()).select_from(ResourceRevision)),
        "audit": db.scalar(select(func.count()).select_from(AuditEvent)),
    }


def patched(data: bytes, member: str, change) -> bytes:
    """The workbook with one XML part rewritten, as a hand-edited or hostile file would be."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            target.writestr(info.filename, change(body) if info.filename == member else body)
    return out.getvalue()


def with_rows(data: bytes, rows: bytes) -> bytes:
    return patched(data, SHEET, lambda body: body.replace(b"</sheetData>", rows + b"</sheetData>"))


def million_blank_rows() -> bytes:
    blank = b"".join(b'<row r="%d" spans="1:17"/>' % n for n in range(3, 1_000_003))
    return with_rows(workbook([DOG], DOG_ITEMS), blank)


@functools.cache
def huge_shared_string() -> bytes:
    """About 213 KB on disk; its one shared string unpacks to 200 MB."""
    out = io.BytesIO(workbook([DOG], DOG_ITEMS))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        with archive.open(spreadsheets.SHARED_STRINGS, "w", force_zip64=True) as part:
            part.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>')
            for _ in range(200):
                part.write(b"A" * (1 << 20))
            part.write(b"</t></si></sst>")
    return out.getvalue()


# The 2027 statutory holidays after New Year's Day, in the form the State Council publishes them
# (fictional dates): a calendar import must hold a whole year's schedule, so tests add their own lines to it.
SCHEDULE_2027_AFTER_NEW_YEAR = "".join(
    f"2027-{day},holiday,{name}\n"
    for name, days in (
        ("春节", ["02-06", "02-07", "02-08", "02-09", "02-10", "02-11", "02-12", "02-13", "02-14"]),
        ("清明节", ["04-05"]),
        ("劳动节", ["05-01", "05-02", "05-03", "05-04", "05-05"]),
        ("端午节", ["06-09"]),
        ("中秋节", ["09-15"]),
        ("国庆节", ["10-01", "10-02", "10-03", "10-04", "10-05", "10-06", "10-07"]),
    )
    for day in days
)


def confirm_calendar_preview(client, preview: str):
    """Press 确认替换 on a calendar import preview page: its hidden fields and text sent back."""
    import html

    form = {
        name: html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', preview)
    }
    form["csv_text"] = html.unescape(re.search(r'<textarea name="csv_text"[^>]*>(.*?)</textarea>', preview, re.S)[1])
    return client.post("/admin/calendar/import", data=form, follow_redirects=True)


def race(sessions, *actions) -> list[str]:
    """All actions at once, each in its own transaction; per action 'ok', the refusal's HTTP status, or the error
    (a deadlock or any database error is what a race test exists to catch). Sorted, so the order does not matter."""
    outcomes, barrier = [], threading.Barrier(len(actions))

    def run(action):
        barrier.wait()
        try:
            with sessions.begin() as s:
                action(s)
            outcomes.append("ok")
        except DomainError as err:
            outcomes.append(str(err.status))
        except Exception as exc:
            outcomes.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    [t.start() for t in threads]
    [t.join() for t in threads]
    return sorted(outcomes)


def people_workbook(rows: list[list], base: bytes | None = None) -> bytes:
    """The people template (or the given export) with these rows appended, as a unit's admin fills it in."""
    book = load_workbook(io.BytesIO(base or people_excel.template_workbook()))
    for row in rows:
        book[people_excel.SHEET].append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
