"""A typical approval record: one A4 page that ends with the signature block above the hash and the QR code,
whose verification address is the configured public address."""

import subprocess

import pytest
from PIL import Image

from tests.helpers import NARROWED, RETURN_ANSWERS, apply, at, decide, person
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
    decide(
        sessions,
        app_id,
        decision="return",
        reason="1. 请补充低保申请受理通知书扫描件\n2. 请说明核对对象的范围和预计人数",
    )
    with sessions() as s:
        resubmit = next(t for t in tasks.case_tasks(s, "application", app_id) if t.status == TaskStatus.OPEN)
    with at("2026-03-02T09:00:00"):
        with sessions.begin() as s:
            tasks.complete(s, person(s, "machao"), resubmit.id, {"answers": RETURN_ANSWERS})
        decide(sessions, app_id, decision="approve", approved_items=["姓名", "公民身份号码"], reason=NARROWED)
    return app_id


def test_a_typical_record_fits_one_page_with_signature_block_and_the_configured_address(
    ready, public_address, tmp_path
):
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
    decide(
        ready,
        app_id,
        decision="return",
        reason="1. 请补充低保申请受理材料http://example.gov.cn/a/very/long/path/"
        "without/any/break/opportunity/abcdefghijklmnopqrstuvwxyz0123456789\n2. 请说明核对对象的范围和预计人数"
        + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        * 2,
    )
    with ready() as s:
        resubmit = next(t for t in tasks.case_tasks(s, "application", app_id) if t.status == TaskStatus.OPEN)
    with at("2026-03-02T09:00:00"):
        with ready.begin() as s:
            tasks.complete(
                s,
                person(s, "machao"),
                resubmit.id,
                {"answers": ["已上传受理材料" + "X" * 120, "核对对象为申请人家庭成员"]},
            )
        decide(ready, app_id, decision="approve", approved_items=["姓名", "公民身份号码"], reason=NARROWED)
    with ready.begin() as s:
        (tmp_path / "record.pdf").write_bytes(records.pdf_for(s, records.for_application(s, app_id)))
    subprocess.run(
        ["pdftoppm", "-r", "72", "-gray", "-png", "-singlefile", str(tmp_path / "record.pdf"), str(tmp_path / "page")],
        check=True,
    )
    page = Image.open(tmp_path / "page.png").convert("L")
    margin = round(595.276 - 14 * 72 / 25.4) + 2  # 1 px = 1 pt at 72 dpi; the right margin is 14 mm
    inked = [(x, y) for x in range(margin, page.width) for y in range(page.height) if page.getpixel((x, y)) < 200]
    assert inked == [], "something is drawn in the right margin"
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "record.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    row = next(line for line in text.splitlines() if line.strip().startswith("补正后重新提交"))
    assert "2026-03-02 09:00" in row


MISSING = [
    "低保申请受理通知书扫描件",
    "核对对象的范围和预计人数说明",
    "县民政局分管领导签批的申请函",
    "数据安全管理制度文本",
    "经办人员名单及岗位职责",
    "低保审批工作流程图",
    "历年核对工作量统计表",
    "数据使用场所的安全防护说明",
    "信息系统等级保护备案证明",
    "数据销毁和留存期限的承诺书",
    "与乡镇民政所的分工说明",
    "核对结果的使用范围说明",
    "身份证号码使用的必要性论证",
    "户籍地址信息的替代方案说明",
    "保密协议签署情况",
    "应急处置预案",
    "数据接口调用的技术方案",
    "访问日志的保存方式",
    "第三方运维单位的保密承诺",
    "以往共享数据的使用情况报告",
    "申请事项对应的三定职责条款",
    "县政府相关会议纪要",
    "上级部门的工作部署文件",
    "低保政策文件的具体条款",
    "经费保障情况说明",
    "核对系统的部署位置",
    "对接联系人及电话",
    "数据质量问题的反馈渠道",
    "申请有效期确定的理由",
    "信息项与业务场景的对应表",
]


def test_a_timeline_over_two_pages_stays_inside_the_margin_repeats_its_headings_and_keeps_numbered_lines(
    ready, tmp_path
):
    app_id = apply(ready, data_protection=None)  # two pages of timeline and little else
    with at("2026-03-20T16:45:00"):  # late, so 是否按期 reads 逾期 in the last column
        decide(
            ready,
            app_id,
            decision="return",
            reason="\n".join(f"{n}. 请补充{what}" for n, what in enumerate(MISSING, 1)),
        )
    with ready() as s:
        resubmit = next(t for t in tasks.case_tasks(s, "application", app_id) if t.status == TaskStatus.OPEN)
    with at("2026-04-02T09:00:00"), ready.begin() as s:
        answers = [f"附件第{n}号文件" for n in range(1, len(MISSING) + 1)]
        tasks.complete(s, person(s, "machao"), resubmit.id, {"answers": answers})
    with at("2026-05-29T17:30:00"):
        decide(ready, app_id, decision="approve", approved_items=["姓名", "公民身份号码"], reason=NARROWED)
    with ready.begin() as s:
        (tmp_path / "record.pdf").write_bytes(records.pdf_for(s, records.for_application(s, app_id)))
    subprocess.run(
        ["pdftoppm", "-r", "72", "-gray", "-png", str(tmp_path / "record.pdf"), str(tmp_path / "page")], check=True
    )
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 2
    margin = round(595.276 - 14 * 72 / 25.4) + 2
    for path in pages:
        page = Image.open(path).convert("L")
        assert all(page.getpixel((x, y)) >= 200 for x in range(margin, page.width) for y in range(page.height)), path
    second = subprocess.run(
        ["pdftotext", "-layout", "-f", "2", "-l", "2", str(tmp_path / "record.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "是否按期" in "".join(second.splitlines()[:3])  # the headings again at the top of the second page
    assert "逾期" in second
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "record.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    lines = [line.strip() for line in text.splitlines()]
    assert any(line.startswith("2. 请补充核对对象") for line in lines)  # each numbered item on its own line
