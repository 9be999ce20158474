"""Where people look for things: 流程管理 in the menu for modelers, the README's addresses, the provider's grants,
a demand opened from a resource page, the favicon."""

import re

from tests.helpers import apply, decide, login, text_of


def test_modelers_find_process_management_in_the_menu(app, ready):
    modeler, applicant = app.test_client(), app.test_client()
    login(modeler, "liuyang")
    login(applicant, "machao")
    assert re.search(r'href="/processes/"[^>]*>流程管理<', modeler.get("/").get_data(as_text=True))
    assert "流程管理" not in applicant.get("/").get_data(as_text=True)
    assert modeler.get("/processes/").status_code == 200


def test_the_readme_addresses_of_applications_and_grants_answer(client, ready):
    login(client, "machao")
    for typed, target in (("/applications/", "/applications"), ("/grants/", "/grants")):
        answer = client.get(typed)
        assert answer.status_code == 302 and answer.headers["Location"] == target
        assert client.get(typed, follow_redirects=True).status_code == 200


def test_the_provider_opens_the_grants_page_on_the_grants_of_its_data(client, ready):
    decide(ready, apply(ready), decision="approve")
    login(client, "huangtao")
    page = client.get("/grants").get_data(as_text=True)
    assert re.search(r'class="nav-link active"[^>]*>本单位数据的授权<', page)
    assert "县民政局" in text_of(client.get("/grants")) and "户籍人口基本信息" in page


def test_a_demand_opened_from_a_not_shared_entry_names_that_entry(client, ready):
    login(client, "machao")
    entry = client.get("/catalog/resources/XY-GA-004").get_data(as_text=True)
    link = re.search(r'href="(/demands/new\?resource=XY-GA-004)"', entry).group(1)
    form = client.get(link).get_data(as_text=True)
    assert 'value="刑事案件侦查信息（XY-GA-004）"' in form


def test_every_page_links_the_favicon_that_is_served(client, ready):
    login(client, "machao")
    href = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)"', client.get("/").get_data(as_text=True))
    assert client.get(href.group(1)).status_code == 200
    assert client.get("/favicon.ico").status_code == 301
