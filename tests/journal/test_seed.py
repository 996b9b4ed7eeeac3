"""The demo journal: two published articles and a draft, seeded once, safe to read."""

import re

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shop.catalog.demo_catalog import seed_demo_catalog
from shop.extensions import db
from shop.journal.demo_articles import DEMO_ARTICLES, seed_demo_articles
from shop.journal.models import Article, ArticleStatus
from shop.storage import guide_storage

# Words that would turn an article into a health claim.
CLAIMS = re.compile(
    r"\b(cure[sd]?|treat(s|ed|ment)?|heal(s|ed|ing)?|therap(y|eutic)|dose|dosing|diagnos\w*)\b", re.I
)


def test_seed_creates_two_published_articles_and_a_draft_once(app: Flask) -> None:
    seed_demo_catalog(guide_storage())

    assert seed_demo_articles() == 3
    assert seed_demo_articles() == 0

    statuses = sorted(db.session.scalars(sa.select(Article.status)))
    assert statuses == [ArticleStatus.DRAFT, ArticleStatus.PUBLISHED, ArticleStatus.PUBLISHED]
    listening = db.session.scalar(sa.select(Article).where(Article.slug == "listening-in-relationships"))
    assert listening.related_products and listening.hero_image_alt


def test_the_demo_articles_make_no_health_claims() -> None:
    for demo in DEMO_ARTICLES:
        text = " ".join((demo.title, demo.summary, demo.body_markdown))
        assert not CLAIMS.search(text), (demo.slug, CLAIMS.search(text))


def test_the_seeded_journal_reads_well(app: Flask, client: FlaskClient) -> None:
    seed_demo_catalog(guide_storage())
    seed_demo_articles()

    listing = client.get("/journal").get_data(as_text=True)
    article = client.get("/journal/keeping-a-reflective-journal")

    assert "Listening that brings you closer" in listing and "Slow weekends" not in listing
    assert article.status_code == 200
    text = article.get_data(as_text=True)
    assert "90-Day Journal" in text and "$24.00" in text
    assert client.get("/journal/slow-weekends").status_code == 404
