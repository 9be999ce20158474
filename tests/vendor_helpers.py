"""A vendor's account for tests: made through the service, as 孙杰 (县民政局's 目录管理员) would make it."""

from __future__ import annotations

from datetime import date

from tests.helpers import person
from workflows.models import Person
from workflows.organisation import vendors
from workflows.organisation.passwords import hash_password
from workflows.organisation.scope import AdminScope

VENDOR_PASSWORD = "Yun-Wei2026!"


def make_vendor(
    sessions, username: str = "wanggong", expires_on: str = "2026-06-30", *, ready: bool = True, admin: str = "sunjie"
) -> str:
    """wanggong (王工, 华信科技有限公司) serving 县民政局; ready: password chosen and the undertaking signed."""
    with sessions.begin() as s:
        made, password = vendors.create_vendor(
            s,
            AdminScope.of(person(s, admin)),
            vendors.VendorInput(
                username=username,
                display_name="王工",
                unit_code="mzj",
                company="华信科技有限公司",
                expires_on=expires_on,
            ),
        )
        if ready:
            made.password_hash, made.must_change_password = hash_password(VENDOR_PASSWORD), False
            vendors.accept_undertaking(s, made.id)
    return password


def vendor(session, username: str = "wanggong") -> Person:
    return person(session, username)


def day(text: str) -> date:
    return date.fromisoformat(text)
