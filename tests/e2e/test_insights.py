"""Staff read the insights in Chromium: axe-core finds nothing on the dashboard's charts, the sources and
best-sellers report and the articles report, at desktop size and on a 360px phone (tables opened too),
nothing scrolls sideways on the phone, and a range chosen with the form carries to every CSV link."""

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from shop.accounts.models import Role
from shop.clock import utcnow
from shop.extensions import db
from shop.guides.models import Lead
from shop.journal.demo_articles import seed_demo_articles
from shop.payments import staff_refunds
from tests.accounts.helpers import PASSWORD, make_user
from tests.admin.order_helpers import STAFF
from tests.e2e.conftest import PHONE, LiveServer
from tests.e2e.shopper import assert_no_axe_violations, has_horizontal_overflow
from tests.order_factory import (
    make_paid_order,
    make_pending_order,
    next_session_id,
    pay,
    set_discounts_and_tax,
)

pytestmark = pytest.mark.e2e

STAFF_EMAIL = "e2e-insights@example.com"
ARTICLE_PATH = "/journal/listening-in-relationships"


@pytest.fixture(scope="module", autouse=True)
def history(live_server: LiveServer) -> Iterator[None]:
    """Three weeks of sales (some days without any), a partial refund, guide leads from an article, and
    an order with a discount code."""
    now = utcnow()
    with live_server.app.app_context():
        seed_demo_articles()
        make_user(email=STAFF_EMAIL, role=Role.STAFF)
        for days_ago, sku, email in [
            (0, "MUG-ENAMEL", "a@example.com"),
            (1, "GUIDE-WORKBOOK", "reader@example.com"),
            (3, "TOTE-CANVAS", "b@example.com"),
            (9, "POSTER-FIELD", "c@example.com"),
            (20, "MUG-ENAMEL", "d@example.com"),
        ]:
            make_paid_order((sku, 1), email=email, provider="dev", paid_at=now - timedelta(days=days_ago))
        db.session.add_all(
            Lead(
                email=email,
                signup_form="journal",
                landing_page=ARTICLE_PATH,
                utm_source=source,
                utm_campaign="autumn",
                created_at=now - timedelta(days=days),
                confirmed_at=now - timedelta(days=days) if days % 2 else None,
            )
            for email, source, days in [
                ("reader@example.com", "newsletter", 2),
                ("e@example.com", "podcast", 5),
                ("f@example.com", "newsletter", 8),
            ]
        )
        db.session.commit()
        refunded = make_paid_order(("TOTE-CANVAS", 2), email="g@example.com", provider="dev", paid_at=now)
        staff_refunds.refund(STAFF, refunded.id, amount_cents=500)
        coded = make_pending_order(
            ("TOTE-CANVAS", 1), email="h@example.com", provider="dev", session_id=next_session_id("dev")
        )
        pay(set_discounts_and_tax(coded, [(220, 0, None)], discount_code="SPORES10"), paid_at=now)
        db.session.remove()
    yield


def staff_page(new_context: Callable[..., BrowserContext], viewport: str) -> Page:
    context = new_context(viewport=PHONE, is_mobile=True) if viewport == "phone" else new_context()
    page = context.new_page()
    page.goto("/account/login?next=/admin/")
    page.get_by_label("Email address").fill(STAFF_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    return page


def open_tables(page: Page) -> None:
    closed = page.locator("details.chart__table:not([open]) > summary")
    while closed.count():
        closed.first.click()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_axe_finds_nothing_on_the_charts(new_context: Callable[..., BrowserContext], viewport: str) -> None:
    page = staff_page(new_context, viewport)

    for path, heading in [
        ("/admin/?days=30", "Dashboard"),
        ("/admin/reports/sales?days=30", "Where sales come from and what sells best"),
        ("/admin/reports/articles?days=30", "Which articles earn"),
    ]:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(page.locator("svg.chart__svg").first).to_be_visible()
        if "/reports/sales" in path:
            expect(
                page.get_by_role("img", name="Net revenue per discount code, with the discount given")
            ).to_be_visible()
        assert_no_axe_violations(page)
        open_tables(page)  # the tables behind "Show … as a table" too
        assert_no_axe_violations(page)
        if viewport == "phone":
            assert not has_horizontal_overflow(page), f"{path} scrolls sideways at 360px"


def test_charts_are_images_named_by_their_title_and_summary(
    new_context: Callable[..., BrowserContext],
) -> None:
    page = staff_page(new_context, "desktop")
    page.goto("/admin/?days=30")

    revenue = page.get_by_role("img", name="Net revenue per day")

    expect(revenue).to_be_visible()
    summary = page.locator('[data-chart-summary="revenue"]').inner_text()
    assert summary.startswith("Net revenue $") and "days without sales" in summary
    assert page.locator("#revenue-svg-desc").text_content() == summary


def test_a_range_picked_with_the_form_carries_to_every_table_and_report(
    new_context: Callable[..., BrowserContext],
) -> None:
    page = staff_page(new_context, "desktop")
    today = utcnow().date()
    first = (today - timedelta(days=10)).isoformat()

    page.get_by_label("From", exact=True).fill(first)
    page.get_by_label("To", exact=True).fill(today.isoformat())
    page.get_by_role("button", name="Show these dates").click()

    expect(page.locator("[data-range]")).to_have_text(f"Showing {first} to {today.isoformat()}")
    links = page.locator("a[href*='/admin/insights/']").evaluate_all("links => links.map(l => l.href)")
    assert links and all(f"from={first}&to={today.isoformat()}" in link for link in links)
    page.get_by_role("link", name="Where sales come from").click()
    expect(page.locator("[data-range]")).to_have_text(f"Showing {first} to {today.isoformat()}")

    page.goto("/admin/?days=%C2%B2")
    expect(page.get_by_role("alert")).to_contain_text("Choose 7, 30, 90 days")
    expect(page.locator("[data-range]")).to_contain_text("Showing last 30 days")
