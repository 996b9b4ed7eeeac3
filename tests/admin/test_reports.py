"""The dashboard's numbers (shop/admin/reports.py): revenue windows on UTC days net of refunds, orders
to ship and needing attention, leads and their confirmation rate, revenue by guide source and campaign."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from shop.admin import insights, reports
from shop.admin.insights import Window
from shop.admin.reports import SourceRevenue
from shop.date_ranges import last_days
from shop.extensions import db
from shop.guides.models import Lead
from shop.orders import staff_actions as management
from shop.payments import staff_refunds
from tests.admin.order_helpers import STAFF, flag_order
from tests.conftest import count_queries
from tests.fixtures import OrderFactory

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
TODAY = datetime(2026, 11, 20, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def days_ago(days: int) -> datetime:
    return TODAY - timedelta(days=days)


def add_lead(email: str, created_at: datetime, **fields: object) -> Lead:
    lead = Lead(email=email, signup_form="guide", created_at=created_at, **fields)
    db.session.add(lead)
    db.session.commit()
    return lead


@pytest.fixture
def scenario(shop: dict, paid_order: OrderFactory, pending_order: OrderFactory, app: Flask) -> dict:
    """Orders paid on both sides of every window's edge, refunds, a shipment, leads with UTM tags."""
    orders = {
        # today: A $39.95 at 09:00; B $75.95 at 00:00:00 sharp, $10 refunded since
        "A": paid_order(("TEE-M", 1), email="news1@example.com", paid_at=TODAY + timedelta(hours=9)),
        "B": paid_order(("HOODIE-M", 1), email="news2@example.com", paid_at=TODAY),
        # in the last 7 days: C $19 (a guide) a second before today; D $25.95 at the window's first
        # second, refunded in full
        "C": paid_order(("GUIDE-WB", 1), email="pod@example.com", paid_at=TODAY - SECOND),
        "D": paid_order(("MUG", 1), email="plain@example.com", paid_at=days_ago(6)),
        # in the last 30 days: E $75.95 shipped; F $25.95 at the window's first second
        "E": paid_order(("HOODIE-L", 1), email="direct@example.com", paid_at=days_ago(6) - SECOND),
        "F": paid_order(("MUG", 1), email="f@example.com", paid_at=days_ago(29)),
        # outside every window, or never counted
        "G": paid_order(("TEE-M", 1), email="old@example.com", paid_at=days_ago(29) - SECOND),
        "J": paid_order(("TEE-M", 1), email="future@example.com", paid_at=NOW + SECOND),
        "I": paid_order(("TEE-M", 1), email="cancelled@example.com", paid_at=TODAY + timedelta(hours=1)),
        "H": pending_order(("TEE-M", 1), email="unpaid@example.com"),
    }
    staff_refunds.refund(STAFF, orders["B"].id, amount_cents=1_000)
    staff_refunds.refund(STAFF, orders["D"].id, amount_cents=2_595)
    management.mark_shipped(STAFF, orders["E"].id, carrier="UPS", tracking_number="1Z1")
    staff_refunds.cancel_order(STAFF, orders["I"].id)
    flag_order(orders["H"], "Payment of $1.00 does not match the order total.")

    add_lead(
        "news1@example.com",
        TODAY + timedelta(hours=8),
        utm_source="newsletter",
        utm_campaign="spring",
        confirmed_at=TODAY + timedelta(hours=8),
        customer_since=TODAY,
    )
    add_lead(
        "news2@example.com", days_ago(6), utm_source="newsletter", utm_campaign="spring", customer_since=TODAY
    )
    add_lead("plain@example.com", days_ago(6) - timedelta(minutes=1), confirmed_at=days_ago(6))
    add_lead(
        "pod@example.com", days_ago(3), utm_source="podcast", confirmed_at=days_ago(3), customer_since=TODAY
    )
    add_lead("f@example.com", TODAY + timedelta(hours=10))  # signed up after buying: F stays direct
    add_lead("later@example.com", NOW + SECOND)  # after "now": not counted
    return orders


def test_revenue_windows_count_utc_days_net_of_refunds(scenario: dict) -> None:
    dashboard = reports.build_dashboard(now=NOW)

    assert [
        (w.label, w.since, w.orders, w.gross_cents, w.refunded_cents, w.net_cents) for w in dashboard.revenue
    ] == [
        ("Today", TODAY, 2, 3_995 + 7_595, 1_000, 10_590),
        ("Last 7 days", days_ago(6), 4, 11_590 + 1_900 + 2_595, 3_595, 12_490),
        ("Last 30 days", days_ago(29), 6, 16_085 + 7_595 + 2_595, 3_595, 22_680),
    ]


def test_orders_to_ship_oldest_first_and_orders_needing_attention(scenario: dict) -> None:
    orders = scenario

    dashboard = reports.build_dashboard(now=NOW, list_limit=3)

    # paid (or partly refunded) physical orders not yet shipped, however old; E shipped, D refunded
    assert dashboard.to_ship_count == 5
    assert [row.number for row in dashboard.to_ship] == [orders[k].number for k in ("G", "F", "B")]
    assert dashboard.to_ship[0].at == days_ago(29) - SECOND
    assert dashboard.attention_count == 1
    [flagged] = dashboard.attention
    assert (flagged.number, flagged.status) == (orders["H"].number, "pending_payment")
    assert flagged.reason == "Payment of $1.00 does not match the order total."
    assert [variant.sku for variant in dashboard.low_stock] == ["MUG"]  # 3 - 2 sold


def test_leads_this_week_and_their_confirmation_rate(scenario: dict) -> None:
    leads = reports.build_dashboard(now=NOW).leads

    # this week: news1 (confirmed), news2, pod (confirmed), f; plain signed up a minute too early
    assert (leads.since, leads.signed_up, leads.confirmed, leads.confirmation_percent) == (
        days_ago(6),
        4,
        2,
        50,
    )
    # of this week's four, news1, news2 and pod have bought
    assert (leads.customers, leads.customer_percent) == (3, 75)


def test_revenue_by_guide_source_adds_up_to_the_30_day_revenue(scenario: dict) -> None:
    dashboard = reports.build_dashboard(now=NOW)
    window = Window(range=last_days(30, TODAY.date()), zone=ZoneInfo("UTC"), now=NOW)

    assert insights.sources(window) == [
        SourceRevenue(
            via_guide=True,
            source="newsletter",
            campaign="spring",
            orders=2,
            customers=2,
            net_cents=3_995 + 6_595,
        ),
        SourceRevenue(
            via_guide=True, source="podcast", campaign=None, orders=1, customers=1, net_cents=1_900
        ),
        SourceRevenue(via_guide=True, source=None, campaign=None, orders=1, customers=1, net_cents=0),
        SourceRevenue(
            via_guide=False, source=None, campaign=None, orders=2, customers=2, net_cents=7_595 + 2_595
        ),
    ]
    assert sum(row.net_cents for row in insights.sources(window)) == dashboard.revenue[-1].net_cents
    assert window.start == days_ago(29)


def test_an_empty_shop_has_zeros_and_no_rates(app: Flask) -> None:
    dashboard = reports.build_dashboard(now=NOW)

    assert [w.net_cents for w in dashboard.revenue] == [0, 0, 0]
    assert (dashboard.to_ship, dashboard.to_ship_count, dashboard.attention) == ([], 0, [])
    assert dashboard.leads.confirmation_percent is None and dashboard.leads.customer_percent is None


def test_the_dashboard_takes_the_same_few_queries_however_much_data(
    paid_order: OrderFactory, app: Flask, scenario: dict
) -> None:
    with count_queries(app) as before:
        reports.build_dashboard(now=NOW)
    for index in range(15):
        paid_order(("TEE-M", 1), email=f"more{index}@example.com", paid_at=TODAY)
        add_lead(f"more{index}@example.com", days_ago(1), utm_source=f"source{index}")

    with count_queries(app) as after:
        reports.build_dashboard(now=NOW)

    assert len(before) == len(after) <= 8


@pytest.mark.parametrize(
    ("part", "whole", "percent"), [(0, 3, 0), (1, 3, 33), (2, 3, 67), (1, 8, 13), (3, 3, 100), (0, 0, None)]
)
def test_percentages_round_half_up(part: int, whole: int, percent: int | None) -> None:
    assert reports.percent(part, whole) == percent
