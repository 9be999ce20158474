"""单位考核 on the web and in the API: everyone sees the ranking, a unit its own card, the bureau every card and the
weights; bad input is told in Chinese and changes nothing."""

from tests.helpers import at, csrf_token, login, text_of, unit


def test_everyone_sees_the_ranking_and_opens_only_their_own_units_card(app, client, march_reviews):
    with at("2026-04-02T09:00:00"):
        login(client, "machao")
        page = client.get("/supervision/scorecards?period=2026-03")
        assert page.status_code == 200
        text = text_of(page)
        assert "2026年3月" in text and "县公安局" in text and "已结束" in text
        with march_reviews() as s:
            police, civil = unit(s, "gaj").id, unit(s, "mzj").id
        assert f"/supervision/scorecards/{civil}?period=2026-03" in page.get_data(as_text=True)
        assert f"/supervision/scorecards/{police}?" not in page.get_data(as_text=True)
        assert client.get(f"/supervision/scorecards/{police}?period=2026-03").status_code == 404
        client = app.test_client()
        login(client, "huangtao")
        card = client.get(f"/supervision/scorecards/{police}?period=2026-03")
        assert card.status_code == 200
        body = card.get_data(as_text=True)
        assert "逾期审核（含逾期未办）" in body and "/applications/" in body  # each figure opens its cases


def test_the_bureau_opens_every_card_and_sets_the_weights_from_this_month_on(app, client, march_reviews):
    with at("2026-04-02T09:00:00"):
        login(client, "lina")
        with march_reviews() as s:
            police = unit(s, "gaj").id
        assert client.get(f"/supervision/scorecards/{police}?period=2026-03").status_code == 200
        saved = client.post(
            "/supervision/weights",
            data={
                "csrf_token": csrf_token(client, "/supervision/weights"),
                "from_month": "2026-05",
                "catalog": "10",
                "review": "50",
                "objections": "10",
                "security": "20",
                "responsibility": "10",
                "note": "按考核方案调整",
            },
            follow_redirects=True,
        )
        assert "考核权重已保存" in text_of(saved) and "按考核方案调整" in text_of(saved)
        assert "2026-05 10 50 10 20 10 100" in text_of(saved)  # the row of the change, with its total
        page = text_of(client.get("/supervision/weights"))
    assert "本月权重合计 100：目录管理占 25%、审核办理占 30%" in page  # the defaults still rule April


def test_weights_typed_wrong_are_refused_each_with_what_to_do_and_nothing_is_saved(app, client, march_reviews):
    with at("2026-04-02T09:00:00"):
        login(client, "lina")
        refused = client.post(
            "/supervision/weights",
            data={
                "csrf_token": csrf_token(client, "/supervision/weights"),
                "from_month": "2026-03",
                "catalog": "一百",
                "review": "150",
                "objections": "",
                "responsibility": "20",
            },
        )
        assert refused.status_code == 422
        text = text_of(refused)
        assert "权重只能从下个月（2026-05）起调整" in text
        assert "目录管理的权重：应为 0 到 100 的整数（半角数字），现为“一百”" in text
        assert "审核办理的权重" in text and "异议情况的权重" in text
        assert "尚未调整，使用默认权重" in text
        client = app.test_client()
        login(client, "huangtao")
        assert client.get("/supervision/weights").status_code == 403


def test_a_period_that_is_no_period_shows_this_month_and_says_how_to_write_one(app, client, march_reviews):
    with at("2026-04-02T09:00:00"):
        login(client, "machao")
        page = client.get("/supervision/scorecards?period=上个月")
        assert page.status_code == 422
        assert "请按 2026-11（月）、2026-Q4（季度）或 2026（年）填写" in text_of(page)
        assert "2026年4月" in text_of(page)


def test_the_api_gives_every_units_score_and_only_the_own_units_parts(api, march_reviews):
    with at("2026-04-02T09:00:00"):
        answer = api.get("/api/v1/scorecards", "huangtao", period="2026-03")
        assert answer.status_code == 200
        body = answer.get_json()
        assert body["period"] == "2026-03" and body["closed"] is True
        police = next(i for i in body["items"] if i["unit_name"] == "县公安局")
        others = [i for i in body["items"] if i["unit_name"] != "县公安局"]
        review = next(p for p in police["parts"] if p["key"] == "review")
        assert review["score"] == 50.0 and all(i["parts"] == [] for i in others)
        bureau = api.get("/api/v1/scorecards", "lina", period="2026-03").get_json()
        assert all(i["parts"] for i in bureau["items"])
        bad = api.get("/api/v1/scorecards", "lina", period="2026-13")
        assert bad.status_code == 422 and "考核期间" in bad.get_json()["message"] + " ".join(bad.get_json()["details"])


def test_a_period_not_begun_has_no_cards_and_a_month_that_is_none_is_told_as_typed(api, client, march_reviews):
    with at("2026-04-02T09:00:00"):
        ahead = api.get("/api/v1/scorecards", "lina", period="2026-06")
        assert ahead.status_code == 422 and "2026年6月尚未开始" in " ".join(ahead.get_json()["details"])
        login(client, "lina")
        page = client.get("/supervision/scorecards?period=2026-06")
        assert page.status_code == 422 and "尚未开始" in text_of(page) and "2026年4月" in text_of(page)
        assert "“abc”不是有效期间" in text_of(client.get("/supervision/scorecards?period=abc"))
        month13 = client.post(
            "/supervision/weights",
            data={"csrf_token": csrf_token(client, "/supervision/weights"), "from_month": "2026-13"}
            | dict.fromkeys(("catalog", "review", "objections", "security", "responsibility"), "20"),
        )
        assert month13.status_code == 422 and "起始月份：“2026-13”不是月份" in text_of(month13)
