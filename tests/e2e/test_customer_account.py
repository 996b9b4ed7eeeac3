"""Customer accounts in Chromium: register, confirm the email from the outbox, buy with the development
payment page, find the order in /account/orders, open it and get a fresh guide link; axe finds nothing on
the login, register, account, orders and admin leads pages at desktop and phone sizes."""

import itertools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from shop.accounts import services as accounts
from shop.accounts.models import Role
from shop.clock import utcnow
from shop.extensions import db, limiter
from shop.guides.models import Lead
from shop.orders.payment_events import PaymentConfirmation
from shop.payments.settlement import mark_paid
from tests.e2e.conftest import PHONE, LiveServer, outbox_row
from tests.e2e.shopper import (
    assert_no_axe_violations,
    fill_shipping_address,
    has_horizontal_overflow,
    size_option,
)
from tests.order_factory import make_pending_order

pytestmark = pytest.mark.e2e

PASSWORD = "spore print walk 1984"
ADMIN_EMAIL = "e2e-admin@example.com"
TEE_PATH = "/products/mycelium-tee"
WORKBOOK_PATH = "/products/90-day-microdosing-workbook"
_addresses = itertools.count(1)


@pytest.fixture(scope="module")
def live_server_config(disk_outbox_config: dict[str, Any]) -> dict[str, Any]:
    return disk_outbox_config


@pytest.fixture(autouse=True)
def fresh_rate_limits(live_server: LiveServer) -> None:
    """Every test logs in from 127.0.0.1: start each with the login limits unused."""
    with live_server.app.app_context():
        limiter.reset()


def new_address() -> str:
    return f"customer{next(_addresses)}@example.com"


def register(page: Page, email: str) -> None:
    page.goto("/account/register")
    page.get_by_label("Name (optional)").fill("Robin")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")


def log_in(page: Page, email: str) -> None:
    page.goto("/account/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".flashes")).to_contain_text("You're logged in.")


def confirm_from_the_outbox(page: Page, email: str) -> None:
    outbox_row(page, email, "Confirm your email address").get_by_role("link").click()
    page.get_by_role("link", name="/account/confirm/").click()
    page.get_by_role("button", name="Confirm my email").click()
    expect(page.locator(".flashes")).to_contain_text("Thanks, your email address is confirmed.")


def add_to_cart(page: Page, path: str, size: str | None = None) -> None:
    page.goto(path)
    if size:
        size_option(page, size).check()
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("[data-add-status]")).to_have_text("Added to your cart. View cart")


def check_out_and_pay(page: Page, email: str) -> str:
    page.goto("/checkout")
    expect(page.get_by_label("Email address")).to_have_value(email)  # the account's, prefilled
    fill_shipping_address(page, full_name="Robin Lima", region="OR")
    page.get_by_role("button", name="Continue to payment").click()
    expect(page.get_by_text("Development payment — no money moves")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Pay \$")).click()
    expect(page.get_by_role("heading", name="Thank you! Your order is confirmed")).to_be_visible()
    return page.locator(".order-confirmation .lead strong").inner_text()


def test_a_customer_registers_confirms_buys_and_finds_the_order(
    new_context: Callable[..., BrowserContext], tmp_path: Path
) -> None:
    page = new_context().new_page()
    email = new_address()

    # given a shopper who registers, confirms the address from the email and logs in
    register(page, email)
    confirm_from_the_outbox(page, email)
    log_in(page, email)

    # when they buy a tee and the workbook and pay on the development page
    add_to_cart(page, TEE_PATH, "M")
    add_to_cart(page, WORKBOOK_PATH)
    number = check_out_and_pay(page, email)

    # then the order is in their account, with its status, total and a fresh link for the guide
    page.goto("/account/")
    page.get_by_role("link", name="Your orders and downloads").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your orders")
    card = page.locator(".order-card").filter(has_text=number)
    expect(card).to_contain_text("Payment received")
    expect(card).to_contain_text("$58.95")  # $32 tee + $19 workbook + $7.95 shipping
    card.get_by_role("button", name=re.compile("Get a fresh download link")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your download link is ready")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download 90-Day Microdosing Workbook (PDF)").click()
    target = tmp_path / "workbook.pdf"
    download_info.value.save_as(target)
    assert target.read_bytes().startswith(b"%PDF")

    # and the order page opens from the list without the emailed link
    page.goto("/account/orders")
    page.get_by_role("link", name=f"Order {number}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Order {number}")
    expect(page.get_by_text("Mycelium Tee (M)")).to_be_visible()


def test_another_customer_cannot_open_the_order(
    new_context: Callable[..., BrowserContext], live_server: LiveServer
) -> None:
    # given an order of one customer's
    owner, stranger = new_address(), new_address()
    number = seed_customer_with_order(live_server, owner)
    seed_customer(live_server, stranger)
    page = new_context().new_page()

    # when another customer tries its page
    log_in(page, stranger)
    response = page.goto(f"/orders/{number}")

    # then it is not there for them, and their list is empty
    assert response is not None and response.status == 404
    page.goto("/account/orders")
    expect(page.get_by_text("You haven't ordered anything yet.")).to_be_visible()


# --- seeded state for the accessibility checks ----------------------------------------------------


def seed_customer(live_server: LiveServer, email: str) -> None:
    with live_server.app.app_context():
        user = accounts.register(email=email, password=PASSWORD, full_name="Robin")
        user.email_confirmed_at = utcnow()
        db.session.commit()
        db.session.remove()


def seed_customer_with_order(live_server: LiveServer, email: str) -> str:
    """A confirmed customer with a paid order (a guide and a tee) tied to their account."""
    seed_customer(live_server, email)
    with live_server.app.app_context():
        user = accounts.get_user_by_email(email)
        order = make_pending_order(("GUIDE-WORKBOOK", 1), ("TEE-MYCELIUM-L", 1), email=email, session_id=None)
        order.user_id = user.id
        db.session.commit()
        mark_paid(order.id, PaymentConfirmation(None, f"pi_e2e_{order.id}", order.total_cents, "usd"))
        number = order.number
        db.session.remove()
    return number


@pytest.fixture(scope="module")
def admin_account(live_server: LiveServer) -> str:
    """An admin (leads are for admins) and a few leads, one with markup in its name, for the leads page."""
    with live_server.app.app_context():
        accounts.create_staff(ADMIN_EMAIL, PASSWORD, role=Role.ADMIN)
        now = utcnow()
        for number, (name, source) in enumerate(
            [("Ana", "newsletter"), ("<b>Bo</b>", None), ("Cy", "instagram")], start=1
        ):
            db.session.add(
                Lead(
                    email=f"lead{number}@example.com",
                    first_name=name,
                    confirmed_at=now if number != 2 else None,
                    consented_at=now,
                    consent_version="2026-11",
                    subscribed=True,
                    utm_source=source,
                    signup_form="guide",
                )
            )
        db.session.commit()
        db.session.remove()
    return ADMIN_EMAIL


def open_login(page: Page, live_server: LiveServer) -> None:
    page.goto("/account/login")


def open_login_with_errors(page: Page, live_server: LiveServer) -> None:
    page.goto("/account/login")
    page.get_by_label("Email address").fill("nobody@example.com")
    page.get_by_label("Password").fill("wrong password here")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".flash--error")).to_be_visible()


def open_register(page: Page, live_server: LiveServer) -> None:
    page.goto("/account/register")


def open_register_sent(page: Page, live_server: LiveServer) -> None:
    register(page, new_address())


def open_register_with_errors(page: Page, live_server: LiveServer) -> None:
    page.goto("/account/register")
    page.get_by_label("Email address").fill("robin@example")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".field__error").first).to_be_visible()


def open_overview(page: Page, live_server: LiveServer) -> None:
    email = new_address()
    seed_customer(live_server, email)
    log_in(page, email)
    page.goto("/account/")


def open_orders(page: Page, live_server: LiveServer) -> None:
    email = new_address()
    seed_customer_with_order(live_server, email)
    log_in(page, email)
    page.goto("/account/orders")
    expect(page.locator(".order-card")).to_have_count(1)


def open_empty_orders(page: Page, live_server: LiveServer) -> None:
    email = new_address()
    seed_customer(live_server, email)
    log_in(page, email)
    page.goto("/account/orders")


def open_fresh_link(page: Page, live_server: LiveServer) -> None:
    open_orders(page, live_server)
    page.get_by_role("button", name=re.compile("Get a fresh download link")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your download link is ready")


def open_admin_leads(page: Page, live_server: LiveServer) -> None:
    log_in(page, ADMIN_EMAIL)
    page.goto("/admin/leads")
    expect(page.get_by_role("link", name="lead1@example.com")).to_be_visible()


def open_admin_leads_with_bad_filters(page: Page, live_server: LiveServer) -> None:
    log_in(page, ADMIN_EMAIL)
    page.goto("/admin/leads?confirmed=maybe")
    expect(page.get_by_text("Choose any, yes or no.")).to_be_visible()


def open_admin_lead(page: Page, live_server: LiveServer) -> None:
    open_admin_leads(page, live_server)
    page.get_by_role("link", name="lead2@example.com").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Lead #\d+$"))


def open_admin_lead_erase(page: Page, live_server: LiveServer) -> None:
    open_admin_lead(page, live_server)
    page.get_by_role("link", name="Erase this lead…").click()
    page.get_by_role("button", name="Erase for good").click()  # without ticking the box: the error shows
    expect(page.get_by_text("Tick the box to confirm the erasure.")).to_be_visible()


PAGES: dict[str, Callable[[Page, LiveServer], None]] = {
    "login": open_login,
    "login-with-errors": open_login_with_errors,
    "register": open_register,
    "register-with-errors": open_register_with_errors,
    "register-sent": open_register_sent,
    "account": open_overview,
    "orders": open_orders,
    "orders-empty": open_empty_orders,
    "fresh-link": open_fresh_link,
    "admin-leads": open_admin_leads,
    "admin-leads-bad-filters": open_admin_leads_with_bad_filters,
    "admin-lead": open_admin_lead,
    "admin-lead-erase": open_admin_lead_erase,
}
CASES = [(viewport, name) for viewport in ("desktop", "phone") for name in PAGES]


@pytest.mark.parametrize(("viewport", "page_name"), CASES, ids=[f"{v}-{n}" for v, n in CASES])
def test_axe_finds_no_violations_on_account_and_lead_pages(
    new_context: Callable[..., BrowserContext],
    live_server: LiveServer,
    admin_account: str,
    viewport: str,
    page_name: str,
) -> None:
    context = new_context(viewport=PHONE, is_mobile=True) if viewport == "phone" else new_context()
    page = context.new_page()
    PAGES[page_name](page, live_server)

    assert_no_axe_violations(page)
    assert not has_horizontal_overflow(page)  # wide admin tables scroll inside their own box
