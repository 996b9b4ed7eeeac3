"""The journal in Chromium: a phone reader finds an article, scrolls back to the top and asks for the
guide from it; staff write and preview an article; axe-core finds nothing on the journal's pages."""

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, BrowserContext, Page, expect

from shop.accounts.models import Role
from shop.extensions import db
from shop.guides.models import Lead
from shop.journal.demo_articles import seed_demo_articles
from tests.accounts.helpers import PASSWORD, make_user
from tests.e2e.conftest import PHONE, LiveServer
from tests.e2e.shopper import assert_no_axe_violations, has_horizontal_overflow

pytestmark = pytest.mark.e2e

ARTICLE_PATH = "/journal/listening-in-relationships"
STAFF_EMAIL = "writer@example.com"


@pytest.fixture(scope="module", autouse=True)
def journal(live_server: LiveServer) -> Iterator[None]:
    with live_server.app.app_context():
        seed_demo_articles()
        make_user(email=STAFF_EMAIL, role=Role.STAFF)
        db.session.remove()
    yield


def lead_row(live_server: LiveServer, email: str) -> dict[str, Any]:
    with live_server.app.app_context():
        lead = db.session.scalars(sa.select(Lead).where(Lead.email == email)).one()
        row = {"form": lead.signup_form, "page": lead.signup_page}
        db.session.remove()
    return row


def test_a_phone_reader_reads_an_article_and_asks_for_the_guide_from_it(
    new_context: Callable[..., BrowserContext], live_server: LiveServer
) -> None:
    # given a reader on a phone, on the journal
    page = new_context(viewport=PHONE, is_mobile=True).new_page()
    page.goto("/journal")
    expect(page.get_by_role("heading", level=1)).to_have_text("Journal")
    assert not has_horizontal_overflow(page)

    # when they open the article
    page.get_by_role("link", name="Listening that brings you closer").click()

    # then they read it, with its parts and nothing wider than the screen
    expect(page).to_have_url(re.compile(re.escape(ARTICLE_PATH) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Listening that brings you closer")
    expect(page.get_by_role("heading", name="Repair counts more than perfection")).to_be_visible()
    expect(page.get_by_text("It is not medical advice")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Next article"))).to_have_count(2)
    assert not has_horizontal_overflow(page)

    # when they scroll to the end, back to top appears and takes them up
    back_to_top = page.get_by_role("link", name="Back to top")
    expect(back_to_top).to_be_hidden()
    page.mouse.wheel(0, 20_000)
    expect(back_to_top).to_be_visible()
    back_to_top.click()
    page.wait_for_function("() => window.scrollY === 0")
    expect(back_to_top).to_be_hidden()

    # when they ask for the guide from the offer after the article
    offer = page.locator(".guide-offer--end")
    offer.get_by_label("Email address").fill("phone.reader@example.com")
    offer.get_by_role("button", name="Email me the guide").click()

    # then the guide is on its way and the lead remembers the article
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    assert lead_row(live_server, "phone.reader@example.com") == {"form": "journal", "page": ARTICLE_PATH}


@pytest.fixture(scope="module")
def writer_session(browser: Browser, live_server: LiveServer) -> dict[str, Any]:
    """The writer's cookies after one real login (logins are rate-limited; each test reuses them)."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.goto("/account/login?next=/admin/journal")
    page.get_by_label("Email address").fill(STAFF_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/admin/journal$"))
    state = context.storage_state()
    context.close()
    return dict(state)


@pytest.fixture
def writer(new_context: Callable[..., BrowserContext], writer_session: dict[str, Any]) -> Callable[..., Page]:
    def open_page(**kwargs: Any) -> Page:
        return new_context(storage_state=writer_session, **kwargs).new_page()

    return open_page


def test_staff_write_preview_and_publish_an_article(writer: Callable[..., Page]) -> None:
    page = writer()
    page.goto("/admin/journal/new")

    page.get_by_label("Title").fill("Walking together")
    page.get_by_label("Summary").fill("Why a walk makes a hard talk easier.")
    page.get_by_label("Article (Markdown)").fill(
        "## Side by side\n\nWalking means you need not look at each other."
    )
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Walking together")
    expect(page.get_by_role("heading", name="Side by side")).to_be_visible()

    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    page.get_by_role("button", name="Publish now").click()
    expect(page.get_by_text("Published: visitors can read it now.")).to_be_visible()

    page.goto("/journal/walking-together")
    expect(page.get_by_role("heading", level=1)).to_have_text("Walking together")


def open_list(page: Page) -> None:
    page.goto("/journal")


def open_article(page: Page) -> None:
    page.goto(ARTICLE_PATH)


def open_article_scrolled(page: Page) -> None:
    page.goto(ARTICLE_PATH)
    page.mouse.wheel(0, 20_000)
    expect(page.get_by_role("link", name="Back to top")).to_be_visible()


def open_editor_list(page: Page) -> None:
    page.goto("/admin/journal")


def open_editor(page: Page) -> None:
    page.goto("/admin/journal")
    page.get_by_role("link", name="Listening that brings you closer").click()
    expect(page.get_by_role("heading", name="Publishing")).to_be_visible()


def open_new_article_with_errors(page: Page) -> None:
    page.goto("/admin/journal/new")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Give the article a title.")).to_be_visible()


def open_preview(page: Page) -> None:
    open_editor(page)
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_text("Preview of what you typed")).to_be_visible()


PAGES: dict[str, Callable[[Page], None]] = {
    "journal": open_list,
    "article": open_article,
    "article-scrolled": open_article_scrolled,
}
STAFF_PAGES: dict[str, Callable[[Page], None]] = {
    "editor-list": open_editor_list,
    "editor": open_editor,
    "new-article-errors": open_new_article_with_errors,
    "preview": open_preview,
}
CASES = [(viewport, name) for viewport in ("desktop", "phone") for name in (*PAGES, *STAFF_PAGES)]


@pytest.mark.parametrize(("viewport", "page_name"), CASES, ids=[f"{v}-{n}" for v, n in CASES])
def test_axe_finds_no_violations_on_journal_pages(
    new_context: Callable[..., BrowserContext], writer: Callable[..., Page], viewport: str, page_name: str
) -> None:
    size: dict[str, Any] = {"viewport": PHONE, "is_mobile": True} if viewport == "phone" else {}
    if page_name in STAFF_PAGES:
        page = writer(**size)
        STAFF_PAGES[page_name](page)
    else:
        page = new_context(**size).new_page()
        PAGES[page_name](page)

    assert_no_axe_violations(page)
    if viewport == "phone":
        assert not has_horizontal_overflow(page)
