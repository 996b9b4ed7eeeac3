"""Journal use cases: which articles are live, and reading them."""

from datetime import datetime

import sqlalchemy as sa

from shop.clock import utcnow
from shop.extensions import db
from shop.journal.models import Article, ArticleStatus


def is_live_clause(now: datetime) -> sa.ColumnElement[bool]:
    """The one rule for "the public can read it": not a draft, and its publication time has passed.
    A scheduled article therefore publishes itself at its time, with no job to run."""
    return sa.and_(Article.status != ArticleStatus.DRAFT, Article.published_at <= now)


def list_live_articles() -> list[Article]:
    now = utcnow()
    return list(
        db.session.scalars(
            sa.select(Article)
            .where(is_live_clause(now))
            .order_by(Article.published_at.desc(), Article.id.desc())
        )
    )


def get_live_article(slug: str) -> Article | None:
    return db.session.scalar(sa.select(Article).where(Article.slug == slug, is_live_clause(utcnow())))
