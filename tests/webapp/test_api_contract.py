"""The API against its own document (schemathesis): generated requests get no 5xx and only answers the document
describes; a real journey through every operation answers exactly as documented, success and error alike."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import schemathesis
import time_machine
from hypothesis import HealthCheck, settings

from tests.helpers import SH, bearer, person
from webapp import create_app
from webapp.api.openapi import document
from workflows import clock
from workflows.sharing import applications

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20260213,  # the same requests on every run: a failure in CI reproduces locally
        "generation": {"max-examples": 25},  # per operation: the whole file runs in about 25 s
        "phases": {"stateful": {"enabled": False}},
        "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
    }
)
# The document is loaded from the app itself, in-process over WSGI; it needs no database.
SCHEMA = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json",
    create_app({"DATABASE_URL": "sqlite://", "TESTING": True, "SECRET_KEY": "contract"}),
    config=CONFIG,
)
HOUSEHOLD = {
    "resource_code": "XY-GA-001",
    "items": ["姓名", "公民身份号码"],
    "scenario": "最低生活保障家庭经济状况核对中核验申请人户籍",
    "basis": "《社会救助暂行办法》第十一条",
    "purpose": "核验低保申请人及家庭成员户籍",
    "frequency": "daily",
    "valid_until": "2027-02-13",
    "undertaking": True,
    "sensitive_justification": "核对家庭成员身份必须使用身份证号",
}
COMPANY = {
    "resource_code": "XY-SJ-001",
    "items": ["企业名称", "统一社会信用代码"],
    "scenario": "企业开办一件事中核验企业登记信息",
    "basis": "《优化营商环境条例》",
    "purpose": "核验企业登记状态",
    "frequency": "每日",
    "valid_until": "2027-02-13",
    "undertaking": True,
}

SERVICE_RECORDS = {
    "resource_code": "XY-ZW-002",
    "items": ["办件编号", "办理状态"],
    "scenario": "核对低保申请事项的办理进度",
    "basis": "《社会救助暂行办法》第十一条",
    "purpose": "核对办理进度",
    "frequency": "weekly",
    "valid_until": (clock.today() + timedelta(days=365)).isoformat(),
    "undertaking": True,
}


@pytest.fixture
def lina(processes, demo_catalog) -> dict:
    """A coordinator who is also unit admin, applicant and reviewer: every operation is open to her. An application
    for her unit's data waits for her review, so the first ids (which SQLite hands out again) reach a real case."""
    with processes.begin() as s:
        applications.apply(s, person(s, "machao"), SERVICE_RECORDS)
    return bearer(processes, "lina")


@SCHEMA.parametrize()
@settings(database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_generated_requests_get_no_server_error_and_only_answers_the_document_describes(case, app, lina):
    case.call_and_validate(app=app, headers=lina)


class Journey:
    """Calls each operation as a demo person through schemathesis, which checks the answer against the document."""

    def __init__(self, app, sessions):
        self.app, self.sessions, self.tokens, self.called = app, sessions, {}, set()

    def call(self, method: str, path: str, username: str | None, status: int, **data):
        operation = SCHEMA[path][method]
        if username and username not in self.tokens:
            self.tokens[username] = bearer(self.sessions, username)
        response = operation.Case(**data).call_and_validate(app=self.app, headers=self.tokens.get(username, {}))
        assert response.status_code == status, response.text
        self.called.add(operation.definition.raw["operationId"])
        return response


OBJECTION = {
    "type": "application_dispute",
    "facts": "审核意见未说明不予共享的具体依据，影响低保核对工作",
    "request": "请县大数据局协调重新审核",
    "application_id": None,
}


def test_every_operation_answers_a_real_journey_exactly_as_documented(app, processes, demo_catalog):
    with processes.begin() as s:
        applications.save_draft(s, person(s, "machao"), person(s, "machao").unit_id, {"resource_code": "XY-GA-001"})
    api = Journey(app, processes)
    with time_machine.travel(datetime(2026, 2, 13, 10, 0, tzinfo=SH), tick=False):
        api.call("GET", "/openapi.json", None, 200)
        api.call("GET", "/catalog/resources", "machao", 200, query={"q": "户籍", "share_type": "有条件共享"})
        api.call("GET", "/catalog/resources/{code}", "machao", 200, path_parameters={"code": "XY-GA-001"})
        api.call("GET", "/catalog/resources/{code}", "machao", 404, path_parameters={"code": "XY-NO-999"})
        api.call("GET", "/catalog/interfaces", "machao", 200, query={"object_class": "person", "sort": "name"})
        reviewed = api.call("POST", "/applications", "machao", 201, body=HOUSEHOLD).json()
        api.call("POST", "/applications", "machao", 422, body=HOUSEHOLD | {"frequency": "偶尔"})
        approved = api.call("POST", "/applications", "machao", 201, body=COMPANY).json()
        assert approved["status"] == "approved" and approved["grant"] and approved["record"]
        record = {"path_parameters": {"app_id": reviewed["id"]}}
        api.call("GET", "/applications/{app_id}/record.pdf", "machao", 404, **record)
        task = next(
            t
            for t in api.call("GET", "/tasks", "huangtao", 200).json()["items"]
            if t.get("application_id") == reviewed["id"]
        )
        decision = {"path_parameters": {"task_id": task["id"]}, "body": {"decision": "approve"}}
        done = api.call("POST", "/tasks/{task_id}/complete", "huangtao", 200, **decision).json()
        assert done["application"]["status"] == "approved"
        api.call("POST", "/tasks/{task_id}/complete", "huangtao", 409, **decision)
        api.call("GET", "/applications/{app_id}", "machao", 200, **record)
        api.call("GET", "/applications/{app_id}/record.pdf", "machao", 200, **record)
        mine = api.call("GET", "/applications", "machao", 200).json()["items"]
        assert {a["status"] for a in mine} == {"draft", "approved"}
        api.call("GET", "/applications", "huangtao", 200, query={"scope": "provider", "status": "approved"})
        assert len(api.call("GET", "/grants", "machao", 200).json()["items"]) == 2
        withdrawn = api.call("POST", "/applications", "machao", 201, body=HOUSEHOLD).json()
        api.call(
            "POST",
            "/applications/{app_id}/withdraw",
            "machao",
            200,
            path_parameters={"app_id": withdrawn["id"]},
            body={"reason": "业务调整，暂不需要"},
        )
        api.call("POST", "/applications/{app_id}/withdraw", "machao", 409, path_parameters={"app_id": withdrawn["id"]})
        objection = api.call(
            "POST", "/objections", "machao", 201, body=OBJECTION | {"application_id": reviewed["id"]}
        ).json()
        api.call("POST", "/objections", "machao", 422, body={"type": "complaint", "facts": ""})
        seen = {"path_parameters": {"objection_id": objection["id"]}}
        assert api.call("GET", "/objections/{objection_id}", "machao", 200, **seen).json()["status"] == "submitted"
        api.call("GET", "/objections/{objection_id}", "heming", 404, **seen)
        with time_machine.travel(datetime(2026, 2, 13, 10, 1, tzinfo=SH), tick=False):  # once the changes settled
            changed = api.call("GET", "/grants", "platform", 200, query={"changed_since": "2026-02-13T00:00:00+08:00"})
        assert {g["application_number"] for g in changed.json()["items"]} >= {approved["number"]}
        usage = {"records": [{"id": "c-1", "grant_id": approved["grant"]["id"], "at": "2026-02-13T09:00:00+08:00",
                              "call_type": "interface", "count": 2}]}  # fmt: skip
        answer = api.call("POST", "/usage", "platform", 200, body=usage, headers={"Idempotency-Key": "c-1"}).json()
        assert answer["accepted"] == 1
        api.call("POST", "/usage", "machao", 403, body=usage, headers={"Idempotency-Key": "c-2"})
        cards = api.call("GET", "/scorecards", "huangtao", 200, query={"period": "2026-02"}).json()
        assert any(c["parts"] for c in cards["items"]) and any(not c["parts"] for c in cards["items"])
        api.call("GET", "/scorecards", "huangtao", 422, query={"period": "去年"})
    assert api.called == {op["operationId"] for ops in document()["paths"].values() for op in ops.values()}
