"""flask commands for the first setup and for scripts: `unit create`, `user create`, `user reset-password`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from workflows.errors import DomainError, NotFound
from workflows.organisation import people, units
from workflows.organisation.scope import AdminScope
from workflows.unit_of_work import unit_of_work

unit_cli = AppGroup("unit", help="单位管理")
user_cli = AppGroup("user", help="人员账号管理")
KINDS = ", ".join(f"{k.value}（{k.label}）" for k in units.UnitKind)


def _run(step):
    """Run one step in its own transaction; a refusal prints in Chinese, exits 1 and leaves nothing behind."""
    try:
        with unit_of_work(current_app.extensions["db_sessions"]) as session:
            return step(session)
    except DomainError as err:
        click.echo("\n".join([f"未执行：{err.message}", *(f"  - {d}" for d in err.details)]), err=True)
        raise SystemExit(1) from None


@unit_cli.command("create")
@click.argument("code")
@click.argument("name")
@click.option("--short-name", default="", help="简称（默认同名称）")
@click.option("--kind", default="department", help=f"单位类型：{KINDS}")
@click.option("--credit-code", default="", help="统一社会信用代码（18 位，可不填）")
def create_unit_command(code, name, short_name, kind, credit_code):
    """Create a unit with its code and name."""
    data = units.UnitInput(code=code, name=name, short_name=short_name, kind=kind, credit_code=credit_code)
    unit = _run(lambda s: units.create_unit(s, AdminScope.command_line(), data))
    click.echo(f"已新建单位：{unit.name}（代码 {unit.code}，{units.UnitKind(unit.kind).label}）")


@user_cli.command("create")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="姓名")
@click.option("--unit", "unit_code", required=True, help="所在单位的代码")
@click.option(
    "--role",
    "roles",
    multiple=True,
    help="在所在单位担任的角色，可重复：applicant reviewer unit_admin " "coordinator modeler sysadmin",
)
@click.option("--position", default="", help="职务")
@click.option("--email", default="", help="电子邮箱")
def create_user_command(username, display_name, unit_code, roles, position, email):
    """Create an account and print its one-time password (changed at the first login)."""
    data = people.PersonInput(
        username=username,
        display_name=display_name,
        unit_code=unit_code,
        position=position,
        email=email,
        roles=list(roles),
    )
    person, password = _run(lambda s: people.create_person(s, AdminScope.command_line(), data))
    click.echo(f"已新建账号：{person.username}（{person.display_name}）")
    click.echo(f"一次性密码：{password}")
    click.echo(
        f"请将一次性密码当面或通过安全渠道交给本人；它在 {current_app.config['ONE_TIME_PASSWORD_HOURS']} 小时内有效，"
        "首次登录后须立即修改密码。"
    )


@user_cli.command("reset-password")
@click.argument("username")
def reset_password_command(username):
    """Print a new one-time password for USERNAME; every session of that person ends."""

    def reset(session):
        person = people.person_by_username(session, username)
        if person is None:
            raise NotFound(f"用户“{username}”不存在")
        return people.reset_password(session, AdminScope.command_line(), person.id)

    password = _run(reset)
    click.echo(f"已重置 {username} 的密码，一次性密码：{password}")
    click.echo(
        f"该用户已在所有设备上退出登录；一次性密码 {current_app.config['ONE_TIME_PASSWORD_HOURS']} 小时内有效，"
        "下次登录后须立即修改密码。"
    )
