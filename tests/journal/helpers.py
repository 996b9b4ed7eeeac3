"""Article rows and HTML checks shared by the journal tests."""

import itertools
from datetime import datetime, timedelta
from html.parser import HTMLParser
from typing import Any

from shop.catalog.models import Product
from shop.clock import utcnow
from shop.extensions import db
from shop.journal.models import Article, ArticleStatus

_sequence = itertools.count(1)


def make_article(
    *,
    title: str | None = None,
    slug: str | None = None,
    summary: str = "A line under the title.",
    body: str = "Some words about listening.\n\n## A section\n\nMore words.",
    topic: str = "Relationships",
    status: ArticleStatus = ArticleStatus.PUBLISHED,
    published_at: datetime | None = None,
    days_ago: float | None = 1,
    author_name: str = "Robin",
    related: list[Product] | None = None,
    hero_image_path: str | None = None,
    hero_image_alt: str = "",
    **columns: Any,
) -> Article:
    number = next(_sequence)
    if published_at is None and days_ago is not None and status != ArticleStatus.DRAFT:
        published_at = utcnow() - timedelta(days=days_ago)
    article = Article(
        title=title or f"Article {number}",
        slug=slug or f"article-{number}",
        summary=summary,
        body_markdown=body,
        topic=topic,
        status=status,
        published_at=published_at,
        author_name=author_name,
        related_products=related or [],
        hero_image_path=hero_image_path,
        hero_image_alt=hero_image_alt,
        **columns,
    )
    db.session.add(article)
    db.session.commit()
    return article


class Elements(HTMLParser):
    """Every start tag with its attributes, for asserting what markup a page really holds."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]

    def meta(self, key: str) -> str | None:
        for attrs in self.named("meta"):
            if attrs.get("property") == key or attrs.get("name") == key:
                return attrs.get("content")
        return None
