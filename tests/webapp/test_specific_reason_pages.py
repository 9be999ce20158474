"""The web form and the API ask a rejection for the same fact per category and refuse a generic one in the same words
(issue 18 item 5); the application page and the API's application say what the category asked for."""

import html
import re

import pytest

from tests.helpers import (
    REJECTION_FACTS,
    VAGUE_REJECTION,
    apply,
    csrf_token,
    login,
    rejection_fact,
    review_task,
    status,
    text_of,
)
from workflows.models import ApplicationStatus


def _post(client, task_id: int, **data):
    return client.post(f"/tasks/{task_id}", data={"csrf_token": csrf_token(client, f"/tasks/{task_id}")} | data)


def _error(page: str, field: str) -> str:
    found = re.search(rf'id="error-{field}">([^<]*)<', page)
    return html.unescape(found.group(1)) if found else ""


def _form_value(value):
    return [str(v) for v in value] if isinstance(value, list) else str(value)


def test_the_review_form_asks_for_each_categorys_fact_shown_only_for_that_category(client, ready):
    task_id = review_task(ready, apply(ready)).id
    login(client, "huangtao")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    for field, title in (
        ("missing_basis", "缺少或不足的依据"),
        ("concerns", "超出履职需要的信息项"),
        ("provision", "涉及的安全或保密规定"),
        ("holder_unit_id", "掌握该数据的单位"),
    ):
        assert title in page and f'name="{field}"' in page
    assert """data-shown-when='{"decision": ["reject"], "rejection_category": ["scope_exceeds"]}'""" in page
    holders = page[page.index('name="holder_unit_id"') :].split("</select>")[0]
    assert "县不动产登记中心" in holders and "县公安局" not in holders  # not the provider itself
    assert "task-form.js" in page


@pytest.mark.parametrize("category", list(REJECTION_FACTS))
def test_a_generic_rejection_is_refused_in_each_category_in_the_same_words_on_the_web_and_the_api(
    client, api, ready, category
):
    field, vague, specific, reason = REJECTION_FACTS[category]
    web_app, api_app = apply(ready), api.apply()["id"]
    web_task, api_task = review_task(ready, web_app).id, review_task(ready, api_app).id
    login(client, "huangtao")
    for fact in (None, vague):
        sent = {} if fact is None else {field: rejection_fact(ready, field, fact)}
        page = _post(
            client,
            web_task,
            decision="reject",
            rejection_category=category,
            reason=VAGUE_REJECTION,
            **{k: _form_value(v) for k, v in sent.items()},
        )
        answer = api.complete(
            api_task, {"decision": "reject", "rejection_category": category, "reason": VAGUE_REJECTION} | sent
        )
        assert page.status_code == answer.status_code == 422
        said = _error(page.get_data(as_text=True), field)
        assert said and answer.get_json()["fields"] == {field: said}
    fact = rejection_fact(ready, field, specific)
    assert (
        _post(
            client,
            web_task,
            decision="reject",
            rejection_category=category,
            reason=reason,
            **{field: _form_value(fact)},
        ).status_code
        == 302
    )
    done = api.complete(api_task, {"decision": "reject", "rejection_category": category, "reason": reason, field: fact})
    assert done.status_code == 200
    assert status(ready, web_app) == status(ready, api_app) == ApplicationStatus.REJECTED
    shown = done.get_json()["application"]["rejection_fact"]
    assert shown["field"] == field and shown["title"] in text_of(client.get(f"/applications/{web_app}"))


def test_other_is_refused_on_the_web_unless_the_reason_names_something_of_the_application(client, ready):
    app_id = apply(ready)
    task_id = review_task(ready, app_id).id
    login(client, "huangtao")
    refused = _post(client, task_id, decision="reject", rejection_category="other", reason=VAGUE_REJECTION)
    assert refused.status_code == 422 and "指明本申请的具体内容" in _error(refused.get_data(as_text=True), "reason")
    assert (
        _post(
            client,
            task_id,
            decision="reject",
            rejection_category="other",
            reason="本局户籍系统迁移期间无法提供户籍地址，请于2026年7月1日后重新申请",
        ).status_code
        == 302
    )
    assert status(ready, app_id) == ApplicationStatus.REJECTED


def test_the_applicant_reads_the_category_and_its_fact_on_the_application_page(app, client, ready):
    app_id = apply(ready)
    field, _, specific, reason = REJECTION_FACTS["scope_exceeds"]
    login(client, "huangtao")
    _post(
        client,
        review_task(ready, app_id).id,
        decision="reject",
        rejection_category="scope_exceeds",
        reason=reason,
        concerns=specific,
    )
    applicant = app.test_client()
    login(applicant, "machao")
    page = applicant.get(f"/applications/{app_id}").get_data(as_text=True)
    assert re.search(r'id="rejection-fact">超出履职需要的信息项：户籍地址<', page)
    assert "不通过类别：申请范围超出履职需要" in text_of(applicant.get(f"/applications/{app_id}"))
