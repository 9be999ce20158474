"""The rating in 待办, its task page and form, the grant's ratings, and /supervision/quality with its Excel export, as
the grantee, the provider, another unit and the bureau see them."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.helpers import COMPANY_CHECKS, at, csrf_token, login, person, text_of, unit
from workflows.engine import tasks
from workflows.models import EffectRating, RatingStatus
from workflows.supervision import effect

COMPANIES = COMPANY_CHECKS | {"frequency": "daily"}
SAID = "企业开办核验免交营业执照复印件 86 件，办理时间由半天缩短到十分钟"
NAME = "县民政局申请「企业登记注册信息」：2026年第三季度使用效果评价"


@pytest.fixture
def opened(api) -> tuple[int, int, int]:
    """县民政局's grant on 县市场监管局's company register, its 2026Q3 rating opened on 8 October: (grant, rating, task)."""
    grant_id = api.apply(**COMPANIES)["grant"]["id"]
    with at("2026-10-08T08:00:00"), api.sessions.begin() as s:
        effect.start_due(s)
    with api.sessions() as s:
        rating = s.scalar(select(EffectRating))
        return grant_id, rating.id, tasks.case_tasks(s, "effect_rating", rating.id)[0].id


def test_the_grantee_finds_the_rating_in_its_tasks_and_rates_through_the_form(client, opened):
    grant_id, rating_id, task_id = opened
    with at("2026-10-09T10:00:00"):
        login(client, "machao")
        assert NAME in text_of(client.get("/tasks/"))
        page = text_of(client.get(f"/tasks/{task_id}"))
        assert "评价2026年第三季度的使用效果" in page and "企业开办一件事中核验企业登记信息" in page
        token = csrf_token(client, f"/tasks/{task_id}")
        refused = client.post(f"/tasks/{task_id}", data={"csrf_token": token, "usefulness": "6", "effect": "很好"})
        assert refused.status_code == 422 and "有用程度" in text_of(refused) and "使用效果" in text_of(refused)
        done = client.post(
            f"/tasks/{task_id}", data={"csrf_token": token, "usefulness": "5", "effect": SAID, "comment": ""}
        )
        assert done.status_code == 302 and done.location.endswith(f"/supervision/ratings/{rating_id}")
        grant_page = text_of(client.get(f"/usage/grants/{grant_id}"))
    assert "2026年第三季度" in grant_page and SAID in grant_page and "已评价" in grant_page


def test_the_provider_sees_the_rating_but_cannot_rate_and_another_unit_is_not_told_it_exists(app, client, opened):
    grant_id, rating_id, task_id = opened
    with at("2026-10-09T10:00:00"):
        login(client, "zhenghui")
        assert "评价使用效果" in text_of(client.get(f"/tasks/{task_id}"))
        token = csrf_token(client, "/tasks/opinions")
        refused = client.post(f"/tasks/{task_id}", data={"csrf_token": token, "usefulness": "5", "effect": SAID})
        assert refused.status_code == 422 and "您没有办理此任务的权限" in text_of(refused)
        assert client.get(f"/supervision/ratings/{rating_id}").status_code == 302
        client = app.test_client()
        login(client, "huangtao")
        assert client.get(f"/tasks/{task_id}").status_code == 404
        assert client.get(f"/supervision/ratings/{rating_id}").status_code == 404
        assert NAME not in text_of(client.get("/tasks/"))


def _rated(api, rating_id: int, task_id: int) -> None:
    with at("2026-10-12T10:00:00"), api.sessions.begin() as s:
        tasks.complete(s, person(s, "machao"), task_id, {"usefulness": 4, "effect": SAID})
    with api.sessions() as s:
        assert s.get(EffectRating, rating_id).status == RatingStatus.DONE


def test_the_bureau_reads_the_county_s_effect_and_quality_and_exports_it(client, api, opened):
    _rated(api, *opened[1:])
    with at("2026-10-20T10:00:00"):
        login(client, "wanglei")
        assert "/supervision/quality" in client.get("/supervision/").get_data(as_text=True)
        page = text_of(client.get("/supervision/quality"))
        book = load_workbook(io.BytesIO(client.get("/supervision/quality.xlsx").data))
    assert "全县" in page and "按资源" in page and "按提供单位" in page and SAID in page
    assert book.sheetnames == ["按资源", "按提供单位", "按资源分类", "按数据分级", "使用效果评价"]
    providers = {row[0]: row for row in book["按提供单位"].iter_rows(min_row=3, values_only=True)}
    assert providers["县市场监督管理局"][1:3] == (1, 4)
    assert list(book["使用效果评价"].iter_rows(min_row=2, values_only=True))[0][3:5] == (4, SAID)


def test_the_quality_page_reads_one_month_and_says_what_to_type_for_a_period_it_cannot_read(client, api, opened):
    _rated(api, *opened[1:])
    with at("2026-11-05T10:00:00"):
        login(client, "wanglei")
        october = text_of(client.get("/supervision/quality?period=2026-10"))
        september = text_of(client.get("/supervision/quality?period=2026-09"))
        wrong = client.get("/supervision/quality?period=十月")
        ahead = client.get("/supervision/quality?period=2030-01")
        book = load_workbook(io.BytesIO(client.get("/supervision/quality.xlsx?period=2026-10").data))
    assert "2026年10月" in october and SAID in october
    assert "2026年9月" in september and SAID not in september and "没有评价" in september
    assert wrong.status_code == 422 and "不是有效期间，请按 2026-11（月）" in text_of(wrong)
    assert "已显示近 12 个月的结果" in text_of(wrong)
    assert SAID in text_of(wrong)  # the last twelve months, shown with the problem
    assert ahead.status_code == 422 and "2030年1月尚未开始，请选择本月或以前的期间" in text_of(ahead)
    assert "2026年10月" in book["按资源"]["A1"].value


def test_a_unit_reads_its_own_effect_and_quality_and_no_other_unit_s(app, client, api, opened):
    _rated(api, *opened[1:])
    with at("2026-10-20T10:00:00"):
        login(client, "huangtao")
        own = client.get("/supervision/quality")
        with api.sessions() as s:
            other = client.get(f"/supervision/quality?unit={unit(s, 'mzj').id}")
        client = app.test_client()
        login(client, "machao")
        grantee = text_of(client.get("/supervision/quality"))
    assert own.status_code == 200 and "县公安局" in text_of(own) and SAID not in text_of(own)
    assert other.status_code == 404
    assert "县民政局" in grantee and SAID in grantee


def test_the_unit_s_card_lists_its_effect_ratings(app, client, api, opened):
    _rated(api, *opened[1:])
    with at("2026-10-30T10:00:00"), api.sessions() as s:
        civil, market = unit(s, "mzj").id, unit(s, "scj").id
    with at("2026-10-30T10:00:00"):
        login(client, "machao")
        card = client.get(f"/supervision/scorecards/{civil}?period=2026-10").get_data(as_text=True)
        client = app.test_client()
        login(client, "zhenghui")
        provider = client.get(f"/supervision/scorecards/{market}?period=2026-10").get_data(as_text=True)
    assert 'id="part-effect"' in card and "按期评价" in card
    assert NAME in card  # the rating due on 21 October, done on the 12th
    assert "本单位数据获得的平均有用程度" in provider and "/supervision/ratings/" in provider


def test_the_api_lists_the_rating_by_its_id_and_refuses_a_usefulness_of_six_in_chinese(api, opened):
    grant_id, rating_id, task_id = opened
    with at("2026-10-09T10:00:00"):
        [listed] = [t for t in api.get("/api/v1/tasks", "machao").get_json()["items"] if t["id"] == task_id]
        refused = api.complete(task_id, {"usefulness": 6, "effect": SAID}, "machao")
        done = api.complete(task_id, {"usefulness": 3, "effect": SAID}, "machao")
    assert listed["effect_rating_id"] == rating_id and listed["process"] == "effect_rating"
    assert refused.status_code == 422 and refused.get_json()["fields"]["usefulness"].startswith("有用程度：应为 5")
    assert done.status_code == 200
