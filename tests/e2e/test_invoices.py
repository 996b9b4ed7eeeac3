"""Invoices in Chromium: a customer opens the invoice from their order page, downloads its PDF, and the
printed page leaves out the shop's navigation; axe finds nothing on the invoice at desktop and phone sizes,
nor on the staff's packing slips."""

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from shop.accounts import services as accounts
from shop.accounts.models import Role
from tests.e2e.conftest import LiveServer
from tests.e2e.shopper import check_axe
from tests.e2e.test_customer_account import PASSWORD, log_in, new_address, seed_customer_with_order

pytestmark = pytest.mark.e2e

STAFF_EMAIL = "e2e-packer@example.com"


def test_a_customer_opens_the_invoice_from_the_order_page(
    new_context: Callable[..., BrowserContext], live_server: LiveServer
) -> None:
    # given a customer with a paid order
    email = new_address()
    number = seed_customer_with_order(live_server, email)
    page = new_context().new_page()
    log_in(page, email)

    # when they open the order and follow its invoice link
    page.goto(f"/orders/{number}")
    page.get_by_role("link", name="Invoice ").first.click()

    # then the invoice shows the order, its lines and total
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Invoice ")
    expect(page.locator(".document")).to_contain_text(number)
    expect(page.locator(".document")).to_contain_text("Mycelium Tee (L)")
    expect(page.locator(".document__totals")).to_contain_text("$58.95")  # $32 + $19 + $7.95 shipping
    expect(page.get_by_role("button", name="Print")).to_be_visible()

    # and its PDF downloads, and printing leaves out the header and the toolbar
    pdf = page.request.get(page.get_by_role("link", name="Download the PDF").get_attribute("href"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF-")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".document-toolbar")).to_be_hidden()
    expect(page.locator(".document")).to_be_visible()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_axe_finds_no_violations_on_the_invoice(
    new_context: Callable[..., BrowserContext], live_server: LiveServer, viewport: str
) -> None:
    email = new_address()
    number = seed_customer_with_order(live_server, email)

    def open_invoice(page: Page) -> None:
        log_in(page, email)
        page.goto(f"/orders/{number}/invoice")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Invoice ")

    check_axe(new_context, viewport, open_invoice)


def test_axe_finds_no_violations_on_the_packing_slips(
    new_context: Callable[..., BrowserContext], live_server: LiveServer
) -> None:
    seed_customer_with_order(live_server, new_address())
    with live_server.app.app_context():
        if accounts.get_user_by_email(STAFF_EMAIL) is None:
            accounts.create_staff(STAFF_EMAIL, PASSWORD, role=Role.STAFF)

    def open_slips(page: Page) -> None:
        log_in(page, STAFF_EMAIL)
        page.goto("/admin/packing-slips")
        expect(page.locator("[data-packing-slip]").first).to_be_visible()

    page = check_axe(new_context, "desktop", open_slips)
    expect(page.locator("svg.barcode").first).to_be_visible()
