"""A discount code in Chromium on a phone: a wrong code is explained, SPORES10 shows its saving and moves
the free-shipping progress, the checkout page's own box removes it, refuses a wrong one and applies it again,
the dev payment charges the discounted total, and the order page shows the discount
(docs/rules.md#discounts)."""

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from shop.discounts.demo_codes import seed_demo_codes
from tests.e2e.conftest import PHONE, LiveServer
from tests.e2e.shopper import (
    add_hoodie_with_javascript,
    assert_no_axe_violations,
    fill_shipping_address,
    has_horizontal_overflow,
)

pytestmark = pytest.mark.e2e

MUG_PATH = "/products/enamel-camp-mug"


def test_apply_spores10_on_a_phone_and_pay_the_discounted_total(
    new_context: Callable[..., BrowserContext], live_server: LiveServer
) -> None:
    # given the demo code and a phone with two hoodies and a mug in the cart: $154, shipping free
    with live_server.app.app_context():
        seed_demo_codes()
    page: Page = new_context(viewport=PHONE, is_mobile=True).new_page()
    add_hoodie_with_javascript(page, "S", 2)
    page.goto(MUG_PATH)
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("[data-add-status]")).to_have_text("Added to your cart. View cart")
    page.goto("/cart")
    expect(page.locator(".shipping-progress__message")).to_have_text("You've got free shipping.")

    # when the shopper types a wrong code, then the right one in lower case
    code_box = page.get_by_label("Discount code")
    code_box.fill("SP0RES10")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".flashes .flash--error")).to_have_text(
        "We don't know the code SP0RES10. Check the spelling and try again."
    )
    expect(page.get_by_label("Discount code")).to_have_value("SP0RES10")
    page.get_by_label("Discount code").fill(" spores10 ")
    page.get_by_role("button", name="Apply").click()

    # then the saving shows, and the merchandise counted after it no longer ships free
    summary = page.locator(".cart-summary")
    expect(summary.locator("[data-discount]")).to_have_text("−$15.40")
    expect(summary.locator("[data-discount-applied]")).to_contain_text(
        "SPORES10 applied: 10% off merchandise"
    )
    expect(page.locator(".shipping-progress__message")).to_have_text(
        "Add $11.40 more in merchandise for free shipping."
    )
    expect(page.get_by_role("progressbar", name="Progress toward free shipping")).to_have_attribute(
        "value", "92"
    )
    expect(summary.locator("[data-shipping]")).to_have_text("$7.95")
    expect(summary.locator("[data-total]")).to_have_text("$146.55")
    expect(page.get_by_role("button", name="Remove code SPORES10")).to_be_focused()
    assert not has_horizontal_overflow(page)
    assert_no_axe_violations(page)

    # when they check out and pay on the development page
    page.get_by_role("link", name="Checkout").click()
    expect(page.locator(".cart-summary [data-discount]")).to_have_text("−$15.40")
    # (the checkout page has the code box too: remove the code there, be refused a wrong one, apply it again)
    page.get_by_role("button", name="Remove code SPORES10").click()
    expect(page.locator(".cart-summary [data-discount]")).to_have_count(0)
    page.get_by_label("Discount code").fill("SP0RES10")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#discount-code-refused")).to_have_text(
        "We don't know the code SP0RES10. Check the spelling and try again."
    )
    assert_no_axe_violations(page)
    page.get_by_label("Discount code").fill("spores10")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".cart-summary [data-discount-applied]")).to_contain_text("You save $15.40")
    expect(page.locator(".cart-summary [data-discount]")).to_have_text("−$15.40")
    page.get_by_label("Email address").fill("e2e-discount@example.com")
    fill_shipping_address(page, region="OR")
    page.get_by_role("button", name="Continue to payment").click()
    page.get_by_role("button", name="Pay $146.55").click()

    # then the order page shows the discount as its own row and the discounted total
    expect(page.get_by_role("heading", name="Thank you! Your order is confirmed")).to_be_visible()
    page.get_by_role("link", name="View your order's status").click()
    expect(page).to_have_url(re.compile(r"/orders/GS-"))
    details = page.locator(".order-details")
    expect(details.locator("[data-discount]")).to_have_text("−$15.40")
    expect(details).to_contain_text("Discount (SPORES10)")
    expect(details.locator("[data-total]")).to_have_text("$146.55")
