"""Marketing's lead list as CSV: the CLI writes it to a file, the admin will stream the same lines.

By default only leads who confirmed their email, said yes to marketing and are still subscribed;
`include_all` adds everyone. Every cell is neutralised against spreadsheet formula injection.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

import sqlalchemy as sa

from shop.extensions import db
from shop.guides.models import Lead

COLUMNS = (
    "email",
    "first_name",
    "confirmed_at",
    "consent",
    "consent_version",
    "consented_at",
    "subscribed",
    "unsubscribed_at",
    "landing_page",
    "referrer",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "signup_form",
    "signup_page",
    "customer",
    "created_at",
)

# A spreadsheet treats a cell starting with one of these as a formula (or, for tab and CR, may
# shift it into one); OWASP's advice is to prefix such cells with a single quote.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
BATCH_SIZE = 500


@dataclass(frozen=True)
class LeadFilter:
    include_all: bool = False
    since: datetime | None = None  # leads created at or after this moment (aware UTC)


def neutralise_cell(value: str) -> str:
    """A cell a spreadsheet shows as text, never evaluates: "=HYPERLINK(…)" → "'=HYPERLINK(…)"."""
    if value.startswith(FORMULA_TRIGGERS) or value.lstrip().startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _timestamp(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def lead_row(lead: Lead) -> list[str]:
    consented = lead.consented_at is not None
    values = [
        lead.email,
        lead.first_name,
        _timestamp(lead.confirmed_at),
        _yes_no(consented),
        (lead.consent_version or "") if consented else "",
        _timestamp(lead.consented_at),
        _yes_no(lead.subscribed),
        _timestamp(lead.unsubscribed_at),
        lead.landing_page or "",
        lead.referrer or "",
        lead.utm_source or "",
        lead.utm_medium or "",
        lead.utm_campaign or "",
        lead.utm_term or "",
        lead.utm_content or "",
        lead.signup_form,
        lead.signup_page or "",
        _yes_no(lead.is_customer),
        _timestamp(lead.created_at),
    ]
    return [neutralise_cell(value) for value in values]


def select_leads(lead_filter: LeadFilter) -> sa.Select[tuple[Lead]]:
    """The leads a filter names, oldest first (the admin's list pages through the same query)."""
    query = sa.select(Lead).order_by(Lead.created_at, Lead.id)
    if not lead_filter.include_all:
        query = query.where(
            Lead.confirmed_at.is_not(None), Lead.consented_at.is_not(None), Lead.subscribed.is_(True)
        )
    if lead_filter.since is not None:
        query = query.where(Lead.created_at >= lead_filter.since)
    return query


def _csv_line(values: list[str] | tuple[str, ...]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue()


def iter_csv_lines(lead_filter: LeadFilter) -> Iterator[str]:
    """The header, then one CSV line per lead, read in batches so a long list never sits in memory."""
    yield _csv_line(COLUMNS)
    for lead in db.session.scalars(select_leads(lead_filter).execution_options(yield_per=BATCH_SIZE)):
        yield _csv_line(lead_row(lead))


def write_csv(stream: TextIO, lead_filter: LeadFilter) -> int:
    """Write the CSV to `stream`; returns how many leads it holds."""
    lines = iter_csv_lines(lead_filter)
    stream.write(next(lines))
    count = 0
    for line in lines:
        stream.write(line)
        count += 1
    return count
