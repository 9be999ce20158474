"""The city data platform as a client: its token reads the grant feed and reports usage, and nothing else."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from tests.helpers import COMPANY_CHECKS, at, confirm_change, login, person, propose_not_shared, text_of
from workflows import clock
from workflows.models import Grant, ResourceRefresh, UsageDaily, UsageRecord
from workflows.sharing import grants

PLATFORM_ROUTES = {"api.grant_list", "api.usage_ingest", "api.openapi"}


def call(grant: int, n: int, **extra) -> dict:
    return {
        "id": f"plat-{n:05d}",
        "grant_id": grant,
        "at": "2026-02-13T09:00:00+08:00",
        "call_type": "interface",
        "count": 10,
        "failed": 1,
        "scenario": "企业开办一件事",
    } | extra


@pytest.fixture
def granted(api) -> int:
    """县民政局 holds a grant on 县市场监管局's company register (unconditional: approved at once)."""
    return api.apply(**COMPANY_CHECKS)["grant"]["id"]


def post(api, body: dict, key: str = "batch-1", username: str = "platform"):
    return api.client.post("/api/v1/usage", json=body, headers={"Idempotency-Key": key} | api.headers(username))


def rollup(api, grant_id: int) -> tuple[int, int, int]:
    with api.sessions() as s:
        row = s.execute(
            select(func.sum(UsageDaily.count), func.sum(UsageDaily.failed), func.sum(UsageDaily.records)).where(
                UsageDaily.grant_key == grant_id
            )
        ).one()
        return tuple(int(v or 0) for v in row)


def test_the_same_batch_sent_twice_is_counted_once_and_answered_the_same(api, granted):
    body = {"records": [call(granted, n) for n in range(3)]}
    first = post(api, body)
    assert first.status_code == 200, first.get_json()
    assert first.get_json() | {"problems": None} == {
        "accepted": 3,
        "duplicates": 0,
        "rejected": 0,
        "resource_updates": 0,
        "problems": None,
        "resource_update_problems": [],
    }
    again = post(api, body)
    assert again.get_json() == first.get_json() and again.headers["Idempotency-Replayed"] == "true"
    assert rollup(api, granted) == (30, 3, 3)


def test_records_repeated_across_batches_count_once_and_within_a_batch_too(api, granted):
    post(api, {"records": [call(granted, n) for n in range(3)]}, "a")
    overlapping = post(api, {"records": [call(granted, n) for n in range(2, 5)] + [call(granted, 4)]}, "b")
    assert (overlapping.get_json()["accepted"], overlapping.get_json()["duplicates"]) == (2, 2)
    assert rollup(api, granted) == (50, 5, 5)


def test_a_bad_record_is_answered_by_index_and_id_and_the_good_ones_are_kept(api, granted):
    records = [
        call(granted, 1),
        call(granted, 2, failed=20),
        call(granted, 3, at="2026-02-14T09:00:00+08:00"),
        call(granted, 4, count=-1),
        call(granted, 5, grant_id=999999),
        call(granted, 6, call_type="fax"),
        {"id": "plat-x", "at": "2026-02-13T09:00:00", "call_type": "table", "count": 1},
        "not an object",
        call(granted, 7, id="x" * 65),
        call(granted, 8),
    ]
    answer = post(api, {"records": records}).get_json()
    assert (answer["accepted"], answer["rejected"]) == (2, 8)
    problems = {p["index"]: (p["id"], p["message"]) for p in answer["problems"]}
    assert problems[1] == ("plat-00002", "失败次数（failed）：不能大于调用次数（count）")
    assert "不能晚于当前时间" in problems[2][1] and "不能小于 0" in problems[3][1]
    assert "授权编号（grant_id）999999 不存在" in problems[4][1] and "调用方式" in problems[5][1]
    assert "grant_id" in problems[6][1] and problems[7] == (None, "每条记录应为 JSON 对象")
    assert problems[8][0] is None and "64" in problems[8][1]
    assert all(re.search(r"[\u4e00-\u9fff]", message) for _, message in problems.values())
    assert rollup(api, granted) == (20, 2, 2)


def test_a_time_sent_as_a_number_or_before_2020_is_refused_saying_how_to_write_it(api, granted):
    records = [
        call(granted, 1, at=46361.5),
        call(granted, 2, at="46361.5"),
        call(granted, 3, at="1970-01-01T12:52:00Z"),
    ]
    answer = post(api, {"records": records}).get_json()
    messages = [p["message"] for p in answer["problems"]]
    assert answer["accepted"] == 0 and len(messages) == 3
    assert (
        messages[0] == messages[1] == "调用时间（at）：应为日期和时间，如 2026-12-05 09:30 或 2026-12-05T09:30:00+08:00"
    )
    assert messages[2].startswith("调用时间（at）：早于 2020 年")


def test_a_call_under_no_grant_is_recorded_with_its_unit_and_resource(api):
    answer = post(
        api,
        {
            "records": [
                {
                    "id": "nogrant-1",
                    "unit_code": "mzj",
                    "resource_code": "XY-GA-001",
                    "interface_code": "IF-001",
                    "at": "2026-02-13T08:00:00+08:00",
                    "call_type": "interface",
                    "count": 4,
                }
            ]
        },
    ).get_json()
    assert answer["accepted"] == 1, answer
    with api.sessions() as s:
        record = s.scalar(select(UsageRecord).where(UsageRecord.record_key == "nogrant-1"))
        assert record.grant_id is None and record.interface_id is not None


def test_the_latest_refresh_of_a_resource_is_kept_and_an_older_report_does_not_replace_it(api):
    newer = {"resource_code": "XY-SJ-001", "updated_at": "2026-02-13T06:00:00+08:00"}
    older = {"resource_code": "XY-SJ-001", "updated_at": "2026-02-10T06:00:00+08:00"}
    assert post(api, {"resource_updates": [newer]}, "r1").get_json()["resource_updates"] == 1
    answer = post(api, {"resource_updates": [older, {"resource_code": "XY-NO-1", "updated_at": "2026-02-10"}]}, "r2")
    assert "XY-NO-1" in answer.get_json()["resource_update_problems"][0]["message"]
    with api.sessions() as s:
        refreshed = s.scalar(select(ResourceRefresh.updated_at))
        assert refreshed.isoformat().startswith("2026-02-12T22:00")


def test_a_key_reused_with_another_body_or_a_missing_key_is_refused(api, granted):
    post(api, {"records": [call(granted, 1)]}, "k")
    reused = post(api, {"records": [call(granted, 2)]}, "k")
    assert reused.status_code == 409 and "Idempotency-Key" in reused.get_json()["message"]
    missing = api.client.post("/api/v1/usage", json={"records": []}, headers=api.headers("platform"))
    assert missing.status_code == 422 and "Idempotency-Key" in str(missing.get_json())
    too_many = post(api, {"records": [call(granted, n) for n in range(5001)]}, "big")
    assert too_many.status_code == 422 and "5000" in str(too_many.get_json())
    assert rollup(api, granted) == (10, 1, 1)


def test_a_persons_token_cannot_post_usage(api, granted):
    refused = post(api, {"records": [call(granted, 1)]}, username="machao")
    assert refused.status_code == 403 and "数据平台运营方" in refused.get_json()["message"]
    assert rollup(api, granted) == (0, 0, 0)


def test_the_platform_token_answers_403_on_every_other_api_route(app, api, granted):
    headers = api.headers("platform")
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint in PLATFORM_ROUTES:
            continue
        path = rule.build({name: 1 if name.endswith("id") else "XY-GA-001" for name in rule.arguments})[1]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = api.client.open(path, method=method, headers=headers, json={})
            assert response.status_code == 403, (method, path)
            assert "只能读取授权清单" in response.get_json()["message"]
    assert api.get("/api/v1/grants", "platform").status_code == 200


def test_the_platform_account_cannot_log_in_to_the_pages(client, sessions):
    response = login(client, "platform")
    assert response.status_code != 302 and "只能通过 API 令牌" in text_of(response)
    assert client.get("/applications").status_code in (302, 401)


def test_the_people_list_of_grants_is_unchanged_by_the_feed(api, granted):
    held = api.get("/api/v1/grants").get_json()
    assert set(held) == {"items"} and held["items"][0]["unit"] == "县民政局"


def feed(api, **params):
    """The platform reads a minute later: a change is listed once it is feed.SETTLE old."""
    with time_machine.travel(clock.now() + timedelta(minutes=1), tick=False):
        return api.get("/api/v1/grants", "platform", **params)


def test_the_feed_lists_every_units_grants_with_provider_items_and_the_record_hash(api, granted):
    body = feed(api).get_json()
    item = next(g for g in body["items"] if g["id"] == granted)
    assert item["grantee_unit"]["name"] == "县民政局" and item["provider_unit"]["name"] == "县市场监督管理局"
    assert sorted(item["items"]) == sorted(["企业名称", "统一社会信用代码"]) and item["status"] == "active"
    assert len(item["record_sha256"]) == 64 and body["next_cursor"] is None


def test_changed_since_returns_a_revocation_and_304_with_the_same_etag(api, granted):
    with at("2026-02-14T09:00:00"):
        first = feed(api, changed_since="2026-02-14T00:00:00+08:00")
        assert first.get_json()["items"] == []
        with api.sessions.begin() as s:
            grants.revoke(s, person(s, "zhenghui"), granted, "发现超出应用场景使用，依约撤销授权")
        at_once = api.get("/api/v1/grants", "platform", changed_since="2026-02-14T00:00:00+08:00")
        assert at_once.get_json()["items"] == []  # listed once it has settled, never behind a passed cursor
        changed = feed(api, changed_since="2026-02-14T00:00:00+08:00")
        assert [(g["id"], g["status"]) for g in changed.get_json()["items"]] == [(granted, "revoked")]
        etag = changed.headers["ETag"]
        assert etag != first.headers["ETag"]
        with at("2026-02-14T09:01:00"):
            again = api.client.get(
                "/api/v1/grants?changed_since=2026-02-14T00:00:00%2B08:00",
                headers=api.headers("platform") | {"If-None-Match": etag},
            )
        assert again.status_code == 304 and again.headers["ETag"] == etag and again.data == b""


def test_changed_since_returns_a_grant_a_resource_change_reached(api, processes):
    with at("2026-02-13T10:00:00"):
        reached = api.apply()  # 县公安局's household data, reviewed and approved
        task = api.review_task(reached["id"])
        api.complete(task["id"], {"decision": "approve"})
    with processes() as s:
        grant_id = s.scalar(select(Grant.id).where(Grant.application_id == reached["id"]))
    with at("2026-03-02T10:00:00"):
        change = propose_not_shared(processes)
        confirm_change(processes, change)
        items = feed(api, changed_since="2026-03-01T00:00:00+08:00").get_json()["items"]
    assert [(g["id"], g["resource_change_pending"]) for g in items] == [(grant_id, True)]


def test_the_cursor_pages_every_grant_once_while_grants_change_between_pages(api, granted):
    for n in range(4):
        api.apply(**COMPANY_CHECKS | {"scenario": f"企业开办一件事中核验企业登记信息（第 {n} 件）"})
    seen, cursor, pages = [], None, 0
    while True:
        body = feed(api, limit=2, **({"cursor": cursor} if cursor else {})).get_json()
        seen += [g["id"] for g in body["items"]]
        pages += 1
        if pages == 1:  # a grant already read changes: it comes again later, nothing is skipped
            with at("2026-02-13T10:00:10"), api.sessions.begin() as s:
                grants.revoke(s, person(s, "zhenghui"), seen[0], "发现超出应用场景使用，依约撤销授权")
        cursor = body["next_cursor"]
        if cursor is None:
            break
    with api.sessions() as s:
        every = set(s.scalars(select(Grant.id)))
    assert set(seen) == every and len(seen) == len(every) + 1 and seen[-1] == seen[0]
    assert feed(api, cursor="garbage").status_code == 422


def test_an_expiry_by_the_sweep_appears_in_the_feed(api, granted):
    with at("2027-02-15T09:00:00"):
        assert feed(api, changed_since="2027-02-14T00:00:00+08:00").get_json()["items"] == []
        with api.sessions.begin() as s:
            grants.expire_due(s)
        items = feed(api, changed_since="2027-02-14T00:00:00+08:00").get_json()["items"]
    assert [(g["id"], g["status"]) for g in items] == [(granted, "expired")]
    assert feed(api, changed_since="yesterday").status_code == 422
