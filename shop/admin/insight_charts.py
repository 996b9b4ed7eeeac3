"""From each insights figure (shop/admin/insights.py) to its chart: the geometry (shop/charts.py) and the
sentence a screen reader hears. Built from the very object the figure's table prints, so the two agree.

Adding a chart for a new figure is one function here returning a Chart, and one
`{{ charts.bar_chart(...) }}` or `{{ charts.stacked_chart(...) }}` line in a template
(templates/admin/charts/_macros.html).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from shop.admin.insights import CodeRevenue, FunnelWeek, ItemSales, Sales
from shop.admin.reports import SourceRevenue
from shop.charts import BarChart, StackedChart, bar_chart, stacked_chart
from shop.journal.reports import ArticleRow

Money = Callable[[int], str]
CENTS_STEP = 100  # money axes tick in whole currency units
TOP_ROWS = 10


@dataclass(frozen=True)
class Chart:
    key: str  # the element ids' stem and the CSV name
    title: str
    summary: str  # the text summary (shown, and the SVG's <desc>)
    geometry: BarChart | StackedChart | None  # None when there is nothing to draw
    x_title: str = ""
    y_title: str = ""


def day_label(day: date) -> str:
    return f"{day:%b} {day.day}"


def _change(now: int, before: int) -> str:
    if before == 0:
        return "no figure to compare with" if now == 0 else "up from nothing"
    change = (now - before) * 100 / before
    if round(change) == 0:
        return "about the same"
    return f"{'up' if change > 0 else 'down'} {abs(round(change))}%"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def revenue_chart(sales: Sales, money: Money, span: str) -> Chart:
    days = sales.days
    quiet = sum(1 for day in days if day.orders == 0)
    best = sales.best_day
    change = _change(sales.net_cents, sales.previous_net_cents)
    summary = (
        f"Net revenue {money(sales.net_cents)} over {span}, {change} "
        f"on the previous {len(days)} days ({money(sales.previous_net_cents)})."
        + (f" Best day {best.day.isoformat()}: {money(best.net_cents)}." if best else "")
        + f" {_count(quiet, 'day')} without sales."
    )
    return Chart(
        key="revenue",
        title="Net revenue per day",
        summary=summary,
        geometry=bar_chart(
            [[day.net_cents for day in days]],
            [day_label(day.day) for day in days],
            money,
            comparison=[day.net_cents for day in sales.previous],
            minimum_step=CENTS_STEP,
        ),
        x_title="Day",
        y_title="Net revenue",
    )


def orders_chart(sales: Sales, span: str) -> Chart:
    days = sales.days
    busiest = max(days, key=lambda day: (day.orders, day.day))
    summary = (
        f"{_count(sales.orders, 'paid order')} over {span}, "
        f"{_change(sales.orders, sales.previous_orders)} on the previous {len(days)} days "
        f"({sales.previous_orders})."
        + (f" Busiest day {busiest.day.isoformat()}: {busiest.orders}." if busiest.orders else "")
    )
    return Chart(
        key="orders",
        title="Paid orders per day",
        summary=summary,
        geometry=bar_chart(
            [[day.orders for day in days]],
            [day_label(day.day) for day in days],
            str,
            comparison=[day.orders for day in sales.previous],
        ),
        x_title="Day",
        y_title="Paid orders",
    )


def funnel_chart(weeks: Sequence[FunnelWeek]) -> Chart:
    signed_up = sum(week.signed_up for week in weeks)
    confirmed = sum(week.confirmed for week in weeks)
    bought = sum(week.bought for week in weeks)
    summary = (
        f"{_count(signed_up, 'sign-up')}; {confirmed} confirmed their email"
        + (f" ({confirmed * 100 // signed_up}%)" if signed_up else "")
        + f"; {bought} of those bought"
        + (f" ({bought * 100 // confirmed}%)" if confirmed else "")
        + "."
    )
    series = [
        [week.signed_up for week in weeks],
        [week.confirmed for week in weeks],
        [week.bought for week in weeks],
    ]
    labels = [
        f"Week of {day_label(week.week)}, {step}: {count}"
        for step, values in zip(("signed up", "confirmed", "bought"), series, strict=True)
        for week, count in zip(weeks, values, strict=True)
    ]
    return Chart(
        key="funnel",
        title="Guide funnel per week: signed up, confirmed, bought",
        summary=summary,
        geometry=bar_chart(series, [day_label(week.week) for week in weeks], str, bar_labels=labels),
        x_title="Week starting",
        y_title="Leads",
    )


def source_label(row: SourceRevenue) -> str:
    if not row.via_guide:
        return "Direct / no guide"
    return row.source or "Free guide (no source)"


def _by_source(rows: Sequence[SourceRevenue], value: Callable[[SourceRevenue], int]) -> list:
    grouped: dict[str, list[tuple[str, int]]] = {}
    for row in rows:
        grouped.setdefault(source_label(row), []).append((row.campaign or "no campaign", value(row)))
    return list(grouped.items())


def sources_charts(rows: Sequence[SourceRevenue], money: Money) -> list[Chart]:
    if not rows:
        empty = "No paid orders in this range."
        return [
            Chart("sources-revenue", "Revenue per source", empty, None),
            Chart("sources-orders", "Orders per source", empty, None),
        ]
    by_revenue = _by_source(rows, lambda row: row.net_cents)
    leader = max(by_revenue, key=lambda item: sum(v for _, v in item[1]))
    summary = (
        f"{len(by_revenue)} sources. Most revenue: {leader[0]}, {money(sum(v for _, v in leader[1]))}. "
        "Each bar is split by campaign."
    )
    return [
        Chart(
            "sources-revenue",
            "Net revenue per lead source, split by campaign",
            summary,
            stacked_chart(by_revenue, money, minimum_step=CENTS_STEP),
            x_title="Net revenue",
        ),
        Chart(
            "sources-orders",
            "Paid orders per lead source, split by campaign",
            f"{_count(sum(row.orders for row in rows), 'paid order')} across {len(by_revenue)} sources.",
            stacked_chart(_by_source(rows, lambda row: row.orders), str),
            x_title="Paid orders",
        ),
    ]


def items_chart(key: str, title: str, items: Sequence[ItemSales], money: Money) -> Chart:
    if not items:
        return Chart(key, title, "Nothing sold in this range.", None)
    rows = [
        (f"{item.name} ({_count(item.units, 'unit')})", [("revenue", item.revenue_cents)]) for item in items
    ]
    first = items[0]
    summary = f"Best seller: {first.name}, {_count(first.units, 'unit')}, {money(first.revenue_cents)}."
    return Chart(key, title, summary, stacked_chart(rows, money, minimum_step=CENTS_STEP), x_title="Revenue")


def articles_chart(rows: Sequence[ArticleRow], money: Money) -> Chart:
    earning = sorted(
        (row for row in rows if row.revenue_cents or row.leads),
        key=lambda row: (-row.revenue_cents, row.title),
    )[:TOP_ROWS]
    title = "Revenue per article"
    if not earning:
        return Chart("articles", title, "No article brought a lead in this range.", None)
    chart_rows = [(row.title, [("revenue", row.revenue_cents)]) for row in earning]
    summary = (
        f"{_count(len(earning), 'article')} brought leads. Most revenue: {earning[0].title}, "
        f"{money(earning[0].revenue_cents)} from {_count(earning[0].leads, 'lead')}."
    )
    return Chart(
        "articles",
        title,
        summary,
        stacked_chart(chart_rows, money, minimum_step=CENTS_STEP),
        x_title="Revenue",
    )


def discount_codes_chart(rows: Sequence[CodeRevenue], money: Money) -> Chart:
    """Net revenue per discount code, each bar split into what the orders kept and the discount they were
    given (the orders without a code are in the table, not drawn: they would dwarf every code)."""
    title = "Net revenue per discount code, with the discount given"
    codes = [row for row in rows if row.code is not None and (row.net_cents or row.discount_cents)]
    if not codes:
        return Chart("discount-codes", title, "No paid order used a discount code in this range.", None)
    chart_rows = [
        (
            f"{row.code} ({_count(row.orders, 'order')})",
            [("net revenue", row.net_cents), ("discount given", row.discount_cents)],
        )
        for row in codes
    ]
    leader = codes[0]
    summary = (
        f"{_count(len(codes), 'code')} used. Most revenue: {leader.code}, {money(leader.net_cents)} from "
        f"{_count(leader.orders, 'paid order')}, after {money(leader.discount_cents)} of discount."
    )
    return Chart(
        "discount-codes",
        title,
        summary,
        stacked_chart(chart_rows, money, minimum_step=CENTS_STEP),
        x_title="Net revenue and discount",
    )
