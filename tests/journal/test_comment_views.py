"""Comment pages: the form on the article, posting (held, refused, escaped), rate and CSRF limits, the admin
queue and its guard, the dashboard's count, replies, stopping the emails, and the articles report page."""

import html
import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shop.accounts.models import Role
from shop.extensions import db
from shop.journal import comments
from shop.journal.comment_models import ArticleComment, CommentStatus
from shop.journal.models import Article, ArticleStatus
from tests.admin.helpers import client_as
from tests.journal.comment_helpers import add_comment, comment_form
from tests.journal.helpers import make_article

FORM_NOTE = "Your email address will not be published. Required fields are marked *"


@pytest.fixture
def article(app: Flask) -> Article:
    return make_article(title="Talking it through")


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def visible_text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def stored() -> list[ArticleComment]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(ArticleComment).order_by(ArticleComment.id)))


def test_the_article_has_the_comment_form_with_its_note(client: FlaskClient, article: Article) -> None:
    markup = page(client, f"/journal/{article.slug}")

    text = visible_text(markup)
    assert "Leave a Comment" in text and FORM_NOTE in text
    for label in ("Comment *", "Name *", "Email *"):
        assert label in text
    assert 'name="started"' in markup and 'name="website"' in markup


def test_a_comment_is_held_and_the_reader_told_so(client: FlaskClient, article: Article) -> None:
    response = client.post(f"/journal/{article.slug}/comments", data=comment_form(article))

    assert response.status_code == 303
    assert response.headers["Location"] == f"/journal/{article.slug}#comments"
    markup = page(client, f"/journal/{article.slug}")
    assert "waiting for moderation" in markup
    assert "this helped me start writing again" not in markup
    assert [c.status for c in stored()] == [CommentStatus.PENDING]


def test_an_approved_comment_shows_escaped_and_without_its_email(
    client: FlaskClient, article: Article, staff_client: FlaskClient
) -> None:
    # given a warm (cached) article page
    page(client, f"/journal/{article.slug}")
    client.post(
        f"/journal/{article.slug}/comments",
        data=comment_form(
            article, body='<script>alert("x")</script> <b>bold</b>', email="hidden@example.com"
        ),
    )
    [comment] = stored()

    # when staff approve it
    staff_client.post("/admin/comments", data={"action": "approve", "comment_ids": [str(comment.id)]})

    # then it shows at once, as text, and the address is nowhere in the page
    markup = page(client, f"/journal/{article.slug}")
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt;" in markup
    assert "<script>alert" not in markup
    assert "hidden@example.com" not in markup and "hidden%40example.com" not in markup
    assert f'id="comment-{comment.id}"' in markup
    assert "hidden@example.com" not in page(client, "/journal/feed.xml")
    assert "hidden@example.com" not in page(client, "/sitemap.xml")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"body": ""}, "Write a comment before posting."),
        ({"body": "x" * 20_000}, "Keep your comment to 5,000 characters or fewer"),
        ({"name": ""}, "Enter your name."),
        ({"email": ""}, "Enter your email address."),
        ({"email": "not-an-address"}, "Enter a valid email address"),
        ({"body": "a\x00b"}, "control characters"),
        ({"started": ""}, "please press “Post comment” again"),
    ],
    ids=["empty", "20000", "no-name", "no-email", "bad-email", "nul", "no-stamp"],
)
def test_bad_posts_are_a_400_with_the_reason_and_store_nothing(
    client: FlaskClient, article: Article, overrides: dict, message: str
) -> None:
    response = client.post(f"/journal/{article.slug}/comments", data=comment_form(article, **overrides))

    assert response.status_code == 400
    assert message in html.unescape(response.get_data(as_text=True))
    assert stored() == []


def test_a_form_posted_too_fast_is_refused_kindly_and_keeps_the_text(
    client: FlaskClient, article: Article
) -> None:
    fresh = comments.form_stamp(article.id)

    response = client.post(
        f"/journal/{article.slug}/comments",
        data=comment_form(article, started=fresh, body="My careful words"),
    )

    assert response.status_code == 400
    markup = response.get_data(as_text=True)
    assert "quicker than we expected" in markup
    assert "My careful words" in markup
    assert f'value="{fresh}"' in markup  # the first stamp is kept: the next press is taken
    assert stored() == []


def test_a_filled_honeypot_gets_the_usual_answer_and_stores_nothing(
    client: FlaskClient, article: Article
) -> None:
    response = client.post(
        f"/journal/{article.slug}/comments", data=comment_form(article, website="http://spam.example")
    )

    assert response.status_code == 303
    assert stored() == []


@pytest.mark.parametrize("status", [ArticleStatus.DRAFT, None], ids=["draft", "unknown"])
def test_no_comments_on_drafts_or_unknown_articles(
    client: FlaskClient, app: Flask, status: str | None
) -> None:
    article = make_article(status=status) if status else make_article()
    slug = article.slug if status else "no-such-article"

    response = client.post(f"/journal/{slug}/comments", data=comment_form(article))

    assert response.status_code == 404
    assert stored() == []


def test_comments_are_rate_limited_per_address(client: FlaskClient, article: Article) -> None:
    statuses = [
        client.post(f"/journal/{article.slug}/comments", data=comment_form(article)).status_code
        for _ in range(6)
    ]

    assert statuses == [303] * 5 + [429]


def test_a_missing_csrf_token_is_refused(csrf_app: Flask) -> None:
    with csrf_app.app_context():
        article = make_article()
        form = comment_form(article)
    client = csrf_app.test_client()

    response = client.post(f"/journal/{article.slug}/comments", data=form)

    assert response.status_code == 400
    with csrf_app.app_context():
        assert stored() == []


# --- the admin ------------------------------------------------------------------------------------


def test_customers_and_visitors_cannot_moderate(app: Flask, client: FlaskClient, article: Article) -> None:
    comment = add_comment(article)
    customer = client_as(app, Role.CUSTOMER)

    assert client.get("/admin/comments").status_code == 302
    assert customer.get("/admin/comments").status_code == 403
    assert (
        customer.post(
            "/admin/comments", data={"action": "approve", "comment_ids": [str(comment.id)]}
        ).status_code
        == 403
    )
    assert stored()[0].status == CommentStatus.PENDING


def test_staff_see_the_queue_and_the_count_on_the_dashboard(
    app: Flask, article: Article, staff_client: FlaskClient
) -> None:
    add_comment(article, email="first@example.com", body="First words")
    add_comment(article, email="second@example.com", body="Second words")

    queue = page(staff_client, "/admin/comments")
    dashboard = page(staff_client, "/admin/")

    assert "First words" in queue and "second@example.com" in queue and "Talking it through" in queue
    assert "Comments waiting for moderation (<span data-pending-comments>2</span>)" in dashboard


def test_staff_approve_several_at_once_and_the_commenters_are_emailed(
    app: Flask, article: Article, staff_client: FlaskClient
) -> None:
    ids = [str(add_comment(article, email=f"r{n}@example.com").id) for n in range(2)]

    response = staff_client.post("/admin/comments", data={"action": "approve", "comment_ids": ids})

    assert response.status_code == 303
    assert "Approved 2 comments. 2 commenters will get an email." in page(staff_client, "/admin/comments")
    assert {c.status for c in stored()} == {CommentStatus.APPROVED}


@pytest.mark.parametrize(
    "data",
    [
        {"action": "approve"},
        {"action": "publish", "comment_ids": ["1"]},
        {"action": "approve", "comment_ids": ["²"]},
        {"action": "approve", "comment_ids": ["99999999999999999999"]},
    ],
    ids=["none-ticked", "unknown-action", "odd-digit", "huge-id"],
)
def test_bad_moderation_posts_are_a_400(
    app: Flask, article: Article, data: dict, staff_client: FlaskClient
) -> None:
    add_comment(article)

    response = staff_client.post("/admin/comments", data=data)

    assert response.status_code == 400
    assert "Nothing was changed" in response.get_data(as_text=True)
    assert stored()[0].status == CommentStatus.PENDING


def test_an_unknown_list_or_page_is_a_404(app: Flask, staff_client: FlaskClient) -> None:

    assert staff_client.get("/admin/comments?status=deleted").status_code == 404
    assert staff_client.get("/admin/comments?page=²").status_code == 404
    assert staff_client.get("/admin/comments?page=2").status_code == 404


def test_staff_reply_as_the_shop(
    app: Flask, client: FlaskClient, article: Article, staff_client: FlaskClient
) -> None:
    comment = add_comment(article, status=CommentStatus.APPROVED)

    response = staff_client.post(
        f"/admin/comments/{comment.id}/reply", data={"body": "Glad it helped, Robin."}
    )

    assert response.status_code == 303
    text = visible_text(page(client, f"/journal/{article.slug}"))
    assert "Reply from the shop" in text and "Glad it helped, Robin." in text
    assert "staff@example.com" not in text


def test_replying_needs_text_and_an_approved_comment(
    app: Flask, article: Article, staff_client: FlaskClient
) -> None:
    pending = add_comment(article)
    approved = add_comment(article, status=CommentStatus.APPROVED)

    assert staff_client.post(f"/admin/comments/{approved.id}/reply", data={"body": ""}).status_code == 400
    assert staff_client.post(f"/admin/comments/{pending.id}/reply", data={"body": "Hi"}).status_code == 409
    assert staff_client.get("/admin/comments/999/reply").status_code == 404
    assert len(stored()) == 2


# --- stopping the emails --------------------------------------------------------------------------


def test_the_stop_link_shows_a_button_and_the_button_stops_the_emails(
    app: Flask, client: FlaskClient
) -> None:
    path = f"/journal/comment-emails/{comments.emails_token('robin@example.com')}"

    first = client.get(path)
    assert first.status_code == 200 and "Stop these emails" in first.get_data(as_text=True)
    assert "robin@example.com" not in first.get_data(as_text=True)  # masked: r***@example.com
    assert not comments.is_opted_out("robin@example.com")  # opening the link changes nothing

    assert client.post(path).status_code == 303
    assert comments.is_opted_out("robin@example.com")
    assert "No more emails about your comments" in page(client, path)


def test_one_click_stops_without_a_csrf_token_and_a_bad_token_is_a_404(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    with csrf_app.app_context():
        path = f"/journal/comment-emails/{comments.emails_token('robin@example.com')}"

    assert client.post(path).status_code == 400  # the page's form needs its token
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    with csrf_app.app_context():
        assert comments.is_opted_out("robin@example.com")
    assert client.get("/journal/comment-emails/forged").status_code == 404
    assert (
        client.post("/journal/comment-emails/forged", data={"List-Unsubscribe": "One-Click"}).status_code
        == 404
    )


def test_the_articles_report_page(app: Flask, article: Article, staff_client: FlaskClient) -> None:
    markup = page(staff_client, "/admin/reports/articles")

    assert "Which articles earn" in markup and "Talking it through" in markup
    assert client_as(app, Role.CUSTOMER, "c2@example.com").get("/admin/reports/articles").status_code == 403
