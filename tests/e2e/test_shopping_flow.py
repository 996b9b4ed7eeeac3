"""A shopper with JavaScript on: sizes, the cart, the free-shipping bar, stock limits and the keyboard."""

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.e2e.conftest import PHONE
from tests.e2e.shopper import (
    HOODIE_PATH,
    POSTER_PATH,
    add_hoodie_with_javascript,
    add_status,
    add_to_cart_button,
    cart_on_server,
    cart_quantity,
    flash,
    has_horizontal_overflow,
    mini_cart_count,
    product_quantity,
    shipping_bar,
    shipping_message,
    size_option,
    update_button,
)

pytestmark = pytest.mark.e2e

HOODIE_L = "Spore Print Hoodie (L)"


@pytest.fixture(params=["desktop", "phone"])
def shopper_page(request: pytest.FixtureRequest, new_context: Callable[..., BrowserContext]) -> Page:
    """A fresh browser (so an empty cart) at a desktop size or at a 360×740 phone."""
    if request.param == "phone":
        context = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    else:
        context = new_context()
    return context.new_page()


def test_shopper_picks_a_hoodie_size_and_watches_the_free_shipping_bar_fill(shopper_page: Page) -> None:
    page = shopper_page
    # given the hoodie page, with nothing in the cart yet
    page.goto(HOODIE_PATH)
    expect(shipping_message(page)).to_have_text("Free shipping on merchandise orders of $150 or more.")
    assert not has_horizontal_overflow(page)

    # when the shopper picks size L and adds one
    size_option(page, "L").check()
    add_to_cart_button(page).click()

    # then the page confirms, the mini-cart counts it and the bar shows what is left to free shipping
    expect(add_status(page)).to_have_text("Added to your cart. View cart")
    expect(mini_cart_count(page)).to_have_text("1")
    expect(shipping_message(page)).to_have_text("Add $82.00 more in merchandise for free shipping.")
    expect(shipping_bar(page)).to_have_attribute("value", "45")
    assert cart_on_server(page) == {"HOODIE-SPORE-L": 1}

    # when they open the cart and raise the quantity to 2
    page.get_by_role("link", name="View cart").click()
    expect(page.get_by_text("Size L")).to_be_visible()
    expect(page.locator("[data-shipping]")).to_have_text("$7.95")
    assert not has_horizontal_overflow(page)
    cart_quantity(page, HOODIE_L).fill("2")
    update_button(page, HOODIE_L).click()

    # then the bar moves closer, still short of the $150 threshold
    expect(shipping_message(page)).to_have_text("Add $14.00 more in merchandise for free shipping.")
    expect(shipping_bar(page)).to_have_attribute("value", "90")
    expect(page.locator("[data-subtotal]")).to_have_text("$136.00")
    expect(mini_cart_count(page)).to_have_text("2")

    # when they raise it to 3
    cart_quantity(page, HOODIE_L).fill("3")
    update_button(page, HOODIE_L).click()

    # then shipping is free and the totals agree with the server's cart
    expect(shipping_message(page)).to_have_text("You've got free shipping.")
    expect(shipping_bar(page)).to_have_attribute("value", "100")
    expect(page.locator("[data-shipping]")).to_have_text("Free")
    expect(page.locator("[data-total]")).to_have_text("$204.00")
    expect(mini_cart_count(page)).to_have_text("3")
    assert cart_on_server(page) == {"HOODIE-SPORE-L": 3}


def test_a_sold_out_size_cannot_be_chosen(page: Page, set_stock: Callable[[str, int], None]) -> None:
    # given the hoodie in size S is sold out and M is down to its last 2
    set_stock("HOODIE-SPORE-S", 0)
    set_stock("HOODIE-SPORE-M", 2)

    # when the shopper opens the hoodie page
    page.goto(HOODIE_PATH)

    # then S says so and is disabled, and the picker starts on the first size that can be bought
    expect(page.locator("label[for='variant-HOODIE-SPORE-S']")).to_contain_text("Sold out")
    expect(size_option(page, "S")).to_be_disabled()
    expect(size_option(page, "M")).to_be_checked()
    expect(page.locator("#stock-status")).to_have_text("Only 2 left")

    # when they click the sold-out size anyway
    page.locator("label[for='variant-HOODIE-SPORE-S']").click(force=True)

    # then the choice stays on M, and adding puts M in the cart
    expect(size_option(page, "S")).not_to_be_checked()
    expect(size_option(page, "M")).to_be_checked()
    add_to_cart_button(page).click()
    expect(add_status(page)).to_have_text("Added to your cart. View cart")
    assert cart_on_server(page) == {"HOODIE-SPORE-M": 1}


def test_adding_more_than_the_stock_explains_and_leaves_the_cart_empty(
    page: Page, set_stock: Callable[[str, int], None]
) -> None:
    # given only 3 posters are left
    set_stock("POSTER-FIELD", 3)
    page.goto(POSTER_PATH)

    # when the shopper asks for 5
    product_quantity(page).fill("5")
    add_to_cart_button(page).click()

    # then the page says how many are left, and nothing went into the cart
    expect(add_status(page)).to_have_text("Only 3 left of Mushroom Field Guide Poster.")
    expect(add_status(page)).to_have_class("add-to-cart__status add-to-cart__status--error")
    expect(mini_cart_count(page)).to_have_text("0")
    assert cart_on_server(page) == {}


def test_raising_a_cart_line_above_the_stock_explains_and_keeps_the_line(
    page: Page, set_stock: Callable[[str, int], None]
) -> None:
    # given 2 of the last 3 posters in the cart
    set_stock("POSTER-FIELD", 3)
    page.goto(POSTER_PATH)
    product_quantity(page).fill("2")
    add_to_cart_button(page).click()
    expect(mini_cart_count(page)).to_have_text("2")
    page.goto("/cart")

    # when the shopper types 5 and leaves the box
    quantity = cart_quantity(page, "Mushroom Field Guide Poster")
    quantity.fill("5")
    quantity.press("Tab")

    # then an alert says how many are left, and the line still holds 2
    expect(page.get_by_role("alert")).to_have_text("Only 3 left of Mushroom Field Guide Poster.")
    expect(cart_quantity(page, "Mushroom Field Guide Poster")).to_have_value("2")
    expect(page.locator("[data-subtotal]")).to_have_text("$56.00")
    expect(mini_cart_count(page)).to_have_text("2")
    assert cart_on_server(page) == {"POSTER-FIELD": 2}


def outline_of(locator: Locator) -> str:
    return locator.evaluate(
        "(el) => { const s = getComputedStyle(el); return `${s.outlineStyle} ${s.outlineWidth}`; }"
    )


def test_keyboard_reaches_the_sizes_and_the_button_with_visible_focus(page: Page) -> None:
    # given the hoodie page
    page.goto(HOODIE_PATH)

    # when the shopper tabs into the size picker
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.name") == "sku":
            break

    # then the chosen size has focus and its label shows a focus ring
    expect(size_option(page, "S")).to_be_focused()
    assert outline_of(page.locator("label[for='variant-HOODIE-SPORE-S']")) == "solid 3px"

    # when they pick L with the arrow keys and tab on to the button
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(size_option(page, "L")).to_be_checked()
    page.keyboard.press("Tab")
    expect(product_quantity(page)).to_be_focused()
    page.keyboard.press("Tab")

    # then the button has a visible focus ring, and Enter adds size L
    expect(add_to_cart_button(page)).to_be_focused()
    assert outline_of(add_to_cart_button(page)) == "solid 3px"
    page.keyboard.press("Enter")
    expect(add_status(page)).to_have_text("Added to your cart. View cart")
    assert cart_on_server(page) == {"HOODIE-SPORE-L": 1}


def test_removing_the_last_line_empties_the_cart(page: Page) -> None:
    # given a hoodie in the cart
    add_hoodie_with_javascript(page, "M")
    page.goto("/cart")

    # when the shopper removes it
    page.get_by_role("button", name="Remove Spore Print Hoodie (M)").click()

    # then the cart says it is empty and the mini-cart agrees
    expect(page.get_by_text("Your cart is empty.")).to_be_visible()
    expect(mini_cart_count(page)).to_have_text("0")
    expect(flash(page, "error")).to_have_count(0)
    assert cart_on_server(page) == {}


def test_keyboard_focus_stays_on_the_update_button_after_the_cart_refreshes(page: Page) -> None:
    # given a hoodie in the cart, and a keyboard user in its quantity box
    add_hoodie_with_javascript(page, "M")
    page.goto("/cart")
    quantity = cart_quantity(page, "Spore Print Hoodie (M)")
    quantity.focus()

    # when they type 2 and Tab to the Update button, which the script answers by re-rendering the cart
    quantity.fill("2")
    page.keyboard.press("Tab")
    expect(shipping_message(page)).to_have_text("Add $14.00 more in merchandise for free shipping.")

    # then focus is still on the Update button, not thrown back to the top of the page
    expect(update_button(page, "Spore Print Hoodie (M)")).to_be_focused(timeout=1_000)
