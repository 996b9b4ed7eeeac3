"""Article views are counted in memory and written in batches: no database write per page view."""

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shop.extensions import db
from shop.journal import view_counts
from shop.journal.models import Article
from tests.conftest import count_queries
from tests.journal.helpers import make_article

BROWSER = {"User-Agent": "Mozilla/5.0 (Linux; Android 14) Chrome/130 Mobile"}


def _views(slug: str) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(Article.view_count).where(Article.slug == slug)) or 0


def test_views_are_written_in_one_batch(app: Flask, client: FlaskClient) -> None:
    # given
    app.config.update(JOURNAL_VIEW_FLUSH_SECONDS=3600, JOURNAL_VIEW_FLUSH_VIEWS=5)
    article = make_article(slug="counted")
    updated_at = article.updated_at

    # when: four views wait in memory, the fifth writes all five
    for _ in range(4):
        client.get("/journal/counted", headers=BROWSER)
    waiting = _views("counted")
    client.get("/journal/counted", headers=BROWSER)

    # then
    assert waiting == 0
    assert _views("counted") == 5
    assert db.session.get(Article, article.id).updated_at == updated_at, "a view is not an edit"


def test_a_cached_article_view_writes_nothing(app: Flask, client: FlaskClient) -> None:
    app.config.update(JOURNAL_VIEW_FLUSH_SECONDS=3600, JOURNAL_VIEW_FLUSH_VIEWS=1000)
    make_article(slug="cached")
    client.get("/journal/cached", headers=BROWSER)  # renders and caches

    with count_queries(app) as statements:
        client.get("/journal/cached", headers=BROWSER)

    assert not [s for s in statements if s.lstrip().upper().startswith(("UPDATE", "INSERT"))]
    assert not [s for s in statements if "article" in s.lower()], "the cached page needs no article query"


def test_bots_and_staff_previews_are_not_counted(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    app.config.update(JOURNAL_VIEW_FLUSH_SECONDS=0, JOURNAL_VIEW_FLUSH_VIEWS=1)
    make_article(slug="crawled")

    client.get("/journal/crawled", headers={"User-Agent": "Googlebot/2.1"})
    client.get("/journal/crawled", headers={"User-Agent": ""})
    client.head("/journal/crawled", headers=BROWSER)
    staff_client.get("/journal/crawled", headers=BROWSER)

    assert _views("crawled") == 0
    client.get("/journal/crawled", headers=BROWSER)
    assert _views("crawled") == 1, "a reader's view is written at once with these settings"


def test_flushing_adds_to_what_is_stored(app: Flask) -> None:
    article = make_article(slug="added")
    view_counts.add_views({article.id: 3})
    view_counts.add_views({article.id: 4, 999_999: 2})  # an article deleted meanwhile is skipped

    assert _views("added") == 7
