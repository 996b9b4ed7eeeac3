"""Public journal pages: the article list, one article (and staff's preview of a draft), the Atom feed.

Like product pages, what does not change per visitor is rendered once and cached under the catalog
revision (which every article edit bumps); the guide form with its CSRF token is rendered per request.
A cached journal page also remembers when the next scheduled article goes live and is re-rendered
from then, since that changes the list and the previous/next links without any edit.
"""

import hashlib
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from shop import anonymous_pages
from shop.catalog import services as catalog_services
from shop.clock import utcnow
from shop.extensions import page_cache
from shop.form_fields import query_text
from shop.journal import comments, services, view_counts
from shop.journal.comment_context import COMMENT_STAMP, comment_list_html, fresh_comment_form
from shop.journal.errors import JournalError
from shop.journal.feed import FeedEntry, atom_feed
from shop.journal.models import Article
from shop.journal.rendering import plain_text, reading_minutes, render_markdown
from shop.journal.staff_actions import MAX_SLUG_LENGTH
from shop.journal.structured_data import blog_posting_json_ld, breadcrumb_json_ld
from shop.media import image_url
from shop.pagination import requested_page

bp = Blueprint("journal", __name__)
bp.record_once(lambda state: view_counts.init_app(state.app))
bp.record_once(lambda state: anonymous_pages.register_filler(state.app, COMMENT_STAMP, comments.form_stamp))

DRAFT_NOT_FOUND = "We couldn't find that article. It may have moved or not be published yet."


def _cache_seconds() -> int:
    return current_app.config["CATALOG_CACHE_SECONDS"]


def _fresh(cached: Any, now: datetime) -> Any:
    """A cached journal page, or None once a scheduled article has gone live since it was rendered."""
    if cached is None:
        return None
    valid_until = cached.get("valid_until")
    if valid_until and now >= datetime.fromisoformat(valid_until):
        return None
    return cached


def _valid_until(now: datetime) -> str | None:
    moment = services.next_publication_after(now)
    return moment.isoformat() if moment else None


@bp.get("/journal")
def article_list() -> str:
    topic = query_text("topic") or None
    page = requested_page("That page of the journal does not exist.")
    revision = catalog_services.get_catalog_revision()
    topic_key = hashlib.blake2s((topic or "").encode(), digest_size=8).hexdigest()
    key = f"journal-list:{revision}:{request.host}:{topic_key}:{page}"
    now = utcnow()
    cached = _fresh(page_cache.get_json(key), now)
    if cached is None:
        try:
            listing = services.list_live_articles(
                now=now, page=page, page_size=current_app.config["JOURNAL_PAGE_SIZE"], topic=topic
            )
        except JournalError as error:
            abort(error.status_code, description=error.message)
        canonical = url_for(
            "journal.article_list", topic=topic, page=page if page > 1 else None, _external=True
        )
        cached = {
            "canonical": canonical,
            "topic": topic,
            "page": page,
            "list_html": render_template(
                "journal/_article_list.html",
                listing=listing,
                cards=[_card(article) for article in listing.articles],
                topics=services.list_topics(now=now),
            ),
            "valid_until": _valid_until(now),
        }
        page_cache.set_json(key, cached, _cache_seconds())
    return anonymous_pages.render_page(
        key,
        lambda: render_template("journal/article_list.html", page=cached),
        expires_at=_moment(cached["valid_until"]),
        now=now,
    )


def _moment(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso) if iso else None


def _card(article: Article) -> dict[str, Any]:
    return {
        "slug": article.slug,
        "title": article.title,
        "summary": article.summary,
        "topic": article.topic,
        "published_at": article.published_at,
        "reading_minutes": reading_minutes(article.body_markdown),
        "hero_image_path": article.hero_image_path,
        "hero_image_alt": article.hero_image_alt,
    }


# The guide form's CSRF token is the one per-visitor value in the cached offer: rendered as this
# placeholder (plain letters, so escaping leaves it alone) and filled in per request.
CSRF_HOLE = "shop-csrf-token-hole"


def _guide_offers() -> dict[str, str] | None:
    """The free guide's offer beside and after the article, as HTML with the CSRF token left out."""
    guide = catalog_services.get_lead_magnet()
    if guide is None:
        return None
    return {
        position: render_template(
            "journal/_guide_offer.html",
            guide=guide,
            offer_id=f"offer-{position}",
            csrf_token=lambda: CSRF_HOLE,
        )
        for position in ("aside", "end")
    }


def article_page_parts(article: Article, *, now: datetime, live: bool) -> dict[str, Any]:
    """Everything on an article page that is the same for every visitor, as cacheable strings."""
    page_url = url_for("journal.article_detail", slug=article.slug, _external=True)
    hero_url = image_url(article.hero_image_path, external=True)
    published_at = article.published_at or now
    updated_at = article.updated_at or now
    neighbours = services.get_neighbours(article, now=now) if live else services.Neighbours(None, None)
    shop_name = current_app.config["SHOP_NAME"]
    json_ld = [
        blog_posting_json_ld(
            headline=article.title,
            description=article.summary,
            page_url=page_url,
            image_url=hero_url,
            author_name=article.author_name,
            published_at=published_at,
            updated_at=updated_at,
            shop_name=shop_name,
            topic=article.topic,
            word_count=len(plain_text(article.body_markdown).split()),
        ),
        breadcrumb_json_ld(
            [
                ("Home", url_for("catalog.home", _external=True)),
                ("Journal", url_for("journal.article_list", _external=True)),
                (article.title, page_url),
            ]
        ),
    ]
    facts = {
        "article": article,
        "page_url": page_url,
        "hero_url": hero_url,
        "published_at": published_at,
        "updated_at": updated_at,
        "reading_minutes": reading_minutes(article.body_markdown),
        "neighbours": neighbours,
    }
    return {
        "id": article.id,
        "slug": article.slug,
        "title": article.title,
        "summary": article.summary,
        "head": render_template("journal/_article_head.html", json_ld=json_ld, **facts),
        "header_html": render_template("journal/_article_header.html", **facts),
        "body_html": render_markdown(article.body_markdown),
        "after_html": render_template(
            "journal/_article_after.html", related=services.list_related_products(article), **facts
        ),
        "offers": _guide_offers(),
        # Approved comments only; approving, rejecting or deleting one bumps the catalog revision.
        "comments_html": comment_list_html(article.id),
        "valid_until": _valid_until(now) if live else None,
    }


def _render_article(parts: dict[str, Any], *, preview: bool = False) -> str:
    offers = parts["offers"]
    if offers:
        token = generate_csrf()
        offers = {position: html.replace(CSRF_HOLE, token) for position, html in offers.items()}
    return render_template(
        "journal/article_detail.html",
        page=parts,
        offers=offers,
        article={"id": parts["id"], "slug": parts["slug"], "title": parts["title"]},
        preview=preview,
        comment_form=fresh_comment_form(parts["id"]),  # per request: its CSRF token and fill-time stamp
    )


def _is_staff() -> bool:
    return bool(current_user.is_authenticated and getattr(current_user, "is_staff", False))


@bp.get("/journal/<slug>")
def article_detail(slug: str) -> str | Response:
    if len(slug) > MAX_SLUG_LENGTH:
        abort(404, description=DRAFT_NOT_FOUND)
    revision = catalog_services.get_catalog_revision()
    key = f"journal-article:{revision}:{request.host}:{slug}"
    now = utcnow()
    parts = _fresh(page_cache.get_json(key), now)
    if parts is None:
        article = services.get_live_article(slug, now=now)
        if article is None:
            return _staff_preview(slug, now)
        parts = article_page_parts(article, now=now, live=True)
        page_cache.set_json(key, parts, _cache_seconds())
    if (
        request.method == "GET"
        and not view_counts.looks_like_bot(request.user_agent.string)
        and not _is_staff()
    ):
        view_counts.record_view(parts["id"])
    return anonymous_pages.render_page(
        key, lambda: _render_article(parts), expires_at=_moment(parts["valid_until"]), now=now
    )


def _staff_preview(slug: str, now: datetime) -> Response:
    """A draft (or a scheduled article before its time) for staff; a 404 for everyone else."""
    article = services.get_article_by_slug(slug) if _is_staff() else None
    if article is None:
        abort(404, description=DRAFT_NOT_FOUND)
    parts = article_page_parts(article, now=now, live=False)
    response = current_app.make_response(_render_article(parts, preview=True))
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/journal/feed.xml")
def feed() -> Response:
    now = utcnow()
    entries = [
        FeedEntry(
            title=article.title,
            url=url_for("journal.article_detail", slug=article.slug, _external=True),
            summary=article.summary,
            author_name=article.author_name,
            topic=article.topic,
            published_at=article.published_at or now,
            updated_at=article.updated_at,
        )
        for article in services.list_feed_articles(now=now)
    ]
    document = atom_feed(
        title=f"{current_app.config['SHOP_NAME']} journal",
        feed_url=url_for("journal.feed", _external=True),
        site_url=url_for("journal.article_list", _external=True),
        author_name=current_app.config["SHOP_NAME"],
        entries=entries,
    )
    response = Response(document, mimetype="application/atom+xml")
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response
