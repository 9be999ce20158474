"""The record of a closed objection: hash fixed at closing (rating does not change it), one A4 page, CJK fonts,
a QR to the public verification page."""
import re
import subprocess

from tests.workflows.objections.helpers import accept_and_transfer, raise_, state, step
from workflows.models import ObjectionRecord
from workflows.objections import records

OTHER = {"type": "other", "facts": "县民政局与县公安局的人口数据口径不一致，核对结果互相矛盾", "request": "请统一口径"}


def test_a_closed_objection_has_a_one_page_record_whose_hash_is_fixed_at_closing(ready, tmp_path, client):
    objection_id = raise_(ready, "machao", **OTHER)
    accept_and_transfer(ready, objection_id, "gaj", "mzj")
    step(ready, objection_id, "ob_answer_1", "huangtao", {"stance": "agree", "position": "同意以户籍登记为准统一口径"})
    step(ready, objection_id, "ob_answer_2", "sunjie", {"stance": "agree", "position": "同意以户籍登记为准统一口径"})
    with ready() as s:
        assert records.for_objection(s, objection_id) is None
    step(ready, objection_id, "ob_decide", "lina", {"resolution": "agreed", "outcome": "upheld",
                                                    "opinion": "两单位一致同意以户籍登记为准统一口径"})
    with ready() as s:
        sha256 = records.for_objection(s, objection_id).sha256
        assert [st["step"] for st in records.for_objection(s, objection_id).content["steps"]][-1] == "研究处理意见"
    step(ready, objection_id, "ob_rate", "machao", {"rating": "5"})
    with ready.begin() as s:
        record = s.query(ObjectionRecord).filter_by(objection_id=objection_id).one()
        assert record.sha256 == sha256  # the rating comes after closing and does not touch the record
        pdf = tmp_path / "objection.pdf"
        pdf.write_bytes(records.pdf_for(s, record))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("夏邑县政务数据共享异议处理记录", "县民政局", "县公安局", "异议成立", "答复异议", "李娜"):
        assert expected in text
    assert sha256[:32] in text.replace("\n", "").replace(" ", "")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M)
    assert "CJK" in subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    verify = client.get(f"/verify/{sha256}")
    assert verify.status_code == 200 and "异议处理记录" in verify.get_data(as_text=True)


def test_a_not_accepted_objection_gets_its_record_too(ready):
    objection_id = raise_(ready, "machao", **OTHER)
    step(ready, objection_id, "ob_triage", "lina",
         {"decision": "reject", "reason": "所反映问题已在供需对接清单中办结，不再重复受理"})
    with ready() as s:
        record = records.for_objection(s, objection_id)
        assert record.content["status"] == "不予受理" and "供需对接清单" in record.content["reason"]


def test_the_periodic_pass_renders_the_records_of_closed_objections(ready):
    objection_id = raise_(ready, "machao", **OTHER)
    step(ready, objection_id, "ob_triage", "lina",
         {"decision": "reject", "reason": "所反映问题已在供需对接清单中办结，不再重复受理"})
    assert records.render_pending(ready) == 1
    with ready() as s:
        assert s.query(ObjectionRecord).filter_by(objection_id=objection_id).one().pdf.startswith(b"%PDF")
    assert records.render_pending(ready) == 0


def test_an_objection_that_orders_a_correction_is_not_closed_nor_recorded_until_the_correction_is_done(ready):
    objection_id = raise_(ready, "machao", type="quality_dispute", resource_code="XY-GA-001",
                          facts="共享的户籍数据中有大量已迁出人员仍显示为本县户籍", request="请核实并更正数据")
    accept_and_transfer(ready, objection_id)
    step(ready, objection_id, "ob_answer_1", "huangtao", {"stance": "agree", "position": "数据同步延迟，将更正"})
    step(ready, objection_id, "ob_decide", "lina", {"resolution": "agreed", "outcome": "upheld",
                                                    "opinion": "数据同步延迟属实，由县公安局更正"})
    assert state(ready, objection_id).status.label == "纠错中"
    with ready() as s:
        assert records.for_objection(s, objection_id) is None
    step(ready, objection_id, "ob_correct", "huangtao", {"done_note": "已重新同步迁出人员数据", "corrected_on": "2026-03-10"})
    assert state(ready, objection_id).status.label == "已办结"
    with ready() as s:
        content = records.for_objection(s, objection_id).content
    assert "纠正目录或数据" in [row["step"] for row in content["steps"]]
    assert content["correction"]["status"] == "已纠正" and content["correction"]["corrected_on"] == "2026-03-10"
    assert content["status"] == "已办结"
