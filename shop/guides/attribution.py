"""Where a visit came from: the first request's landing page, external referrer and utm_* parameters.

Kept once per browser session in a cookie of its own (no database, no query) so a sign-up on any later
page is credited to the page and campaign that brought the visitor in: first touch.

The cookie is plain, not signed: everything in it came from the visitor's own request (a URL they
opened, a Referer header), so a signature would prove nothing, and it is cleaned again on every read.
Keeping it out of the signed session spares an anonymous visitor's first page the cost of writing one.
"""

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import Response, after_this_request, current_app, g, request
from werkzeug.http import dump_cookie

COOKIE_NAME = "shop_visit"
# Browsers drop a cookie over 4 KB; percent-encoded non-ASCII text can grow nine-fold.
MAX_COOKIE_LENGTH = 3000
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
SOURCE_FIELDS = ("landing_page", "referrer", *UTM_FIELDS)
MAX_PAGE_LENGTH = 300
MAX_UTM_LENGTH = 100

# Requests that are not a person arriving on a page: assets, probes, feeds, and links carrying a secret
# token (a confirm link opened in a fresh browser must not become the "landing page").
SKIPPED_ENDPOINTS = frozenset(
    {
        "static",
        "site.healthz",
        "site.favicon",
        "site.robots",
        "site.sitemap",
        "downloads.download",
        "guides.confirm_page",
        "guides.unsubscribe_page",
    }
)


@dataclass(frozen=True)
class VisitSource:
    landing_page: str | None = None
    referrer: str | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    utm_term: str | None = None
    utm_content: str | None = None

    @classmethod
    def from_cookie(cls, raw: str | None) -> "VisitSource":
        if not raw or len(raw) > MAX_COOKIE_LENGTH:
            return cls()
        return cls.from_dict(dict(parse_qsl(raw)))

    def to_cookie(self) -> str:
        """The encoded value, with every field cut shorter until it fits in a cookie."""
        values = self.to_dict()
        limit = MAX_PAGE_LENGTH
        encoded = urlencode(values)
        while len(encoded) > MAX_COOKIE_LENGTH:
            limit //= 2
            encoded = urlencode({name: text[:limit] for name, text in values.items()})
        return encoded

    @classmethod
    def from_dict(cls, value: Any) -> "VisitSource":
        """Rebuild from the cookie, trusting nothing: unknown keys and odd types are dropped."""
        if not isinstance(value, dict):
            return cls()
        limits = {"landing_page": MAX_PAGE_LENGTH, "referrer": MAX_PAGE_LENGTH}
        fields = {
            name: clean_text(value.get(name), limits.get(name, MAX_UTM_LENGTH)) for name in SOURCE_FIELDS
        }
        return cls(**fields)

    def cleaned(self) -> "VisitSource":
        """The same source with every value on one printable line and within its length."""
        return VisitSource.from_dict(self.to_dict())

    def to_dict(self) -> dict[str, str]:
        # Not dataclasses.asdict: it deep-copies, and this runs on every visit's first page.
        return {name: text for name in SOURCE_FIELDS if (text := getattr(self, name))}


def clean_text(value: Any, limit: int) -> str | None:
    """One line of printable text, at most `limit` characters, or None."""
    if not isinstance(value, str):
        return None
    if value.isascii() and value.isprintable() and "  " not in value and value == value.strip():
        return value[:limit] or None  # the usual case, a plain path: nothing to clean
    printable = "".join(
        " " if ch.isspace() else ch for ch in value if ch.isspace() or unicodedata.category(ch)[0] != "C"
    )
    text = " ".join(printable.split())[:limit]
    return text or None


def clean_local_path(value: Any) -> str | None:
    """A path on this site ("/products/x"), or None for anything else (absolute URLs, "//host")."""
    text = clean_text(value, MAX_PAGE_LENGTH)
    if not text or not text.startswith("/") or text.startswith("//") or "\\" in text:
        return None
    return text


def _external_referrer() -> str | None:
    """The referring page without its query string (it may hold search terms or tokens); None when
    the visitor came from this site or the header is not an http(s) URL."""
    raw = request.referrer
    if not raw:
        return None
    try:
        parts = urlsplit(raw)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.netloc == request.host:
        return None
    return clean_text(f"{parts.scheme}://{parts.netloc}{parts.path}", MAX_PAGE_LENGTH)


def _is_page_view() -> bool:
    endpoint = request.endpoint
    if request.method != "GET" or endpoint is None or endpoint in SKIPPED_ENDPOINTS:
        return False
    if endpoint.startswith("dev_outbox.") or request.path.endswith(".json"):
        return False
    purpose = request.headers.get("Sec-Purpose", "") + request.headers.get("Purpose", "")
    return "prefetch" not in purpose.lower()


def remember_first_touch() -> None:
    """before_request: on the first page of a visit, note where it came from. Later pages change nothing."""
    if COOKIE_NAME in request.cookies or not _is_page_view():
        return
    args = request.args  # most first pages carry no query string: skip five lookups then
    source = VisitSource(
        landing_page=clean_text(request.path, MAX_PAGE_LENGTH),
        referrer=_external_referrer(),
        **{name: clean_text(args.get(name), MAX_UTM_LENGTH) for name in UTM_FIELDS if args},
    )
    g.visit_source = source

    @after_this_request
    def set_visit_cookie(response: Response) -> Response:
        config = current_app.config
        response.headers.add(
            "Set-Cookie",
            _visit_cookie_header(
                source.to_cookie(), config["SESSION_COOKIE_SECURE"], config["SESSION_COOKIE_SAMESITE"]
            ),
        )
        return response


@lru_cache(maxsize=1024)
def _visit_cookie_header(value: str, secure: bool, samesite: str | None) -> str:
    """The Set-Cookie header for a visit; most visits land on one of a few pages, so most are reused.
    No max_age: like the session, the cookie ends with the browser session."""
    return dump_cookie(COOKIE_NAME, value, httponly=True, secure=secure, samesite=samesite)


def current_source() -> VisitSource:
    if "visit_source" in g:  # the visit started with this very request
        return g.visit_source
    return VisitSource.from_cookie(request.cookies.get(COOKIE_NAME))
