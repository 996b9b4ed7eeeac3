"""What a shopper sees and does in the storefront: Playwright locators and steps shared by the e2e tests."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.e2e.conftest import PHONE

HOODIE_PATH = "/products/spore-print-hoodie"
POSTER_PATH = "/products/mushroom-field-guide-poster"

_axe = Axe()


def size_option(page: Page, size: str) -> Locator:
    """The radio for one size; its accessible name reads e.g. "M In stock", so match the size at the start."""
    return page.get_by_role("radio", name=re.compile(rf"^{re.escape(size)} "))


def add_to_cart_button(page: Page) -> Locator:
    return page.get_by_role("button", name="Add to cart")


def product_quantity(page: Page) -> Locator:
    return page.get_by_label("Quantity", exact=True)


def add_status(page: Page) -> Locator:
    return page.locator("[data-add-status]")


def cart_quantity(page: Page, line_name: str) -> Locator:
    """The quantity box of a cart line, named by its hidden label ("Quantity of Spore Print Hoodie (L)")."""
    return page.get_by_label(f"Quantity of {line_name}")


def update_button(page: Page, line_name: str) -> Locator:
    return page.get_by_role("button", name=f"Update {line_name}")


def mini_cart_count(page: Page) -> Locator:
    return page.locator("header [data-cart-count]")


def shipping_message(page: Page) -> Locator:
    return page.locator(".shipping-progress__message")


def shipping_bar(page: Page) -> Locator:
    return page.get_by_role("progressbar", name="Progress toward free shipping")


def flash(page: Page, category: str) -> Locator:
    return page.locator(f".flashes .flash--{category}")


def cart_on_server(page: Page) -> dict[str, int]:
    """The cart the server holds for this browser's cookie, as {sku: quantity}."""
    response = page.request.get("/cart.json")
    try:
        data: dict[str, Any] = response.json()
    finally:
        response.dispose()
    return {item["sku"]: item["quantity"] for item in data["items"]}


def add_hoodie_with_javascript(page: Page, size: str, quantity: int = 1) -> None:
    """Pick a size on the hoodie page and add it; waits for the page's own confirmation."""
    page.goto(HOODIE_PATH)
    size_option(page, size).check()
    product_quantity(page).fill(str(quantity))
    add_to_cart_button(page).click()
    expect(add_status(page)).to_have_text("Added to your cart. View cart")


def fill_shipping_address(
    page: Page,
    *,
    full_name: str = "Ana Lima",
    region: str | None = None,
    city: str = "Portland",
    postal_code: str = "97201",
    country: str = "US",
) -> None:
    """The checkout's address fields, as a shopper types them (the email is the caller's business)."""
    page.get_by_label("Full name").fill(full_name)
    page.get_by_label("Address line 1").fill("12 Spore Street")
    page.get_by_label("Town or city").fill(city)
    if region is not None:
        page.get_by_label("State, province or region", exact=True).fill(region)
    page.get_by_label("Postal or ZIP code").fill(postal_code)
    page.get_by_label("Country", exact=True).select_option(country)


def has_horizontal_overflow(page: Page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    return _axe.run(page).response["violations"]


def describe_violations(violations: list[dict[str, Any]], url: str) -> str:
    """One readable block per axe rule: id, impact, what it wants, and the offending elements."""
    blocks = []
    for violation in violations:
        targets = "\n".join(
            f"    {', '.join(map(str, node['target']))}: {node['html']}" for node in violation["nodes"]
        )
        blocks.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']}\n"
            f"  {violation['helpUrl']}\n{targets}"
        )
    return f"{len(violations)} axe violation(s) on {url}:\n" + "\n".join(blocks)


def assert_no_axe_violations(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, describe_violations(violations, page.url)


def axe_cases(pages: dict[str, Callable[[Page], None]], on_phone: tuple[str, ...]) -> pytest.MarkDecorator:
    """Parametrize an axe test over every page at desktop size, and the `on_phone` ones at 360×740."""
    cases = [("desktop", name) for name in pages] + [("phone", name) for name in on_phone]
    return pytest.mark.parametrize(("viewport", "page_name"), cases, ids=[f"{v}-{n}" for v, n in cases])


def check_axe(
    new_context: Callable[..., BrowserContext], viewport: str, open_page: Callable[[Page], None]
) -> Page:
    """Open the page as a shopper reaches it, in a fresh browser of that size, and assert that axe-core
    reports no violations on it; returns the page for further checks."""
    context = new_context(viewport=PHONE, is_mobile=True) if viewport == "phone" else new_context()
    page = context.new_page()
    open_page(page)
    assert_no_axe_violations(page)
    return page
