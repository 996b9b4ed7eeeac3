"""axe-core in Chromium finds no violations on the storefront's pages, at desktop and phone sizes."""

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.shopper import (
    HOODIE_PATH,
    add_hoodie_with_javascript,
    axe_cases,
    axe_violations,
    cart_quantity,
    check_axe,
    describe_violations,
    shipping_message,
)

pytestmark = pytest.mark.e2e


def open_home(page: Page) -> None:
    page.goto("/")


def open_catalog(page: Page) -> None:
    page.goto("/products")


def open_product(page: Page) -> None:
    page.goto(HOODIE_PATH)


def open_product_after_adding(page: Page) -> None:
    # The status message and the refreshed shipping bar are new content axe must see too.
    add_hoodie_with_javascript(page, "M")
    expect(shipping_message(page)).to_contain_text("more in merchandise for free shipping")


def open_empty_cart(page: Page) -> None:
    page.goto("/cart")


def open_cart_with_items(page: Page) -> None:
    add_hoodie_with_javascript(page, "M")
    page.goto("/cart")


def open_cart_showing_an_error(page: Page) -> None:
    # The script's alert and status regions are added to the page after load.
    open_cart_with_items(page)
    quantity = cart_quantity(page, "Spore Print Hoodie (M)")
    quantity.fill("11")
    quantity.press("Tab")
    expect(page.get_by_role("alert")).to_have_text(
        "You can buy at most 10 of Spore Print Hoodie (M) per order."
    )
    # The alert shows before the cart re-renders; while that is in flight the cart is dimmed
    # (aria-busy), which axe rightly scores as low contrast. Check the settled page.
    expect(page.locator('[data-refresh="cart-root"]')).not_to_have_attribute("aria-busy", "true")


PAGES: dict[str, Callable[[Page], None]] = {
    "home": open_home,
    "catalog": open_catalog,
    "product": open_product,
    "product-after-adding": open_product_after_adding,
    "empty-cart": open_empty_cart,
    "cart": open_cart_with_items,
    "cart-showing-an-error": open_cart_showing_an_error,
}


# Every state at desktop size; the four pages again at a 360×740 phone, where the layout reflows.
@axe_cases(PAGES, on_phone=("home", "catalog", "product", "cart"))
def test_axe_finds_no_violations(
    new_context: Callable[..., BrowserContext], viewport: str, page_name: str
) -> None:
    # given the page as a shopper reaches it, in a fresh browser of that size,
    # when axe-core checks it, then it reports nothing
    check_axe(new_context, viewport, PAGES[page_name])


def test_violation_report_names_the_rule_and_the_element(page: Page) -> None:
    # given a page with an image that has no text alternative
    page.set_content("<!doctype html><html lang='en'><title>t</title><main><img src='x.png'></main></html>")

    # when axe checks it
    violations = axe_violations(page)

    # then the assertion message would say which rule failed and where
    report = describe_violations(violations, "about:blank")
    assert "image-alt (critical)" in report
    assert '<img src="x.png">' in report
