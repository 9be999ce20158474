"""Texts the sysadmin keeps for everyone to read: the policy page and the help page's contact block."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflows.db import Base, UTCDateTime, coded
from workflows.models.labels import LabeledEnum
from workflows.models.org import Person


class SiteTextKind(LabeledEnum):
    POLICY = "policy", "政策依据"
    HELP = "help", "帮助页联系方式"


class SiteText(Base):
    """One row per kind once the sysadmin has saved it; until then the shipped text stands."""

    __tablename__ = "site_text"

    kind: Mapped[SiteTextKind] = mapped_column(coded(SiteTextKind, "kind"), primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)

    updated_by: Mapped[Person | None] = relationship()
