"""A typed date that is refused says why: a day that does not exist is told apart from text that is no date."""

import pytest

from workflows import inputs


@pytest.mark.parametrize(
    "typed, said",
    [
        ("2026-02-30", "“2026-02-30”不是存在的日期，请核对年、月、日后按 2026-12-31 的格式填写"),
        ("2026-13-01", "“2026-13-01”不是存在的日期，请核对年、月、日后按 2026-12-31 的格式填写"),
        ("明天", "“明天”不是有效日期，请按 2026-12-31 的格式填写"),
        ("２０２６-01-01", "“２０２６-01-01”不是有效日期，请按 2026-12-31 的格式填写"),  # full-width digits
    ],
)
def test_a_refused_day_says_why(typed, said):
    problems = []
    assert inputs.parse_day(typed, "有效期至", problems) is None
    assert problems == [f"有效期至：{said}"]
