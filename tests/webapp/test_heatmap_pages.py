"""流程瓶颈图: each step's median and 90th-percentile working days and its overdue rate, for the bureau and modelers."""

import re

from tests.helpers import apply, at, decide, login
from workflows.models import ProcessVersion


def test_the_bureau_reads_each_steps_days_and_overdue_rate(client, ready):
    with at("2026-03-02T09:00:00"):
        first, second = apply(ready), apply(ready)
    with at("2026-03-03T10:00:00"):
        decide(ready, first, decision="approve")  # 1 working day
    with at("2026-03-12T10:00:00"):
        decide(ready, second, decision="approve")  # 8 working days, due on the 9th
    with at("2026-04-01T09:00:00"):
        login(client, "lina")
        page = client.get("/supervision/heatmap")
    assert page.status_code == 200
    row = next(r for r in re.findall(r"<tr[^>]*>(.*?)</tr>", page.get_data(as_text=True), re.S) if "审核申请" in r)
    assert re.findall(r"<td[^>]*>(.*?)</td>", row) == ["审核申请", "2", "4.5", "7.3", "2", "1", "50%"]
    assert "table-danger" in page.get_data(as_text=True)  # half of them late: drawn red


def test_the_heatmap_is_for_the_bureau_and_modelers_and_refuses_what_is_not_there(app, client, ready):
    decide(ready, apply(ready), decision="approve")
    login(client, "machao")
    assert client.get("/supervision/heatmap").status_code == 403
    modeler = app.test_client()
    login(modeler, "liuyang")
    assert modeler.get("/supervision/heatmap").status_code == 200
    with ready() as s:
        unused = max(v.id for v in s.query(ProcessVersion)) + 1000
    assert modeler.get(f"/supervision/heatmap?version={unused}").status_code == 404
    assert modeler.get("/supervision/heatmap?version=abc").status_code == 422
    no_unit = modeler.get("/supervision/heatmap?unit=999999")
    assert no_unit.status_code == 404 and "该单位不存在" in no_unit.get_data(as_text=True)
    bad_period = modeler.get("/supervision/heatmap?period=上月")
    assert bad_period.status_code == 422 and "“上月”不是有效期间" in bad_period.get_data(as_text=True)
