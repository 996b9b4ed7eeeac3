"""axe-core in Chromium finds no violations on any page of the shop (every storefront, account and admin
page that `app.url_map` serves as HTML, listed in tests/e2e/site_pages.py), at desktop size and on a 360 px
phone; and on the storefront's states that only a shopper's actions reach."""

from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import LiveServer
from tests.e2e.shopper import (
    add_hoodie_with_javascript,
    assert_no_axe_violations,
    axe_cases,
    axe_violations,
    cart_quantity,
    check_axe,
    describe_violations,
    shipping_message,
)
from tests.e2e.site_pages import (
    PAGE_BY_ENDPOINT,
    PAGES,
    Audience,
    open_tab,
    seed_samples,
    unlisted_endpoints,
)

pytestmark = pytest.mark.e2e


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


# States of storefront pages that only a shopper's actions reach (each page as it loads is in the walk below).
STATES: dict[str, Callable[[Page], None]] = {
    "product-after-adding": open_product_after_adding,
    "empty-cart": open_empty_cart,
    "cart": open_cart_with_items,
    "cart-showing-an-error": open_cart_showing_an_error,
}


# Every state at desktop size; the cart's again at a 360×740 phone, where the layout reflows.
@axe_cases(STATES, on_phone=("cart",))
def test_axe_finds_no_violations_in_a_shoppers_states(
    new_context: Callable[..., BrowserContext], viewport: str, page_name: str
) -> None:
    # given the page as a shopper reaches it, in a fresh browser of that size,
    # when axe-core checks it, then it reports nothing
    check_axe(new_context, viewport, STATES[page_name])


# --- the walk over every page ----------------------------------------------------------------------


def test_every_html_page_is_walked_or_excluded_with_a_reason(live_server: LiveServer) -> None:
    # given the app's routes, then each GET endpoint is a page of the walk or an exclusion
    assert not unlisted_endpoints(live_server.app), (
        "add these GET endpoints to PAGES or EXCLUDED in tests/e2e/site_pages.py"
    )


@pytest.fixture(scope="module")
def samples(live_server: LiveServer) -> dict[str, str]:
    return seed_samples(live_server.app)


@pytest.fixture(scope="module")
def walker(
    browser: Browser, live_server: LiveServer, samples: dict[str, str]
) -> Iterator[Callable[[str, Audience], Page]]:
    """One browser tab per viewport and audience, opened on first use and kept for the module."""
    tabs: dict[tuple[str, Audience], Page] = {}

    def tab(viewport: str, audience: Audience) -> Page:
        if (viewport, audience) not in tabs:
            tabs[viewport, audience] = open_tab(browser, live_server.url, viewport, audience)
        return tabs[viewport, audience]

    yield tab
    for page in tabs.values():
        page.context.close()


@pytest.mark.parametrize("endpoint", [page.endpoint for page in PAGES])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_axe_finds_no_violations_on_any_page(
    walker: Callable[[str, Audience], Page], samples: dict[str, str], viewport: str, endpoint: str
) -> None:
    # given the page opened by whoever reaches it, in a browser of that size
    site_page = PAGE_BY_ENDPOINT[endpoint]
    path = site_page.path(samples)
    page = walker(viewport, site_page.audience)
    response = page.goto(path)

    # then it is the page itself (not an error or a redirect elsewhere)
    assert response is not None and response.status == 200, f"{path} answered {response and response.status}"
    assert urlsplit(page.url).path == urlsplit(path).path, f"{path} went to {page.url}"
    # and axe-core reports nothing on it
    assert_no_axe_violations(page)


@pytest.mark.parametrize("path", ["/admin/", "/admin/reports/sales"])
def test_the_walk_sees_every_admin_chart_drawn(walker: Callable[[str, Audience], Page], path: str) -> None:
    # given the walk's sample orders over the past weeks, when the admin opens a page of charts
    page = walker("desktop", "staff")
    page.goto(path)

    # then each of its charts is drawn (axe and Lighthouse check the SVGs, not only the empty states)
    figures = page.locator("figure.chart")
    expect(figures.first).to_be_visible()
    assert figures.count() == page.locator("figure.chart svg.chart__svg").count(), (
        f"a chart on {path} has nothing to draw: " + " | ".join(figures.all_inner_texts())
    )


def test_violation_report_names_the_rule_and_the_element(page: Page) -> None:
    # given a page with an image that has no text alternative
    page.set_content("<!doctype html><html lang='en'><title>t</title><main><img src='x.png'></main></html>")

    # when axe checks it
    violations = axe_violations(page)

    # then the assertion message would say which rule failed and where
    report = describe_violations(violations, "about:blank")
    assert "image-alt (critical)" in report
    assert '<img src="x.png">' in report
