"""An international shopper in Chromium (docs/rules.md#shipping-zones, docs/rules.md#tax): picking Canada in
the cart changes the shipping and the tax estimate, and the order paid with the development provider
shows Canada's shipping and tax."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from tests.e2e.shopper import add_hoodie_with_javascript, fill_shipping_address

pytestmark = pytest.mark.e2e


def test_a_canadian_shopper_sees_canadas_shipping_and_tax_through_to_the_order(
    page: Page, live_server: LiveServer
) -> None:
    # given a $68.00 hoodie in the cart, estimated for the domestic zone
    add_hoodie_with_javascript(page, "M", 1)
    page.goto("/cart")
    summary = page.locator(".cart-summary")
    expect(summary.locator("[data-shipping]")).to_have_text("$7.95")
    expect(summary.locator("[data-tax]")).to_have_text("At checkout")

    # when the shopper picks Canada for the estimate
    page.get_by_label("Estimate for").select_option("CA")
    page.get_by_role("button", name="Update estimate").click()

    # then Canada's shipping and 5% tax replace the estimate, and the banner follows
    expect(summary.locator("[data-shipping]")).to_have_text("$14.95")
    expect(summary.locator("[data-tax]")).to_have_text("$3.40")
    expect(summary.locator("[data-total]")).to_have_text("$86.35")
    expect(page.locator(".shipping-banner")).to_have_text("Free shipping on orders over $250")
    expect(page.locator(".shipping-progress__message")).to_have_text(
        "Add $182.00 more in merchandise for free shipping."
    )

    # when they check out to Vancouver and pay on the development page
    page.get_by_role("link", name="Checkout").click()
    expect(page).to_have_url(re.compile(r"/checkout$"))
    expect(page.get_by_label("Country", exact=True)).to_have_value("CA")
    page.get_by_label("Email address").fill("e2e-canada@example.com")
    fill_shipping_address(page, region="BC", city="Vancouver", postal_code="V6B 1A1", country="CA")
    page.get_by_role("button", name="Continue to payment").click()
    expect(page.get_by_text("Development payment — no money moves")).to_be_visible()
    page.get_by_role("button", name="Pay $86.35").click()

    # then the order shows Canada's shipping and the tax with its rate
    expect(page.get_by_role("heading", name="Thank you! Your order is confirmed")).to_be_visible()
    details = page.locator(".order-details")
    expect(details.locator("[data-shipping]")).to_have_text("$14.95")
    expect(details.get_by_text("Tax (5%)")).to_be_visible()
    expect(details.locator("[data-tax]")).to_have_text("$3.40")
    expect(details.locator("[data-total]")).to_have_text("$86.35")
