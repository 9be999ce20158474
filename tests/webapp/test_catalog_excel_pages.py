"""The Excel pages: download the template and the unit's catalog, upload a filled-in workbook."""

import io

from openpyxl import load_workbook

from tests.helpers import (
    DOG,
    DOG_ITEMS,
    HOUSEHOLD_ROW,
    HOUSEHOLD_ROW_ITEMS,
    csrf_token,
    login,
    unit,
    upload,
    workbook,
)


def test_the_units_catalog_page_offers_template_export_and_import(client, demo_catalog):
    login(client, "huangtao")
    page = client.get("/catalog/mine").get_data(as_text=True)
    assert "下载模板" in page and "导出本单位目录" in page and "导入 Excel" in page


def test_a_keeper_downloads_the_template_and_the_units_catalog(client, demo_catalog):
    login(client, "huangtao")
    template = client.get("/catalog/template.xlsx")
    assert template.status_code == 200 and template.mimetype.endswith("spreadsheetml.sheet")
    assert load_workbook(io.BytesIO(template.data)).sheetnames == ["资源目录", "信息项", "填写说明"]
    export = client.get("/catalog/export.xlsx")
    assert export.status_code == 200 and "attachment" in export.headers["Content-Disposition"]
    codes = [
        row[0] for row in load_workbook(io.BytesIO(export.data))["资源目录"].iter_rows(min_row=2, values_only=True)
    ]
    assert codes == ["XY-GA-001", "XY-GA-002", "XY-GA-003", "XY-GA-004"]


def test_an_exported_file_uploaded_again_changes_nothing(client, demo_catalog):
    login(client, "huangtao")
    response = upload(client, client.get("/catalog/export.xlsx").data)
    assert response.status_code == 302 and response.headers["Location"].endswith("/catalog/mine")
    page = client.get("/catalog/mine").get_data(as_text=True)
    assert "已导入：新建 0 条，更新 0 条，发布 0 条" in page


def test_a_new_entry_uploaded_on_the_page_is_created_and_published(client, demo_catalog):
    login(client, "huangtao")
    response = upload(client, workbook([DOG | {"状态": "已发布"}], DOG_ITEMS))
    assert response.status_code == 302
    page = client.get("/catalog/mine").get_data(as_text=True)
    assert "已导入：新建 1 条，更新 0 条，发布 1 条" in page and "养犬登记信息" in page
    assert "已发布" in client.get("/catalog/resources/XY-GA-005").get_data(as_text=True)


def test_a_bad_workbook_lists_every_problem_and_saves_nothing(client, demo_catalog):
    login(client, "huangtao")
    data = workbook(
        [DOG | {"共享条件/不予共享依据": None}, DOG | {"资源名称": "犬只免疫信息", "发布日期": "昨天"}],
        DOG_ITEMS + [["XY-GA-999", "芯片号", "字符型", 20, "否"]],
    )
    response = upload(client, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'class="alert alert-danger" role="alert" id="import-errors"' in page
    assert "导入文件有 3 处问题，未导入任何内容" in page
    assert "工作表“资源目录”第2行“共享条件/不予共享依据”列：有条件共享的资源必须填写共享条件" in page
    assert "工作表“资源目录”第3行“发布日期”列：“昨天”不是有效日期" in page
    assert "工作表“信息项”第4行“资源代码”列：“XY-GA-999”" in page
    assert "养犬登记信息" not in client.get("/catalog/mine").get_data(as_text=True)


def test_a_file_that_is_not_xlsx_gets_a_chinese_message(client, demo_catalog):
    login(client, "huangtao")
    for data, name in ((b"code,name\n", "catalog.csv"), (b"not a workbook", "catalog.xlsx")):
        response = upload(client, data, name)
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and "文件不是有效的 Excel 工作簿（.xlsx）" in page
        assert 'id="import-form"' in page
    response = client.post(
        "/catalog/import",
        data={"csrf_token": csrf_token(client, "/catalog/import")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "请选择要导入的 Excel 文件" in response.get_data(as_text=True)


def test_a_likely_duplicate_asks_for_a_reason_and_then_imports(client, demo_catalog):
    login(client, "sunjie")
    data = workbook([HOUSEHOLD_ROW], HOUSEHOLD_ROW_ITEMS)
    response = upload(client, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "XY-GA-001" in page and 'name="duplicate_reason"' in page
    response = upload(client, data, duplicate_reason="依《社会救助暂行办法》须独立核实")
    assert response.status_code == 302
    assert "户籍人口信息" in client.get("/catalog/mine").get_data(as_text=True)


def test_an_applicant_can_neither_export_nor_import(client, demo_catalog):
    login(client, "machao")
    assert client.get("/catalog/export.xlsx").status_code == 403
    assert client.get("/catalog/import").status_code == 403
    assert upload(client, workbook([DOG], DOG_ITEMS)).status_code == 403
    assert "导入 Excel" not in client.get("/catalog/mine").get_data(as_text=True)


def test_a_keeper_cannot_export_another_units_catalog_but_a_coordinator_can(app, client, demo_catalog):
    with demo_catalog() as session:
        gaj = unit(session, "gaj").id
    login(client, "sunjie")
    response = client.get(f"/catalog/export.xlsx?unit={gaj}")
    assert response.status_code == 403 and "协调员可以导出" in response.get_data(as_text=True)
    coordinator = app.test_client()
    login(coordinator, "wanglei")
    assert coordinator.get(f"/catalog/export.xlsx?unit={gaj}").status_code == 200
