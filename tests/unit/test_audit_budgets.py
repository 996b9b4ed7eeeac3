"""`make audit`'s Lighthouse budgets (audit/run.py): every storefront score and its first-load bytes, but
only accessibility and best practices on the staff pages (behind login and noindex)."""

import pytest

from audit.run import CATEGORIES, LighthousePage, LighthouseResult, lighthouse_pages, lighthouse_table

SAMPLES = {"product_slug": "hoodie", "guide_slug": "guide", "article_slug": "article"}
PERFECT = dict.fromkeys(CATEGORIES, 1.0)
HEAVY = 300 * 1024


def result(page: LighthousePage, *, first_load_bytes: int = 50 * 1024, **scores: float) -> LighthouseResult:
    return LighthouseResult(page, {**PERFECT, **scores}, first_load_bytes, [])


def page_named(name: str) -> LighthousePage:
    return next(page for page in lighthouse_pages(SAMPLES) if page.name == name)


def test_the_dashboard_and_the_sales_report_are_audited_as_the_admin() -> None:
    # given the pages Lighthouse opens, then both staff pages are among them, with the admin's cookie
    staff = {page.path: page.cookie for page in lighthouse_pages(SAMPLES) if page.staff}
    assert staff == {"/admin/": "staff", "/admin/reports/sales": "staff"}


@pytest.mark.parametrize("name", ["admin dashboard", "admin sales report"])
def test_a_staff_page_misses_only_on_accessibility_and_best_practices(name: str) -> None:
    page = page_named(name)
    # given slow, unindexable and heavy, then nothing is missed
    assert result(page, performance=0.5, seo=0.6, first_load_bytes=HEAVY).misses() == []
    # given less than 1.0 on accessibility or best practices, then that is missed
    assert result(page, accessibility=0.98).misses() == [f"{name}: accessibility 0.98 < 1.0"]
    assert result(page, **{"best-practices": 0.96}).misses() == [f"{name}: best-practices 0.96 < 1.0"]


def test_a_storefront_page_keeps_every_budget() -> None:
    home = page_named("home")
    assert result(home, performance=0.9).misses() == ["home: performance 0.90 < 1.0"]
    assert result(home, seo=0.9).misses() == ["home: seo 0.90 < 1.0"]
    assert result(home, first_load_bytes=HEAVY).misses() == ["home: 300.0 KB on first load ≥ 150 KB"]
    # the cart is not indexed: its SEO score is shown, not budgeted
    assert result(page_named("cart (1 item)"), seo=0.66).misses() == []


def test_the_table_says_what_a_staff_page_is_not_budgeted_on() -> None:
    row = lighthouse_table([result(page_named("admin dashboard"), performance=0.8, seo=0.6)]).splitlines()[-1]
    assert "80 (staff page: not budgeted)" in row
    assert "60 (noindex, behind login: not budgeted)" in row
