"""A typical approval record: one A4 page that ends with the signature block above the hash and the QR code,
whose verification address is the configured public address."""
import subprocess

import pytest
from PIL import Image

from tests.helpers import apply, at, decide, person
from workflows.engine import tasks
from workflows.models import Application, TaskStatus
from workflows.sharing import records

PUBLIC = "https://data.xiayi.gov.example"


@pytest.fixture
def public_address():
    records.configure(PUBLIC)
    yield PUBLIC
    records.configure(None)


def _returned_resubmitted_and_approved(sessions) -> int:
    app_id = apply(sessions)
    decide(sessions, app_id, decision="return",
           reason="1. 请补充低保申请受理通知书扫描件\n2. 请说明核对对象的范围和预计人数")
    with sessions() as s:
        resubmit = next(t for t in tasks.case_tasks(s, "application", app_id) if t.status == TaskStatus.OPEN)
    with at("2026-03-02T09:00:00"):
        with sessions.begin() as s:
            tasks.complete(s, person(s, "machao"), resubmit.id, {"resubmit_note": "已上传受理通知书并说明核对范围"})
        decide(sessions, app_id, decision="approve", approved_items=["姓名", "公民身份号码"])
    return app_id


def test_a_typical_record_fits_one_page_with_signature_block_and_the_configured_address(ready, public_address,
                                                                                      tmp_path):
    app_id = _returned_resubmitted_and_approved(ready)
    with ready.begin() as s:
        record = records.for_application(s, app_id)
        pdf = records.pdf_for(s, record)
        sha256 = record.sha256
        assert s.get(Application, app_id).decided_by.username == "huangtao"
    path = tmp_path / "record.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           1" in info and "595.276 x 841.89" in info  # one A4 page
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = text.replace(" ", "").replace("\n", "")
    assert "审批人：黄涛" in flat and "审批单位：县公安局" in flat and "日期：2026-03-02" in flat
    assert f"{PUBLIC}/verify/{sha256[:20]}" in flat and "127.0.0.1" not in flat
    assert flat.index("审批人：黄涛") < flat.index("记录摘要")  # the signature block stands above the hash and QR


def test_the_timeline_stays_inside_the_page_margins_and_shows_each_time_on_one_line(ready, tmp_path):
    app_id = apply(ready)
    decide(ready, app_id, decision="return", reason="1. 请补充低保申请受理材料http://example.gov.cn/a/very/long/path/"
           "without/any/break/opportunity/abcdefghijklmnopqrstuvwxyz0123456789\n2. 请说明核对对象的范围和预计人数"
           + "ABCDEFGHIJKLMNOPQRSTUVWXYZ" * 2)
    with ready() as s:
        resubmit = next(t for t in tasks.case_tasks(s, "application", app_id) if t.status == TaskStatus.OPEN)
    with at("2026-03-02T09:00:00"):
        with ready.begin() as s:
            tasks.complete(s, person(s, "machao"), resubmit.id, {"resubmit_note": "已上传" + "X" * 120})
        decide(ready, app_id, decision="approve", approved_items=["姓名", "公民身份号码"])
    with ready.begin() as s:
        (tmp_path / "record.pdf").write_bytes(records.pdf_for(s, records.for_application(s, app_id)))
    subprocess.run(["pdftoppm", "-r", "72", "-gray", "-png", "-singlefile", str(tmp_path / "record.pdf"),
                    str(tmp_path / "page")], check=True)
    page = Image.open(tmp_path / "page.png").convert("L")
    margin = round(595.276 - 14 * 72 / 25.4) + 2  # 1 px = 1 pt at 72 dpi; the right margin is 14 mm
    inked = [(x, y) for x in range(margin, page.width) for y in range(page.height) if page.getpixel((x, y)) < 200]
    assert inked == [], "something is drawn in the right margin"
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "record.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    row = next(line for line in text.splitlines() if line.strip().startswith("补正后重新提交"))
    assert "2026-03-02 09:00" in row
