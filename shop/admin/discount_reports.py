"""What discount codes brought in: per code (uses, revenue, discount given) and, for welcome codes, per
lead source and campaign (sent, redeemed, revenue). Revenue is what paid orders kept after refunds."""

from dataclasses import dataclass

import sqlalchemy as sa

from shop.admin.insights import code_revenue
from shop.discounts.models import CodeKind, DiscountCode
from shop.extensions import db
from shop.guides.models import Lead
from shop.orders.models import Order
from shop.orders.status_machine import REVENUE_STATES


@dataclass(frozen=True)
class CodeResults:
    paid_orders: int = 0
    revenue_cents: int = 0
    discount_cents: int = 0


def results_by_code(codes: list[str]) -> dict[str, CodeResults]:
    """Paid orders per code text, with what they kept (total − refunded) and the discount they got, all
    time (the same figures as the sales report's revenue by discount code)."""
    if not codes:
        return {}
    return {
        row.code: CodeResults(row.orders, row.net_cents, row.discount_cents)
        for row in code_revenue(codes=codes)
        if row.code is not None
    }


@dataclass(frozen=True)
class WelcomeRow:
    source: str
    campaign: str
    sent: int
    redeemed: int
    revenue_cents: int


def welcome_codes_by_source() -> list[WelcomeRow]:
    """Welcome codes per first-touch source and campaign: how many were sent, how many a paid order used,
    and what those orders kept. Leads without UTM tags count under "(direct)" / "(none)"."""
    source = sa.func.coalesce(Lead.utm_source, "(direct)")
    campaign = sa.func.coalesce(Lead.utm_campaign, "(none)")
    paid = (
        sa.select(
            Order.discount_code.label("code"),
            sa.func.sum(Order.total_cents - Order.refunded_cents).label("kept"),
        )
        .where(Order.status.in_(REVENUE_STATES), Order.discount_code.is_not(None))
        .group_by(Order.discount_code)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(
            source,
            campaign,
            sa.func.count(DiscountCode.id),
            sa.func.count(paid.c.code),
            sa.func.coalesce(sa.func.sum(paid.c.kept), 0),
        )
        .select_from(DiscountCode)
        .join(Lead, Lead.id == DiscountCode.lead_id)
        .outerjoin(paid, paid.c.code == DiscountCode.code)
        .where(DiscountCode.kind == CodeKind.WELCOME.value)
        .group_by(source, campaign)
        .order_by(sa.func.count(DiscountCode.id).desc(), source, campaign)
    )
    return [
        WelcomeRow(s, c, int(sent), int(redeemed), int(revenue)) for s, c, sent, redeemed, revenue in rows
    ]


def welcome_order_for(code: DiscountCode | None) -> Order | None:
    """The paid order a lead's welcome code went to, if any."""
    if code is None:
        return None
    return db.session.scalar(
        sa.select(Order)
        .where(Order.discount_code == code.code, Order.paid_at.is_not(None))
        .order_by(Order.id)
        .limit(1)
    )
