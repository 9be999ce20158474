"""The main pages and API calls run as many SQL statements with twice the rows: no query per row.

Counts, never timings: each page is asked once to warm per-process caches, then counted, with N rows and with 2N.
"""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import event

from tests.helpers import Api, apply, login, person, review_task, unit
from workflows.catalog import entries

N = 3
ENTRY = {
    "summary": "测试用的目录条目",
    "category_class": "departmental",
    "category_path": "部门/公安/治安",
    "format": "database",
    "share_type": "conditional",
    "share_condition": "仅用于测试",
    "share_method": "api",
    "open_type": "not_open",
    "update_cycle": "daily",
    "sensitivity": "general",
}


@contextlib.contextmanager
def counting(engine):
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def statements_of(engine, call) -> int:
    call()  # warm the calendar and facet caches, the session's person and its roles
    with counting(engine) as statements:
        response = call()
    assert response.status_code == 200, response.status_code
    return len(statements)


# Each row brings objects of its own (applicant, units, resource), so a lazy load per row would show.
TO_GAJ = [
    ("machao", "XY-GA-001", ["姓名", "性别"]),
    ("lina", "XY-GA-002", ["姓名", "有效期起始日期"]),
    ("machao", "XY-GA-003", ["号牌号码", "车辆类型"]),
    ("lina", "XY-GA-001", ["姓名", "性别"]),
    ("machao", "XY-GA-002", ["姓名", "有效期起始日期"]),
    ("lina", "XY-GA-003", ["号牌号码", "车辆类型"]),
]
BY_MACHAO = [
    ("machao", "XY-GA-001", ["姓名", "性别"]),
    ("machao", "XY-RS-001", ["姓名", "险种类型"]),
    ("machao", "XY-ZR-001", ["图斑编号", "乡镇名称"]),
    ("machao", "XY-WJ-001", ["出生医学证明编号", "新生儿姓名"]),
    ("machao", "XY-JT-001", ["学籍号", "学生姓名"]),
    ("machao", "XY-YB-001", ["姓名", "参保类型"]),
]


def applying(sessions, choices: list[tuple[str, str, list[str]]]):
    """Adds the next n applications of the list, each waiting for its provider's review."""
    taken = iter(choices)

    def add(n: int) -> None:
        for username, code, items in (next(taken) for _ in range(n)):
            apply(sessions, username, resource_code=code, items=items, sensitive_justification="")

    return add


def published_entries(sessions, how_many: int, start: int) -> None:
    with sessions.begin() as s:
        huangtao = person(s, "huangtao")
        for n in range(start, start + how_many):
            items = [{"name": f"测试项甲{n}", "data_type": "string"}, {"name": f"测试项乙{n}", "data_type": "string"}]
            entry = entries.create_resource(s, huangtao, unit(s, "gaj").id, ENTRY | {"name": f"测试条目第{n}号"}, items)
            entries.publish(s, huangtao, entry.id)


def twice(db_engine, sessions, add, call) -> tuple[int, int]:
    """The statements of one call with N rows added, then with 2N."""
    add(N)
    with_n = statements_of(db_engine, call)
    add(N)
    return with_n, statements_of(db_engine, call)


@pytest.mark.parametrize(
    "username, path, cases",
    [
        ("huangtao", "/tasks/", TO_GAJ),
        ("huangtao", "/", TO_GAJ),
        ("wanglei", "/", TO_GAJ),
        ("machao", "/applications", BY_MACHAO),
        ("huangtao", "/applications?scope=provider", TO_GAJ),
    ],
)
def test_a_list_page_runs_as_many_statements_with_twice_the_cases(client, ready, db_engine, username, path, cases):
    login(client, username)
    with_n, with_2n = twice(db_engine, ready, applying(ready, cases), lambda: client.get(path))
    assert with_2n == with_n, f"{path}: {with_n} statements with {N} cases, {with_2n} with {2 * N}"


def test_the_application_page_runs_as_many_statements_however_many_other_cases_there_are(client, ready, db_engine):
    first = apply(ready)
    login(client, "machao")
    with_n, with_2n = twice(db_engine, ready, applying(ready, BY_MACHAO), lambda: client.get(f"/applications/{first}"))
    assert with_2n == with_n


def test_the_reviewers_task_page_loads_the_whole_case_in_a_few_statements(client, ready, db_engine):
    first = apply(ready)
    task_id = review_task(ready, first).id
    login(client, "huangtao")
    with_n, with_2n = twice(db_engine, ready, applying(ready, TO_GAJ), lambda: client.get(f"/tasks/{task_id}"))
    assert with_2n == with_n <= 30, with_n


def test_the_catalog_search_runs_as_many_statements_with_twice_the_hits(client, ready, db_engine):
    login(client, "machao")
    added = []

    def add(n):
        published_entries(ready, n, len(added))
        added.extend(range(n))

    with_n, with_2n = twice(db_engine, ready, add, lambda: client.get("/catalog/?q=测试条目"))
    assert with_2n == with_n


@pytest.mark.parametrize(
    "username, path, cases", [("huangtao", "/api/v1/tasks", TO_GAJ), ("machao", "/api/v1/applications", BY_MACHAO)]
)
def test_an_api_list_runs_as_many_statements_with_twice_the_cases(client, ready, db_engine, username, path, cases):
    api = Api(client, ready)
    with_n, with_2n = twice(db_engine, ready, applying(ready, cases), lambda: api.get(path, username))
    assert with_2n == with_n, f"{path}: {with_n} statements with {N} cases, {with_2n} with {2 * N}"
