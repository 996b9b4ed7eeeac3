"""Marketing's lead list as CSV: the CLI writes it to a file, the admin streams the same lines.

By default only leads who confirmed their email, said yes to marketing and are still subscribed;
`include_all` adds everyone, and the admin's filters narrow either set. Every cell is neutralised against
spreadsheet formula injection.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO

import sqlalchemy as sa

from shop.csv_export import csv_line, csv_row, neutralise_cell, timestamp  # noqa: F401
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

BATCH_SIZE = 500


@dataclass(frozen=True)
class LeadFilter:
    """Which leads: the marketing list (the default) or everyone (`include_all`), narrowed by the rest.
    None means "either way" for the yes/no filters."""

    include_all: bool = False
    since: datetime | None = None  # leads created at or after this moment (aware UTC)
    confirmed: bool | None = None  # used a link we emailed
    subscribed: bool | None = None  # may be sent marketing email now
    customer: bool | None = None  # has bought something
    utm_source: str | None = None  # first-touch utm_source, matched whole and case-insensitively
    search: str | None = None  # part of the email address, case-insensitive


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def lead_row(lead: Lead) -> list[str]:
    consented = lead.consented_at is not None
    values = [
        lead.email,
        lead.first_name,
        timestamp(lead.confirmed_at),
        _yes_no(consented),
        (lead.consent_version or "") if consented else "",
        timestamp(lead.consented_at),
        _yes_no(lead.subscribed),
        timestamp(lead.unsubscribed_at),
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
        timestamp(lead.created_at),
    ]
    return csv_row(values)


def _yes_no_condition(column: sa.ColumnElement[Any], wanted: bool | None) -> list[sa.ColumnElement[bool]]:
    if wanted is None:
        return []
    return [column.is_not(None) if wanted else column.is_(None)]


def lead_conditions(lead_filter: LeadFilter) -> list[sa.ColumnElement[bool]]:
    """The WHERE conditions for a filter; the export and the admin's list both use them, so the CSV
    holds exactly the leads the list shows."""
    conditions: list[sa.ColumnElement[bool]] = []
    if not lead_filter.include_all:
        conditions += [
            Lead.confirmed_at.is_not(None),
            Lead.consented_at.is_not(None),
            Lead.subscribed.is_(True),
        ]
    if lead_filter.since is not None:
        conditions.append(Lead.created_at >= lead_filter.since)
    conditions += _yes_no_condition(Lead.confirmed_at, lead_filter.confirmed)
    conditions += _yes_no_condition(Lead.customer_since, lead_filter.customer)
    if lead_filter.subscribed is not None:
        conditions.append(Lead.subscribed.is_(lead_filter.subscribed))
    if lead_filter.utm_source:
        conditions.append(sa.func.lower(Lead.utm_source) == lead_filter.utm_source.strip().lower())
    if lead_filter.search:
        # Emails are stored lowercased; autoescape makes % and _ in the search plain characters.
        conditions.append(Lead.email.contains(lead_filter.search.strip().lower(), autoescape=True))
    return conditions


def select_leads(lead_filter: LeadFilter) -> sa.Select[tuple[Lead]]:
    """The leads a filter names, newest first (the admin list, its CSV and the CLI export agree)."""
    newest_first = (Lead.created_at.desc(), Lead.id.desc())
    return sa.select(Lead).where(*lead_conditions(lead_filter)).order_by(*newest_first)


def count_leads(lead_filter: LeadFilter) -> int:
    return db.session.scalar(sa.select(sa.func.count(Lead.id)).where(*lead_conditions(lead_filter))) or 0


def header_line() -> str:
    return csv_line(COLUMNS)


# Where a batch ended, in export order: (created_at, id) of its last lead.
Cursor = tuple[datetime, int]


def csv_batch(
    lead_filter: LeadFilter, *, after: Cursor | None, size: int = BATCH_SIZE
) -> tuple[str, Cursor | None]:
    """The CSV lines of the next `size` leads after `after`, and the cursor to continue from (None when
    this was the last batch). Keyset paging: each batch is a short query of its own, so a download
    to a slow client holds no connection or transaction open between batches."""
    query = select_leads(lead_filter).limit(size)
    if after is not None:
        created_at, lead_id = after
        # A row comparison, which the database reads as one range of ix_lead_created_at from the cursor
        # on (the same condition spelt with OR made PostgreSQL read every earlier lead for each batch).
        query = query.where(sa.tuple_(Lead.created_at, Lead.id) < sa.tuple_(created_at, lead_id))
    leads = db.session.scalars(query).all()
    text = "".join(csv_line(lead_row(lead)) for lead in leads)
    cursor = (leads[-1].created_at, leads[-1].id) if len(leads) == size else None
    return text, cursor


def iter_csv_lines(lead_filter: LeadFilter) -> Iterator[str]:
    """The header, then one CSV line per lead, read in batches so a long list never sits in memory."""
    yield header_line()
    for lead in db.session.scalars(select_leads(lead_filter).execution_options(yield_per=BATCH_SIZE)):
        yield csv_line(lead_row(lead))


def write_csv(stream: TextIO, lead_filter: LeadFilter) -> int:
    """Write the CSV to `stream`; returns how many leads it holds."""
    lines = iter_csv_lines(lead_filter)
    stream.write(next(lines))
    count = 0
    for line in lines:
        stream.write(line)
        count += 1
    return count
