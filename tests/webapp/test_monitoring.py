"""What the county's IT office watches: /readyz, /metrics, one JSON log line per request, and 系统运行状况."""

from __future__ import annotations

import json
import logging
import socket

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from tests.conftest import fresh_database_url
from tests.helpers import at, login, person, run_command, text_of, unit
from webapp import create_app
from webapp.monitoring import allowed_networks
from webapp.monitoring.logs import JsonFormatter
from workflows.models import EmailStatus, OutboxEmail

TOKEN = "prometheus-of-the-county"


def readyz(client) -> tuple[int, dict]:
    answer = client.get("/readyz")
    return answer.status_code, answer.get_json()


# --- /readyz ---------------------------------------------------------------------------------------------------


def test_an_unmigrated_database_is_not_ready_and_the_answer_says_so_in_chinese(tmp_path):
    url, drop = fresh_database_url(tmp_path)
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "test-secret"})
    try:
        status, body = readyz(app.test_client())
        assert app.test_client().get("/healthz").status_code == 200  # alive all the same
    finally:
        app.extensions["db_engine"].dispose()
        drop()
    assert status == 503 and body["status"] == "unavailable"
    assert body["checks"]["数据库"]["ok"] is True
    assert body["checks"]["数据库迁移"]["ok"] is False
    assert "未迁移" in body["checks"]["数据库迁移"]["detail"] and "init-db" in body["checks"]["数据库迁移"]["detail"]
    assert body["message"].startswith("未就绪：") and "数据库迁移" in body["message"]


def test_ready_after_a_periodic_pass_and_not_once_the_scheduler_has_been_silent_three_intervals(app, client):
    with at("2026-03-02T10:00:00"):
        status, body = readyz(client)
        assert status == 503 and "调度器从未运行" in body["message"]
        assert body["checks"]["数据库迁移"]["ok"] is True
        run_command(app, "tick")
        status, body = readyz(client)
        assert status == 200 and body["status"] == "ok"
        assert all(check["ok"] for check in body["checks"].values())
    with at("2026-03-02T10:03:00"):  # three sweep intervals of 60 s: still ready
        assert readyz(client)[0] == 200
    with at("2026-03-02T10:03:01"):
        status, body = readyz(client)
    assert status == 503 and body["checks"]["定时任务调度器"]["ok"] is False
    assert "定时任务调度器" in body["message"] and "181 秒前" in body["message"]


# --- /metrics --------------------------------------------------------------------------------------------------


def samples(client, **headers) -> dict:
    answer = client.get("/metrics", headers=headers)
    assert answer.status_code == 200 and answer.content_type.startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(answer.get_data(as_text=True)):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: dict, name: str, **labels) -> float:
    return found[(name, tuple(sorted(labels.items())))]


def test_metrics_show_requests_tasks_mail_records_and_the_scheduler_after_a_day_of_work(app, client, api, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    before = samples(client, Authorization=f"Bearer {TOKEN}")  # request figures add up for the process's life

    def counted(name: str, **labels) -> float:
        return value(found, name, **labels) - before.get((name, tuple(sorted(labels.items()))), 0)

    decided = api.apply()
    api.apply(scenario="城乡居民医疗救助对象身份核验")
    api.complete(api.review_task(decided["id"])["id"], {"decision": "approve"})
    assert api.get("/api/v1/applications/999999").status_code == 404
    with at("2026-03-02T10:00:00"):  # the other review is past its 5 working days
        run_command(app, "tick")
        found = samples(client, Authorization=f"Bearer {TOKEN}")
    with api.sessions() as s:
        queued = s.scalar(select(func.count(OutboxEmail.id)).where(OutboxEmail.status == EmailStatus.PENDING))

    assert counted("xiayi_http_request_duration_seconds_count", route="/api/v1/applications", method="POST") == 2
    assert counted("xiayi_http_request_duration_seconds_sum", route="/api/v1/applications", method="POST") > 0
    assert (
        counted(
            "xiayi_http_request_errors_total", route="/api/v1/applications/<int:app_id>", method="GET", status="404"
        )
        == 1
    )
    assert value(found, "xiayi_open_tasks", process="data_application", step="da_review") == 1
    assert value(found, "xiayi_overdue_tasks", process="data_application") >= 1
    assert value(found, "xiayi_overdue_tasks", process="all") >= 1
    assert value(found, "xiayi_mail_queue", status="pending") == queued
    assert value(found, "xiayi_mail_queue", status="failed") == 0
    assert value(found, "xiayi_record_renders_failed") == 0
    assert value(found, "xiayi_scheduler_heartbeat_age_seconds") == 0  # the clock stood still since the pass
    assert value(found, "xiayi_scheduler_last_pass_duration_seconds") >= 0
    assert value(found, "xiayi_scheduler_last_pass_timers_fired") >= 1
    assert value(found, "xiayi_scheduler_last_pass_failures") == 0


def test_metrics_are_found_only_from_an_allowed_address_or_with_the_token(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    assert client.get("/metrics").status_code == 404  # the test client asks from 127.0.0.1, not listed
    assert client.get("/metrics", headers={"Authorization": "Bearer guessed"}).status_code == 404
    login(client, "chenjing")
    assert client.get("/metrics").status_code == 404  # not even the sysadmin's login opens it
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    monkeypatch.setitem(app.config, "METRICS_ALLOWED_NETWORKS", allowed_networks("10.0.0.0/8, 127.0.0.1"))
    assert app.test_client().get("/metrics").status_code == 200
    assert b"xiayi_scheduler_heartbeat_age_seconds +Inf" in app.test_client().get("/metrics").data  # never ran


# --- logs --------------------------------------------------------------------------------------------------------


def request_lines(caplog) -> list[dict]:
    return [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "webapp.requests"]


def test_a_request_writes_one_json_line_with_its_id_person_unit_route_status_and_duration(client, db, caplog):
    login(client, "machao")
    caplog.set_level(logging.INFO, logger="webapp.requests")
    caplog.clear()
    answer = client.get("/applications/999999", headers={"X-Request-ID": "nginx-7f3a9c"})
    [line] = request_lines(caplog)
    assert answer.status_code == 404 and answer.headers["X-Request-ID"] == "nginx-7f3a9c"
    assert line["request_id"] == "nginx-7f3a9c"
    assert (line["person_id"], line["unit_id"]) == (person(db, "machao").id, unit(db, "mzj").id)
    assert (line["route"], line["path"], line["status"]) == ("/applications/<int:item_id>", "/applications/999999", 404)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["cpu_ms"] > 0 and line["db_ms"] > 0  # the page asked the database for the application
    assert "Server-Timing" not in answer.headers  # told only when the operator turns it on


def test_with_server_timing_on_each_answer_tells_its_cpu_and_database_time(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SERVER_TIMING", True)
    login(client, "machao")
    timing = client.get("/applications").headers["Server-Timing"]
    cpu, db_time = (float(part.split("dur=")[1]) for part in timing.split(", "))
    assert timing.startswith("cpu;dur=") and cpu > 0 and db_time > 0


def test_a_request_without_an_id_or_with_a_strange_one_gets_a_new_one(client, caplog):
    caplog.set_level(logging.INFO, logger="webapp.requests")
    plain = client.get("/healthz")
    odd = client.get("/healthz", headers={"X-Request-ID": 'a b", "status": 200'})
    first, second = request_lines(caplog)
    assert len(plain.headers["X-Request-ID"]) == 32 and first["request_id"] == plain.headers["X-Request-ID"]
    assert second["request_id"] == odd.headers["X-Request-ID"] != 'a b", "status": 200'
    assert first["person_id"] is None and first["route"] == "/healthz"


# --- 系统运行状况 ----------------------------------------------------------------------------------------------


def test_the_sysadmin_sees_the_last_pass_and_the_emails_it_could_not_send(app, client, api, monkeypatch):
    api.apply()
    with socket.socket() as probe:  # a port where no mail server listens
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", closed)
    with at("2026-02-13T10:05:00"):
        run_command(app, "tick")
        login(client, "chenjing")
        page = client.get("/admin/system")
        menu = client.get("/").get_data(as_text=True)
    text = text_of(page)
    assert page.status_code == 200 and "系统运行状况" in text and "调度器运行正常" in text
    assert "2026-02-13 10:05" in text and "触发定时器 0 个" in text and "失败 2 项" in text  # both reviewers' emails
    assert "无法连接邮件服务器" in text and "发送失败的邮件" not in text
    assert 'href="/admin/system"' in menu  # in the sysadmin's menu
    assert "未配置邮件服务器" not in text


def test_without_a_mail_server_the_system_page_says_mails_wait_and_how_to_send_them(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", "")
    login(client, "chenjing")
    text = text_of(client.get("/admin/system"))
    assert "未配置邮件服务器（环境变量 SMTP_HOST），邮件不会发出" in text and "设置 SMTP_HOST" in text


def test_only_the_sysadmin_opens_the_system_page(client):
    login(client, "machao")
    assert client.get("/admin/system").status_code == 403
    assert 'href="/admin/system"' not in client.get("/").get_data(as_text=True)


def test_a_record_whose_pdf_waits_for_the_pass_is_not_reported_as_made(client, api):
    api.complete(api.review_task(api.apply()["id"])["id"], {"decision": "approve"})  # decided: its PDF comes next pass
    login(client, "chenjing")
    page = text_of(client.get("/admin/system"))
    assert "1 份审批记录的 PDF 等待下一轮定时任务生成" in page and "均已生成" not in page
