"""The record of a closed objection: hash fixed at closing (rating does not change it), one A4 page, CJK fonts,
a QR to the public verification page."""

import re
import subprocess

from tests.workflows.objections.helpers import accept_and_transfer, raise_, record_government_decision, state, step
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
    step(
        ready,
        objection_id,
        "ob_decide",
        "lina",
        {"resolution": "agreed", "outcome": "upheld", "opinion": "两单位一致同意以户籍登记为准统一口径"},
    )
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
    step(
        ready,
        objection_id,
        "ob_triage",
        "lina",
        {"decision": "reject", "reason": "所反映问题已在供需对接清单中办结，不再重复受理"},
    )
    with ready() as s:
        record = records.for_objection(s, objection_id)
        assert record.content["status"] == "不予受理" and "供需对接清单" in record.content["reason"]


def test_the_periodic_pass_renders_the_records_of_closed_objections(ready):
    objection_id = raise_(ready, "machao", **OTHER)
    step(
        ready,
        objection_id,
        "ob_triage",
        "lina",
        {"decision": "reject", "reason": "所反映问题已在供需对接清单中办结，不再重复受理"},
    )
    assert records.render_pending(ready) == 1
    with ready() as s:
        assert s.query(ObjectionRecord).filter_by(objection_id=objection_id).one().pdf.startswith(b"%PDF")
    assert records.render_pending(ready) == 0


def test_an_objection_that_orders_a_correction_is_not_closed_nor_recorded_until_the_correction_is_done(ready):
    objection_id = raise_(
        ready,
        "machao",
        type="quality_dispute",
        resource_code="XY-GA-001",
        facts="共享的户籍数据中有大量已迁出人员仍显示为本县户籍",
        request="请核实并更正数据",
    )
    accept_and_transfer(ready, objection_id)
    step(ready, objection_id, "ob_answer_1", "huangtao", {"stance": "agree", "position": "数据同步延迟，将更正"})
    step(
        ready,
        objection_id,
        "ob_decide",
        "lina",
        {"resolution": "agreed", "outcome": "upheld", "opinion": "数据同步延迟属实，由县公安局更正"},
    )
    assert state(ready, objection_id).status.label == "纠错中"
    with ready() as s:
        assert records.for_objection(s, objection_id) is None
    step(
        ready,
        objection_id,
        "ob_correct",
        "huangtao",
        {"done_note": "已重新同步迁出人员数据", "corrected_on": "2026-02-13"},
    )
    assert state(ready, objection_id).status.label == "已办结"
    with ready() as s:
        content = records.for_objection(s, objection_id).content
    assert "纠正目录或数据" in [row["step"] for row in content["steps"]]
    assert content["correction"]["status"] == "已纠正" and content["correction"]["corrected_on"] == "2026-02-13"
    assert content["status"] == "已办结"


def test_a_coordinated_then_referred_case_fits_one_page_with_a_signature_block(ready, tmp_path):
    objection_id = raise_(
        ready,
        "machao",
        **OTHER
        | {
            "facts": "县民政局与县公安局的人口数据口径不一致，核对结果互相矛盾，" * 4,
            "request": "请县大数据局协调两单位统一人口数据口径，并明确今后核对以哪一口径为准",
        },
    )
    accept_and_transfer(ready, objection_id, "gaj", "mzj")
    step(
        ready,
        objection_id,
        "ob_answer_1",
        "huangtao",
        {
            "stance": "agree",
            "position": "同意以户籍登记为准统一口径，户籍登记由公安机关依法办理，"
            "数据权威完整，可作为县内各部门核对的统一依据",
            "evidence": "《户口登记条例》第三条",
        },
    )
    step(
        ready,
        objection_id,
        "ob_answer_2",
        "sunjie",
        {
            "stance": "disagree",
            "position": "低保核对应以实际居住为准，人户分离情况在本县较为普遍，"
            "仅按户籍核对会遗漏实际居住在本县的困难家庭",
            "evidence": "《社会救助暂行办法》第十一条",
        },
    )
    step(ready, objection_id, "ob_decide", "lina", {"resolution": "coordinate"})
    step(
        ready,
        objection_id,
        "ob_coordinate",
        "lina",
        {
            "meeting_date": "2026-02-13",
            "participants": "县大数据局李娜、县公安局黄涛、县民政局马超、县民政局孙杰",
            "minutes": "双方陈述意见，各自坚持本单位口径，未能达成一致，同意提请县政府数据共享工作领导小组研究。" * 2,
            "coordination_result": "refer",
            "opinion": "两单位口径分歧涉及业务职责划分，提请领导小组研究决定",
        },
    )
    step(
        ready,
        objection_id,
        "ob_refer",
        "lina",
        {"referral_document": "夏数据〔2026〕3号 关于提请研究人口数据口径争议的请示", "referred_on": "2026-02-13"},
    )
    record_government_decision(
        ready, objection_id, "rejected", government_content="维持现行做法，低保核对以户籍登记为准。"
    )
    with ready.begin() as s:
        pdf = tmp_path / "referred.pdf"
        pdf.write_bytes(records.pdf_for(s, records.for_objection(s, objection_id)))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "经办人（签字）" in text and "县政务服务和大数据管理局（盖章）" in text and "提请文件" in text
    assert "县政府决定" in text and "夏政文〔2026〕12号" in text
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    right = max(float(x) for x in re.findall(r'xMax="([0-9.]+)"', boxes))
    assert right <= 595.3 - 14 * 72 / 25.4 + 1  # nothing past the right margin (是否按期 is read whole)
