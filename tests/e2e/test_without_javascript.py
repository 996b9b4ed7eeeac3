"""JavaScript switched off: plain form posts add, update and refuse, and the shipping bar follows."""

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.shopper import (
    HOODIE_PATH,
    POSTER_PATH,
    add_to_cart_button,
    cart_on_server,
    cart_quantity,
    flash,
    mini_cart_count,
    product_quantity,
    shipping_bar,
    shipping_message,
    size_option,
    update_button,
)

pytestmark = pytest.mark.e2e

HOODIE_M = "Spore Print Hoodie (M)"


@pytest.fixture
def page(new_context: Callable[..., BrowserContext]) -> Page:
    """A fresh browser with JavaScript disabled, so every action is a full form post and page load."""
    return new_context(java_script_enabled=False).new_page()


def test_without_javascript_the_forms_add_and_update_and_the_bar_follows(page: Page) -> None:
    # given the hoodie page
    page.goto(HOODIE_PATH)

    # when the shopper picks M and posts the form
    size_option(page, "M").check()
    product_quantity(page).fill("1")
    add_to_cart_button(page).click()

    # then the browser itself followed the post to the cart (the script would have stayed on the
    # product page), with a confirmation, and the bar shows the distance to free shipping
    expect(page).to_have_url("/cart")
    expect(flash(page, "success")).to_have_text("Added to your cart.")
    expect(page.get_by_text("Size M")).to_be_visible()
    expect(shipping_message(page)).to_have_text("Add $82.00 more in merchandise for free shipping.")
    expect(shipping_bar(page)).to_have_attribute("value", "45")
    expect(mini_cart_count(page)).to_have_text("1")

    # when they set the quantity to 3 and press Update
    cart_quantity(page, HOODIE_M).fill("3")
    update_button(page, HOODIE_M).click()

    # then the reloaded cart has free shipping
    expect(flash(page, "success")).to_have_text("Your cart was updated.")
    expect(cart_quantity(page, HOODIE_M)).to_have_value("3")
    expect(shipping_message(page)).to_have_text("You've got free shipping.")
    expect(shipping_bar(page)).to_have_attribute("value", "100")
    expect(page.locator("[data-total]")).to_have_text("$204.00")
    expect(mini_cart_count(page)).to_have_text("3")
    assert cart_on_server(page) == {"HOODIE-SPORE-M": 3}

    # when they remove the line
    page.get_by_role("button", name=f"Remove {HOODIE_M}").click()

    # then the cart is empty
    expect(flash(page, "success")).to_have_text("Removed from your cart.")
    expect(page.get_by_text("Your cart is empty.")).to_be_visible()
    assert cart_on_server(page) == {}


def test_without_javascript_too_many_shows_the_reason_and_adds_nothing(
    page: Page, set_stock: Callable[[str, int], None]
) -> None:
    # given only 3 posters are left
    set_stock("POSTER-FIELD", 3)
    page.goto(POSTER_PATH)

    # when the shopper posts a quantity of 5
    with page.expect_response(lambda response: response.url.endswith("/cart/add")) as posted:
        product_quantity(page).fill("5")
        add_to_cart_button(page).click()

    # then the product page comes back with an alert saying how many are left, and the cart is empty
    assert posted.value.status == 409
    expect(page.get_by_role("heading", level=1)).to_have_text("Mushroom Field Guide Poster")
    expect(page.get_by_role("alert")).to_have_text("Only 3 left of Mushroom Field Guide Poster.")
    expect(mini_cart_count(page)).to_have_text("0")
    assert cart_on_server(page) == {}


def test_without_javascript_a_cart_update_above_the_stock_keeps_the_line(
    page: Page, set_stock: Callable[[str, int], None]
) -> None:
    # given 2 posters in the cart, and then the stock drops to 1 (someone else bought them)
    page.goto(POSTER_PATH)
    product_quantity(page).fill("2")
    add_to_cart_button(page).click()
    expect(flash(page, "success")).to_have_text("Added to your cart.")
    set_stock("POSTER-FIELD", 1)
    page.reload()
    expect(page.locator(".cart-line__problem")).to_have_text(
        "Only 1 left of Mushroom Field Guide Poster: lower the quantity to continue."
    )

    # when the shopper submits the quantity they already have
    update_button(page, "Mushroom Field Guide Poster").click()

    # then the cart explains the limit and still holds 2
    expect(flash(page, "error")).to_have_text("Only 1 left of Mushroom Field Guide Poster.")
    expect(cart_quantity(page, "Mushroom Field Guide Poster")).to_have_value("2")
    assert cart_on_server(page) == {"POSTER-FIELD": 2}
