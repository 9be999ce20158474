"""String enums that carry their Chinese label: codes travel in the API, labels on pages."""

from __future__ import annotations

import enum


class LabeledEnum(enum.StrEnum):
    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def parse(cls, text: str | None):
        """A member from its code or its Chinese label; None when neither matches."""
        text = (text or "").strip()
        for member in cls:
            if text in (member.value, member.label):
                return member
        return None

    @classmethod
    def label_of(cls, value: str | None) -> str:
        """The Chinese label of a stored code, or "" for none: what a page or a record shows."""
        member = cls.parse(value) if value else None
        return member.label if member else ""

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]
