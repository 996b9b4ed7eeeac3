"""Staff use cases on leads: the filtered list, one lead's record, the CSV export and erasure.

The list and the export share `export.select_leads`, so the CSV holds exactly the leads the list
shows, in the same order (newest first). Exports and erasures are written to the audit log; neither
record keeps an email address (an erased person's address must not survive in the log, and a search
term may be one).
"""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from shop.audit import services as audit
from shop.audit.services import Actor
from shop.extensions import db
from shop.guides import services
from shop.guides.export import LeadFilter, count_leads, select_leads
from shop.guides.models import ConsentRecord, Lead
from shop.orders.models import Order
from shop.pagination import count_at_most, page_count

PAGE_SIZE = 50
MAX_SOURCES = 200


@dataclass(frozen=True)
class LeadPage:
    leads: list[Lead]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class LeadDetail:
    lead: Lead
    consents: list[ConsentRecord]
    first_order: Order | None


def list_leads(lead_filter: LeadFilter, *, page: int, page_size: int = PAGE_SIZE) -> LeadPage:
    """One page of the filtered leads, newest first, with their linked accounts."""
    total = count_at_most(select_leads(lead_filter).with_only_columns(Lead.id))
    leads = db.session.scalars(
        select_leads(lead_filter)
        .options(selectinload(Lead.user))
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    return LeadPage(leads=list(leads), total=total, page=page, pages=page_count(total, page_size))


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
