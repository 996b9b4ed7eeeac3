"""The articles report (shop/journal/reports.py): views, the guide leads each article brought (first touch or
sign-up page), how many confirmed, and their orders' revenue net of refunds; a fixed number of queries."""

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from shop.extensions import db
from shop.guides.models import Lead
from shop.journal import reports
from shop.journal.models import Article, ArticleStatus
from shop.payments import staff_refunds
from tests.admin.order_helpers import STAFF
from tests.conftest import count_queries
from tests.fixtures import OrderFactory
from tests.journal.helpers import make_article

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def add_lead(email: str, **fields: object) -> Lead:
    fields.setdefault("created_at", T0)
    lead = Lead(email=email, signup_form="journal", **fields)
    db.session.add(lead)
    db.session.commit()
    return lead


def rows_by_slug() -> dict[str, reports.ArticleRow]:
    return {row.slug: row for row in reports.build_article_report()}


@pytest.fixture
def payment_provider() -> str:
    """Staff refunds run offline through the development provider."""
    return "dev"


@pytest.fixture
def articles(shop: dict) -> dict[str, Article]:
    return {
        "talk": make_article(slug="talk", view_count=120, published_at=T0 - timedelta(days=2)),
        "journal": make_article(slug="journal", view_count=45, published_at=T0 - timedelta(days=1)),
        "draft": make_article(slug="draft", status=ArticleStatus.DRAFT),
    }


def test_each_article_gets_its_leads_confirmations_and_revenue(
    articles: dict[str, Article], paid_order: OrderFactory, pending_order: OrderFactory
) -> None:
    # given leads who landed on or signed up from the articles
    add_lead("land@example.com", landing_page="/journal/talk", signup_page="/guides/g", confirmed_at=T0)
    add_lead("form@example.com", landing_page="/", signup_page="/journal/talk")
    add_lead("both@example.com", landing_page="/journal/talk", signup_page="/journal/talk", confirmed_at=T0)
    add_lead("split@example.com", landing_page="/journal/talk", signup_page="/journal/journal")
    add_lead("other@example.com", landing_page="/journal/talk-more", signup_page="/products/x")
    # and their orders: paid after signing up (counted, net of refunds), before it, or unpaid (not)
    refunded = paid_order(("TEE-M", 1), email="land@example.com", paid_at=T0 + timedelta(days=1))
    staff_refunds.refund(STAFF, refunded.id, amount_cents=1_000)
    guide = paid_order(("GUIDE-WB", 1), email="land@example.com", paid_at=T0 + timedelta(days=2)).total_cents
    paid_order(("GUIDE-WB", 1), email="split@example.com", paid_at=T0 + timedelta(days=3))
    paid_order(("GUIDE-WB", 1), email="form@example.com", paid_at=T0 - timedelta(days=1))
    pending_order(("GUIDE-WB", 1), email="both@example.com")
    tee = refunded.total_cents

    # when
    rows = rows_by_slug()

    # then
    talk, journal, draft = rows["talk"], rows["journal"], rows["draft"]
    assert (talk.views, talk.leads, talk.confirmed_leads) == (120, 4, 2)
    assert (talk.orders, talk.customers) == (3, 2)
    assert talk.revenue_cents == tee - 1_000 + guide + guide
    assert (journal.leads, journal.orders, journal.revenue_cents) == (1, 1, guide)
    assert (draft.views, draft.leads, draft.orders, draft.revenue_cents) == (0, 0, 0, 0)
    # newest published first, drafts last
    assert [row.slug for row in reports.build_article_report()] == ["journal", "talk", "draft"]


def test_the_report_takes_one_query_however_many_articles_and_leads(
    app: Flask, articles: dict, paid_order: OrderFactory
) -> None:
    for number in range(20):
        make_article(slug=f"extra-{number}")
        add_lead(f"lead{number}@example.com", landing_page=f"/journal/extra-{number}")
        paid_order(("GUIDE-WB", 1), email=f"lead{number}@example.com", paid_at=T0 + timedelta(hours=number))

    with count_queries(app) as statements:
        rows = reports.build_article_report()

    assert len(rows) == 23
    assert sum(row.orders for row in rows) == 20
    assert len(statements) == 1


def test_a_time_range_counts_only_its_sign_ups_and_their_orders_paid_in_it(
    articles: dict[str, Article], paid_order: OrderFactory
) -> None:
    # given a lead before the range, one in it with an order in it and one after it, and one after the range
    add_lead("early@example.com", landing_page="/journal/talk", created_at=T0 - timedelta(days=10))
    add_lead("inside@example.com", landing_page="/journal/talk", created_at=T0, confirmed_at=T0)
    add_lead("late@example.com", signup_page="/journal/talk", created_at=T0 + timedelta(days=10))
    paid_order(("TEE-M", 1), email="early@example.com", paid_at=T0)
    inside = paid_order(("MUG", 1), email="inside@example.com", paid_at=T0 + timedelta(hours=1))
    paid_order(("TEE-M", 1), email="inside@example.com", paid_at=T0 + timedelta(days=8))

    # when the report covers a week from T0's day
    since = T0 - timedelta(hours=12)
    rows = {
        row.slug: row for row in reports.build_article_report(since=since, until=since + timedelta(days=7))
    }

    # then only the lead who signed up in it counts, with only its order paid in it; views stay all time
    talk = rows["talk"]
    assert (talk.leads, talk.confirmed_leads, talk.orders, talk.revenue_cents) == (
        1,
        1,
        1,
        inside.total_cents,
    )
    assert talk.views == 120
