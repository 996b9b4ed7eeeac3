"""The journal's Atom feed (RFC 4287): the newest articles with their full summaries."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree

ATOM_NS = "http://www.w3.org/2005/Atom"
# A feed with no entries still needs an <updated>: the journal's opening day.
EMPTY_FEED_UPDATED = datetime(2026, 1, 1, tzinfo=UTC)
# Characters XML 1.0 cannot carry at all; forms refuse them, this keeps the feed valid regardless.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class FeedEntry:
    title: str
    url: str
    summary: str
    author_name: str
    topic: str
    published_at: datetime
    updated_at: datetime


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _text(parent: ElementTree.Element, tag: str, text: str, **attributes: str) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attributes)
    element.text = NOT_XML.sub("", text)
    return element


def _link(parent: ElementTree.Element, href: str, rel: str, media_type: str) -> None:
    ElementTree.SubElement(parent, f"{{{ATOM_NS}}}link", {"rel": rel, "href": href, "type": media_type})


def atom_feed(
    *, title: str, feed_url: str, site_url: str, author_name: str, entries: Sequence[FeedEntry]
) -> bytes:
    """The feed document as UTF-8 bytes. Ids are the articles' permanent URLs."""
    ElementTree.register_namespace("", ATOM_NS)
    feed = ElementTree.Element(f"{{{ATOM_NS}}}feed")
    _text(feed, "id", feed_url)
    _text(feed, "title", title)
    updated = max((max(e.updated_at, e.published_at) for e in entries), default=EMPTY_FEED_UPDATED)
    _text(feed, "updated", _rfc3339(updated))
    _link(feed, feed_url, "self", "application/atom+xml")
    _link(feed, site_url, "alternate", "text/html")
    author = ElementTree.SubElement(feed, f"{{{ATOM_NS}}}author")
    _text(author, "name", author_name)
    for entry in entries:
        item = ElementTree.SubElement(feed, f"{{{ATOM_NS}}}entry")
        _text(item, "id", entry.url)
        _text(item, "title", entry.title)
        _text(item, "published", _rfc3339(entry.published_at))
        _text(item, "updated", _rfc3339(max(entry.updated_at, entry.published_at)))
        _link(item, entry.url, "alternate", "text/html")
        if entry.author_name:
            entry_author = ElementTree.SubElement(item, f"{{{ATOM_NS}}}author")
            _text(entry_author, "name", entry.author_name)
        if entry.topic:
            ElementTree.SubElement(item, f"{{{ATOM_NS}}}category", {"term": entry.topic})
        _text(item, "summary", entry.summary, type="text")
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)
