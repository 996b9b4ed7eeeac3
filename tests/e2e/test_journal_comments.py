"""Comments in Chromium: a reader leaves a comment on a phone; it is not shown; staff approve it from the
admin's queue (the dashboard counts it); it shows at once on the cached article page, without the
reader's email address; the approval email's link stops further emails. axe finds nothing on the comment
form and the moderation queue."""

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import BrowserContext, Page, expect

from shop.accounts.models import Role
from shop.clock import utcnow
from shop.extensions import db
from shop.journal import comments
from shop.journal.models import Article
from tests.accounts.helpers import PASSWORD, make_user
from tests.e2e.conftest import PHONE, LiveServer, outbox_row
from tests.e2e.shopper import assert_no_axe_violations, flash
from tests.journal.helpers import make_article

pytestmark = pytest.mark.e2e

STAFF_EMAIL = "e2e-moderator@example.com"
READER_EMAIL = "e2e-reader@example.com"
SLUG = "talking-it-through"
COMMENT = "This helped me say what I meant. <b>Thank you</b>"


@pytest.fixture(scope="module")
def live_server_config(disk_outbox_config: dict[str, Any]) -> dict[str, Any]:
    return disk_outbox_config


@pytest.fixture(scope="module")
def article(live_server: LiveServer) -> Iterator[str]:
    with live_server.app.app_context():
        make_article(slug=SLUG, title="Talking it through", body="Say the small thing first.")
        make_user(email=STAFF_EMAIL, role=Role.STAFF)
        db.session.remove()
    yield f"/journal/{SLUG}"


def log_in_as_staff(page: Page, next_path: str) -> None:
    page.goto(f"/account/login?next={next_path}")
    page.get_by_label("Email address").fill(STAFF_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(re.escape(next_path) + "$"))


def leave_a_comment(page: Page, article: str) -> None:
    page.goto(article)
    form = page.get_by_role("form", name="Leave a Comment")
    expect(form).to_contain_text("Your email address will not be published. Required fields are marked *")
    form.get_by_label("Comment").fill(COMMENT)
    form.get_by_label("Name").fill("Robin")
    form.get_by_label("Email").fill(READER_EMAIL)
    # A person takes a moment: a form posted within two seconds of the page is refused kindly.
    page.wait_for_timeout(2_100)
    form.get_by_role("button", name="Post comment").click()


def test_a_comment_shows_only_after_staff_approve_it(
    new_context: Callable[..., BrowserContext], article: str
) -> None:
    reader = new_context(viewport=PHONE).new_page()
    staff = new_context().new_page()

    # the reader comments; it waits for moderation
    leave_a_comment(reader, article)
    expect(flash(reader, "success")).to_contain_text("waiting for moderation")
    expect(reader.locator("#comments")).not_to_contain_text("This helped me say")

    # staff see it counted on the dashboard and approve it from the queue
    log_in_as_staff(staff, "/admin/")
    expect(staff.locator("[data-pending-comments]")).to_have_text("1")
    staff.get_by_role("link", name="Moderate 1 comment").click()
    expect(staff.get_by_text(READER_EMAIL)).to_be_visible()
    staff.get_by_role("checkbox", name="Robin on “Talking it through”").check()
    staff.get_by_role("button", name="Approve").click()
    expect(flash(staff, "success")).to_have_text("Approved 1 comment. 1 commenter will get an email.")

    # it shows at once on the (cached) article page, as text, and the email address is nowhere in it
    reader.reload()
    comment = reader.locator("#comments .comment").first
    expect(comment).to_contain_text(COMMENT)
    expect(comment).to_contain_text("Robin")
    assert READER_EMAIL not in reader.content()

    # the approval email links to the comment, and to a page whose button stops such emails
    outbox_row(reader, READER_EMAIL, "is live").get_by_role("link").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text(
        "Your comment on “Talking it through” is live"
    )
    email_text = reader.locator(".email-text")
    expect(email_text).to_contain_text(f"/journal/{SLUG}#comment-")
    email_text.locator("a", has_text="/journal/comment-emails/").click()
    reader.get_by_role("button", name="Stop these emails").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("No more emails about your comments")


def set_form_stamp(page: Page, live_server: LiveServer, seconds_ago: float) -> None:
    """Date the form `seconds_ago` (negative: in the future), so the test needs no wall-clock timing."""
    with live_server.app.app_context():
        article_id = db.session.scalar(sa.select(Article.id).where(Article.slug == SLUG))
        stamp = comments.form_stamp(article_id, now=utcnow() - timedelta(seconds=seconds_ago))
        db.session.remove()
    page.locator('input[name="started"]').evaluate("(input, value) => { input.value = value; }", stamp)


def test_a_form_posted_at_once_is_refused_kindly_and_keeps_the_text(
    new_context: Callable[..., BrowserContext], article: str, live_server: LiveServer
) -> None:
    page = new_context(viewport=PHONE).new_page()
    page.goto(article)
    form = page.get_by_role("form", name="Leave a Comment")
    form.get_by_label("Comment").fill("Quick words")
    form.get_by_label("Name").fill("Sam")
    form.get_by_label("Email").fill("quick@example.com")
    set_form_stamp(page, live_server, seconds_ago=-60)  # however slow the machine, "at once"
    form.get_by_role("button", name="Post comment").click()

    expect(page.get_by_role("alert")).to_contain_text("quicker than we expected")
    expect(page.get_by_role("textbox", name="Comment")).to_have_value("Quick words")
    set_form_stamp(page, live_server, seconds_ago=30)  # a person who then took their time
    page.get_by_role("button", name="Post comment").click()
    expect(flash(page, "success")).to_contain_text("waiting for moderation")


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 800}], ids=["phone", "desktop"])
def test_axe_finds_nothing_on_the_comment_form_and_the_queue(
    new_context: Callable[..., BrowserContext], article: str, viewport: dict[str, int]
) -> None:
    page = new_context(viewport=viewport).new_page()
    page.goto(article)
    assert_no_axe_violations(page)
    log_in_as_staff(page, "/admin/comments?status=approved")
    assert_no_axe_violations(page)
    page.goto("/admin/comments")
    assert_no_axe_violations(page)
