"""The insights figures: one query function per figure, shared by its chart, its table and its CSV.

Rules (the dashboard says them too; docs/rules.md § Insights):
- Days are whole days in the shop's time zone (SHOP_TIMEZONE). A range is first..last day, both included;
  the previous period is the same number of days just before it.
- Revenue and paid orders are the dashboard's: orders that were paid (paid, fulfilled, partially refunded,
  refunded) count on the day they were paid, net of everything refunded on them since. Unpaid, expired and
  cancelled orders count nothing. A day without sales is a zero, never left out.
- Average order value = net revenue / paid orders, rounded half up. Free shipping share = the range's paid
  orders that needed shipping and paid nothing for it, out of all its paid orders that needed shipping.
- Guide funnel, per week (Monday to Sunday, cut to the range) of sign-up: leads who signed up, those of
  them who confirmed their email, and those who confirmed and have bought (by now).
- Top products and guides: the lines of the range's paid orders, refunded-in-full orders left out; units
  and line totals after each line's discount (a partial refund is the order's, not a line's, so line
  totals are before it), per
  product under its current name (lines of a deleted product count together).
- Sources: reports.revenue_by_source over the range.
- Discount codes: the range's paid orders by the code they used (orders without one in a row of their
  own, so the rows add up to the range's revenue): paid orders, net revenue as above, and the discount
  they were given.

Each figure gets a Window (range, time zone, now) and its function runs one query, so the dashboard takes
the same few queries however many orders and leads there are.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from shop.admin.reports import SourceRevenue, percent, revenue_by_source
from shop.catalog.models import Product
from shop.date_ranges import ReportRange, day_edges, day_start, utc_edges, week_edges
from shop.extensions import db
from shop.guides.models import Lead
from shop.journal.reports import ArticleRow, build_article_report
from shop.orders.models import Order, OrderLine, OrderStatus
from shop.orders.status_machine import REVENUE_STATES
from shop.pricing import average_cents
from shop.sql_dates import as_date, local_date

TOP_ITEMS = 10
DELETED_PRODUCT = "A product since deleted"


@dataclass(frozen=True)
class Window:
    """What every figure is asked for: the range, the shop's time zone, and the present moment (nothing
    after it counts)."""

    range: ReportRange
    zone: ZoneInfo
    now: datetime

    @property
    def start(self) -> datetime:
        return day_start(self.range.first, self.zone)

    @property
    def end(self) -> datetime:
        """The end of the range (exclusive), or now if that comes first."""
        return min(utc_edges(day_edges(self.range), self.zone)[-1], self.now)


@dataclass(frozen=True)
class SalesDay:
    day: date
    orders: int
    gross_cents: int
    refunded_cents: int
    shipped_orders: int  # paid orders that needed shipping
    free_shipping_orders: int  # of those, the ones that paid nothing for it

    @property
    def net_cents(self) -> int:
        return self.gross_cents - self.refunded_cents


@dataclass(frozen=True)
class Sales:
    """Revenue and paid orders per day over the range and over the previous period."""

    days: list[SalesDay]
    previous: list[SalesDay]

    @property
    def orders(self) -> int:
        return sum(day.orders for day in self.days)

    @property
    def net_cents(self) -> int:
        return sum(day.net_cents for day in self.days)

    @property
    def refunded_cents(self) -> int:
        return sum(day.refunded_cents for day in self.days)

    @property
    def previous_orders(self) -> int:
        return sum(day.orders for day in self.previous)

    @property
    def previous_net_cents(self) -> int:
        return sum(day.net_cents for day in self.previous)

    @property
    def average_order_cents(self) -> int | None:
        return average_cents(self.net_cents, self.orders)

    @property
    def shipped_orders(self) -> int:
        return sum(day.shipped_orders for day in self.days)

    @property
    def free_shipping_orders(self) -> int:
        return sum(day.free_shipping_orders for day in self.days)

    @property
    def free_shipping_percent(self) -> int | None:
        return percent(self.free_shipping_orders, self.shipped_orders)

    @property
    def best_day(self) -> SalesDay | None:
        best = max(self.days, key=lambda day: (day.net_cents, day.day), default=None)
        return best if best is not None and best.net_cents > 0 else None


@dataclass(frozen=True)
class FunnelWeek:
    week: date  # the bucket's first day (a Monday, or the range's first day)
    signed_up: int
    confirmed: int
    bought: int

    @property
    def confirmed_percent(self) -> int | None:
        return percent(self.confirmed, self.signed_up)

    @property
    def bought_percent(self) -> int | None:
        return percent(self.bought, self.confirmed)


@dataclass(frozen=True)
class ItemSales:
    name: str
    is_digital: bool
    units: int
    revenue_cents: int


@dataclass(frozen=True)
class CodeRevenue:
    code: str | None  # None: the orders that used no code
    orders: int
    net_cents: int
    discount_cents: int


def _daily(rows: Iterable[sa.Row[Any]]) -> dict[date, sa.Row[Any]]:
    return {as_date(row[0]): row for row in rows}


def sales(window: Window) -> Sales:
    """Revenue, paid orders and shipping per day, for the range and the period before it: one query,
    grouped by the day in the shop's time zone; a day with no row is a day without sales."""
    previous = window.range.previous
    day = local_date(Order.paid_at, window.zone.key)
    shipped = Order.requires_shipping.is_(True)
    rows = db.session.execute(
        sa.select(
            day,
            sa.func.count(Order.id),
            sa.func.coalesce(sa.func.sum(Order.total_cents), 0),
            sa.func.coalesce(sa.func.sum(Order.refunded_cents), 0),
            sa.func.count(sa.case((shipped, Order.id))),
            sa.func.count(sa.case((sa.and_(shipped, Order.shipping_cents == 0), Order.id))),
        )
        .where(
            Order.status.in_(REVENUE_STATES),
            Order.paid_at >= day_start(previous.first, window.zone),
            Order.paid_at < window.end,
        )
        .group_by(day)
    ).all()
    figures = _daily(rows)
    nothing = (None, 0, 0, 0, 0, 0)

    def sales_day(on: date) -> SalesDay:
        _, orders, gross, refunded, shipped_orders, free = figures.get(on, nothing)
        return SalesDay(
            day=on,
            orders=int(orders),
            gross_cents=int(gross),
            refunded_cents=int(refunded),
            shipped_orders=int(shipped_orders),
            free_shipping_orders=int(free),
        )

    return Sales(
        days=[sales_day(on) for on in window.range.day_list()],
        previous=[sales_day(on) for on in previous.day_list()],
    )


def guide_funnel(window: Window) -> list[FunnelWeek]:
    """Per week of sign-up: leads, those who confirmed, those who confirmed and bought. One query; the
    week is picked by comparing the sign-up time with each week's first moment (a few comparisons per
    lead, cheaper than converting every time to the shop's zone)."""
    starts = week_edges(window.range)
    moments = utc_edges(starts, window.zone)
    week = sa.case(
        *[(Lead.created_at < moment, index) for index, moment in enumerate(moments[1:])],
        else_=len(moments) - 2,
    )
    confirmed = sa.and_(Lead.confirmed_at.is_not(None), Lead.confirmed_at <= window.now)
    bought = sa.and_(confirmed, Lead.customer_since.is_not(None), Lead.customer_since <= window.now)
    rows = db.session.execute(
        sa.select(
            week,
            sa.func.count(Lead.id),
            sa.func.count(sa.case((confirmed, Lead.id))),
            sa.func.count(sa.case((bought, Lead.id))),
        )
        .where(Lead.created_at >= window.start, Lead.created_at < window.end)
        .group_by(week)
    ).all()
    counts = {int(row[0]): row for row in rows}
    nothing = (None, 0, 0, 0)
    return [
        FunnelWeek(
            week=first,
            signed_up=int(counts.get(index, nothing)[1]),
            confirmed=int(counts.get(index, nothing)[2]),
            bought=int(counts.get(index, nothing)[3]),
        )
        for index, first in enumerate(starts[:-1])
    ]


def sources(window: Window) -> list[SourceRevenue]:
    return revenue_by_source(window.start, window.end)


def code_revenue(
    *,
    paid_from: datetime | None = None,
    paid_before: datetime | None = None,
    codes: list[str] | None = None,
) -> list[CodeRevenue]:
    """Paid orders per discount code (None: the orders without one): orders, net revenue (after refunds)
    and discount given, over the payments in [paid_from, paid_before) (all time when unset), for `codes`
    only when given; one query. The one definition both the sales report and the discount codes page
    read."""
    query = sa.select(
        Order.discount_code,
        sa.func.count(Order.id),
        sa.func.coalesce(sa.func.sum(Order.total_cents - Order.refunded_cents), 0),
        sa.func.coalesce(sa.func.sum(Order.discount_cents), 0),
    ).where(Order.status.in_(REVENUE_STATES))
    if paid_from is not None:
        query = query.where(Order.paid_at >= paid_from)
    if paid_before is not None:
        query = query.where(Order.paid_at < paid_before)
    if codes is not None:
        query = query.where(Order.discount_code.in_(codes))
    return [
        CodeRevenue(code=row[0], orders=int(row[1]), net_cents=int(row[2]), discount_cents=int(row[3]))
        for row in db.session.execute(query.group_by(Order.discount_code))
    ]


def revenue_by_discount_code(window: Window) -> list[CodeRevenue]:
    """The range's paid orders per discount code. Codes by revenue (then name); the orders without a code
    last."""
    codes = code_revenue(paid_from=window.start, paid_before=window.end)
    return sorted(codes, key=lambda row: (row.code is None, -row.net_cents, row.code or ""))


def top_items(window: Window) -> list[ItemSales]:
    """Every product and guide sold in the range, best revenue first (then units, then name). Lines
    are added up per product from the order-line index alone; the names are joined to the few sums."""
    sold = (
        sa.select(
            OrderLine.product_id,
            OrderLine.is_digital,
            sa.func.sum(OrderLine.quantity).label("units"),
            sa.func.sum(OrderLine.unit_price_cents * OrderLine.quantity - OrderLine.discount_cents).label(
                "revenue"
            ),
        )
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            Order.status.in_(REVENUE_STATES),
            Order.status != OrderStatus.REFUNDED.value,
            Order.paid_at >= window.start,
            Order.paid_at < window.end,
        )
        .group_by(OrderLine.product_id, OrderLine.is_digital)
        .subquery("sold")
    )
    rows = db.session.execute(
        sa.select(Product.name, sold.c.is_digital, sold.c.units, sold.c.revenue)
        .select_from(sold)
        .outerjoin(Product, Product.id == sold.c.product_id)
    ).all()
    items = [
        ItemSales(
            name=row[0] or DELETED_PRODUCT,
            is_digital=bool(row[1]),
            units=int(row[2]),
            revenue_cents=int(row[3]),
        )
        for row in rows
    ]
    return sorted(items, key=lambda item: (-item.revenue_cents, -item.units, item.name))


def split_items(items: list[ItemSales]) -> tuple[list[ItemSales], list[ItemSales]]:
    """The top products and the top guides (digital items) of top_items' list."""
    products = [item for item in items if not item.is_digital][:TOP_ITEMS]
    guides = [item for item in items if item.is_digital][:TOP_ITEMS]
    return products, guides


def top_products(window: Window) -> list[ItemSales]:
    return split_items(top_items(window))[0]


def top_guides(window: Window) -> list[ItemSales]:
    return split_items(top_items(window))[1]


def articles(window: Window) -> list[ArticleRow]:
    return build_article_report(since=window.start, until=window.end)


@dataclass(frozen=True)
class Figure:
    """A figure's CSV: its query function, its header, and its rows from what the query returned."""

    title: str
    load: Callable[[Window], Any]
    header: tuple[str, ...]
    rows: Callable[[Any], Iterable[list[str]]]


def _sales_rows(data: Sales) -> Iterable[list[str]]:
    for day, before in zip(data.days, data.previous, strict=True):
        yield [
            day.day.isoformat(),
            str(day.orders),
            str(day.gross_cents),
            str(day.refunded_cents),
            str(day.net_cents),
            str(day.shipped_orders),
            str(day.free_shipping_orders),
            before.day.isoformat(),
            str(before.orders),
            str(before.net_cents),
        ]


def _funnel_rows(data: list[FunnelWeek]) -> Iterable[list[str]]:
    for week in data:
        yield [week.week.isoformat(), str(week.signed_up), str(week.confirmed), str(week.bought)]


def _source_rows(data: list[SourceRevenue]) -> Iterable[list[str]]:
    for row in data:
        source = (row.source or "") if row.via_guide else "direct"
        yield [source, row.campaign or "", str(row.orders), str(row.customers), str(row.net_cents)]


def _code_rows(data: list[CodeRevenue]) -> Iterable[list[str]]:
    for row in data:
        yield [row.code or "", str(row.orders), str(row.discount_cents), str(row.net_cents)]


def _item_rows(data: list[ItemSales]) -> Iterable[list[str]]:
    for item in data:
        yield [item.name, str(item.units), str(item.revenue_cents)]


def _article_rows(data: list[ArticleRow]) -> Iterable[list[str]]:
    for row in data:
        yield [
            row.slug,
            row.title,
            str(row.leads),
            str(row.confirmed_leads),
            str(row.orders),
            str(row.revenue_cents),
        ]


# Every figure a table on the insights pages shows, by the name in its CSV link (admin.insights_csv).
FIGURES: dict[str, Figure] = {
    "sales": Figure(
        "Revenue and paid orders per day",
        sales,
        (
            "day",
            "paid_orders",
            "gross_cents",
            "refunded_cents",
            "net_cents",
            "orders_shipped",
            "orders_shipped_free",
            "previous_day",
            "previous_paid_orders",
            "previous_net_cents",
        ),
        _sales_rows,
    ),
    "funnel": Figure(
        "Guide funnel per week", guide_funnel, ("week", "signed_up", "confirmed", "bought"), _funnel_rows
    ),
    "sources": Figure(
        "Revenue per lead source and campaign",
        sources,
        ("source", "campaign", "orders", "customers", "net_cents"),
        _source_rows,
    ),
    "discount_codes": Figure(
        "Revenue per discount code",
        revenue_by_discount_code,
        ("code", "orders", "discount_cents", "net_cents"),
        _code_rows,
    ),
    "products": Figure("Top products", top_products, ("product", "units", "revenue_cents"), _item_rows),
    "guides": Figure("Top guides", top_guides, ("guide", "units", "revenue_cents"), _item_rows),
    "articles": Figure(
        "Revenue per article",
        articles,
        ("slug", "title", "leads", "confirmed_leads", "orders", "revenue_cents"),
        _article_rows,
    ),
}
