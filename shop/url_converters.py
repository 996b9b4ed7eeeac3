"""URL converters for every route: numbers the database can hold, path segments without control characters.

Installed over Werkzeug's `int`, `default` and `string` before any blueprint registers, so every `<int:id>`
and `<slug>` in the shop is covered, and a route added later is too. A URL that does not fit is a 404 from
the router itself: nothing reaches a query (PostgreSQL refuses NUL; SQLite overflows past 64 bits).
"""

from flask import Flask
from werkzeug.routing import IntegerConverter, Map, UnicodeConverter

# Every id column is a 32-bit INTEGER (PostgreSQL's `integer`): a larger number names no row.
MAX_DATABASE_ID = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    """`<int:…>`: ASCII digits only (Werkzeug's `\\d+` also matches "١" and "１"), at most MAX_DATABASE_ID."""

    regex = r"[0-9]{1,10}"

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        bounded = MAX_DATABASE_ID if max is None else max
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=bounded, signed=signed)


class PrintableSegmentConverter(UnicodeConverter):
    """`<name>` and `<string:…>`: one path segment without control characters (C0, DEL, C1)."""

    def __init__(
        self, map: Map, minlength: int = 1, maxlength: int | None = None, length: int | None = None
    ) -> None:
        super().__init__(map, minlength=minlength, maxlength=maxlength, length=length)
        # Werkzeug builds `[^/]{min,max}`; keep its length part and refuse control characters as well.
        self.regex = self.regex.replace("[^/]", "[^/\\x00-\\x1f\\x7f-\\x9f]", 1)


def init_app(app: Flask) -> None:
    """Call before registering blueprints: rules take their converter when they are added."""
    app.url_map.converters["int"] = DatabaseIdConverter
    app.url_map.converters["default"] = PrintableSegmentConverter
    app.url_map.converters["string"] = PrintableSegmentConverter
