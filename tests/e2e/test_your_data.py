"""A customer's own data in Chromium: download the JSON export from the account page, then delete the
account (a wrong password first), and find every other device logged out and the confirmation in the
outbox; axe finds nothing on the deletion page at desktop and phone sizes."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from shop.audit.services import Actor
from shop.extensions import db, limiter
from shop.orders.lookups import get_order_by_number
from shop.orders.staff_actions import mark_shipped
from tests.e2e.conftest import PHONE, LiveServer, outbox_row
from tests.e2e.shopper import assert_no_axe_violations, has_horizontal_overflow
from tests.e2e.test_customer_account import PASSWORD, log_in, seed_customer, seed_customer_with_order

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def live_server_config(disk_outbox_config: dict[str, Any]) -> dict[str, Any]:
    return disk_outbox_config


@pytest.fixture(autouse=True)
def fresh_rate_limits(live_server: LiveServer) -> None:
    with live_server.app.app_context():
        limiter.reset()


def ship(live_server: LiveServer, number: str) -> None:
    with live_server.app.app_context():
        order = get_order_by_number(number)
        mark_shipped(
            Actor(user_id=None, email="staff@example.com"), order.id, carrier="UPS", tracking_number="1Z1"
        )
        db.session.remove()


def test_a_customer_exports_their_data_then_deletes_the_account(
    new_context: Callable[..., BrowserContext], live_server: LiveServer, tmp_path: Path
) -> None:
    email = "leaving@example.com"
    number = seed_customer_with_order(live_server, email)
    ship(live_server, number)  # an order still to ship would hold the deletion back
    page = new_context().new_page()
    other_device = new_context().new_page()
    log_in(page, email)
    log_in(other_device, email)

    # the export downloads from the account page and holds the order
    page.goto("/account/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download your data (JSON)").click()
    target = tmp_path / "data.json"
    download_info.value.save_as(target)
    data = json.loads(target.read_text())
    assert data["profile"]["email"] == email
    assert [order["number"] for order in data["orders"]] == [number]

    # a wrong password deletes nothing and says so
    page.get_by_role("link", name="Delete your account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete your account")
    page.get_by_label("Your password").fill("not the password")
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("That password is not right. Nothing was deleted.")).to_be_visible()

    # the right one deletes the account and logs out everywhere
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Delete my account").click()
    expect(page.locator(".flashes")).to_contain_text("Your account is deleted")
    other_device.goto("/account/")
    expect(other_device.get_by_role("heading", level=1)).to_have_text("Log in")

    # and the confirmation went to the address
    outbox_row(page, email, "Your account has been deleted").get_by_role("link").click()
    expect(page.get_by_text("as tax law requires")).to_be_visible()


def open_delete_page(page: Page, live_server: LiveServer, email: str) -> None:
    seed_customer(live_server, email)
    log_in(page, email)
    page.goto("/account/delete")
    page.get_by_role("button", name="Delete my account").click()  # nothing filled in: the errors show
    expect(page.locator(".field__error").first).to_be_visible()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_axe_finds_no_violations_on_the_deletion_page(
    new_context: Callable[..., BrowserContext], live_server: LiveServer, viewport: str
) -> None:
    context = new_context(viewport=PHONE, is_mobile=True) if viewport == "phone" else new_context()
    page = context.new_page()
    open_delete_page(page, live_server, f"axe-{viewport}@example.com")

    assert_no_axe_violations(page)
    assert not has_horizontal_overflow(page)
