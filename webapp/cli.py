"""flask commands: init-db, seed-demo, create-token, deploy-bpmn, calendar, unit, user, tick, run-scheduler,
backup, restore."""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from notifications.email import SmtpSettings
from workflows import backup, calendar, clock, demo, demo_history, engine, migrate, operations
from workflows.supervision import reports
from workflows.engine import lint
from workflows.errors import DomainError
from workflows.models import Person
from workflows.organisation import accounts
from workflows.scheduler import run_forever
from workflows.unit_of_work import unit_of_work


def _sessions():
    return current_app.extensions["db_sessions"]


def retention(config) -> operations.Retention:
    """How long the periodic pass keeps what only serves for a while (the *_RETENTION_DAYS settings)."""
    return operations.Retention(
        login_failures=timedelta(days=config["LOGIN_FAILURE_RETENTION_DAYS"]),
        read_notifications=timedelta(days=config["NOTIFICATION_RETENTION_DAYS"]),
        sent_emails=timedelta(days=config["SENT_EMAIL_RETENTION_DAYS"]),
        usage_records=timedelta(days=config["USAGE_RETENTION_DAYS"]),
    )


def _engine():
    return current_app.extensions["db_engine"]


def smtp_settings(config) -> SmtpSettings:
    return SmtpSettings(
        host=config["SMTP_HOST"],
        port=config["SMTP_PORT"],
        user=config["SMTP_USER"],
        password=config["SMTP_PASSWORD"],
        sender=config["SMTP_FROM"],
        starttls=config["SMTP_STARTTLS"],
    )


def init_db() -> int:
    migrate.upgrade(_engine())
    with unit_of_work(_sessions()) as session:
        return calendar.seed_from_package(session)


def deploy_files(paths: list[Path], actor: str | None, note: str | None = None, once: bool = False) -> int:
    """Deploy each file with the form schemas of the forms/ folder beside it; 1 if any was rejected.

    The same checks as the browser modeler (lint, contract, dry run); a change note is needed after version 1.
    once: a file whose content was deployed before (as any version) is not deployed again.
    """
    status = 0
    for path in paths:
        forms = lint.load_forms(path.parent / "forms")
        try:
            with unit_of_work(_sessions()) as session:
                actor_id = session.scalar(select(Person.id).where(Person.username == actor)) if actor else None
                result = engine.deploy(session, path.read_text(encoding="utf-8"), forms, actor_id, note, once=once)
                version = result.version
                click.echo(
                    f"{path.name}: {version.process_key} 第 {version.version} 版"
                    + ("（新版本）" if result.created else "（内容未变，沿用现有版本）")
                    + (f"；试运行：{result.dry_run.summary}" if result.dry_run else "")
                )
                for line in result.changes:
                    click.echo(f"  · {line}")
        except DomainError as err:
            status = 1
            click.echo(f"{path.name}: {err.message}", err=True)
            for line in err.details:
                click.echo(f"  - {line}", err=True)
    return status


def _refused(err: DomainError) -> None:
    """A refused backup or restore: the reason in Chinese on stderr, exit 1 (no English "Error:" prefix)."""
    click.echo("\n".join([err.message, *(f"  - {d}" for d in err.details)]), err=True)
    sys.exit(1)


def init_app(app: Flask) -> None:
    from webapp.org_cli import unit_cli, user_cli
    from webapp.usage_cli import usage_cli

    app.cli.add_command(calendar_cli)
    app.cli.add_command(report_cli)
    app.cli.add_command(unit_cli)
    app.cli.add_command(user_cli)
    app.cli.add_command(usage_cli)

    @app.cli.command("init-db")
    def init_db_command():
        """Migrate the database to the newest schema and seed the holiday table."""
        added = init_db()
        click.echo(f"数据库已迁移到最新版本；工作日历新增 {added} 天")

    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Load the demo units, people, roles and processes (idempotent)."""
        init_db()
        with unit_of_work(_sessions()) as session:
            added = demo.seed_org(session)
            catalog_added = demo.seed_catalog(session)
        click.echo(
            f"示例数据：新增单位 {added['units']} 个，人员 {added['people']} 名，"
            f"目录条目 {catalog_added['resources']} 个，数据接口 {catalog_added['interfaces']} 个；"
            f"演示密码 {demo.DEMO_PASSWORD}"
        )
        bpmn_dir = Path(current_app.config["BPMN_DIR"])
        files = sorted(bpmn_dir.glob("*.bpmn"))
        if files and deploy_files(files, None, "随系统版本发布的流程图（部署时由系统自动更新）", once=True):
            sys.exit(1)
        if files:
            with unit_of_work(_sessions()) as session:
                click.echo(f"供需对接清单：新增示例需求 {demo.seed_demands(session)} 条")
                click.echo(f"安全事件：新增示例事件 {demo.seed_incidents(session)} 起")
            click.echo(
                f"演示案件：新增近几个月的数据申请 {demo_history.seed_history(_sessions())} 件（含逾期、退回和不通过）"
            )

    @app.cli.command("create-token")
    @click.argument("username")
    def create_token_command(username):
        """Print a new API token for USERNAME (shown once)."""
        try:
            with unit_of_work(_sessions()) as session:
                raw = accounts.create_token(session, username)
        except DomainError as err:
            raise click.ClickException(err.message) from None
        click.echo(raw)

    @app.cli.command("deploy-bpmn")
    @click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--as", "actor", default=None, help="部署人用户名（记入审计）")
    @click.option("--note", default=None, help="变更说明：修改了什么、为什么修改（第 2 版起必填）")
    def deploy_bpmn_command(files, actor, note):
        """Check (lint, contract, dry run) and deploy BPMN files; prints the new version or the problems."""
        sys.exit(deploy_files(list(files), actor, note))

    @app.cli.command("tick")
    @click.option("--now", "at", default=None, help="按此时刻执行一次（ISO-8601，用于演练和测试）")
    def tick_command(at):
        """Run one deadline sweep."""
        smtp = smtp_settings(current_app.config)
        if at:
            try:
                moment = clock.parse_instant(at)
            except ValueError:
                raise click.BadParameter("时间格式应为 ISO-8601，例如 2026-02-27T09:00:00+08:00", param_hint="--now")
            with clock.frozen(moment):
                result = operations.run_pass(_sessions(), smtp, retention(current_app.config))
        else:
            result = operations.run_pass(_sessions(), smtp, retention(current_app.config))
        click.echo(result.summary())

    @app.cli.command("check-integrity")
    def check_integrity_command():
        """Scan the database for broken invariants (after an incident); exit 1 listing them."""
        with unit_of_work(_sessions()) as session:
            problems = operations.check_integrity(session)
        for problem in problems:
            click.echo(f"- {problem}")
        if problems:
            click.echo(f"发现 {len(problems)} 处不一致，请按上面的清单核查处理", err=True)
            sys.exit(1)
        click.echo("数据一致性检查通过：申请、审核任务、授权、异议与流程状态相符")

    @app.cli.command("backup")
    @click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
    def backup_command(directory):
        """Write a consistent backup (database with its files and PDFs, manifest.json of hashes) into DIRECTORY."""
        try:
            manifest = backup.backup(_engine(), directory, click.echo)
        except DomainError as err:
            _refused(err)
        tables, files = manifest["tables"], manifest["stored_files"]
        click.echo(
            f"备份完成：{directory}；数据库迁移版本 {manifest['migration_head']}，{len(tables)} 张表共 "
            f"{sum(tables.values())} 行，其中申请 {tables.get('application', 0)} 件、审批记录 "
            f"{tables.get('approval_record', 0)} 份；已存文件 {len(files)} 个（附件与 PDF，"
            f"共 {sum(f['size'] for f in files)} 字节）；清单 {backup.MANIFEST} 记录了每个文件的 SHA-256"
        )

    @app.cli.command("restore")
    @click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
    def restore_command(directory):
        """Restore a backup made by `backup` into the EMPTY database of DATABASE_URL, after checking every hash."""
        try:
            result = backup.restore(_engine(), directory, click.echo)
        except DomainError as err:
            _refused(err)
        for problem in result.problems:
            click.echo(f"- {problem}", err=True)
        if result.problems:
            click.echo(f"恢复后有 {len(result.problems)} 处与备份清单不符，请勿投入使用", err=True)
            sys.exit(1)
        click.echo(
            f"恢复完成：{result.tables} 张表共 {result.rows} 行、已存文件 {result.files} 个，与备份清单一致；"
            f"数据库迁移版本 {result.migration_head}"
        )
        if result.migration_head != result.code_head:
            click.echo(f"注意：本程序的最新迁移版本为 {result.code_head}，请运行 flask --app webapp init-db 升级数据库")

    @app.cli.command("run-scheduler")
    def run_scheduler_command():
        """Run the deadline sweep every SWEEP_INTERVAL_SECONDS seconds until stopped."""
        run_forever(
            _sessions(),
            smtp_settings(current_app.config),
            current_app.config["SWEEP_INTERVAL_SECONDS"],
            retention(current_app.config),
        )


calendar_cli = AppGroup("calendar", help="工作日历")


@calendar_cli.command("add-working-days")
@click.argument("start")
@click.argument("n", type=int)
def add_working_days_command(start, n):
    """Print the N-th working day after START (START not counted)."""
    try:
        start_day = date.fromisoformat(start)
    except ValueError:
        raise click.BadParameter("日期格式应为 YYYY-MM-DD", param_hint="START") from None
    if n < 1:
        raise click.BadParameter("工作日数应为正整数", param_hint="N")
    with unit_of_work(_sessions()) as session:
        due = calendar.add_working_days(session, start_day, n)
    click.echo(due.day.isoformat())
    if due.provisional:
        click.echo("注意：计算跨越了尚未录入节假日安排的年份，结果为临时结果", err=True)


@calendar_cli.command("export")
@click.argument("year", type=int)
def export_command(year):
    """Print a year's schedule as CSV."""
    try:
        with unit_of_work(_sessions()) as session:
            click.echo(calendar.export_year_csv(session, year), nl=False)
    except DomainError as err:
        raise click.ClickException("\n".join([err.message, *err.details])) from None


@calendar_cli.command("import")
@click.argument("year", type=int)
@click.argument("file", type=click.File(encoding="utf-8"))
@click.option("--dry-run", is_flag=True, help="只检查文件并列出与现有安排相比的变化，不导入")
def import_command(year, file, dry_run):
    """Replace a year's schedule from a CSV file (date,kind,name); --dry-run only shows what would change."""
    text = file.read()
    try:
        with unit_of_work(_sessions()) as session:
            if dry_run:
                preview = calendar.preview_year_csv(session, year, text)
            else:
                count, changed = operations.import_schedule(session, year, text, None)
    except DomainError as err:
        raise click.ClickException("\n".join([err.message, *err.details])) from None
    if dry_run:
        click.echo("\n".join(preview_lines(preview)))
        return
    click.echo(f"{year} 年作息安排已导入（{count} 天），重新计算办理期限 {changed} 个")


WEEKDAYS = "一二三四五六日"


def preview_lines(preview: calendar.YearPreview) -> list[str]:
    """What the browser's import preview shows, as lines for the terminal."""
    year = preview.year
    lines = [
        f"试运行：{year} 年作息安排未导入，现有安排没有任何改变",
        f"将整体替换现有的 {year} 年安排（来源：{preview.replaces}）"
        if preview.replaces
        else f"{year} 年目前为临时安排（仅周末休息），导入后成为正式安排",
        f"法定节假日：{preview.holidays_before} 天 → {preview.holidays_after} 天；"
        f"调休上班日：{preview.makeup_before} 天 → {preview.makeup_after} 天",
        f"新增或改变 {len(preview.added)} 天，取消 {len(preview.removed)} 天"
        + ("（与现有安排相同）" if preview.unchanged else ""),
    ]
    lines += [
        f"  + {d['day']} 星期{WEEKDAYS[d['day'].weekday()]} {d['kind']} {d['name']}（原为{d['before']}）"
        for d in preview.added
    ]
    lines += [
        f"  - {d['day']} 星期{WEEKDAYS[d['day'].weekday()]} {d['kind']} {d['name']}（导入后为{d['after']}）"
        for d in preview.removed
    ]
    lines += [f"注意：{w}" for w in preview.warnings]
    return lines + ["核对无误后，去掉 --dry-run 再运行一次即导入"]


report_cli = AppGroup("report", help="督导考核月报")


@report_cli.command("monthly")
@click.argument("month")
def report_monthly_command(month):
    """Make (or find) the supervision report of MONTH (e.g. 2026-11) and render its PDF."""
    try:
        with unit_of_work(_sessions()) as session:
            report = reports.make_monthly(session, month)
            size = len(reports.pdf_of(session, report) or b"")
            period, units = report.period, len(report.content["units"])
    except DomainError as err:
        _refused(err)
    if not size:
        raise click.ClickException("月报已生成，但 PDF 暂时未能生成；定时任务会重试，或稍后再运行本命令")
    click.echo(
        f"{period} 督导考核月报：{units} 个单位，PDF {size // 1024} KB；协调员和各单位负责人可在“督导考核统计”中下载"
    )
