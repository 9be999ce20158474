"""Accounts for the staff of companies that build or run a unit's systems (运维厂商人员, notice 五).

They hold no role, so they see no application, grant, attachment or usage record; they log in only until their
end date, accept the 保密承诺 before anything opens, and are listed to the unit's 第一责任人, who is reminded
(with the unit's 目录管理员) ten days before an account ends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications import send
from workflows import audit, clock, inputs, reasons
from workflows.errors import Conflict, Forbidden, NotFound, ValidationFailed
from workflows.models import (
    Person,
    Responsibility,
    ResponsibilityKind,
    Role,
    RoleMembership,
    VendorAccount,
)
from workflows.organisation import people
from workflows.organisation.passwords import hash_password, one_time_password
from workflows.organisation.scope import AdminScope

REMIND_DAYS = 10
LONGEST_YEARS = 3  # an account that outlives any contract is a door left open
COMPANY_LIMIT = 100
COMPANY_SHORTEST = 4  # the shortest full name of a company ("某某公司")
UNDERTAKING = (
    "本人作为为本单位建设、运行或维护信息系统的厂商人员，郑重承诺：",
    "一、严格遵守《中华人民共和国数据安全法》《中华人民共和国个人信息保护法》《政务数据共享条例》"
    "和本县政务数据共享管理规定；",
    "二、只在本单位授权的范围内、为完成合同约定的建设和运维工作使用本账号，不把账号和密码交给他人；",
    "三、对工作中接触的政务数据和个人信息严格保密，不擅自留存、复制、使用、加工、对外提供或公开，"
    "工作结束后及时删除；",
    "四、发现数据泄露、篡改或其他安全事件时，立即报告本单位；",
    "五、知悉本账号的每一次操作都会被记录，违反本承诺将依法依规承担责任。",
)


@dataclass
class VendorInput:
    username: str = ""
    display_name: str = ""
    unit_code: str = ""
    email: str = ""
    company: str = ""
    expires_on: str = ""  # YYYY-MM-DD, the last day the account may log in


def _company_and_end(data: VendorInput) -> tuple[str, date | None, list[str]]:
    company, problems = data.company.strip(), []
    if not company:
        problems.append("所属公司：必填，请填写厂商的公司全称")
    elif len(company) < COMPANY_SHORTEST or company in reasons.STOCK_PHRASES:
        problems.append(
            f"所属公司：“{inputs.shown(company)}”不是公司名称，请填写营业执照上的公司全称，" "如“某某信息技术有限公司”"
        )
    elif problem := inputs.too_long("所属公司", company, COMPANY_LIMIT):
        problems.append(problem)
    elif inputs.has_control_characters(company):
        problems.append("所属公司：不能含有换行等控制字符")
    end = _end_date(data.expires_on, problems)
    return company, end, problems


def _end_date(typed: str, problems: list[str]) -> date | None:
    """The account's last day: from today, at most three years on (as an application's validity)."""
    text = typed.strip()[:20]
    if not text:
        problems.append("账号有效期至：必填，请选择合同或工作结束的日期")
        return None
    end = inputs.parse_day(text, "账号有效期至", problems)
    today = clock.today()
    if end is not None and end < today:
        problems.append(f"账号有效期至：不能早于今天（{today.isoformat()}）")
    elif end is not None and end > (latest := inputs.years_on(today, LONGEST_YEARS)):
        problems.append(f"账号有效期至：最长三年（不晚于 {latest.isoformat()}），到期后可续期")
    return end


def renew_vendor(session: Session, scope: AdminScope, person_id: int, expires_on: str) -> VendorAccount:
    """The unit's 目录管理员 moves a vendor account's last day (a contract extended or ended early); the reminder
    before the new end is sent again."""
    scope.require_admin()
    account = session.scalar(select(VendorAccount).where(VendorAccount.person_id == person_id))
    if account is None:
        raise NotFound("运维厂商人员账号不存在")
    scope.require_unit(account.person.unit_id)
    problems: list[str] = []
    end = _end_date(expires_on, problems)
    if problems:
        raise ValidationFailed(problems, "账号有效期未修改：请按提示改正")
    before = account.expires_on
    account.expires_on, account.expiry_reminded_at = end, None
    audit.record(
        session,
        scope.actor_id,
        "person",
        person_id,
        "vendor:renewed",
        {"expires_on": before.isoformat()},
        {"expires_on": end.isoformat()},
    )
    return account


def create_vendor(
    session: Session, scope: AdminScope, data: VendorInput, hasher: Callable[[str], str] = hash_password
) -> tuple[Person, str]:
    """A vendor's account in the unit whose systems they serve, with a one-time password shown once."""
    scope.require_admin()
    company, end, problems = _company_and_end(data)
    try:
        values, unit = people.clean_input(
            session,
            people.PersonInput(
                username=data.username, display_name=data.display_name, unit_code=data.unit_code, email=data.email
            ),
            None,
        )
    except ValidationFailed as err:
        problems = err.details + problems
    if problems:
        raise ValidationFailed(problems)
    scope.require_unit(unit.id)
    password, now = one_time_password(), clock.now()
    person = Person(
        username=values["username"],
        display_name=values["display_name"],
        unit_id=unit.id,
        position="运维厂商人员",
        email=values["email"] or None,
        password_hash=hasher(password),
        active=True,
        must_change_password=True,
        one_time_password_issued_at=now,
    )
    person.vendor = VendorAccount(company=company, expires_on=end, created_by_id=scope.actor_id, created_at=now)
    session.add(person)
    session.flush()
    audit.record(
        session,
        scope.actor_id,
        "person",
        person.id,
        "vendor:created",
        None,
        {**values, "unit": unit.code, "company": company, "expires_on": end.isoformat()},
    )
    return person, password


def accept_undertaking(session: Session, person_id: int) -> VendorAccount:
    """The vendor accepts the 保密承诺; recorded with its text, once."""
    account = session.scalar(select(VendorAccount).where(VendorAccount.person_id == person_id))
    if account is None:
        raise Conflict("只有运维厂商人员需要签署保密承诺")
    if account.undertaking_accepted_at is None:
        account.undertaking_accepted_at = clock.now()
        audit.record(
            session,
            person_id,
            "person",
            person_id,
            "vendor:undertaking_accepted",
            None,
            {"undertaking": "".join(UNDERTAKING)},
        )
    return account


def _first_responsible_units(session: Session, person_id: int) -> set[int]:
    return set(
        session.scalars(
            select(Responsibility.unit_id).where(
                Responsibility.person_id == person_id, Responsibility.kind == ResponsibilityKind.FIRST_RESPONSIBLE
            )
        )
    )


def listed_units(session: Session, person: Person) -> set[int] | None:
    """The units whose vendor accounts this person sees (None: every unit); empty when they see none."""
    if person.has_role(Role.SYSADMIN):
        return None
    admin = {m.unit_id for m in person.memberships if m.role == Role.UNIT_ADMIN}
    return admin | _first_responsible_units(session, person.id)


def vendor_accounts(session: Session, person: Person) -> list[VendorAccount]:
    """The vendor accounts of the units where the person is 第一责任人 or 目录管理员 (all, for the sysadmin)."""
    units = listed_units(session, person)
    if units is not None and not units:
        raise Forbidden("只有单位的第一责任人、目录管理员和系统管理员可以查看运维厂商人员账号")
    query = select(VendorAccount).join(Person, VendorAccount.person_id == Person.id)
    if units is not None:
        query = query.where(Person.unit_id.in_(units))
    return list(session.scalars(query.order_by(Person.unit_id, VendorAccount.expires_on, Person.id)))


def remind_expiring(session: Session) -> int:
    """Once per account, ten days before its end: the unit's 第一责任人 and 目录管理员 hear of it."""
    today = clock.today()
    due = session.scalars(
        select(VendorAccount)
        .join(Person, VendorAccount.person_id == Person.id)
        .where(
            Person.active.is_(True),
            VendorAccount.expiry_reminded_at.is_(None),
            VendorAccount.expires_on >= today,
            VendorAccount.expires_on <= today + timedelta(days=REMIND_DAYS),
        )
    ).all()
    for account in due:
        vendor = account.person
        account.expiry_reminded_at = clock.now()
        send(
            session,
            _told_of(session, vendor.unit_id),
            "vendor_expiring",
            {
                "unit_name": vendor.unit.name,
                "name": vendor.display_name,
                "username": vendor.username,
                "company": account.company,
                "expires_on": account.expires_on.isoformat(),
                "days": (account.expires_on - today).days,
            },
        )
        audit.record(
            session,
            None,
            "person",
            vendor.id,
            "vendor:expiry_reminded",
            None,
            {"expires_on": account.expires_on.isoformat()},
            unit_id=vendor.unit_id,
        )
    return len(due)


def _told_of(session: Session, unit_id: int) -> list[Person]:
    first = session.scalars(
        select(Person)
        .join(Responsibility, Responsibility.person_id == Person.id)
        .where(Responsibility.unit_id == unit_id, Responsibility.kind == ResponsibilityKind.FIRST_RESPONSIBLE)
    )
    admins = session.scalars(
        select(Person)
        .join(RoleMembership, RoleMembership.person_id == Person.id)
        .where(RoleMembership.unit_id == unit_id, RoleMembership.role == Role.UNIT_ADMIN)
    )
    return [*first, *admins]
