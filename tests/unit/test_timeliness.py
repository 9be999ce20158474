"""The workbench's 按期率: a task still open past its day is late, as on the unit scorecard."""

from workflows.supervision.timeliness import UnitTimeliness


def test_a_task_open_past_its_day_lowers_the_on_time_rate():
    assert UnitTimeliness("县公安局", open_overdue=1, done_on_time=3).on_time_rate == 0.75


def test_a_unit_whose_tasks_are_all_within_their_days_has_no_rate_yet():
    assert UnitTimeliness("县民政局").on_time_rate is None
