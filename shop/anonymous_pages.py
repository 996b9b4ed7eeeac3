"""Whole storefront pages for visitors who arrive without cookies, rendered once and reused.

A visitor with no session cookie and no remember-me cookie is anonymous, with an empty cart, no flashes
and the default shipping country: every such visitor sees the same page, except for the values that
must be their own. Those are the CSRF token (the guide and comment forms carry one, and minting it gives
the visitor a session) and whatever a view marks with `per_visitor` (the comment form's signed start
time). The first rendering is stored with each of those values cut out and replaced by a hole; every
later anonymous request fills the holes afresh (a new token in the visitor's own new session, a new
stamp) into the stored text. So a page from this cache posts exactly like a freshly rendered one.

Keys carry the catalog revision (the caller passes it in its key), so a staff edit makes every stored
page unreachable at once, as for the fragment caches. A stored page is only written when the request
left nothing in the session but the CSRF token; a rendering that shows anything personal is never
stored. Visitors with cookies, and any request but GET, are always rendered in full.
(docs/rules.md#security rule 11.)
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask, current_app, g, request, session
from flask_wtf.csrf import generate_csrf

from shop.clock import utcnow
from shop.extensions import limiter, page_cache

# The letters a hole is written as: plain ASCII that HTML escaping leaves alone.
HOLE_PREFIX = "shop-visitor-hole-"
CSRF_HOLE = HOLE_PREFIX + "csrf"
FILLERS_EXTENSION = "anonymous_page_fillers"

# The storefront's read-only pages. None has a rate limit (tests/site/test_anonymous_pages.py keeps it so),
# so a GET of one skips the limiter's per-request search for limits that would find none.
STOREFRONT_PAGES = frozenset(
    {
        "catalog.home",
        "catalog.product_list",
        "catalog.product_detail",
        "journal.article_list",
        "journal.article_detail",
        "guides.guide",
    }
)


@limiter.request_filter
def _unlimited_storefront_page() -> bool:
    return request.method == "GET" and request.endpoint in STOREFRONT_PAGES


def init_app(app: Flask) -> None:
    app.extensions[FILLERS_EXTENSION] = {}


def register_filler(app: Flask, name: str, fill: Callable[..., str]) -> None:
    """`fill(*args)` makes a fresh value for the hole `name` (the args `per_visitor` was given)."""
    app.extensions[FILLERS_EXTENSION][name] = fill


def per_visitor(name: str, value: str, *args: Any) -> str:
    """Mark `value`, about to be rendered into this page, as the visitor's own: a stored copy of the
    page holds a hole there, filled by the filler registered as `name`, called with `args` (JSON)."""
    g.setdefault("per_visitor_values", []).append((name, value, list(args)))
    return value


def is_anonymous_get() -> bool:
    """A GET from a browser that sent neither the session cookie nor the remember-me cookie."""
    if request.method != "GET" or not current_app.config["ANONYMOUS_PAGE_CACHE"]:
        return False
    cookies = request.cookies
    config = current_app.config
    return (
        config["SESSION_COOKIE_NAME"] not in cookies
        and config.get("REMEMBER_COOKIE_NAME", "remember_token") not in cookies
    )


def render_page(
    key: str,
    render: Callable[[], str],
    *,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> str:
    """The page `render()` makes, served from the store for anonymous visitors. `key` must name all
    that the page shows (the catalog revision among it); `expires_at`: the page changes then without
    any edit (a scheduled article goes live), compared with `now` (default: the clock's)."""
    if not is_anonymous_get():
        return render()
    store_key = f"whole-page:{request.scheme}:{key}"
    entry = page_cache.get_json(store_key)
    if entry is not None and (
        entry["expires"] is None or (now or utcnow()) < datetime.fromisoformat(entry["expires"])
    ):
        return _fill(entry)
    html = render()
    entry = _cacheable(html)
    if entry is not None:
        entry["expires"] = expires_at.isoformat() if expires_at else None
        page_cache.set_json(store_key, entry, current_app.config["CATALOG_CACHE_SECONDS"])
    return html


def _cacheable(html: str) -> dict[str, Any] | None:
    """The page with its per-visitor values cut out, or None when it must not be shared."""
    if not _holds_only_a_token(session) or HOLE_PREFIX in html:
        return None  # something personal (a cart, a flash, a login) or text that looks like a hole
    holes: list[list[Any]] = []
    token = g.get("csrf_token")
    if token:
        html = html.replace(token, CSRF_HOLE)
        holes.append(["csrf", CSRF_HOLE, []])
    for index, (name, value, args) in enumerate(g.get("per_visitor_values", [])):
        hole = f"{HOLE_PREFIX}{index}"
        html = html.replace(value, hole)
        holes.append([name, hole, args])
    # A value rendered in a form the replace missed (escaped, say) must not reach the next visitor.
    if token and token in html:
        return None
    if any(value in html for _, value, _ in g.get("per_visitor_values", [])):
        return None
    return {"html": html, "holes": holes}


def _holds_only_a_token(values: Any) -> bool:
    """The session holds the CSRF token and at most Flask-Login's "not fresh" mark (which it sets on
    any session without a login in it): nothing of the visitor's own."""
    extra = set(values.keys()) - {"csrf_token", "_fresh"}
    return not extra and values.get("_fresh", False) is False


def _fill(entry: dict[str, Any]) -> str:
    html = entry["html"]
    fillers = current_app.extensions[FILLERS_EXTENSION]
    for name, hole, args in entry["holes"]:
        value = generate_csrf() if name == "csrf" else fillers[name](*args)
        html = html.replace(hole, value)
    return html
