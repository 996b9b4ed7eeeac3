"""The insights (shop/admin/insights.py and the dashboard's charts): on a seeded history with refunds,
partial refunds, cancelled, expired and unpaid orders and days without sales, every figure's chart, its
table on the page and its CSV say the same; the range follows the links, the form and the shop's time zone;
bad ranges fall back to the default with a message, never a 500."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shop import charts
from shop.accounts.models import Role
from shop.admin import insight_charts, insights
from shop.admin.insights import Window
from shop.date_ranges import ReportRange, last_days
from shop.extensions import db
from shop.guides.models import Lead
from shop.money import format_cents
from shop.orders.models import Order, OrderStatus
from shop.orders.pending import release_expired_orders
from shop.payments import staff_refunds
from tests.admin.helpers import client_as
from tests.admin.order_helpers import STAFF
from tests.conftest import count_queries
from tests.fixtures import OrderFactory, PayOrder
from tests.order_factory import set_discounts_and_tax

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
TODAY = NOW.date()
UTC_ZONE = ZoneInfo("UTC")
WEEK = Window(range=last_days(7, TODAY), zone=UTC_ZONE, now=NOW)  # 2026-11-14 .. 2026-11-20


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def add_lead(email: str, created_at: datetime, **fields: object) -> Lead:
    lead = Lead(email=email, signup_form="guide", created_at=created_at, **fields)
    db.session.add(lead)
    db.session.commit()
    return lead


@pytest.fixture
def history(
    shop: dict, paid_order: OrderFactory, pending_order: OrderFactory, app: Flask
) -> dict[str, Order]:
    """A week of orders (2026-11-14 .. 20) and the week before it; the 15th, 16th and 18th sell nothing."""
    orders = {
        "before": paid_order(("TEE-M", 1), email="before@example.com", paid_at=at(10)),
        "tee": paid_order(("TEE-M", 2), email="news@example.com", paid_at=at(14, 0)),
        "part": paid_order(("HOODIE-M", 1), email="part@example.com", paid_at=at(17, 9)),
        "full": paid_order(("GUIDE-WB", 1), email="full@example.com", paid_at=at(17, 23)),
        "cancelled": paid_order(("MUG", 1), email="cancel@example.com", paid_at=at(19)),
        "late": paid_order(("GUIDE-WB", 2), email="news@example.com", paid_at=at(20, 9)),
        "hoodies": paid_order(("HOODIE-L", 3), email="pod@example.com", paid_at=at(20, 10)),
        "future": paid_order(("TEE-M", 1), email="future@example.com", paid_at=NOW + timedelta(seconds=1)),
        "unpaid": pending_order(("TEE-M", 1), email="unpaid@example.com"),
        "expired": pending_order(("MUG", 1), email="expired@example.com"),
    }
    staff_refunds.refund(STAFF, orders["part"].id, amount_cents=1_000)
    staff_refunds.refund(STAFF, orders["full"].id, amount_cents=orders["full"].total_cents)
    staff_refunds.cancel_order(STAFF, orders["cancelled"].id)
    expired = db.session.get(Order, orders["expired"].id)
    release_expired_orders(now=expired.reservation_expires_at + timedelta(seconds=1))
    assert db.session.get(Order, orders["expired"].id).status == OrderStatus.EXPIRED

    # Guide leads: the week of the 9th (before the range) and the week of the 16th, cut to the range.
    add_lead("news@example.com", at(13), utm_source="newsletter", utm_campaign="autumn", confirmed_at=at(13))
    add_lead("pod@example.com", at(16), utm_source="podcast", confirmed_at=at(16), customer_since=at(20, 10))
    add_lead("unconfirmed-buyer@example.com", at(16), customer_since=at(17))
    add_lead("quiet@example.com", at(18), confirmed_at=at(19))
    add_lead("later@example.com", NOW + timedelta(seconds=1))
    db.session.expire_all()
    return {key: db.session.get(Order, order.id) for key, order in orders.items()}


def net(order: Order) -> int:
    return order.total_cents - order.refunded_cents


def test_revenue_and_orders_count_each_day_net_of_refunds_with_zeros_for_quiet_days(history: dict) -> None:
    sales = insights.sales(WEEK)

    expected = {
        date(2026, 11, 14): (1, net(history["tee"])),
        date(2026, 11, 17): (2, net(history["part"]) + 0),  # a partial refund, and one refunded in full
        date(2026, 11, 20): (2, net(history["late"]) + net(history["hoodies"])),
    }
    assert [(day.day, day.orders, day.net_cents) for day in sales.days] == [
        (day, *expected.get(day, (0, 0))) for day in WEEK.range.day_list()
    ]
    assert [day.day for day in sales.previous] == ReportRange(
        date(2026, 11, 7), date(2026, 11, 13)
    ).day_list()
    assert (sales.previous_orders, sales.previous_net_cents) == (1, net(history["before"]))
    assert sales.refunded_cents == 1_000 + history["full"].total_cents
    # cancelled (refunded in full by cancelling), expired, unpaid and not-yet-paid orders count nothing
    assert sales.orders == 5


def test_average_order_value_and_the_share_shipped_free(history: dict) -> None:
    sales = insights.sales(WEEK)

    assert sales.average_order_cents == (sales.net_cents * 2 + 5) // 10
    # tee, part and hoodies needed shipping; only the three hoodies ($204) were over the free threshold
    assert (sales.shipped_orders, sales.free_shipping_orders, sales.free_shipping_percent) == (3, 1, 33)


def test_the_guide_funnel_counts_each_week_of_sign_ups(history: dict) -> None:
    weeks = insights.guide_funnel(WEEK)

    assert [(w.week, w.signed_up, w.confirmed, w.bought) for w in weeks] == [
        (date(2026, 11, 14), 0, 0, 0),  # Saturday and Sunday: the first week, cut to the range
        (date(2026, 11, 16), 3, 2, 1),  # a buyer who never confirmed is a sign-up only
    ]
    assert (weeks[1].confirmed_percent, weeks[1].bought_percent) == (67, 50)
    assert weeks[0].confirmed_percent is None


def test_best_sellers_leave_out_orders_refunded_in_full(history: dict) -> None:
    products = insights.top_products(WEEK)
    guides = insights.top_guides(WEEK)

    assert [(i.name, i.units, i.revenue_cents) for i in products] == [
        ("Spore Print Hoodie", 4, 4 * 6_800),
        ("Mycelium Tee", 2, 2 * 3_200),
    ]
    assert [(i.name, i.units, i.revenue_cents) for i in guides] == [("90-Day Workbook", 2, 2 * 1_900)]


def test_sources_add_up_to_the_range_revenue(history: dict) -> None:
    rows = insights.sources(WEEK)

    assert sum(row.net_cents for row in rows) == insights.sales(WEEK).net_cents
    by_source = {(row.via_guide, row.source): (row.orders, row.net_cents) for row in rows}
    assert by_source[(True, "newsletter")] == (2, net(history["tee"]) + net(history["late"]))
    assert by_source[(True, "podcast")] == (1, net(history["hoodies"]))


def test_every_chart_draws_exactly_its_table(history: dict) -> None:
    money = format_cents
    sales = insights.sales(WEEK)
    revenue = insight_charts.revenue_chart(sales, money, "the week").geometry
    orders = insight_charts.orders_chart(sales, "the week").geometry
    funnel = insights.guide_funnel(WEEK)
    funnel_chart = insight_charts.funnel_chart(funnel).geometry
    products = insights.top_products(WEEK)
    sources = insights.sources(WEEK)

    assert [bar.value for bar in revenue.bars] == [day.net_cents for day in sales.days]
    assert [bar.value for bar in orders.bars] == [day.orders for day in sales.days]
    top = revenue.y_ticks[-1].value
    assert revenue.comparison == charts.polyline([day.net_cents for day in sales.previous], top)
    assert [bar.value for bar in funnel_chart.bars] == [
        value for w in funnel for value in (w.signed_up, w.confirmed, w.bought)
    ]
    items = insight_charts.items_chart("products", "Top products", products, money).geometry
    assert [row.segments[0].value for row in items.rows] == [item.revenue_cents for item in products]
    [source_revenue, source_orders] = insight_charts.sources_charts(sources, money)
    assert sum(bar.value for row in source_revenue.geometry.rows for bar in row.segments) == sales.net_cents
    assert sum(bar.value for row in source_orders.geometry.rows for bar in row.segments) == sales.orders


@pytest.fixture
def at_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shop.admin.insight_views.utcnow", lambda: NOW)


def page_cells(html: str, attribute: str, value_attribute: str) -> list[tuple[str, int]]:
    rows = re.findall(rf'{attribute}="([^"]+)">.*?{value_attribute}="(-?\d+)"', html, re.S)
    return [(key, int(value)) for key, value in rows]


def csv_rows(client: FlaskClient, name: str, query: str) -> list[dict[str, str]]:
    response = client.get(f"/admin/insights/{name}.csv?{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_page_chart_table_and_csv_agree(history: dict, staff_client: FlaskClient, at_now: None) -> None:
    html = staff_client.get("/admin/?days=7").get_data(as_text=True)

    sales = insights.sales(WEEK)
    table = page_cells(html, "data-sales-day", "data-net")
    drawn = [
        int(v)
        for v in re.findall(
            r'chart__bar chart__series--0" [^>]*data-value="(\d+)"',
            html.split('id="revenue-svg-title"')[1].split("</svg>")[0],
        )
    ]
    in_csv = csv_rows(staff_client, "sales", "days=7")
    assert table == [(day.day.isoformat(), day.net_cents) for day in sales.days]
    assert drawn == [day.net_cents for day in sales.days if day.net_cents]  # a zero draws no bar
    assert [(row["day"], int(row["net_cents"])) for row in in_csv] == table
    assert [int(row["paid_orders"]) for row in in_csv] == [day.orders for day in sales.days]
    assert "data-range-revenue>" + format_cents(sales.net_cents) in html
    assert "Showing last 7 days (2026-11-14 to 2026-11-20)" in html
    # every CSV link on the page asks for the same range
    assert set(re.findall(r'/admin/insights/\w+\.csv\?([^"]+)"', html)) == {"days=7"}


def test_the_sales_report_draws_its_tables(history: dict, staff_client: FlaskClient, at_now: None) -> None:
    html = staff_client.get("/admin/reports/sales?days=7").get_data(as_text=True)

    def drawn(key: str) -> list[int]:
        svg = html.split(f'id="{key}-svg-title"')[1].split("</svg>")[0]
        return [int(value) for value in re.findall(r'data-value="(\d+)"', svg)]

    products = insights.top_products(WEEK)
    sources = insights.sources(WEEK)
    assert drawn("products") == [item.revenue_cents for item in products]
    assert drawn("guides") == [item.revenue_cents for item in insights.top_guides(WEEK)]
    assert sorted(drawn("sources-revenue")) == sorted(row.net_cents for row in sources if row.net_cents)
    assert sum(drawn("sources-orders")) == sum(row.orders for row in sources)
    in_csv = csv_rows(staff_client, "products", "days=7")
    assert [(row["product"], int(row["revenue_cents"])) for row in in_csv] == [
        (item.name, item.revenue_cents) for item in products
    ]
    assert all(item.name in html for item in products)
    assert set(re.findall(r'/admin/insights/\w+\.csv\?([^"]+)"', html)) == {"days=7"}


def test_the_funnel_and_best_seller_csvs_follow_the_form_range(
    history: dict, staff_client: FlaskClient, at_now: None
) -> None:
    query = "from=2026-11-16&to=2026-11-17"

    funnel = csv_rows(staff_client, "funnel", query)
    products = csv_rows(staff_client, "products", query)

    # quiet@ signed up on the 18th, after the range
    assert funnel == [{"week": "2026-11-16", "signed_up": "2", "confirmed": "1", "bought": "1"}]
    assert products == [{"product": "Spore Print Hoodie", "units": "1", "revenue_cents": "6800"}]
    html = staff_client.get(f"/admin/?{query}").get_data(as_text=True)
    assert "Showing 2026-11-16 to 2026-11-17" in html
    assert 'value="2026-11-16"' in html and 'value="2026-11-17"' in html


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("days=%C2%B2", "Choose 7, 30, 90 days"),
        ("from=2026-11-20&to=2026-11-01", "The range ends before it starts"),
        ("from=2026-11-20&to=2026-12-01", "The range ends in the future"),
        ("from=2023-01-01&to=2026-11-01", "Choose at most two years"),
        ("from=2026-13-01&to=2026-11-01", "Enter both dates as YYYY-MM-DD"),
        ("from=%00&to=%FF", "Enter both dates as YYYY-MM-DD"),
    ],
)
def test_a_bad_range_shows_the_default_and_says_why(
    history: dict, staff_client: FlaskClient, at_now: None, query: str, says: str
) -> None:
    for path in ("/admin/", "/admin/reports/sales", "/admin/reports/articles"):
        response = staff_client.get(f"{path}?{query}")

        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert says in html and "Showing last 30 days (2026-10-22 to 2026-11-20)" in html
    assert len(csv_rows(staff_client, "sales", query)) == 30


def test_days_follow_the_shop_time_zone(
    history: dict, app: Flask, staff_client: FlaskClient, at_now: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "SHOP_TIMEZONE", "Asia/Tokyo")  # UTC+9

    rows = {row["day"]: row for row in csv_rows(staff_client, "sales", "days=7")}

    # in Tokyo it is already the 21st at 15:00 UTC; the order paid on the 17th at 23:00 UTC is the 18th's
    assert list(rows)[-1] == "2026-11-21"
    assert rows["2026-11-18"]["paid_orders"] == "1" and rows["2026-11-17"]["paid_orders"] == "1"
    assert "Asia/Tokyo" in staff_client.get("/admin/?days=7").get_data(as_text=True)


def test_the_articles_report_follows_the_range(
    history: dict, staff_client: FlaskClient, at_now: None
) -> None:
    response = staff_client.get("/admin/reports/articles?days=90")

    assert response.status_code == 200
    assert "Showing last 90 days" in response.get_data(as_text=True)
    assert csv_rows(staff_client, "articles", "days=90") == []


def test_an_unknown_table_is_404_and_customers_get_no_csv(staff_client: FlaskClient, app: Flask) -> None:
    assert staff_client.get("/admin/insights/passwords.csv").status_code == 404
    assert client_as(app, Role.CUSTOMER).get("/admin/insights/sales.csv").status_code == 403


def test_the_insights_take_the_same_queries_however_long_the_range_and_history(
    history: dict, paid_order: OrderFactory, app: Flask
) -> None:
    def figures(window: Window) -> None:
        for figure in insights.FIGURES.values():
            figure.load(window)

    with count_queries(app) as week:
        figures(WEEK)
    for index in range(6):
        paid_order(("TEE-M", 1), email=f"more{index}@example.com", paid_at=at(15 - index))
        add_lead(f"more{index}@example.com", at(12 - index), utm_source=f"source{index}")
    with count_queries(app) as quarter:
        figures(Window(range=last_days(90, TODAY), zone=UTC_ZONE, now=NOW))

    assert len(week) == len(quarter) <= 7


@pytest.fixture
def coded(
    shop: dict, pending_order: OrderFactory, pay: PayOrder, paid_order: OrderFactory, app: Flask
) -> dict[str, Order]:
    """Paid orders with discount codes in WEEK (one partly refunded, one refunded in full), one before it,
    an unpaid one with a code, and one without a code."""

    def with_code(sku: str, quantity: int, code: str, discount: int, paid_at: datetime | None) -> Order:
        order = set_discounts_and_tax(
            pending_order((sku, quantity), email=f"{code.lower()}{discount}@example.com"),
            [(discount, 0, None)],
            discount_code=code,
        )
        return pay(order, paid_at=paid_at) if paid_at else order

    orders = {
        "tees": with_code("TEE-M", 2, "SPORES10", 640, at(14)),
        "hoodie": with_code("HOODIE-M", 1, "SPORES10", 680, at(17)),
        "mug": with_code("MUG", 1, "FRIEND5", 500, at(19)),
        "before": with_code("TEE-M", 1, "SPORES10", 320, at(10)),
        "unpaid": with_code("TEE-M", 1, "FRIEND5", 500, None),
        "plain": paid_order(("GUIDE-WB", 1), email="plain@example.com", paid_at=at(20)),
    }
    staff_refunds.refund(STAFF, orders["hoodie"].id, amount_cents=1_000)
    staff_refunds.refund(STAFF, orders["mug"].id, amount_cents=orders["mug"].total_cents)
    db.session.expire_all()
    return {key: db.session.get(Order, order.id) for key, order in orders.items()}


def test_revenue_by_discount_code_chart_table_and_csv_agree(
    coded: dict, staff_client: FlaskClient, at_now: None
) -> None:
    rows = insights.revenue_by_discount_code(WEEK)

    # SPORES10's two paid orders in the range, net of the partial refund; FRIEND5's order refunded in
    # full keeps its discount but no revenue; the order without a code is the last row
    spores = net(coded["tees"]) + net(coded["hoodie"])
    assert [(r.code, r.orders, r.net_cents, r.discount_cents) for r in rows] == [
        ("SPORES10", 2, spores, 640 + 680),
        ("FRIEND5", 1, 0, 500),
        (None, 1, net(coded["plain"]), 0),
    ]
    assert sum(row.net_cents for row in rows) == insights.sales(WEEK).net_cents
    chart = insight_charts.discount_codes_chart(rows, format_cents).geometry
    assert [[bar.value for bar in row.segments] for row in chart.rows] == [[spores, 1_320], [0, 500]]
    # best sellers count each line after its discount
    tee = next(item for item in insights.top_products(WEEK) if item.name == "Mycelium Tee")
    assert tee.revenue_cents == 2 * 3_200 - 640

    html = staff_client.get("/admin/reports/sales?days=7").get_data(as_text=True)
    svg = html.split('id="discount-codes-svg-title"')[1].split("</svg>")[0]
    assert [int(value) for value in re.findall(r'data-value="(\d+)"', svg)] == [spores, 1_320, 500]
    assert page_cells(html, "data-code", "data-net") == [("SPORES10", spores), ("FRIEND5", 0)]
    assert re.search(r'<tr data-code="">.*?data-net="(\d+)"', html, re.S)[1] == str(net(coded["plain"]))
    in_csv = csv_rows(staff_client, "discount_codes", "days=7")
    assert [(r["code"], int(r["orders"]), int(r["discount_cents"]), int(r["net_cents"])) for r in in_csv] == [
        (r.code or "", r.orders, r.discount_cents, r.net_cents) for r in rows
    ]


def test_a_range_without_codes_says_so(history: dict, staff_client: FlaskClient, at_now: None) -> None:
    html = staff_client.get("/admin/reports/sales?days=7").get_data(as_text=True)

    assert "No paid order used a discount code in this range." in html
    assert 'id="discount-codes-svg-title"' not in html
