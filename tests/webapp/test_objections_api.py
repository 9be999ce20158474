"""The objections API: raise with a type code, 422 with fields for bad input, read by those concerned, tasks carry the id."""

from tests.helpers import MISSING_BASIS, decide

FACTS = "审核意见未说明不予共享的具体依据，影响低保核对工作"


def test_an_objection_raised_through_the_api_is_read_by_those_concerned_and_its_tasks_carry_its_id(api, sessions):
    created = api.apply()
    decide(
        sessions,
        created["id"],
        decision="reject",
        rejection_category="no_basis",
        reason="申请用途与所列法律依据不对应，缺少低保核对的授权文件",
        missing_basis=MISSING_BASIS,
    )
    response = api.post(
        "/api/v1/objections",
        {"type": "application_dispute", "facts": FACTS, "request": "请协调重新审核", "application_id": created["id"]},
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "submitted" and response.headers["Location"].endswith(f"/objections/{body['id']}")
    for username in ("machao", "huangtao", "lina"):
        seen = api.get(f"/api/v1/objections/{body['id']}", username)
        assert seen.status_code == 200 and seen.get_json()["concerned_unit"] == "县公安局"
    assert api.get(f"/api/v1/objections/{body['id']}", "heming").status_code == 404
    triage = next(
        t for t in api.get("/api/v1/tasks", "lina").get_json()["items"] if t.get("objection_id") == body["id"]
    )
    assert triage["name"] == "受理审查" and triage["due_at"]
    done = api.complete(triage["id"], {"decision": "accept"}, username="lina")
    assert done.status_code == 200
    assert api.get(f"/api/v1/objections/{body['id']}").get_json()["status_label"] == "已受理"


def test_an_unknown_type_or_missing_facts_answer_422_naming_the_fields(api):
    response = api.post("/api/v1/objections", {"type": "complaint", "request": "请处理"})
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["code"] == "validation_failed" and problem["message"]
    assert set(problem["fields"]) >= {"type", "facts"} and "catalog_correction" in problem["fields"]["type"]
    wrong = api.post("/api/v1/objections", {"type": "other", "facts": 5, "request": ["x"], "grant_id": "1"})
    assert wrong.status_code == 422 and "应为字符串" in " ".join(wrong.get_json()["details"])


def test_an_application_dispute_names_the_application(api):
    response = api.post("/api/v1/objections", {"type": "application_dispute", "facts": FACTS, "request": "请协调"})
    assert response.status_code == 422 and "application_id" in response.get_json()["fields"]


def test_over_long_text_and_ids_that_are_no_ids_are_refused_in_chinese(api, client):
    huge = api.post("/api/v1/objections", {"type": "other", "facts": "事" * 1_000_000, "request": "请处理"})
    assert huge.status_code == 422 and "facts" in " ".join(huge.get_json()["details"])
    long = api.post("/api/v1/objections", {"type": "other", "facts": "事" * 4001, "request": "请处理"})
    assert long.status_code == 422 and "4000" in long.get_json()["fields"]["facts"]
    wrong = api.post(
        "/api/v1/objections",
        {"type": "other", "facts": "县公安局共享接口多次中断影响业务", "request": "请处理", "application_id": 2**40},
    )
    assert wrong.status_code == 422 and "application_id" in " ".join(wrong.get_json()["details"])
    assert api.get("/api/v1/objections/99999999999").status_code == 404
    too_many = api.post(
        "/api/v1/objections",
        {
            "type": "other",
            "facts": "县公安局共享接口多次中断影响业务",
            "request": "请处理",
            "attachments": [{"name": f"材料{i}"} for i in range(6)],
        },
    )
    assert too_many.status_code == 422 and "attachments" in too_many.get_json()["fields"]


def test_evidence_that_is_no_list_of_named_files_is_refused_with_the_shape_it_should_have(api):
    for attachments in ({}, "证明.pdf", [{"name": 5}], [1]):
        response = api.post(
            "/api/v1/objections",
            {
                "type": "other",
                "facts": "县公安局共享接口多次中断影响业务",
                "request": "请处理",
                "attachments": attachments,
            },
        )
        assert response.status_code == 422, attachments
        assert response.get_json()["fields"] == {
            "attachments": '附件（attachments）：应为 [{"name": 文件名, "note": 说明}] 数组'
        }


def test_the_api_and_the_form_name_an_application_by_its_number_and_refuse_a_number_too_long(api, client):
    created = api.apply()
    decide(
        api.sessions,
        created["id"],
        decision="reject",
        rejection_category="no_basis",
        reason="申请用途与所列法律依据不对应，缺少低保核对的授权文件",
        missing_basis=MISSING_BASIS,
    )
    number = api.get(f"/api/v1/applications/{created['id']}").get_json()["number"]
    by_number = {
        "type": "application_dispute",
        "facts": FACTS,
        "request": "请协调重新审核",
        "application_number": number,
    }
    response = api.post("/api/v1/objections", by_number)
    assert response.status_code == 201, response.get_json()
    too_long = api.post("/api/v1/objections", by_number | {"application_number": "SQ" + "9" * 40})
    assert too_long.status_code == 422
    assert too_long.get_json()["fields"]["application_number"] == (
        "所涉申请编号：不能超过 32 个字（现有 42 个字），请精简后重新提交"
    )
