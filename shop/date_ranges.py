"""Report date ranges: whole days in the shop's time zone, chosen by a link (?days=7) or a form
(?from=2026-11-01&to=2026-11-30). Pure: the caller passes today's date and the time zone.

A range that cannot be used (backwards, in the future, longer than two years, not a date, `?days=²`) is
never an error page: the reports show the default range and say why.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shop.whole_numbers import parse_whole_number

PRESET_DAYS = (7, 30, 90)
DEFAULT_DAYS = 30
MAX_DAYS = 731  # two years, a leap day included
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class ReportRange:
    """The days first..last, both included, in the shop's time zone."""

    first: date
    last: date
    preset: int | None = None  # 7, 30 or 90 when chosen by a link

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def previous(self) -> "ReportRange":
        """The same number of days just before this range (drawn faintly for comparison)."""
        return ReportRange(self.first - timedelta(days=self.days), self.first - timedelta(days=1))

    def day_list(self) -> list[date]:
        return [self.first + timedelta(days=offset) for offset in range(self.days)]

    def query_args(self) -> dict[str, str]:
        """The URL arguments that choose this range again (the CSV links, the range form)."""
        if self.preset is not None:
            return {"days": str(self.preset)}
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}

    def describe(self) -> str:
        if self.preset is not None:
            return f"last {self.preset} days ({self.first.isoformat()} to {self.last.isoformat()})"
        return f"{self.first.isoformat()} to {self.last.isoformat()}"


def last_days(days: int, today: date) -> ReportRange:
    return ReportRange(today - timedelta(days=days - 1), today, preset=days)


def default_range(today: date) -> ReportRange:
    return last_days(DEFAULT_DAYS, today)


def _parse_date(text: str) -> date | None:
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def choose_range(args: Mapping[str, str], today: date) -> tuple[ReportRange, str | None]:
    """The range the request asks for, or the default range and a message saying what was wrong."""
    default = default_range(today)
    days_text = args.get("days")
    start_text = (args.get("from") or "").strip()
    end_text = (args.get("to") or "").strip()
    if days_text is not None:
        days = parse_whole_number(days_text, max_digits=3)
        if days not in PRESET_DAYS:
            choices = ", ".join(str(d) for d in PRESET_DAYS)
            return default, f"Choose {choices} days, or pick dates. Showing the last {DEFAULT_DAYS} days."
        return last_days(days, today), None
    if not start_text and not end_text:
        return default, None
    start, end = _parse_date(start_text), _parse_date(end_text)
    showing = f"Showing the last {DEFAULT_DAYS} days."
    if start is None or end is None:
        return default, f"Enter both dates as YYYY-MM-DD (for example {today.isoformat()}). {showing}"
    if end < start:
        return default, f"The range ends before it starts. {showing}"
    if end > today:
        return default, f"The range ends in the future (today is {today.isoformat()}). {showing}"
    if (end - start).days + 1 > MAX_DAYS:
        return default, f"Choose at most two years ({MAX_DAYS} days). {showing}"
    return ReportRange(start, end), None


def local_today(now: datetime, zone: ZoneInfo) -> date:
    return now.astimezone(zone).date()


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The UTC moment `day` begins in `zone` (a day may be 23 or 25 hours long around a clock change)."""
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def day_edges(report_range: ReportRange) -> list[date]:
    """Each day's first moment, then the day after the last: one bucket per day."""
    return [*report_range.day_list(), report_range.last + timedelta(days=1)]


def week_edges(report_range: ReportRange) -> list[date]:
    """Week buckets (Monday to Sunday) cut to the range: its first day, each Monday inside it, and the
    day after its last day."""
    mondays = [day for day in report_range.day_list()[1:] if day.weekday() == 0]
    return [report_range.first, *mondays, report_range.last + timedelta(days=1)]


def utc_edges(edges: list[date], zone: ZoneInfo) -> list[datetime]:
    """The UTC moments at which each of those days begins in `zone`."""
    return [day_start(day, zone) for day in edges]
