"""Staff use cases for the journal: writing, scheduling, publishing and unpublishing articles.

Every change is written to the audit log and bumps the catalog revision, the counter every cached
storefront fragment (journal pages included) is keyed by, so an edit shows at once.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from shop.audit import services as audit
from shop.audit.services import Actor
from shop.catalog.models import Product
from shop.catalog.services import bump_catalog_revision
from shop.database import committing
from shop.extensions import db
from shop.journal.errors import ArticleEditError
from shop.journal.models import Article, ArticleStatus

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG_LENGTH = 120
# About 15,000 words: far beyond any article; a bigger body is a paste gone wrong.
MAX_BODY_CHARS = 100_000
MAX_RELATED_PRODUCTS = 6
# Addresses under /journal/ that belong to the journal's own pages (docs/rules.md#journal rule 2): the
# comment-email page is /journal/comment-emails/<token>, so an article there would lose its comment form's
# address (/journal/comment-emails/comments) to it.
RESERVED_SLUGS = frozenset({"comment-emails"})


@dataclass(frozen=True)
class ArticleDetails:
    title: str
    slug: str
    summary: str
    body_markdown: str
    author_name: str
    topic: str
    hero_image_alt: str
    related_product_ids: tuple[int, ...] = ()


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:MAX_SLUG_LENGTH]


def list_articles_for_staff() -> list[Article]:
    """Every article, drafts first, then newest publication first."""
    return list(
        db.session.scalars(
            sa.select(Article).order_by(
                (Article.status == ArticleStatus.DRAFT).desc(),
                Article.published_at.desc(),
                Article.id.desc(),
            )
        )
    )


def get_article_for_staff(article_id: int) -> Article | None:
    return db.session.scalar(
        sa.select(Article).where(Article.id == article_id).options(selectinload(Article.related_products))
    )


def list_relatable_products() -> list[Product]:
    """Products staff may relate to an article: every product, in catalog order."""
    return list(db.session.scalars(sa.select(Product).order_by(Product.position, Product.id)))


def _article(article_id: int) -> Article:
    article = get_article_for_staff(article_id)
    if article is None:
        raise ArticleEditError("There is no article with that number.")
    return article


def check_details(details: ArticleDetails, *, article_id: int | None) -> None:
    if not details.title.strip():
        raise ArticleEditError("Give the article a title.", "title")
    if not SLUG.match(details.slug) or len(details.slug) > MAX_SLUG_LENGTH:
        raise ArticleEditError(
            "Use lowercase letters, digits and single hyphens, like keeping-a-journal.", "slug"
        )
    if details.slug in RESERVED_SLUGS:
        raise ArticleEditError(
            f"The address {details.slug} is kept for the journal's own pages. Choose another.", "slug"
        )
    if len(details.body_markdown) > MAX_BODY_CHARS:
        raise ArticleEditError(
            f"The article is longer than {MAX_BODY_CHARS:,} characters. Split it into parts.", "body_markdown"
        )
    if len(set(details.related_product_ids)) > MAX_RELATED_PRODUCTS:
        raise ArticleEditError(f"Choose at most {MAX_RELATED_PRODUCTS} related products.", "related_products")
    clash = db.session.scalar(
        sa.select(Article.id).where(Article.slug == details.slug, Article.id != article_id)
    )
    if clash:
        raise ArticleEditError("Another article already uses that address.", "slug")


def _related_products(product_ids: tuple[int, ...]) -> list[Product]:
    wanted = list(dict.fromkeys(product_ids))
    if not wanted:
        return []
    products = list(db.session.scalars(sa.select(Product).where(Product.id.in_(wanted))))
    if len(products) != len(wanted):
        raise ArticleEditError("One of the chosen products no longer exists.", "related_products")
    return products


def _apply(article: Article, details: ArticleDetails) -> None:
    article.title = details.title.strip()
    article.slug = details.slug
    article.summary = details.summary.strip()
    article.body_markdown = details.body_markdown
    article.author_name = details.author_name.strip()
    article.topic = details.topic.strip()
    article.hero_image_alt = details.hero_image_alt.strip()
    article.related_products = _related_products(details.related_product_ids)


@contextmanager
def _writing() -> Iterator[None]:
    """One article write: committed with a catalog revision bump (cached pages show it at once), rolled
    back whole when it raises. A slug taken by a concurrent edit is the staff member's error, not a 500."""
    try:
        with committing():
            yield
            bump_catalog_revision()
    except IntegrityError as error:
        raise ArticleEditError(
            "That address was just taken by another article. Choose another.", "slug"
        ) from error


def create_article(actor: Actor, details: ArticleDetails) -> Article:
    """A new draft: visitors cannot see it until it is published or its scheduled time comes."""
    with _writing():
        check_details(details, article_id=None)
        article = Article(status=ArticleStatus.DRAFT)
        _apply(article, details)
        db.session.add(article)
        db.session.flush()
        audit.record(
            actor,
            "article.create",
            target_type="article",
            target_id=article.id,
            summary=f"Drafted {article.title}",
        )
    return article


def update_article(actor: Actor, article_id: int, details: ArticleDetails) -> Article:
    with _writing():
        article = _article(article_id)
        check_details(details, article_id=article.id)
        old_slug = article.slug
        _apply(article, details)
        audit.record(
            actor,
            "article.edit",
            target_type="article",
            target_id=article.id,
            summary=f"Edited {article.title}",
            **({"old_slug": old_slug} if old_slug != article.slug else {}),
        )
    return article


def _check_publishable(article: Article) -> None:
    if not article.summary:
        raise ArticleEditError("Write the summary line before publishing.", "summary")
    if not article.body_markdown.strip():
        raise ArticleEditError("Write the article before publishing.", "body_markdown")
    if article.hero_image_path and not article.hero_image_alt:
        raise ArticleEditError("Describe the hero image (alt text) before publishing.", "hero_image_alt")


def publish_article(actor: Actor, article_id: int, *, now: datetime) -> Article:
    """Public now. An article published before keeps its first publication date."""
    with _writing():
        article = _article(article_id)
        _check_publishable(article)
        if article.published_at is None or article.published_at > now:
            article.published_at = now
        article.status = ArticleStatus.PUBLISHED
        article.publish_at = None
        audit.record(
            actor,
            "article.publish",
            target_type="article",
            target_id=article.id,
            summary=f"Published {article.title}",
        )
    return article


def schedule_article(actor: Actor, article_id: int, *, publish_at: datetime, now: datetime) -> Article:
    """Public from `publish_at` (UTC, in the future) without anyone pressing a button."""
    with _writing():
        article = _article(article_id)
        _check_publishable(article)
        if publish_at <= now:
            raise ArticleEditError("Choose a time in the future, or publish now.", "publish_at")
        article.status = ArticleStatus.SCHEDULED
        article.publish_at = publish_at
        article.published_at = publish_at
        audit.record(
            actor,
            "article.schedule",
            target_type="article",
            target_id=article.id,
            summary=f"Scheduled {article.title} for {publish_at:%Y-%m-%d %H:%M} UTC",
            publish_at=publish_at.isoformat(),
        )
    return article


def unpublish_article(actor: Actor, article_id: int, *, now: datetime) -> Article:
    """Back to draft: hidden from visitors, the feed and the sitemap. A scheduled time is cancelled."""
    with _writing():
        article = _article(article_id)
        article.status = ArticleStatus.DRAFT
        article.publish_at = None
        if article.published_at is not None and article.published_at > now:
            article.published_at = None  # it never went out
        audit.record(
            actor,
            "article.unpublish",
            target_type="article",
            target_id=article.id,
            summary=f"Unpublished {article.title}",
        )
    return article


def set_hero_image(actor: Actor, article_id: int, *, image_path: str, image_alt: str) -> Article:
    """`image_path` comes from shop.media.save_image, which has checked the upload."""
    with _writing():
        article = _article(article_id)
        if not image_alt.strip() and not article.hero_image_alt:
            raise ArticleEditError("Describe the image for people who can't see it (alt text).", "image_alt")
        article.hero_image_path = image_path
        if image_alt.strip():
            article.hero_image_alt = image_alt.strip()[:255]
        audit.record(
            actor,
            "article.image",
            target_type="article",
            target_id=article.id,
            summary=f"New hero image for {article.title}",
        )
    return article
