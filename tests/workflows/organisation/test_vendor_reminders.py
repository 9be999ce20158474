"""Ten days before a vendor's account ends, the periodic pass tells the unit's 第一责任人 and 目录管理员, once."""

from __future__ import annotations

from notifications.email import SmtpSettings
from tests.helpers import at, inbox_subjects
from tests.vendor_helpers import make_vendor
from workflows import operations

SUBJECT = "【账号即将到期】县民政局运维厂商人员王工（华信科技有限公司）的账号将于 2026-06-30 到期"


def _pass(sessions):
    return operations.run_once(sessions, SmtpSettings(host=""))


def test_the_first_responsible_and_the_unit_admin_hear_ten_days_before_the_end_once(sessions):
    with at("2026-03-02T10:00:00"):
        make_vendor(sessions, expires_on="2026-06-30")
    with at("2026-06-19T08:00:00"):
        assert _pass(sessions).vendors_reminded == 0  # eleven days before: not yet
    with at("2026-06-20T08:00:00"):
        result = _pass(sessions)
    with at("2026-06-21T08:00:00"):
        again = _pass(sessions)
    assert result.vendors_reminded == 1 and again.vendors_reminded == 0
    assert "运维厂商人员账号到期提醒 1 个" in result.summary()
    assert inbox_subjects(sessions, "wugang").count(SUBJECT) == 1  # 县民政局's 第一责任人
    assert inbox_subjects(sessions, "sunjie").count(SUBJECT) == 1  # and its 目录管理员
    assert inbox_subjects(sessions, "machao") == [] and inbox_subjects(sessions, "huangtao") == []


def test_an_account_already_past_its_end_is_not_reminded(sessions):
    with at("2026-03-02T10:00:00"):
        make_vendor(sessions, expires_on="2026-03-05")
    with at("2026-03-10T08:00:00"):
        assert _pass(sessions).vendors_reminded == 0
