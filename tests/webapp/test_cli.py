"""The flask commands a newcomer and an operator use."""

import shutil
from pathlib import Path

from sqlalchemy import inspect, select
from sqlalchemy.orm import sessionmaker

from tests.conftest import fresh_database_url
from tests.helpers import BPMN_DIR, PRODUCT_BPMN_DIR, person, run_command
from webapp import create_app
from workflows import engine as wf_engine
from workflows.db import make_engine
from workflows.engine import lint
from workflows.models import ProcessVersion


def test_init_db_migrates_an_empty_database_to_head(tmp_path):
    url, drop = fresh_database_url(tmp_path)
    try:
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x"})
        result = run_command(app, "init-db")
        assert result.exit_code == 0, result.output
        engine = make_engine(url)
        tables = set(inspect(engine).get_table_names())
        assert {
            "unit",
            "person",
            "role_membership",
            "responsibility",
            "process_version",
            "process_instance",
            "human_task",
            "audit_event",
            "calendar_day",
            "api_token",
            "alembic_version",
        } <= tables
        engine.dispose()
        assert run_command(app, "init-db").exit_code == 0  # safe to run twice
        app.extensions["db_engine"].dispose()
    finally:
        drop()


def test_add_working_days_prints_the_due_date(app, sessions):
    result = run_command(app, "calendar", "add-working-days", "2026-02-13", "5")
    assert result.output.strip() == "2026-02-27"


def test_add_working_days_warns_when_the_result_is_provisional(app, sessions):
    result = run_command(app, "calendar", "add-working-days", "2026-12-28", "5")
    assert "2027-01-04" in result.output and "临时" in result.output


def test_deploy_bpmn_prints_the_version_or_the_lint_errors(app, sessions, tmp_path):
    ok = run_command(app, "deploy-bpmn", str(BPMN_DIR / "three_step.bpmn"))
    assert ok.exit_code == 0 and "第 1 版" in ok.output
    bad_dir = tmp_path / "bpmn"
    (bad_dir / "forms").mkdir(parents=True)
    for form in (BPMN_DIR / "forms").iterdir():
        (bad_dir / "forms" / form.name).write_text(form.read_text())
    bad = bad_dir / "bad.bpmn"
    bad.write_text((BPMN_DIR / "three_step.bpmn").read_text().replace("decided = decision", "x = __import__('os')"))
    result = run_command(app, "deploy-bpmn", str(bad))
    assert result.exit_code == 1
    assert "ts_mark_decided" in result.output and "未部署" in result.output


def test_create_token_prints_a_token_and_refuses_unknown_people(app, sessions):
    assert run_command(app, "create-token", "lina").output.startswith("xy_")
    result = run_command(app, "create-token", "nobody")
    assert result.exit_code != 0 and "不存在" in result.output


def test_tick_accepts_a_time_and_rejects_a_bad_one(app, sessions):
    output = run_command(app, "tick", "--now", "2026-02-27T09:00:00+08:00").output
    assert "触发定时器 0 个" in output and "发送邮件 0 封" in output
    assert run_command(app, "tick", "--now", "tomorrow").exit_code != 0


def test_seed_demo_loads_the_demo_people_once(tmp_path):
    url, drop = fresh_database_url(tmp_path)
    try:
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x", "BPMN_DIR": str(Path(tmp_path) / "none")})
        first = run_command(app, "seed-demo")
        people = (
            len(
                (Path(__file__).resolve().parents[2] / "workflows" / "seed" / "people.csv")
                .read_text(encoding="utf-8")
                .strip()
                .splitlines()
            )
            - 1
        )  # every person of the seed, once
        assert f"人员 {people} 名" in first.output, first.output
        assert "人员 0 名" in run_command(app, "seed-demo").output
        app.extensions["db_engine"].dispose()
    finally:
        drop()


def test_seeding_again_keeps_the_modelers_version_and_a_changed_file_is_deployed_by_the_system(tmp_path):
    bpmn = Path(tmp_path) / "bpmn"
    shutil.copytree(PRODUCT_BPMN_DIR, bpmn)
    url, drop = fresh_database_url(tmp_path)
    try:
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x", "BPMN_DIR": str(bpmn)})
        assert run_command(app, "seed-demo").exit_code == 0
        sessions = sessionmaker(app.extensions["db_engine"])
        source = (bpmn / "data_application.bpmn").read_text(encoding="utf-8")
        with sessions.begin() as s:
            wf_engine.deploy(
                s,
                source.replace('name="period" value="5"', 'name="period" value="3"'),
                lint.load_forms(bpmn / "forms"),
                person(s, "liuyang").id,
                "审核期限改为 3 个工作日",
            )

        assert run_command(app, "seed-demo").exit_code == 0

        def deployers():
            with sessions() as s:
                return [
                    (v.version, v.deployed_by.username if v.deployed_by else None)
                    for v in s.scalars(
                        select(ProcessVersion)
                        .where(ProcessVersion.process_key == "data_application")
                        .order_by(ProcessVersion.version)
                    )
                ]

        assert deployers() == [(1, None), (2, "liuyang")]

        (bpmn / "data_application.bpmn").write_text(
            source.replace('name="period" value="5"', 'name="period" value="4"'), encoding="utf-8"
        )
        assert run_command(app, "seed-demo").exit_code == 0
        assert deployers() == [(1, None), (2, "liuyang"), (3, None)]
        app.extensions["db_engine"].dispose()
    finally:
        drop()
