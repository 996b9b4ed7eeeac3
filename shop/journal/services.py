"""Journal use cases for readers: which articles are live, listing, reading, the feed and the sitemap.

The one rule for "the public can read it" is `is_live_clause`: not a draft, and its publication time
has passed. A scheduled article therefore publishes itself at its time; no job flips a flag.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from shop.catalog.models import Product
from shop.extensions import db
from shop.journal.errors import JournalError
from shop.journal.models import Article, ArticleStatus
from shop.pagination import page_count

FEED_SIZE = 20


def is_live_clause(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(Article.status != ArticleStatus.DRAFT, Article.published_at <= now)


def is_live(article: Article, now: datetime) -> bool:
    """The same rule as is_live_clause, for an article already loaded."""
    return (
        article.status != ArticleStatus.DRAFT
        and article.published_at is not None
        and article.published_at <= now
    )


def stage_label(article: Article, now: datetime) -> str:
    """Where an article stands for staff: "Draft", "Scheduled" (not live yet) or "Published"."""
    if article.status == ArticleStatus.DRAFT:
        return "Draft"
    return "Published" if is_live(article, now) else "Scheduled"


def _newest_first(query: sa.Select) -> sa.Select:
    return query.order_by(Article.published_at.desc(), Article.id.desc())


@dataclass(frozen=True)
class ArticlePage:
    articles: list[Article]
    page: int
    pages: int
    total: int
    topic: str | None


def list_live_articles(*, now: datetime, page: int, page_size: int, topic: str | None = None) -> ArticlePage:
    """One page of live articles, newest first. An unknown topic or a page past the end is a
    JournalError (404); the first page of an empty journal is just empty."""
    query = sa.select(Article).where(is_live_clause(now))
    if topic:
        query = query.where(Article.topic == topic)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    if topic and total == 0:
        raise JournalError("There are no articles on that topic yet.")
    pages = page_count(total, page_size)
    if page > pages:
        raise JournalError("That page of the journal does not exist.")
    articles = db.session.scalars(_newest_first(query).limit(page_size).offset((page - 1) * page_size))
    return ArticlePage(list(articles), page, pages, total, topic)


def list_topics(*, now: datetime) -> list[str]:
    """Topics that have at least one live article, alphabetically."""
    return list(
        db.session.scalars(
            sa.select(Article.topic)
            .where(is_live_clause(now), Article.topic != "")
            .distinct()
            .order_by(Article.topic)
        )
    )


def _with_products(query: sa.Select) -> sa.Select:
    return query.options(
        selectinload(Article.related_products).selectinload(Product.variants),
    )


def get_live_article(slug: str, *, now: datetime) -> Article | None:
    return db.session.scalar(
        _with_products(sa.select(Article)).where(Article.slug == slug, is_live_clause(now))
    )


def get_article_by_slug(slug: str) -> Article | None:
    """Any article, live or not: for staff previews only."""
    return db.session.scalar(_with_products(sa.select(Article)).where(Article.slug == slug))


@dataclass(frozen=True)
class Neighbours:
    older: Article | None
    newer: Article | None


def get_neighbours(article: Article, *, now: datetime) -> Neighbours:
    """The live articles just before and after this one in publication order (ties broken by id)."""
    if article.published_at is None:
        return Neighbours(None, None)
    at, ident = article.published_at, article.id
    older = db.session.scalar(
        _newest_first(
            sa.select(Article).where(
                is_live_clause(now),
                sa.or_(Article.published_at < at, sa.and_(Article.published_at == at, Article.id < ident)),
            )
        ).limit(1)
    )
    newer = db.session.scalar(
        sa.select(Article)
        .where(
            is_live_clause(now),
            sa.or_(Article.published_at > at, sa.and_(Article.published_at == at, Article.id > ident)),
        )
        .order_by(Article.published_at, Article.id)
        .limit(1)
    )
    return Neighbours(older, newer)


def next_publication_after(now: datetime) -> datetime | None:
    """When the next scheduled article goes live: cached journal pages are good until then."""
    return db.session.scalar(
        sa.select(sa.func.min(Article.published_at)).where(
            Article.status != ArticleStatus.DRAFT, Article.published_at > now
        )
    )


def list_feed_articles(*, now: datetime, limit: int = FEED_SIZE) -> list[Article]:
    return list(db.session.scalars(_newest_first(sa.select(Article).where(is_live_clause(now))).limit(limit)))


def list_sitemap_entries(*, now: datetime) -> list[tuple[str, datetime]]:
    """(slug, last modified) of every live article, newest first."""
    rows = db.session.execute(
        _newest_first(
            sa.select(Article.slug, Article.updated_at, Article.published_at).where(is_live_clause(now))
        )
    )
    return [(slug, max(updated_at, published_at)) for slug, updated_at, published_at in rows]


@dataclass(frozen=True)
class RelatedProduct:
    slug: str
    name: str
    image_path: str | None
    image_alt: str
    min_price_cents: int
    max_price_cents: int
    is_lead_magnet: bool


def list_related_products(article: Article) -> list[RelatedProduct]:
    """The products staff chose for the article that shoppers can see, with their price range in cents."""
    related = []
    for product in article.related_products:
        if not product.is_published or not product.variants:
            continue
        prices = [variant.price_cents for variant in product.variants]
        related.append(
            RelatedProduct(
                slug=product.slug,
                name=product.name,
                image_path=product.image_path,
                image_alt=product.image_alt,
                min_price_cents=min(prices),
                max_price_cents=max(prices),
                is_lead_magnet=product.is_lead_magnet,
            )
        )
    return related
