"""The setup commands: `unit create`, `user create`, `user reset-password`; bad input exits 1 in Chinese, changing nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.helpers import person, unit
from workflows.models import Person, Unit
from workflows.organisation.passwords import verify_password


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def counts(sessions) -> tuple[int, int]:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(Unit)), s.scalar(select(func.count()).select_from(Person))


def test_a_unit_and_a_user_are_created_and_the_user_must_change_the_printed_password(app, sessions):
    made = run(app, "unit", "create", "wlj", "县文化广电和旅游局")
    assert made.exit_code == 0 and "已新建单位：县文化广电和旅游局（代码 wlj，县直部门）" in made.output
    created = run(
        app, "user", "create", "zhaoyun", "--name", "赵云", "--unit", "wlj", "--role", "applicant", "--role", "reviewer"
    )
    assert created.exit_code == 0, created.output
    password = re.search(r"一次性密码：(\S+)", created.output).group(1)
    with sessions() as s:
        zhaoyun = person(s, "zhaoyun")
        assert zhaoyun.unit.code == "wlj" and zhaoyun.must_change_password
        assert {m.role for m in zhaoyun.memberships} == {"applicant", "reviewer"}
        assert verify_password(zhaoyun.password_hash, password)


def test_reset_password_prints_a_new_one_time_password(app, sessions):
    result = run(app, "user", "reset-password", "machao")
    assert result.exit_code == 0
    password = re.search(r"一次性密码：(\S+)", result.output).group(1)
    with sessions() as s:
        assert verify_password(person(s, "machao").password_hash, password)
        assert person(s, "machao").must_change_password


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["user", "create", "zhaoyun", "--name", "赵云", "--unit", "nope", "--role", "applicant"],
            "“nope”不是已有单位的代码",
        ),
        (["user", "create", "machao", "--name", "马超", "--unit", "mzj"], "“machao”已被占用"),
        (["user", "create", "zhaoyun", "--name", "赵云", "--unit", "mzj", "--role", "coordinator"], "只能在协调单位"),
        (["user", "create", "zhaoyun", "--name", "赵云", "--unit", "mzj", "--role", "boss"], "“boss”无效"),
        (
            ["user", "create", "zhaoyun", "--name", "赵云", "--unit", "mzj", "--role", "applicant", "--role", "boss"],
            "“boss”无效",
        ),
        (["user", "reset-password", "nobody"], "用户“nobody”不存在"),
        (["unit", "create", "mzj", "又一个民政局"], "单位代码：“mzj”已被县民政局使用"),
        (["unit", "create", "new", "新协调局", "--kind", "coordinator"], "全县只有一个协调单位"),
        (["unit", "create", "新", "新单位"], "只能用字母、数字"),
    ],
)
def test_bad_input_exits_non_zero_with_a_chinese_message_and_changes_nothing(app, sessions, args, message):
    before = counts(sessions)
    with sessions() as s:
        machao_hash = person(s, "machao").password_hash
    result = run(app, *args)
    assert result.exit_code == 1
    assert message in result.stderr and result.stderr.startswith("未执行：")
    assert "Error" not in result.output
    assert counts(sessions) == before
    with sessions() as s:
        assert person(s, "machao").password_hash == machao_hash and unit(s, "mzj").name == "县民政局"
