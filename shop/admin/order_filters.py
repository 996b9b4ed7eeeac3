"""The orders list's query string (status, q, from, to) read into an OrderFilter, strictly: anything
that is not a known status, a sane search or a real YYYY-MM-DD date is refused with a message."""

import re
from collections.abc import Mapping
from datetime import date

from shop.form_fields import has_control_characters
from shop.orders.staff_actions import FILTER_LABELS, SEARCH_MAX, OrderFilter

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)


class FilterError(ValueError):
    """A query string the list cannot honour; the message says what to fix."""


def _date(raw: str, label: str) -> date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        if not _DATE.match(raw):
            raise ValueError(raw)
        day = date.fromisoformat(raw)
    except ValueError as error:
        raise FilterError(f"The {label} date must be a real date written like 2026-11-30.") from error
    if not EARLIEST <= day <= LATEST:
        raise FilterError(f"The {label} date must be between 2000 and 2099.")
    return day


def parse_order_filter(args: Mapping[str, str]) -> OrderFilter:
    status = args.get("status", "").strip()
    if status and status not in FILTER_LABELS:
        raise FilterError("Choose a status from the list.")
    search = args.get("q", "").strip()
    if len(search) > SEARCH_MAX:
        raise FilterError(f"Search for at most {SEARCH_MAX} characters of an order number or email.")
    if has_control_characters(search):
        raise FilterError("Search for letters, digits and punctuation only.")
    created_from = _date(args.get("from", ""), "start")
    created_to = _date(args.get("to", ""), "end")
    if created_from and created_to and created_from > created_to:
        raise FilterError("The start date is after the end date.")
    return OrderFilter(status=status or None, search=search, created_from=created_from, created_to=created_to)


def filter_args(order_filter: OrderFilter) -> dict[str, str]:
    """The query string that reproduces a filter (for the CSV link and the pagination)."""
    args = {
        "status": order_filter.status or "",
        "q": order_filter.search,
        "from": order_filter.created_from.isoformat() if order_filter.created_from else "",
        "to": order_filter.created_to.isoformat() if order_filter.created_to else "",
    }
    return {key: value for key, value in args.items() if value}
