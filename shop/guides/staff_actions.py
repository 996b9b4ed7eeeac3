"""Staff use cases on leads: the filtered list, one lead's record, the CSV export and erasure.

The list and the export share `export.select_leads`, so the CSV holds exactly the leads the list
shows, in the same order (newest first). Exports and erasures are written to the audit log; neither
record keeps an email address (an erased person's address must not survive in the log, and a search
term may be one).
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from shop.audit import services as audit
from shop.audit.services import Actor
from shop.extensions import db
from shop.guides import services
from shop.guides.export import LeadFilter, count_leads, select_leads
from shop.guides.models import ConsentRecord, Lead
from shop.orders.models import Order
from shop.pagination import page_count, page_with_count

PAGE_SIZE = 50
MAX_SOURCES = 200


@dataclass(frozen=True, slots=True)
class LeadListRow:
    """One line of the staff leads list: what the list shows of a lead, and nothing more."""

    id: int
    email: str
    first_name: str
    created_at: datetime
    confirmed: bool
    subscribed: bool
    customer: bool
    has_account: bool  # linked to a customer account (the link is cleared when the account is deleted)
    source: str | None  # first touch: utm_source, else the referrer, else the landing page


@dataclass(frozen=True)
class LeadPage:
    leads: list[LeadListRow]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class LeadDetail:
    lead: Lead
    consents: list[ConsentRecord]
    first_order: Order | None


def list_leads(lead_filter: LeadFilter, *, page: int, page_size: int = PAGE_SIZE) -> LeadPage:
    """One page of the filtered leads, newest first, and how many match (capped, see count_at_most).

    One statement reads only the columns the list shows and the count: whole leads as ORM objects, their
    accounts loaded after them, in three statements, cost more than the queries themselves."""
    query = select_leads(lead_filter)
    columns = query.with_only_columns(
        Lead.id,
        Lead.email,
        Lead.first_name,
        Lead.created_at,
        Lead.confirmed_at.is_not(None).label("confirmed"),
        Lead.subscribed,
        Lead.customer_since.is_not(None).label("customer"),
        Lead.user_id.is_not(None).label("has_account"),
        Lead.utm_source,
        Lead.referrer,
        Lead.landing_page,
    )
    rows, total = page_with_count(columns, query.with_only_columns(Lead.id), page=page, page_size=page_size)
    leads = [
        LeadListRow(
            id=row.id,
            email=row.email,
            first_name=row.first_name,
            created_at=row.created_at,
            confirmed=bool(row.confirmed),
            subscribed=bool(row.subscribed),
            customer=bool(row.customer),
            has_account=bool(row.has_account),
            source=row.utm_source or row.referrer or row.landing_page,
        )
        for row in rows
    ]
    return LeadPage(leads=leads, total=total, page=page, pages=page_count(total, page_size))


def list_utm_sources() -> list[str]:
    """The first-touch utm_source values leads carry, for the filter's suggestions."""
    # A skip scan through ix_lead_utm_source: one index probe per distinct value, not a read of every
    # lead (a recursive query: the smallest source, then the smallest one above it, and so on).
    steps = sa.select(sa.func.min(Lead.utm_source).label("source")).cte("sources", recursive=True)
    above = sa.select(sa.func.min(Lead.utm_source)).where(Lead.utm_source > steps.c.source).scalar_subquery()
    steps = steps.union_all(sa.select(above).where(steps.c.source.is_not(None)))
    return list(
        db.session.scalars(
            sa.select(steps.c.source)
            .where(steps.c.source.is_not(None))
            .order_by(steps.c.source)
            .limit(MAX_SOURCES)
        )
    )


def get_lead_detail(lead_id: int) -> LeadDetail | None:
    """A lead with its consent history, linked account and first order; None for an unknown id."""
    lead = db.session.scalar(sa.select(Lead).where(Lead.id == lead_id).options(selectinload(Lead.user)))
    if lead is None:
        return None
    consents = list(
        db.session.scalars(
            sa.select(ConsentRecord).where(ConsentRecord.lead_id == lead.id).order_by(ConsentRecord.id)
        )
    )
    first_order = None
    if lead.first_order_reference:
        first_order = db.session.scalar(sa.select(Order).where(Order.number == lead.first_order_reference))
    return LeadDetail(lead=lead, consents=consents, first_order=first_order)


def describe_filter(lead_filter: LeadFilter) -> str:
    """The filter in words for the audit log: which switches were on, never the search text."""
    parts = []
    for label, value in (
        ("confirmed", lead_filter.confirmed),
        ("subscribed", lead_filter.subscribed),
        ("customer", lead_filter.customer),
    ):
        if value is not None:
            parts.append(f"{label}: {'yes' if value else 'no'}")
    if lead_filter.utm_source:
        parts.append(f"utm_source: {lead_filter.utm_source[:100]}")
    if lead_filter.search:
        parts.append("an email search")
    if not lead_filter.include_all:
        parts.insert(0, "mailing list only")
    return ", ".join(parts) or "all leads"


def record_export(actor: Actor, lead_filter: LeadFilter) -> int:
    """Audit a CSV export just before it streams; returns how many leads it holds. Commits."""
    count = count_leads(lead_filter)
    audit.record(
        actor,
        "lead.export",
        target_type="lead_list",
        target_id="csv",
        summary=f"Exported {count} lead{'s' if count != 1 else ''} as CSV ({describe_filter(lead_filter)})",
    )
    db.session.commit()
    return count


def erase_lead(actor: Actor, lead_id: int) -> bool:
    """Erase one lead by id (guides.services.erase_lead does the work and audits it). Commits.
    False when there is no such lead (an unknown id, or erased a moment ago)."""
    email = db.session.scalar(sa.select(Lead.email).where(Lead.id == lead_id))
    if email is None:
        return False
    return services.erase_lead(email, actor=actor)
