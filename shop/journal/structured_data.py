"""schema.org data for journal pages: BlogPosting and BreadcrumbList.

Templates put these into `<script type="application/ld+json">` through Flask's `tojson`, which writes
`<`, `>`, `&` and `'` as \\u escapes, so a title containing `</script>` cannot end the element.
"""

from datetime import datetime
from typing import Any


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def blog_posting_json_ld(
    *,
    headline: str,
    description: str,
    page_url: str,
    image_url: str | None,
    author_name: str,
    published_at: datetime,
    updated_at: datetime,
    shop_name: str,
    topic: str,
    word_count: int,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": headline[:110],
        "description": description,
        "url": page_url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": page_url},
        "datePublished": iso(published_at),
        "dateModified": iso(max(updated_at, published_at)),
        "author": {"@type": "Person", "name": author_name}
        if author_name
        else {"@type": "Organization", "name": shop_name},
        "publisher": {"@type": "Organization", "name": shop_name},
        "wordCount": word_count,
    }
    if topic:
        data["articleSection"] = topic
    if image_url:
        data["image"] = [image_url]
    return data


def breadcrumb_json_ld(crumbs: list[tuple[str, str]]) -> dict[str, Any]:
    """crumbs: (name, absolute URL) from the home page down to this page."""
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": name, "item": url}
            for position, (name, url) in enumerate(crumbs, start=1)
        ],
    }
