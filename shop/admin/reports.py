"""The dashboard's numbers, computed in a fixed handful of queries however many orders and leads exist.

Rules (the dashboard page says them too):
- Days are days in the shop's time zone (SHOP_TIMEZONE, UTC by default). "Today" starts at its midnight;
  "last 7 days" and "last 30 days" are today and the 6 (or 29) days before it.
- Revenue counts orders that were paid (status paid, fulfilled, partially refunded or refunded) on the day
  they were paid, net of what has been refunded on them since. Unpaid, expired and cancelled orders count
  nothing (a cancelled paid order was refunded in full).
- Guide attribution: an order counts toward a guide source when its email signed up for the free guide
  before the order was paid; it is credited to the lead's first-touch utm_source and utm_campaign. All
  other revenue is "direct / no guide". The breakdown covers the chosen range (shop/admin/insights.py),
  so its rows add up to that range's revenue.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from shop.catalog import editing as catalog
from shop.catalog.models import ProductVariant
from shop.clock import utcnow
from shop.date_ranges import day_start, local_today
from shop.extensions import db
from shop.guides.models import Lead
from shop.orders.models import Order
from shop.orders.staff_actions import awaiting_shipment
from shop.orders.status_machine import REVENUE_STATES

WINDOWS = ((1, "Today"), (7, "Last 7 days"), (30, "Last 30 days"))
LEAD_WINDOW_DAYS = 7
UTC_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True)
class RevenueWindow:
    label: str
    days: int
    since: datetime
    orders: int
    gross_cents: int
    refunded_cents: int

    @property
    def net_cents(self) -> int:
        return self.gross_cents - self.refunded_cents


@dataclass(frozen=True)
class OrderRow:
    number: str
    email: str
    status: str
    total_cents: int
    at: datetime  # paid (orders to ship) or placed (orders needing attention)
    reason: str | None = None


@dataclass(frozen=True)
class LeadStats:
    since: datetime
    signed_up: int  # leads created since `since`
    confirmed: int  # of those, how many confirmed their email (at any time since)
    customers: int  # of those, how many have bought

    @property
    def confirmation_percent(self) -> int | None:
        return percent(self.confirmed, self.signed_up)

    @property
    def customer_percent(self) -> int | None:
        return percent(self.customers, self.signed_up)


@dataclass(frozen=True)
class SourceRevenue:
    via_guide: bool
    source: str | None
    campaign: str | None
    orders: int
    customers: int
    net_cents: int


@dataclass(frozen=True)
class Dashboard:
    now: datetime
    revenue: list[RevenueWindow]
    to_ship: list[OrderRow]
    to_ship_count: int
    attention: list[OrderRow]
    attention_count: int
    low_stock: list[ProductVariant]
    low_stock_count: int
    leads: LeadStats


def percent(part: int, whole: int) -> int | None:
    """part of whole as a whole percent, rounded half up; None when there is nothing to divide."""
    if whole <= 0:
        return None
    return (part * 200 + whole) // (whole * 2)


def _revenue(now: datetime, today: date, zone: ZoneInfo) -> list[RevenueWindow]:
    starts = {days: day_start(today - timedelta(days=days - 1), zone) for days, _ in WINDOWS}
    columns: list[sa.ColumnElement[int]] = []
    for days, _ in WINDOWS:
        in_window = Order.paid_at >= starts[days]
        columns += [
            sa.func.count(sa.case((in_window, Order.id))),
            sa.func.coalesce(sa.func.sum(sa.case((in_window, Order.total_cents), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((in_window, Order.refunded_cents), else_=0)), 0),
        ]
    row = db.session.execute(
        sa.select(*columns).where(
            Order.status.in_(REVENUE_STATES),
            Order.paid_at >= starts[WINDOWS[-1][0]],
            Order.paid_at <= now,
        )
    ).one()
    windows = []
    for index, (days, label) in enumerate(WINDOWS):
        orders, gross, refunded = row[index * 3 : index * 3 + 3]
        windows.append(
            RevenueWindow(
                label=label,
                days=days,
                since=starts[days],
                orders=int(orders),
                gross_cents=int(gross),
                refunded_cents=int(refunded),
            )
        )
    return windows


def _order_rows(
    condition: sa.ColumnElement[bool], at: InstrumentedAttribute[datetime], limit: int
) -> tuple[list[OrderRow], int]:
    rows = db.session.execute(
        sa.select(Order.number, Order.email, Order.status, Order.total_cents, at, Order.attention_reason)
        .where(condition)
        .order_by(at, Order.id)
        .limit(limit)
    ).all()
    count = db.session.scalar(sa.select(sa.func.count(Order.id)).where(condition)) or 0
    return [
        OrderRow(number=r[0], email=r[1], status=r[2], total_cents=r[3], at=r[4], reason=r[5]) for r in rows
    ], count


def _leads(now: datetime, since: datetime) -> LeadStats:
    """The week's sign-ups only, read through the sign-up time index (never every lead)."""
    row = db.session.execute(
        sa.select(
            sa.func.count(Lead.id),
            sa.func.count(Lead.confirmed_at),
            sa.func.count(Lead.customer_since),
        ).where(Lead.created_at >= since, Lead.created_at <= now)
    ).one()
    return LeadStats(since=since, signed_up=row[0], confirmed=row[1], customers=row[2])


def revenue_by_source(start: datetime, end: datetime) -> list[SourceRevenue]:
    """Revenue of the orders paid from `start` up to (not including) `end`, per guide source and
    campaign, with "direct / no guide" last."""

    no_lead = Lead.id.is_(None)
    net = sa.func.coalesce(sa.func.sum(Order.total_cents - Order.refunded_cents), 0)
    rows = db.session.execute(
        sa.select(
            no_lead,
            Lead.utm_source,
            Lead.utm_campaign,
            sa.func.count(Order.id),
            sa.func.count(sa.distinct(Order.email)),
            net,
        )
        .select_from(Order)
        .outerjoin(Lead, sa.and_(Lead.email == Order.email, Lead.created_at <= Order.paid_at))
        .where(Order.status.in_(REVENUE_STATES), Order.paid_at >= start, Order.paid_at < end)
        .group_by(no_lead, Lead.utm_source, Lead.utm_campaign)
    ).all()
    sources = [
        SourceRevenue(
            via_guide=not bool(row[0]),
            source=row[1],
            campaign=row[2],
            orders=int(row[3]),
            customers=int(row[4]),
            net_cents=int(row[5]),
        )
        for row in rows
    ]
    # Guide sources by revenue, biggest first; "direct / no guide" last, as the baseline.
    return sorted(sources, key=lambda s: (not s.via_guide, -s.net_cents, s.source or "", s.campaign or ""))


def build_dashboard(
    *, now: datetime | None = None, zone: ZoneInfo = UTC_ZONE, list_limit: int = 10
) -> Dashboard:
    now = now or utcnow()
    today = local_today(now, zone)
    to_ship, to_ship_count = _order_rows(awaiting_shipment(), Order.paid_at, list_limit)
    attention, attention_count = _order_rows(Order.needs_attention.is_(True), Order.created_at, list_limit)
    return Dashboard(
        now=now,
        revenue=_revenue(now, today, zone),
        to_ship=to_ship,
        to_ship_count=to_ship_count,
        attention=attention,
        attention_count=attention_count,
        low_stock=catalog.list_low_stock(limit=list_limit),
        low_stock_count=catalog.count_low_stock(),
        leads=_leads(now, day_start(today - timedelta(days=LEAD_WINDOW_DAYS - 1), zone)),
    )
