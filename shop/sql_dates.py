"""Dates in the shop's time zone, computed by the database: `local_date(Order.paid_at, "Europe/London")`.

Timestamps are stored as naive UTC (shop/db_types.py). PostgreSQL converts them with its own time zone
database; SQLite has none, so every SQLite connection gets a small `shop_local_date` function
(registered in shop/sqlite_connections.py) that does the same with zoneinfo.
"""

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class local_date(FunctionElement[date]):  # noqa: N801  (reads as a SQL function)
    """The calendar date, in the named IANA time zone, of a naive-UTC timestamp column."""

    type = sa.Date()
    inherit_cache = True
    name = "local_date"


@compiles(local_date, "postgresql")
def _local_date_postgresql(element: local_date, compiler: Any, **kw: Any) -> str:
    column, zone = list(element.clauses)
    return (
        f"date(timezone({compiler.process(zone, **kw)}, timezone('UTC', {compiler.process(column, **kw)})))"
    )


@compiles(local_date, "sqlite")
def _local_date_sqlite(element: local_date, compiler: Any, **kw: Any) -> str:
    column, zone = list(element.clauses)
    return f"shop_local_date({compiler.process(column, **kw)}, {compiler.process(zone, **kw)})"


def sqlite_local_date(stored: str | None, zone_name: str) -> str | None:
    """SQLite's shop_local_date: '2026-11-20 23:30:00.000000' (UTC) in Asia/Tokyo → '2026-11-21'."""
    if stored is None:
        return None
    moment = datetime.fromisoformat(stored).replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(zone_name)).date().isoformat()


def as_date(value: date | str) -> date:
    """A date column's value as a date (SQLite hands back the text of a function's result)."""
    return value if isinstance(value, date) else date.fromisoformat(value)
