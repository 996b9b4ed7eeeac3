"""Staff run an order in Chromium: a shopper buys a tee on the dev payment page; staff log in, find the
order by email, mark it shipped with a tracking number (the customer's email in the outbox carries it) and
are offered no refund; an admin refunds part of it (the timeline shows it); axe finds nothing on the
dashboard, the orders list, the order page and a confirmation page, at desktop size and on a 360px phone."""

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from shop.accounts.models import Role
from shop.extensions import db
from tests.accounts.helpers import PASSWORD, make_user
from tests.e2e.conftest import PHONE, LiveServer, outbox_row
from tests.e2e.shopper import (
    add_hoodie_with_javascript,
    assert_no_axe_violations,
    fill_shipping_address,
    flash,
    has_horizontal_overflow,
)

pytestmark = pytest.mark.e2e

STAFF_EMAIL = "e2e-staff@example.com"
ADMIN_EMAIL = "e2e-admin@example.com"
SHOPPER_EMAIL = "e2e-parcel@example.com"


@pytest.fixture(scope="module")
def live_server_config(disk_outbox_config: dict[str, Any]) -> dict[str, Any]:
    return disk_outbox_config


@pytest.fixture(scope="module")
def staff_account(live_server: LiveServer) -> Iterator[str]:
    """A staff member (packs and ships) and an admin (refunds)."""
    with live_server.app.app_context():
        make_user(email=STAFF_EMAIL, role=Role.STAFF)
        make_user(email=ADMIN_EMAIL, role=Role.ADMIN)
        db.session.remove()
    yield STAFF_EMAIL


def buy_a_hoodie(page: Page, email: str) -> str:
    """Through the real checkout and the development payment page; returns the order number."""
    add_hoodie_with_javascript(page, "L")
    page.goto("/cart")
    page.get_by_role("link", name="Checkout").click()
    page.get_by_label("Email address").fill(email)
    fill_shipping_address(page, region="OR")
    page.get_by_role("button", name="Continue to payment").click()
    page.get_by_role("button", name="Pay $75.95").click()
    expect(page.get_by_role("heading", name="Thank you! Your order is confirmed")).to_be_visible()
    return page.locator(".order-confirmation .lead strong").inner_text()


def log_in_as_staff(page: Page, next_path: str = "/admin/", email: str = STAFF_EMAIL) -> None:
    page.goto(f"/account/login?next={next_path}")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(re.escape(next_path) + "$"))


def timeline(page: Page) -> Any:
    return page.locator(".timeline")


def test_staff_find_ship_and_partly_refund_an_order(
    new_context: Callable[..., BrowserContext], live_server: LiveServer, staff_account: str
) -> None:
    # given a shopper who bought a hoodie and paid
    number = buy_a_hoodie(new_context().new_page(), SHOPPER_EMAIL)
    page = new_context().new_page()

    # when staff log in, find the order by the shopper's email and open it
    log_in_as_staff(page, "/admin/orders")
    page.get_by_label("Order number or email").fill("E2E-PARCEL@")
    page.get_by_role("button", name="Show orders").click()
    expect(page.get_by_text("1 order matches these filters")).to_be_visible()
    page.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Order {number}")
    expect(page.locator("[data-order-status]")).to_have_text("Paid")

    # and mark it shipped with UPS, confirming on the next page
    page.get_by_text("Mark shipped", exact=True).click()
    page.get_by_label("Carrier").select_option("UPS")
    page.get_by_label("Tracking number").fill("1z 999 aa1 01")
    page.get_by_role("button", name="Review and mark shipped").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Mark order {number} shipped?")
    page.get_by_role("button", name="Yes, mark shipped and email the customer").click()

    # then the order is fulfilled, and the timeline says who shipped it
    expect(flash(page, "success")).to_contain_text("is marked shipped")
    expect(page.locator("[data-order-status]")).to_have_text("Fulfilled")
    expect(timeline(page)).to_contain_text("Shipped with UPS, tracking number 1Z 999 AA1 01")
    expect(timeline(page)).to_contain_text(f"{STAFF_EMAIL} (staff)")

    # and the customer's shipping email in the outbox carries the tracking number and link
    outbox = new_context().new_page()
    outbox_row(outbox, SHOPPER_EMAIL, "has shipped").get_by_role("link").click()
    expect(outbox.get_by_role("heading", level=1)).to_have_text(f"Your order {number} has shipped")
    email_text = outbox.locator(".email-text")
    expect(email_text).to_contain_text("Tracking number: 1Z 999 AA1 01")
    expect(email_text).to_contain_text("https://www.ups.com/track?tracknum=1Z999AA101")

    # and staff are offered no refund: that is an admin's
    for summary in ("Refund an amount", "Refund lines"):
        expect(page.get_by_text(summary, exact=True)).to_have_count(0)
    expect(page.get_by_text("Refunds and cancellations are done by an admin")).to_be_visible()
    expect(page.get_by_role("navigation", name="Admin").get_by_role("link")).to_have_text(
        ["Dashboard", "Orders", "Products", "Discounts", "Journal", "Comments"]
    )

    # when an admin refunds $5.00 of it
    page = new_context().new_page()
    log_in_as_staff(page, f"/admin/orders/{number}", email=ADMIN_EMAIL)
    page.get_by_text("Refund an amount", exact=True).click()
    page.get_by_label("Amount to refund (USD)").fill("5.00")
    page.get_by_label("Reason (optional, shown on the timeline)").first.fill("Box arrived dented")
    page.get_by_role("button", name="Review the refund").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Refund $5.00 on order {number}?")
    page.get_by_role("button", name="Yes, refund $5.00").click()

    # then the refund shows on the timeline and in the totals
    expect(flash(page, "success")).to_have_text(f"Refunded $5.00 on order {number}.")
    expect(page.locator("[data-order-status]")).to_have_text("Partly refunded")
    expect(timeline(page)).to_contain_text("Refunded $5.00")
    expect(timeline(page)).to_contain_text("Box arrived dented")
    expect(page.locator("[data-refunded]")).to_have_text("$5.00")


def open_dashboard(page: Page, number: str) -> None:
    page.goto("/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")


def open_orders(page: Page, number: str) -> None:
    page.goto("/admin/orders")
    expect(page.get_by_role("link", name=number)).to_be_visible()


def open_order(page: Page, number: str) -> None:
    page.goto(f"/admin/orders/{number}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Order {number}")
    for summary in page.locator("details.admin-details > summary").all():
        summary.click()  # axe checks the forms inside the disclosures too


def open_refund_confirmation(page: Page, number: str) -> None:
    open_order(page, number)
    page.get_by_role("button", name="Review the refund").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Refund $")


ADMIN_PAGES: dict[str, Callable[[Page, str], None]] = {
    "dashboard": open_dashboard,
    "orders": open_orders,
    "order": open_order,
    "refund-confirmation": open_refund_confirmation,
}


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_axe_finds_no_violations_on_the_admin_order_pages(
    new_context: Callable[..., BrowserContext], live_server: LiveServer, staff_account: str, viewport: str
) -> None:
    number = buy_a_hoodie(new_context().new_page(), f"e2e-axe-{viewport}@example.com")
    page = new_context(viewport=PHONE if viewport == "phone" else {"width": 1280, "height": 900}).new_page()
    log_in_as_staff(page, email=ADMIN_EMAIL)  # an admin sees every action on the order page

    for name, open_page in ADMIN_PAGES.items():
        open_page(page, number)
        assert_no_axe_violations(page)
        if viewport == "phone":
            assert not has_horizontal_overflow(page), f"{name} scrolls sideways at 360px"
