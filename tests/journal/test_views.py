"""The public journal: the list, an article, drafts, the guide offer, findability tags and the feed."""

import json
import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shop.accounts.models import Role
from shop.clock import utcnow
from shop.extensions import db
from shop.journal.models import ArticleStatus
from tests.admin.helpers import client_as
from tests.factories import make_product
from tests.guides.helpers import make_free_guide
from tests.journal.helpers import Elements, make_article

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_the_list_shows_live_articles_newest_first(app: Flask, client: FlaskClient) -> None:
    # given
    make_article(title="Older", days_ago=3)
    make_article(title="Newer", days_ago=1)
    make_article(title="Hidden draft", status=ArticleStatus.DRAFT)
    make_article(title="Tomorrow", status=ArticleStatus.SCHEDULED, published_at=utcnow() + timedelta(days=1))

    # when
    text = client.get("/journal").get_data(as_text=True)

    # then
    assert text.index("Newer") < text.index("Older")
    assert "Hidden draft" not in text
    assert "Tomorrow" not in text


def test_the_list_is_paginated_and_filtered_by_topic(app: Flask, client: FlaskClient) -> None:
    app.config["JOURNAL_PAGE_SIZE"] = 2
    for number in range(3):
        make_article(title=f"Talk {number}", topic="Relationships", days_ago=10 - number)
    make_article(title="Notebook", topic="Reflection", days_ago=20)

    first = client.get("/journal").get_data(as_text=True)
    third = client.get("/journal?page=2").get_data(as_text=True)
    topic = client.get("/journal?topic=Reflection").get_data(as_text=True)

    assert "Talk 2" in first and "Talk 1" in first and "Talk 0" not in first
    assert "Talk 0" in third and "Notebook" in third
    assert 'rel="next"' in first
    assert "Notebook" in topic and "Talk" not in topic.split("<main")[1].split("Subscribe")[0]


@pytest.mark.parametrize("query", ["page=²", "page=0", "page=-1", "page=abc", "page=99", "topic=Unknown"])
def test_bad_list_queries_are_a_404(client: FlaskClient, query: str) -> None:
    make_article()

    assert client.get(f"/journal?{query}").status_code == 404


def test_an_empty_journal_is_an_empty_page(client: FlaskClient) -> None:
    response = client.get("/journal")

    assert response.status_code == 200
    assert "No articles yet" in response.get_data(as_text=True)


def test_an_article_shows_its_parts_and_its_neighbours(app: Flask, client: FlaskClient) -> None:
    # given
    tee = make_product(name="Mycelium Tee", price_cents=3_200)
    make_article(title="First", slug="first", days_ago=5)
    make_article(
        title="Middle",
        slug="middle",
        days_ago=3,
        author_name="Robin",
        body="## Start here\n\nWords.",
        related=[tee],
    )
    make_article(title="Last", slug="last", days_ago=1)

    # when
    response = client.get("/journal/middle")
    text = response.get_data(as_text=True)

    # then
    assert response.status_code == 200
    assert '<h1 id="article-title">Middle</h1>' in text
    assert "By Robin" in text and "1 min read" in text
    assert 'id="section-start-here"' in text
    assert 'href="/journal/first" rel="prev"' in text
    assert 'href="/journal/last" rel="next"' in text
    assert "Mycelium Tee" in text and "$32.00" in text
    assert "It is not medical advice" in text
    assert "data-back-to-top" in text
    assert "<script>" not in text.replace(
        '<script type="application/ld+json">', ""
    )  # scripts come from files


def test_hidden_related_products_are_left_out(client: FlaskClient) -> None:
    hidden = make_product(name="Secret Mug", is_published=False)
    make_article(slug="with-hidden", related=[hidden])

    assert "Secret Mug" not in client.get("/journal/with-hidden").get_data(as_text=True)


def test_the_guide_offer_sits_beside_and_after_the_article_and_records_the_article(
    app: Flask, client: FlaskClient
) -> None:
    # given
    make_free_guide()
    make_article(slug="talking")

    # when
    text = client.get("/journal/talking").get_data(as_text=True)

    # then
    forms = [attrs for attrs in Elements(text).named("form") if attrs.get("action") == "/guides/essential"]
    assert len(forms) == 2
    inputs = Elements(text).named("input")
    assert [i["value"] for i in inputs if i.get("name") == "page"] == ["/journal/talking", "/journal/talking"]
    assert [i["value"] for i in inputs if i.get("name") == "form_id"] == ["journal", "journal"]
    ids = [attrs["id"] for _, attrs in Elements(text).tags if attrs.get("id")]
    assert len(ids) == len(set(ids)), "element ids are unique on the page"
    # the guide's own name, its article included, never a doubled one ("the The Essential Guide")
    assert text.count('<h2 id="offer-aside-title">Free guide: The Essential Guide</h2>') == 1
    assert "the The" not in text


def test_a_lead_from_an_article_records_the_article_as_its_page(app: Flask, client: FlaskClient) -> None:
    from shop.guides.models import Lead

    make_free_guide()
    make_article(slug="talking")
    page = client.get("/journal/talking").get_data(as_text=True)
    assert "offer-aside-email" in page

    response = client.post(
        "/guides/essential",
        data={"email": "reader@example.com", "form_id": "journal", "page": "/journal/talking"},
    )

    assert response.status_code == 303
    lead = db.session.scalar(db.select(Lead))
    assert (lead.signup_form, lead.signup_page) == ("journal", "/journal/talking")


@pytest.mark.parametrize("slug", ["a-draft", "no-such-article", "x" * 500, "%3Cscript%3E"])
def test_drafts_and_unknown_slugs_are_a_404_for_visitors(client: FlaskClient, slug: str) -> None:
    make_article(slug="a-draft", status=ArticleStatus.DRAFT)

    assert client.get(f"/journal/{slug}").status_code == 404


def test_a_scheduled_article_is_a_404_until_its_time(app: Flask, client: FlaskClient) -> None:
    article = make_article(
        slug="soon", status=ArticleStatus.SCHEDULED, published_at=utcnow() + timedelta(hours=1)
    )
    assert client.get("/journal/soon").status_code == 404

    # its time comes: nobody runs anything, the rule `published_at <= now` lets it through
    article.published_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    assert client.get("/journal/soon").status_code == 200


def test_a_scheduled_article_appears_on_cached_pages_when_its_time_comes(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: the list and the older article's page are cached while the new one is in the future
    make_article(title="Already out", slug="already-out", days_ago=2)
    make_article(
        title="Coming soon", status=ArticleStatus.SCHEDULED, published_at=utcnow() + timedelta(hours=1)
    )
    assert "Coming soon" not in client.get("/journal").get_data(as_text=True)
    assert "Coming soon" not in client.get("/journal/already-out").get_data(as_text=True)

    # when: two hours pass, with no edit that would change the cache key
    later = utcnow() + timedelta(hours=2)
    monkeypatch.setattr("shop.journal.views.utcnow", lambda: later)

    # then
    assert "Coming soon" in client.get("/journal").get_data(as_text=True)
    assert "Coming soon" in client.get("/journal/already-out").get_data(as_text=True)


def test_staff_preview_drafts_which_are_not_indexed_or_stored(app: Flask, staff_client: FlaskClient) -> None:
    make_article(slug="a-draft", title="Work in progress", status=ArticleStatus.DRAFT)

    response = staff_client.get("/journal/a-draft")

    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Work in progress" in text and "Preview: visitors cannot see this article yet." in text
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["X-Robots-Tag"] == "noindex"


def test_customers_cannot_preview_drafts(app: Flask) -> None:
    make_article(slug="a-draft", status=ArticleStatus.DRAFT)

    assert client_as(app, Role.CUSTOMER).get("/journal/a-draft").status_code == 404


def test_an_article_page_carries_its_search_and_social_tags(app: Flask, client: FlaskClient) -> None:
    make_article(
        slug="tagged",
        title="Listening </script><script>alert(1)</script>",
        summary="How to listen.",
        hero_image_path="img/journal/listening-hero.svg",
        hero_image_alt="Two speech bubbles",
        author_name="Robin",
    )

    text = client.get("/journal/tagged").get_data(as_text=True)
    elements = Elements(text)

    assert re.search(r"<title>Listening &lt;/script&gt;.* · ", text)
    assert elements.meta("description") == "How to listen."
    assert [link["href"] for link in elements.named("link") if link.get("rel") == "canonical"] == [
        "http://localhost/journal/tagged"
    ]
    assert elements.meta("og:type") == "article"
    assert elements.meta("og:url") == "http://localhost/journal/tagged"
    assert elements.meta("og:image") == "http://localhost/static/img/journal/listening-hero.svg"
    assert elements.meta("twitter:card") == "summary_large_image"
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)
    assert len(blocks) == 2, "the title's </script> did not end a JSON-LD block early"
    posting, breadcrumbs = (json.loads(block) for block in blocks)
    assert posting["@type"] == "BlogPosting"
    assert posting["headline"].startswith("Listening </script>")
    assert posting["author"] == {"@type": "Person", "name": "Robin"}
    assert posting["image"] == ["http://localhost/static/img/journal/listening-hero.svg"]
    assert posting["datePublished"] and posting["dateModified"]
    assert [item["name"] for item in breadcrumbs["itemListElement"]][:2] == ["Home", "Journal"]
    assert breadcrumbs["@type"] == "BreadcrumbList"


def test_the_list_has_its_own_canonical_per_page(app: Flask, client: FlaskClient) -> None:
    app.config["JOURNAL_PAGE_SIZE"] = 1
    make_article(days_ago=1)
    make_article(days_ago=2)

    first = Elements(client.get("/journal").get_data(as_text=True))
    second = Elements(client.get("/journal?page=2").get_data(as_text=True))

    canonical = [link["href"] for link in first.named("link") if link.get("rel") == "canonical"]
    assert canonical == ["http://localhost/journal"]
    assert [link["href"] for link in second.named("link") if link.get("rel") == "canonical"] == [
        "http://localhost/journal?page=2"
    ]


def test_the_feed_is_valid_atom_with_the_newest_twenty(app: Flask, client: FlaskClient) -> None:
    # given
    for number in range(22):
        make_article(title=f"Post {number}", summary=f"Summary {number} & more", days_ago=30 - number)
    make_article(title="Draft post", status=ArticleStatus.DRAFT)

    # when
    response = client.get("/journal/feed.xml")

    # then
    assert response.mimetype == "application/atom+xml"
    feed = ElementTree.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{required}") is not None
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 20
    assert [e.findtext(f"{ATOM}title") for e in entries][:2] == ["Post 21", "Post 20"]
    first = entries[0]
    assert first.findtext(f"{ATOM}summary") == "Summary 21 & more"
    assert first.findtext(f"{ATOM}id") == first.find(f"{ATOM}link").get("href")
    for entry in entries:
        for required in ("id", "title", "updated", "published", "author"):
            assert entry.find(f"{ATOM}{required}") is not None
    assert b"Draft post" not in response.data


def test_an_empty_feed_is_still_valid(client: FlaskClient) -> None:
    feed = ElementTree.fromstring(client.get("/journal/feed.xml").data)

    assert feed.findtext(f"{ATOM}updated")
    assert feed.findall(f"{ATOM}entry") == []


def test_the_sitemap_lists_live_articles_with_lastmod(client: FlaskClient) -> None:
    make_article(slug="out-now")
    make_article(slug="draft-one", status=ArticleStatus.DRAFT)
    make_article(slug="later", status=ArticleStatus.SCHEDULED, published_at=utcnow() + timedelta(days=1))

    urlset = ElementTree.fromstring(client.get("/sitemap.xml").data)

    entries = {
        u.findtext(f"{SITEMAP}loc"): u.findtext(f"{SITEMAP}lastmod") for u in urlset.findall(f"{SITEMAP}url")
    }
    assert "http://localhost/journal" in entries
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entries["http://localhost/journal/out-now"] or "")
    assert "http://localhost/journal/draft-one" not in entries
    assert "http://localhost/journal/later" not in entries


def test_each_visitor_gets_their_own_csrf_token_in_the_cached_guide_form(csrf_app: Flask) -> None:
    with csrf_app.app_context():
        make_free_guide()
        make_article(slug="talking")

        pages = [csrf_app.test_client().get("/journal/talking").get_data(as_text=True) for _ in range(2)]

    tokens = [
        [i["value"] for i in Elements(page).named("input") if i.get("name") == "csrf_token"] for page in pages
    ]
    assert all(len(set(t)) == 1 and len(t) == 3 for t in tokens), (
        "both guide forms and the comment form carry the visitor's one token"
    )
    assert tokens[0][0] != tokens[1][0]
    assert "shop-csrf-token-hole" not in pages[0] + pages[1]
