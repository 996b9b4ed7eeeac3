"""Staff's article editor: write, preview, publish, schedule, unpublish, hero image; audit; roles."""

from datetime import timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shop.accounts.models import Role
from shop.audit.models import AuditEvent
from shop.clock import utcnow
from shop.extensions import db
from shop.journal.models import Article, ArticleStatus
from shop.journal.staff_actions import MAX_BODY_CHARS
from tests.accounts.helpers import log_in_with_csrf, make_user
from tests.admin.helpers import client_as
from tests.factories import make_product
from tests.journal.helpers import Elements, make_article

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _fields(**overrides: object) -> dict[str, object]:
    return {
        "title": "Talking it through",
        "slug": "",
        "summary": "How to have the hard conversation.",
        "body_markdown": "## Start\n\nWords.",
        "author_name": "Robin",
        "topic": "Relationships",
        "hero_image_alt": "",
        **overrides,
    }


def _article(slug: str) -> Article:
    db.session.expire_all()
    return db.session.scalar(sa.select(Article).where(Article.slug == slug))


def _actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_staff_write_a_draft_that_visitors_cannot_see(app: Flask, staff_client: FlaskClient) -> None:
    tee = make_product(name="Mycelium Tee")

    response = staff_client.post("/admin/journal/new", data=_fields(related_products=[str(tee.id)]))

    assert response.status_code == 303
    article = _article("talking-it-through")
    assert article.status == ArticleStatus.DRAFT
    assert [p.name for p in article.related_products] == ["Mycelium Tee"]
    assert app.test_client().get("/journal/talking-it-through").status_code == 404
    assert _actions() == ["article.create"]


def test_publish_edit_and_unpublish_show_at_once(app: Flask, staff_client: FlaskClient) -> None:
    # given: a draft, published; a visitor's view caches the page
    staff_client.post("/admin/journal/new", data=_fields())
    article = _article("talking-it-through")
    visitor = app.test_client()
    assert staff_client.post(f"/admin/journal/{article.id}/publish").status_code == 303
    assert "Talking it through" in visitor.get("/journal/talking-it-through").get_data(as_text=True)

    # when: staff edit it
    staff_client.post(
        f"/admin/journal/{article.id}",
        data=_fields(title="Talking it through, again", slug="talking-it-through"),
    )

    # then: the visitor sees the edit at once, then the unpublish
    assert "Talking it through, again" in visitor.get("/journal/talking-it-through").get_data(as_text=True)
    staff_client.post(f"/admin/journal/{article.id}/unpublish")
    assert visitor.get("/journal/talking-it-through").status_code == 404
    assert _actions() == ["article.create", "article.publish", "article.edit", "article.unpublish"]


def test_republishing_keeps_the_first_publication_date(staff_client: FlaskClient) -> None:
    first = utcnow() - timedelta(days=10)
    article = make_article(slug="old", published_at=first)
    staff_client.post(f"/admin/journal/{article.id}/unpublish")

    staff_client.post(f"/admin/journal/{article.id}/publish")

    assert _article("old").published_at == first


def test_scheduling_sets_the_time_it_goes_live(app: Flask, staff_client: FlaskClient) -> None:
    article = make_article(slug="later", status=ArticleStatus.DRAFT)
    when = (utcnow() + timedelta(days=2)).replace(second=0, microsecond=0)

    response = staff_client.post(
        f"/admin/journal/{article.id}/schedule", data={"publish_at": when.strftime("%Y-%m-%dT%H:%M")}
    )

    assert response.status_code == 303
    saved = _article("later")
    assert (saved.status, saved.published_at, saved.publish_at) == (ArticleStatus.SCHEDULED, when, when)
    assert app.test_client().get("/journal/later").status_code == 404
    assert "Scheduled" in staff_client.get("/admin/journal").get_data(as_text=True)
    assert _actions() == ["article.schedule"]


@pytest.mark.parametrize("value", ["2020-01-01T10:00", "not a date", ""])
def test_a_schedule_in_the_past_or_unreadable_is_refused(staff_client: FlaskClient, value: str) -> None:
    article = make_article(slug="later", status=ArticleStatus.DRAFT)

    response = staff_client.post(f"/admin/journal/{article.id}/schedule", data={"publish_at": value})

    assert response.status_code == 400
    assert _article("later").status == ArticleStatus.DRAFT


def test_an_empty_draft_cannot_be_published(staff_client: FlaskClient) -> None:
    article = make_article(slug="empty", status=ArticleStatus.DRAFT, body="  ")

    response = staff_client.post(f"/admin/journal/{article.id}/publish")

    assert response.status_code == 400
    assert "Write the article before publishing." in response.get_data(as_text=True)
    assert _article("empty").status == ArticleStatus.DRAFT


def test_the_preview_renders_what_was_typed_without_saving(staff_client: FlaskClient) -> None:
    article = make_article(slug="saved", title="Saved title")

    response = staff_client.post(
        f"/admin/journal/preview?article_id={article.id}",
        data=_fields(
            title="Typed title", slug="saved", body_markdown="## Typed\n\n<script>alert(1)</script>"
        ),
    )

    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Typed title" in text and 'id="section-typed"' in text
    assert "<script>alert" not in text
    assert _article("saved").title == "Saved title"
    assert _actions() == []


def test_a_duplicate_address_is_a_form_error(staff_client: FlaskClient) -> None:
    make_article(slug="taken")

    response = staff_client.post("/admin/journal/new", data=_fields(slug="taken"))

    assert response.status_code == 400
    assert "Another article already uses that address." in response.get_data(as_text=True)


@pytest.mark.parametrize("slug", ["Has Spaces", "UPPER", "trailing-", "a--b", "ü"])
def test_a_malformed_address_is_a_form_error(staff_client: FlaskClient, slug: str) -> None:
    response = staff_client.post("/admin/journal/new", data=_fields(slug=slug))

    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Article.id))) == 0


def test_an_address_the_journal_keeps_for_its_own_pages_is_a_form_error(staff_client: FlaskClient) -> None:
    # the comment-email page lives at /journal/comment-emails/<token>: an article at /journal/comment-emails
    # would lose its comment form's address (/journal/comment-emails/comments) to it
    response = staff_client.post("/admin/journal/new", data=_fields(slug="comment-emails"))

    assert response.status_code == 400
    assert "The address comment-emails is kept for the journal&#39;s own pages." in response.get_data(
        as_text=True
    )
    assert db.session.scalar(sa.select(sa.func.count(Article.id))) == 0


def test_a_title_whose_address_the_journal_keeps_is_a_form_error_too(staff_client: FlaskClient) -> None:
    response = staff_client.post("/admin/journal/new", data=_fields(title="Comment emails", slug=""))

    assert response.status_code == 400
    assert "kept for the journal" in response.get_data(as_text=True)


def test_an_edit_cannot_move_an_article_to_a_kept_address(staff_client: FlaskClient) -> None:
    article = make_article(slug="mine")

    response = staff_client.post(f"/admin/journal/{article.id}", data=_fields(slug="comment-emails"))

    assert response.status_code == 400
    assert _article("mine") is not None


def test_a_body_over_the_limit_is_refused_clearly(staff_client: FlaskClient) -> None:
    response = staff_client.post("/admin/journal/new", data=_fields(body_markdown="a" * (MAX_BODY_CHARS + 1)))

    assert response.status_code == 400
    assert "Keep the article under 100,000 characters." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Article.id))) == 0


def test_a_one_megabyte_body_is_a_4xx_not_a_500(staff_client: FlaskClient) -> None:
    response = staff_client.post("/admin/journal/new", data=_fields(body_markdown="a" * 1_048_576))

    assert response.status_code == 400
    assert "Keep the article under 100,000 characters." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Article.id))) == 0


def test_a_product_that_was_not_offered_is_a_form_error(staff_client: FlaskClient) -> None:
    response = staff_client.post("/admin/journal/new", data=_fields(related_products=["99999"]))

    assert response.status_code == 400


def test_the_hero_image_goes_through_the_media_checks(app: Flask, staff_client: FlaskClient) -> None:
    article = make_article(slug="pictured")

    refused = staff_client.post(
        f"/admin/journal/{article.id}/image",
        data={"image": (BytesIO(b"<svg onload=alert(1)>"), "evil.png"), "image_alt": "A picture"},
        content_type="multipart/form-data",
    )
    accepted = staff_client.post(
        f"/admin/journal/{article.id}/image",
        data={"image": (BytesIO(PNG), "hero.png"), "image_alt": "Two people talking"},
        content_type="multipart/form-data",
    )

    assert refused.status_code == 400
    assert "That file is not a PNG, JPEG or WebP image." in refused.get_data(as_text=True)
    assert accepted.status_code == 303
    saved = _article("pictured")
    assert saved.hero_image_path.startswith("media/") and saved.hero_image_path.endswith(".png")
    assert saved.hero_image_alt == "Two people talking"
    page = Elements(app.test_client().get("/journal/pictured").get_data(as_text=True))
    assert page.meta("og:image").endswith(saved.hero_image_path.removeprefix("media/"))
    assert _actions() == ["article.image"]


def test_a_hero_image_needs_alt_text(staff_client: FlaskClient) -> None:
    article = make_article(slug="pictured")

    response = staff_client.post(
        f"/admin/journal/{article.id}/image",
        data={"image": (BytesIO(PNG), "hero.png"), "image_alt": ""},
        content_type="multipart/form-data",
    )

    assert response.status_code == 400
    assert _article("pictured").hero_image_path is None


def test_the_editor_pages_render(staff_client: FlaskClient) -> None:
    make_product(name="Canvas Tote")
    article = make_article(slug="shown")

    for path in ("/admin/journal", "/admin/journal/new", f"/admin/journal/{article.id}"):
        response = staff_client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "private, no-store"
    assert staff_client.get("/admin/journal/99999").status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/admin/journal"),
        ("get", "/admin/journal/new"),
        ("post", "/admin/journal/new"),
        ("post", "/admin/journal/preview"),
        ("post", "/admin/journal/1/publish"),
        ("post", "/admin/journal/1/unpublish"),
        ("post", "/admin/journal/1/schedule"),
        ("post", "/admin/journal/1/image"),
    ],
)
def test_customers_cannot_use_the_editor(app: Flask, method: str, path: str) -> None:
    make_article(slug="protected")
    customer = client_as(app, Role.CUSTOMER)

    assert getattr(customer, method)(path).status_code == 403
    assert _actions() == []


def test_the_editor_checks_csrf(csrf_app: Flask) -> None:
    with csrf_app.app_context():
        article = make_article(slug="guarded")
        make_user(email="staff@example.com", role=Role.STAFF)
        client = csrf_app.test_client()
        log_in_with_csrf(client, "staff@example.com")

        response = client.post(f"/admin/journal/{article.id}/unpublish")

        assert response.status_code == 400
        assert _article("guarded").status == ArticleStatus.PUBLISHED
