"""CSV for staff exports: one line at a time (streamed), every cell safe to open in a spreadsheet."""

import csv
import io
from datetime import datetime

# A spreadsheet treats a cell starting with one of these as a formula (or, for tab and CR, may
# shift it into one); OWASP's advice is to prefix such cells with a single quote.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise_cell(value: str) -> str:
    """A cell a spreadsheet shows as text, never evaluates: "=HYPERLINK(…)" → "'=HYPERLINK(…)"."""
    if value.startswith(FORMULA_TRIGGERS) or value.lstrip().startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_row(values: list[str]) -> list[str]:
    """The row's cells, each neutralised."""
    return [neutralise_cell(value) for value in values]


def csv_line(values: list[str] | tuple[str, ...]) -> str:
    """One CSV line (CRLF-terminated, as RFC 4180 and spreadsheets expect)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue()


def timestamp(value: datetime | None) -> str:
    """A UTC moment as ISO 8601 with a Z, or empty."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""
