"""Admin: the insights that follow a date range — the dashboard's charts, the articles report's chart,
and each figure's table as CSV."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, render_template, request

from shop.admin import insight_charts as charts
from shop.admin import insights
from shop.admin.blueprint import bp
from shop.clock import utcnow
from shop.csv_export import csv_line, csv_row
from shop.date_ranges import PRESET_DAYS, choose_range, local_today
from shop.money import format_cents_short


def shop_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["SHOP_TIMEZONE"])


def requested_window(now: datetime | None = None) -> tuple[insights.Window, str | None]:
    """The range the request's ?days= or ?from=&to= asks for, or the default one and why."""
    now = now or utcnow()
    zone = shop_zone()
    report_range, message = choose_range(request.args, local_today(now, zone))
    return insights.Window(range=report_range, zone=zone, now=now), message


def money(amount_cents: int) -> str:
    """Amounts in charts: "$80" for whole amounts (the axis ticks), "$25.95" otherwise."""
    return format_cents_short(amount_cents, current_app.config["SHOP_CURRENCY"])


def range_context(window: insights.Window, message: str | None) -> dict[str, Any]:
    """What the range picker (templates/admin/charts/_range.html) needs."""
    return {
        "window": window,
        "range_message": message,
        "range_args": window.range.query_args(),
        "preset_days": PRESET_DAYS,
        "zone_name": current_app.config["SHOP_TIMEZONE"],
    }


def dashboard_insights(window: insights.Window) -> dict[str, Any]:
    """The dashboard's figures for the window (sales and the guide funnel), each with its chart."""
    span = window.range.describe()
    sales = insights.sales(window)
    funnel = insights.guide_funnel(window)
    return {
        "sales": sales,
        "funnel": funnel,
        "revenue_chart": charts.revenue_chart(sales, money, span),
        "orders_chart": charts.orders_chart(sales, span),
        "funnel_chart": charts.funnel_chart(funnel),
    }


@bp.get("/reports/sales")
def sales_report() -> str:
    """Where the range's sales came from (guide sources and campaigns) and what sold best."""
    window, message = requested_window()
    sources = insights.sources(window)
    items = insights.top_items(window)
    products, guides = insights.split_items(items)
    codes = insights.revenue_by_discount_code(window)
    return render_template(
        "admin/sales_report.html",
        sources=sources,
        products=products,
        guides=guides,
        source_charts=charts.sources_charts(sources, money),
        codes=codes,
        codes_chart=charts.discount_codes_chart(codes, money),
        products_chart=charts.items_chart("products", "Top products by revenue", products, money),
        guides_chart=charts.items_chart("guides", "Top guides by revenue", guides, money),
        **range_context(window, message),
    )


@bp.get("/insights/<name>.csv")
def insights_csv(name: str) -> Response:
    """One figure's table as CSV, for the same range as the page it is linked from."""
    figure = insights.FIGURES.get(name)
    if figure is None:
        abort(404, description="There is no such table.")
    window, _ = requested_window()
    data = figure.load(window)

    def lines() -> Iterator[str]:
        yield csv_line(list(figure.header))
        for row in figure.rows(data):
            yield csv_line(csv_row(row))

    first, last = window.range.first.isoformat(), window.range.last.isoformat()
    return Response(
        "".join(lines()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}-{first}-to-{last}.csv"'},
    )
