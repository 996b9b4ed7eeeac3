"""Report date ranges (shop/date_ranges.py): links, the form, bad input, and days in the shop's zone."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from shop import date_ranges
from shop.date_ranges import ReportRange, choose_range

TODAY = date(2026, 11, 29)
DEFAULT = ReportRange(date(2026, 10, 31), TODAY, preset=30)


@pytest.mark.parametrize("days", [7, 30, 90])
def test_the_links_choose_the_last_7_30_or_90_days_ending_today(days: int) -> None:
    chosen, message = choose_range({"days": str(days)}, TODAY)

    assert (chosen.days, chosen.last, chosen.preset, message) == (days, TODAY, days, None)
    assert chosen.query_args() == {"days": str(days)}


def test_no_arguments_mean_the_last_30_days_without_a_message() -> None:
    assert choose_range({}, TODAY) == (DEFAULT, None)
    assert choose_range({"from": "", "to": " "}, TODAY) == (DEFAULT, None)


def test_the_form_chooses_any_dates_up_to_today() -> None:
    chosen, message = choose_range({"from": "2026-11-01", "to": "2026-11-29"}, TODAY)

    assert (chosen, message) == (ReportRange(date(2026, 11, 1), TODAY), None)
    assert chosen.query_args() == {"from": "2026-11-01", "to": "2026-11-29"}
    assert choose_range({"from": "2026-11-05", "to": "2026-11-05"}, TODAY)[0].days == 1


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ({"days": "²"}, "Choose 7, 30, 90 days"),
        ({"days": "１"}, "Choose 7, 30, 90 days"),
        ({"days": "14"}, "Choose 7, 30, 90 days"),
        ({"days": "-7"}, "Choose 7, 30, 90 days"),
        ({"days": "7" * 40}, "Choose 7, 30, 90 days"),
        ({"days": ""}, "Choose 7, 30, 90 days"),
        ({"from": "2026-11-20", "to": "2026-11-01"}, "ends before it starts"),
        ({"from": "2026-11-20", "to": "2026-11-30"}, "ends in the future (today is 2026-11-29)"),
        ({"from": "2024-11-28", "to": "2026-11-29"}, "at most two years"),
        ({"from": "2026-02-30", "to": "2026-03-01"}, "Enter both dates as YYYY-MM-DD"),
        ({"from": "2026-11-01"}, "Enter both dates"),
        ({"from": "1/11/2026", "to": "2026-11-02"}, "Enter both dates"),
        ({"from": "２０２６-11-01", "to": "2026-11-02"}, "Enter both dates"),
        ({"from": "2026-11-01T00:00", "to": "2026-11-02"}, "Enter both dates"),
    ],
)
def test_bad_ranges_fall_back_to_the_default_and_say_why(args: dict[str, str], says: str) -> None:
    chosen, message = choose_range(args, TODAY)

    assert chosen == DEFAULT
    assert message is not None and says in message and "Showing the last 30 days." in message


def test_two_years_with_a_leap_day_is_the_longest_range() -> None:
    chosen, message = choose_range({"from": "2024-11-29", "to": "2026-11-29"}, TODAY)

    assert (chosen.days, message) == (731, None)


def test_the_previous_period_is_as_long_and_ends_the_day_before() -> None:
    assert ReportRange(date(2026, 11, 1), date(2026, 11, 7)).previous == ReportRange(
        date(2026, 10, 25), date(2026, 10, 31)
    )


def test_days_begin_at_midnight_in_the_shop_time_zone() -> None:
    new_york = ZoneInfo("America/New_York")
    # 2026-11-01 is the day the clocks go back in New York: 25 hours long
    edges = date_ranges.utc_edges(
        date_ranges.day_edges(ReportRange(date(2026, 10, 31), date(2026, 11, 1))), new_york
    )
    assert edges == [
        datetime(2026, 10, 31, 4, tzinfo=UTC),
        datetime(2026, 11, 1, 4, tzinfo=UTC),
        datetime(2026, 11, 2, 5, tzinfo=UTC),
    ]
    kathmandu = ZoneInfo("Asia/Kathmandu")  # UTC+5:45
    assert date_ranges.day_start(date(2026, 11, 29), kathmandu) == datetime(2026, 11, 28, 18, 15, tzinfo=UTC)
    late_evening = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert date_ranges.local_today(late_evening, kathmandu) == date(2026, 11, 30)
    assert date_ranges.local_today(late_evening, new_york) == date(2026, 11, 29)


def test_weeks_start_on_monday_and_are_cut_to_the_range() -> None:
    # Thursday 2026-11-05 to Tuesday 2026-11-17: a short first week, a whole one, a short last one
    report_range = ReportRange(date(2026, 11, 5), date(2026, 11, 17))

    assert date_ranges.week_edges(report_range) == [
        date(2026, 11, 5),
        date(2026, 11, 9),
        date(2026, 11, 16),
        date(2026, 11, 18),
    ]
