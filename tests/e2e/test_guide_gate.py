"""The free guide in a real browser: a newsletter visitor gets the PDF only through a confirmed email,
with and without JavaScript, and axe-core finds nothing wrong on the guide pages."""

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import BrowserContext, Page, expect

from shop.catalog.demo_catalog import PRODUCTS
from shop.extensions import db
from shop.guides.models import Lead
from tests.e2e.conftest import LiveServer, outbox_row
from tests.e2e.shopper import axe_cases, check_axe, has_horizontal_overflow

pytestmark = pytest.mark.e2e

GUIDE = next(product for product in PRODUCTS if product.is_lead_magnet)
GUIDE_PATH = f"/guides/{GUIDE.slug}"
_addresses = itertools.count(1)


@pytest.fixture(scope="module")
def live_server_config(disk_outbox_config: dict[str, Any]) -> dict[str, Any]:
    return disk_outbox_config


def new_address() -> str:
    return f"reader{next(_addresses)}@example.com"


def lead_row(live_server: LiveServer, email: str) -> dict[str, Any]:
    with live_server.app.app_context():
        lead = db.session.scalars(sa.select(Lead).where(Lead.email == email)).one()
        row = {
            "utm_source": lead.utm_source,
            "landing_page": lead.landing_page,
            "confirmed": lead.confirmed_at is not None,
            "subscribed": lead.subscribed,
        }
        db.session.remove()
    return row


def sign_up_on_the_guide_page(page: Page, email: str) -> None:
    page.get_by_label("Email address").fill(email)
    page.get_by_label("First name").fill("Robin")
    page.get_by_role("checkbox", name="Yes, also send me the").check()
    page.get_by_role("button", name="Email me the guide").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    expect(page.get_by_text("r***@example.com")).to_be_visible()


def open_the_email(page: Page, email: str) -> None:
    """From the development outbox, open the newest email sent to `email`."""
    outbox_row(page, email).get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Confirm your email to get {GUIDE.name}")


def press_confirm_and_download(page: Page, tmp_path: Path) -> bytes:
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Confirm and download the PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"{GUIDE.slug}.pdf"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    return target.read_bytes()


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_newsletter_visitor_gets_the_pdf_through_a_confirmed_email(
    new_context: Callable[..., BrowserContext], live_server: LiveServer, tmp_path: Path, javascript: bool
) -> None:
    page = new_context(java_script_enabled=javascript).new_page()
    email = new_address()

    # given a visitor who arrives from the newsletter and opens the guide from the home page
    page.goto("/?utm_source=newsletter")
    page.get_by_role("link", name="Get the free guide").click()
    expect(page).to_have_url(GUIDE_PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text(GUIDE.name)

    # when they enter their email (nothing to download yet), open the email and press its link's button
    sign_up_on_the_guide_page(page, email)
    assert lead_row(live_server, email)["confirmed"] is False
    open_the_email(page, email)
    page.get_by_role("link", name="/guides/confirm/").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your email and download")
    pdf = press_confirm_and_download(page, tmp_path)

    # then they have the PDF, and the lead is confirmed and credited to the newsletter
    assert pdf.startswith(b"%PDF")
    assert lead_row(live_server, email) == {
        "utm_source": "newsletter",
        "landing_page": "/",
        "confirmed": True,
        "subscribed": True,
    }


def test_the_home_page_form_signs_up_without_leaving_for_the_guide_page(
    new_context: Callable[..., BrowserContext], live_server: LiveServer
) -> None:
    page = new_context().new_page()
    email = new_address()
    page.goto("/?utm_source=podcast&utm_campaign=ep12")

    offer = page.locator("#guide-gate")
    offer.get_by_label("Email address").fill(email)
    offer.get_by_role("button", name="Email me the guide").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    row = lead_row(live_server, email)
    assert (row["utm_source"], row["subscribed"]) == ("podcast", False)


def test_a_mistyped_email_is_explained_next_to_the_field(new_context: Callable[..., BrowserContext]) -> None:
    page = new_context().new_page()
    page.goto(GUIDE_PATH)

    page.get_by_label("Email address").fill("robin@example")
    page.get_by_role("button", name="Email me the guide").click()

    field = page.get_by_label("Email address")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description("Enter a valid email address, like name@example.com.")
    expect(field).to_have_value("robin@example")


# --- accessibility ------------------------------------------------------------------------------


def open_guide(page: Page) -> None:
    page.goto(GUIDE_PATH)


def open_guide_with_errors(page: Page) -> None:
    page.goto(GUIDE_PATH)
    page.get_by_label("First name").fill("R" * 100)
    page.get_by_role("button", name="Email me the guide").click()
    expect(page.get_by_role("alert")).to_be_visible()


def open_check_inbox(page: Page) -> None:
    page.goto(GUIDE_PATH)
    sign_up_on_the_guide_page(page, new_address())


def open_confirm(page: Page) -> None:
    email = new_address()
    open_guide(page)
    sign_up_on_the_guide_page(page, email)
    open_the_email(page, email)
    page.get_by_role("link", name="/guides/confirm/").click()
    expect(page.get_by_role("button", name="Confirm and download the PDF")).to_be_visible()


def open_unknown_link(page: Page) -> None:
    page.goto("/guides/confirm/not-a-real-link")
    expect(page.get_by_role("heading", level=1)).to_have_text("We don't recognise this link")


def open_unsubscribe(page: Page) -> None:
    email = new_address()
    open_guide(page)
    sign_up_on_the_guide_page(page, email)
    open_the_email(page, email)
    page.get_by_role("link", name="/unsubscribe/").click()
    expect(page.get_by_role("button", name="Unsubscribe")).to_be_visible()


def open_privacy(page: Page) -> None:
    page.goto("/privacy")


PAGES: dict[str, Callable[[Page], None]] = {
    "guide": open_guide,
    "guide-with-errors": open_guide_with_errors,
    "check-inbox": open_check_inbox,
    "confirm": open_confirm,
    "unknown-link": open_unknown_link,
    "unsubscribe": open_unsubscribe,
    "privacy": open_privacy,
}


@axe_cases(PAGES, on_phone=("guide", "check-inbox"))
def test_axe_finds_no_violations_on_the_guide_pages(
    new_context: Callable[..., BrowserContext], viewport: str, page_name: str
) -> None:
    page = check_axe(new_context, viewport, PAGES[page_name])
    assert not has_horizontal_overflow(page)
