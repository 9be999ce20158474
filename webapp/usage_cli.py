"""flask usage import FILE: usage records from a CSV or Excel file, as the platform reports them or a unit uploads."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from workflows.errors import DomainError, NotFound
from workflows.models import AccountKind, Person, Unit
from workflows.unit_of_work import unit_of_work
from workflows.usage import upload

usage_cli = AppGroup("usage", help="数据使用记录")


@usage_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "username", default="", help="以哪个账号导入（单位目录管理员或协调员）；不填为数据平台运营方账号")
@click.option("--unit", "unit_code", default="", help="报送单位代码（--as 的账号可为多个单位上传时必填）")
def import_command(file: Path, username: str, unit_code: str):
    """Import usage records; prints the numbers and every row's problem, exits 1 when any row has one."""
    data = file.read_bytes()
    try:
        with unit_of_work(current_app.extensions["db_sessions"]) as session:
            query = select(Person).where(
                Person.username == username.strip().lower() if username else Person.account_kind == AccountKind.PLATFORM
            )
            person = session.scalars(query.order_by(Person.id)).first()
            if person is None:
                raise NotFound(
                    f"用户“{username}”不存在" if username else "没有数据平台运营方账号，请用 --as 指定导入人"
                )
            unit_id = None
            if unit_code:
                unit_id = session.scalar(select(Unit.id).where(Unit.code == unit_code.strip()))
                if unit_id is None:
                    raise NotFound(f"单位代码“{unit_code}”不存在")
            result = upload.import_file(session, person, file.name, data, platform=not username, unit_id=unit_id)
    except DomainError as err:
        click.echo("\n".join([f"未导入：{err.message}", *(f"  - {d}" for d in err.details)]), err=True)
        raise SystemExit(1) from None
    click.echo(f"新增 {result.accepted} 条，重复 {result.duplicates} 条，有问题 {len(result.problems)} 行")
    for problem in result.problems:
        click.echo(f"  - {problem}", err=True)
    if result.problems:
        raise SystemExit(1)
