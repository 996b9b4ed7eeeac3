"""Checkout in Chromium: buy merchandise and a guide, pay on the dev page, get the email and the PDF;
a declined payment puts the stock back; leaving the payment page asks before cancelling; axe finds
nothing on the checkout, cancel and confirmation pages."""

import re
import time
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import LiveServer, stock_of
from tests.e2e.shopper import (
    add_hoodie_with_javascript,
    axe_cases,
    check_axe,
    fill_shipping_address,
    flash,
    size_option,
)

pytestmark = pytest.mark.e2e

TEE_PATH = "/products/mycelium-tee"
WORKBOOK_PATH = "/products/90-day-microdosing-workbook"


def add_tee(page: Page, size: str) -> None:
    page.goto(TEE_PATH)
    size_option(page, size).check()
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("[data-add-status]")).to_have_text("Added to your cart. View cart")


def add_workbook(page: Page) -> None:
    page.goto(WORKBOOK_PATH)
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("[data-add-status]")).to_have_text("Added to your cart. View cart")


def fill_checkout(page: Page, email: str) -> None:
    page.get_by_label("Email address").fill(email)
    fill_shipping_address(page, region="OR")


def go_to_checkout(page: Page) -> None:
    page.goto("/cart")
    page.get_by_role("link", name="Checkout").click()
    expect(page).to_have_url(re.compile(r"/checkout$"))


def emails_to(live_server: LiveServer, address: str, timeout_s: float = 5) -> list:
    """The locmem outbox the e2e app sends into (the email worker beside the live server delivers)."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = [m for m in getattr(live_server.app.extensions["mailman"], "outbox", []) if address in m.to]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_buy_merchandise_and_a_guide_pay_and_download(page: Page, live_server: LiveServer) -> None:
    # given two hoodies, a tee and the paid workbook in the cart
    hoodies_before = stock_of(live_server.app, "HOODIE-SPORE-L")
    add_hoodie_with_javascript(page, "L", 2)
    add_tee(page, "M")
    add_workbook(page)

    # when the shopper checks out: over $150 of merchandise ships free
    go_to_checkout(page)
    summary = page.locator(".cart-summary")
    expect(summary.locator("[data-shipping]")).to_have_text("Free")
    expect(summary.locator("[data-total]")).to_have_text("$187.00")
    fill_checkout(page, "e2e-buyer@example.com")
    page.get_by_role("button", name="Continue to payment").click()

    # and pays on the development page
    expect(page.get_by_text("Development payment — no money moves")).to_be_visible()
    page.get_by_role("button", name="Pay $187.00").click()

    # then the confirmation shows the order with free shipping
    expect(page.get_by_role("heading", name="Thank you! Your order is confirmed")).to_be_visible()
    number = page.locator(".order-confirmation .lead strong").inner_text()
    assert re.fullmatch(r"GS-[2-9A-Z]{6}", number)
    expect(page.locator(".order-details [data-shipping]")).to_have_text("Free")
    assert stock_of(live_server.app, "HOODIE-SPORE-L") == hoodies_before - 2

    # and the confirmation email has the order and a download link that serves the PDF
    [email] = emails_to(live_server, "e2e-buyer@example.com")
    assert number in email.subject and "$187.00" in email.body
    download_url = re.search(r"(http://\S+/downloads/\S+)", email.body).group(1)
    response = page.request.get(download_url)
    try:
        assert response.status == 200
        assert response.body().startswith(b"%PDF")
    finally:
        response.dispose()


def test_a_declined_payment_returns_to_the_cart_with_the_stock_back(
    page: Page, live_server: LiveServer
) -> None:
    # given a hoodie in the cart and its stock as the shop had it
    before = stock_of(live_server.app, "HOODIE-SPORE-M")
    add_hoodie_with_javascript(page, "M", 1)
    go_to_checkout(page)
    fill_checkout(page, "e2e-declined@example.com")
    page.get_by_role("button", name="Continue to payment").click()
    assert stock_of(live_server.app, "HOODIE-SPORE-M") == before - 1  # held while paying

    # when the payment is declined
    page.get_by_role("button", name="Decline").click()

    # then the shopper is back at the cart, told so, with the cart intact and the stock returned
    expect(page).to_have_url(re.compile(r"/cart$"))
    expect(flash(page, "error")).to_contain_text("Your payment was declined")
    expect(page.get_by_label("Quantity of Spore Print Hoodie (M)")).to_have_value("1")
    assert stock_of(live_server.app, "HOODIE-SPORE-M") == before
    assert emails_to(live_server, "e2e-declined@example.com", timeout_s=0.2) == []


def test_leaving_the_payment_page_asks_before_cancelling_the_order(
    page: Page, live_server: LiveServer
) -> None:
    # given a hoodie held for a shopper on the payment page
    before = stock_of(live_server.app, "HOODIE-SPORE-M")
    add_hoodie_with_javascript(page, "M", 1)
    go_to_checkout(page)
    fill_checkout(page, "e2e-left@example.com")
    page.get_by_role("button", name="Continue to payment").click()

    # when they follow the payment page's way back to the shop
    page.get_by_role("link", name=re.compile("Back to")).click()

    # then nothing is cancelled yet, and going back to payment still works
    expect(page.get_by_role("heading", level=1)).to_have_text("You left the payment page")
    assert stock_of(live_server.app, "HOODIE-SPORE-M") == before - 1
    page.get_by_role("link", name="Go back to payment").click()
    expect(page.get_by_text("Development payment — no money moves")).to_be_visible()

    # and when they leave again and choose to cancel, the order ends and the hoodie is back
    page.get_by_role("link", name=re.compile("Back to")).click()
    page.get_by_role("button", name="Cancel this order and return the items").click()
    expect(page).to_have_url(re.compile(r"/cart$"))
    expect(flash(page, "success")).to_contain_text("is cancelled: nothing was charged")
    expect(page.get_by_label("Quantity of Spore Print Hoodie (M)")).to_have_value("1")
    assert stock_of(live_server.app, "HOODIE-SPORE-M") == before


def open_checkout(page: Page) -> None:
    add_hoodie_with_javascript(page, "S", 1)
    add_workbook(page)
    go_to_checkout(page)


def open_checkout_with_errors(page: Page) -> None:
    open_checkout(page)
    page.get_by_role("button", name="Continue to payment").click()
    expect(page.locator(".field__error").first).to_be_visible()


def open_dev_payment(page: Page) -> None:
    open_checkout(page)
    fill_checkout(page, "e2e-axe@example.com")
    page.get_by_role("button", name="Continue to payment").click()
    expect(page.get_by_text("Development payment — no money moves")).to_be_visible()


def open_cancel_page(page: Page) -> None:
    open_dev_payment(page)
    page.get_by_role("link", name=re.compile("Back to")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You left the payment page")


def open_confirmation(page: Page) -> None:
    open_dev_payment(page)
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(page.get_by_role("heading", name="Thank you! Your order is confirmed")).to_be_visible()


def open_order_page(page: Page) -> None:
    open_confirmation(page)
    page.get_by_role("link", name="View your order's status").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Order GS-"))).to_be_visible()


PAGES: dict[str, Callable[[Page], None]] = {
    "checkout": open_checkout,
    "checkout-with-errors": open_checkout_with_errors,
    "dev-payment": open_dev_payment,
    "cancel": open_cancel_page,
    "confirmation": open_confirmation,
    "order": open_order_page,
}


@axe_cases(PAGES, on_phone=("checkout", "cancel", "confirmation"))
def test_axe_finds_no_violations_in_checkout(
    new_context: Callable[..., BrowserContext], viewport: str, page_name: str
) -> None:
    check_axe(new_context, viewport, PAGES[page_name])
