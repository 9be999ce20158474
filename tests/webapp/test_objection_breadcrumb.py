"""The crumb above an objection leads back to the list each person finds it in: the board for coordinators,
我的异议 for the units concerned."""

from __future__ import annotations

import re

import pytest

from tests.helpers import csrf_token, login
from tests.workflows.objections.helpers import accept_and_transfer, raise_, rejected_application


@pytest.mark.parametrize(
    "who, crumb, href",
    [
        ("lina", "异议处理台账", "/objections/board"),  # coordinator (also an applicant of the bureau)
        ("wanglei", "异议处理台账", "/objections/board"),  # coordinator only
        ("machao", "我的异议", "/objections/"),  # the raiser
        ("huangtao", "我的异议", "/objections/"),  # the unit it concerns, asked to answer
    ],
)
def test_the_crumb_of_an_objection_leads_to_the_list_that_holds_it_for_each_role(client, ready, who, crumb, href):
    objection_id = raise_(ready, application_id=rejected_application(ready))
    accept_and_transfer(ready, objection_id)
    login(client, who)
    page = client.get(f"/objections/{objection_id}").get_data(as_text=True)
    trail = re.search(r'<ol class="breadcrumb[^"]*">(.*?)</ol>', page, re.S).group(1)
    assert re.findall(r'<a href="([^"]+)">([^<]+)</a>', trail) == [(href, crumb)]
    listed = client.get(href)
    assert listed.status_code == 200 and f'href="/objections/{objection_id}"' in listed.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
