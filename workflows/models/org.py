"""Units, people, their roles per unit and their responsibilities."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflows.db import Base, UTCDateTime, coded
from workflows.models.labels import LabeledEnum


class Role(enum.StrEnum):
    APPLICANT = "applicant"
    REVIEWER = "reviewer"
    UNIT_ADMIN = "unit_admin"
    COORDINATOR = "coordinator"
    MODELER = "modeler"
    SYSADMIN = "sysadmin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.APPLICANT: "申请人",
    Role.REVIEWER: "审核人",
    Role.UNIT_ADMIN: "目录管理员",
    Role.COORDINATOR: "协调员（县大数据局）",
    Role.MODELER: "流程建模人员",
    Role.SYSADMIN: "系统管理员",
}
ROLE_LABELS_BY_CODE = {role.value: label for role, label in ROLE_LABELS.items()}
# What each role does, as the help page tells it; roles are held per unit.
ROLE_DUTIES = {
    Role.APPLICANT: "代表本单位申请使用其他单位的共享数据：填写应用场景、用途、依据和所需信息项，按授权范围使用数据；"
    "可提出异议和数据纠错。",
    Role.REVIEWER: "审核其他单位对本单位有条件共享数据的申请，在 {review_days} 个工作日内作出通过、不通过（须说明具体理由）或退回补正。",
    Role.UNIT_ADMIN: "维护本单位的政务数据资源目录和供需对接清单，在职能或法规变化后 10 个工作日内更新目录；"
    "为本单位人员开通账号、分配角色。",
    Role.COORDINATOR: "县政务服务和大数据管理局的工作人员：协调目录和清单之外的共享需求，受理和处理异议，"
    "催办、督办和督导考核；不代替提供单位作出审核决定。",
    Role.MODELER: "维护审批流程图（BPMN），检查通过后部署新版本；只有流程建模人员可以部署流程。",
    Role.SYSADMIN: "管理单位、人员和角色，维护工作日历、本系统的政策依据和帮助页联系方式。",
}


class UnitKind(LabeledEnum):
    COORDINATOR = "coordinator", "协调单位（县大数据局）"
    DEPARTMENT = "department", "县直部门"
    VERTICAL = "vertical", "垂直管理单位"
    INSTITUTION = "institution", "事业单位"
    ASSOCIATION = "association", "群团组织"
    TOWNSHIP = "township", "乡镇（街道）"  # applies and provides like a county unit (三(一))


class ResponsibilityKind(LabeledEnum):
    FIRST_RESPONSIBLE = "first_responsible", "第一责任人"
    LEADER_IN_CHARGE = "leader_in_charge", "分管领导"
    SECTION_CHIEF = "section_chief", "科室负责人"


# What each responsibility means here (notice 六(一)), as the person holding it reads it on the workbench.
RESPONSIBILITY_DUTIES = {
    ResponsibilityKind.FIRST_RESPONSIBLE: "本单位政务数据共享工作的第一责任人；可查看本单位的运维厂商人员账号",
    ResponsibilityKind.LEADER_IN_CHARGE: "分管本单位数据共享工作；本单位待办的催办、督办和本单位所获授权被撤销的通知同时发给您",
    ResponsibilityKind.SECTION_CHIEF: "具体负责本单位数据共享工作，组织目录编制更新和申请审核",
}


class AccountKind(LabeledEnum):
    PERSON = "person", "工作人员"
    PLATFORM = "platform", "数据平台运营方"  # a machine account: API tokens for the grant feed and usage reports only


class Unit(Base):
    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    short_name: Mapped[str] = mapped_column(String(50))
    kind: Mapped[UnitKind] = mapped_column(coded(UnitKind, "kind"))
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)  # 统一社会信用代码, when known
    # a deactivated unit keeps its history but takes no new people, roles or cases
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class Person(Base):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    position: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # bumped at logout and password change: every session cookie carrying an older value is refused
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # set with a one-time password (new account, reset): the next login must choose a new one first
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # when that one-time password was given: it expires (ONE_TIME_PASSWORD_HOURS) if never used
    one_time_password_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # platform: the city data platform's operator; its tokens read the grant feed and report usage, nothing else
    account_kind: Mapped[AccountKind] = mapped_column(
        coded(AccountKind, "account_kind"), default=AccountKind.PERSON, server_default=AccountKind.PERSON.value
    )

    unit: Mapped[Unit] = relationship(lazy="joined")
    memberships: Mapped[list[RoleMembership]] = relationship(back_populates="person", cascade="all, delete-orphan")
    # present for the staff of a company that builds or runs the unit's systems (运维厂商人员, notice 五)
    vendor: Mapped[VendorAccount | None] = relationship(
        lazy="joined", back_populates="person", foreign_keys="VendorAccount.person_id", uselist=False
    )

    @property
    def is_vendor(self) -> bool:
        return self.vendor is not None

    @property
    def is_platform(self) -> bool:
        return self.account_kind == AccountKind.PLATFORM

    def has_role(self, role: Role | str, unit_id: int | None = None) -> bool:
        return any(m.role == role and (unit_id is None or m.unit_id == unit_id) for m in self.memberships)


class VendorAccount(Base):
    """A vendor's or operator's account: no roles, no application content, an end date and an undertaking."""

    __tablename__ = "vendor_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), unique=True)
    company: Mapped[str] = mapped_column(String(100))
    expires_on: Mapped[date] = mapped_column(Date)  # the last day the account may log in
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # the 保密承诺 accepted at first login; nothing else opens before it
    undertaking_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # when the unit's 第一责任人 and 目录管理员 were told that the end date is near (once)
    expiry_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    person: Mapped[Person] = relationship(back_populates="vendor", foreign_keys=[person_id])

    def is_expired(self, today: date) -> bool:
        return today > self.expires_on

    def expires_soon(self, today: date, days: int) -> bool:
        return not self.is_expired(today) and self.expires_on <= today + timedelta(days=days)


class RoleMembership(Base):
    """A role is held in one unit: reviewer of 县民政局 is not reviewer of 县公安局."""

    __tablename__ = "role_membership"
    __table_args__ = (UniqueConstraint("person_id", "unit_id", "role", name="uq_role_membership"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    role: Mapped[Role] = mapped_column(coded(Role, "role"))

    person: Mapped[Person] = relationship(back_populates="memberships")
    unit: Mapped[Unit] = relationship(lazy="joined")


class Responsibility(Base):
    """Who is accountable in a unit (第一责任人, 分管领导, 科室负责人): notified, not permitted."""

    __tablename__ = "responsibility"
    __table_args__ = (UniqueConstraint("unit_id", "kind", name="uq_responsibility_unit_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[ResponsibilityKind] = mapped_column(coded(ResponsibilityKind, "kind", length=30))

    person: Mapped[Person] = relationship(lazy="joined")
    unit: Mapped[Unit] = relationship(lazy="joined")


class ApiToken(Base):
    """A revocable bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    person: Mapped[Person] = relationship()


class LoginFailure(Base):
    """Failed logins, counted per account and per address (workflows/login_throttle) to slow down guessing."""

    __tablename__ = "login_failure"
    __table_args__ = (
        Index("ix_login_failure_user_at", "username", "at"),
        Index("ix_login_failure_address_at", "address", "at"),
        Index("ix_login_failure_at", "at"),
    )  # the retention purge

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class PeopleImport(Base):
    """An uploaded people workbook waiting between its preview and its confirmation (deleted once applied)."""

    __tablename__ = "people_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    digest: Mapped[str] = mapped_column(String(64))  # of the changes the preview showed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
