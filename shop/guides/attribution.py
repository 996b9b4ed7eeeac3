"""Where a visit came from: the first request's landing page, external referrer and utm_* parameters.

Stored once per browser session (no database, no query) so a sign-up on any later page is credited to
the page and campaign that brought the visitor in: first touch.
"""

import unicodedata
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import request, session

SESSION_KEY = "visit"
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
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
    def from_session_value(cls, value: Any) -> "VisitSource":
        """Rebuild from the cookie, trusting nothing: unknown keys and odd types are dropped."""
        if not isinstance(value, dict):
            return cls()
        limits = {"landing_page": MAX_PAGE_LENGTH, "referrer": MAX_PAGE_LENGTH}
        fields = {
            name: clean_text(value.get(name), limits.get(name, MAX_UTM_LENGTH))
            for name in ("landing_page", "referrer", *UTM_FIELDS)
        }
        return cls(**fields)

    def cleaned(self) -> "VisitSource":
        """The same source with every value on one printable line and within its length."""
        return VisitSource.from_session_value(asdict(self))

    def to_session_value(self) -> dict[str, str]:
        return {name: text for name, text in asdict(self).items() if text}


def clean_text(value: Any, limit: int) -> str | None:
    """One line of printable text, at most `limit` characters, or None."""
    if not isinstance(value, str):
        return None
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
    if SESSION_KEY in session or not _is_page_view():
        return
    source = VisitSource(
        landing_page=clean_text(request.path, MAX_PAGE_LENGTH),
        referrer=_external_referrer(),
        **{name: clean_text(request.args.get(name), MAX_UTM_LENGTH) for name in UTM_FIELDS},
    )
    session[SESSION_KEY] = source.to_session_value()


def current_source() -> VisitSource:
    return VisitSource.from_session_value(session.get(SESSION_KEY))
