"""Which articles earn: per article, its page views, the guide leads it brought, how many of them
confirmed, and the revenue of their orders. One query, however many articles, leads and orders exist.

Rules (the report page says them too):
- A lead belongs to an article when the article was the lead's first-touch landing page or the page whose
  guide form took the sign-up. A lead with one article as landing page and another as sign-up page counts
  for both, so the rows may add up to more than the leads.
- Revenue is the dashboard's: orders that were paid (paid, fulfilled, partially refunded, refunded), net of
  refunds, placed by the lead's email after the lead signed up. All time.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from shop.extensions import db
from shop.guides.models import Lead
from shop.journal.models import Article
from shop.orders.models import Order
from shop.orders.status_machine import REVENUE_STATES

ARTICLE_PATH_PREFIX = "/journal/"


@dataclass(frozen=True)
class ArticleRow:
    article_id: int
    title: str
    slug: str
    status: str
    published_at: datetime | None
    views: int
    leads: int
    confirmed_leads: int
    orders: int
    customers: int
    revenue_cents: int


def article_path(slug_column: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
    """The article page's path, as the guide form and the first-touch cookie record it."""
    return sa.literal(ARTICLE_PATH_PREFIX, sa.String) + slug_column


def _within(
    column: sa.ColumnElement[datetime], since: datetime | None, until: datetime | None
) -> list[sa.ColumnElement[bool]]:
    conditions = []
    if since is not None:
        conditions.append(column >= since)
    if until is not None:
        conditions.append(column < until)
    return conditions


def build_article_report(*, since: datetime | None = None, until: datetime | None = None) -> list[ArticleRow]:
    """Every article, newest published first (drafts last), with its leads and their revenue. With
    `since`/`until` (until excluded), only the leads who signed up and the orders paid in that time count;
    views are always all time (the counter has no dates)."""
    # Only the sign-ups in the time asked for are read (through the sign-up time index).
    signed_up_in_time = _within(Lead.created_at, since, until)
    touches = sa.union(
        sa.select(Lead.id.label("lead_id"), Lead.landing_page.label("page")).where(
            Lead.landing_page.startswith(ARTICLE_PATH_PREFIX), *signed_up_in_time
        ),
        sa.select(Lead.id.label("lead_id"), Lead.signup_page.label("page")).where(
            Lead.signup_page.startswith(ARTICLE_PATH_PREFIX), *signed_up_in_time
        ),
    ).subquery("touch")
    lead_orders = sa.and_(
        Order.email == Lead.email,
        Order.status.in_(REVENUE_STATES),
        Order.paid_at.is_not(None),
        Order.paid_at >= Lead.created_at,
        *_within(Order.paid_at, since, until),
    )
    rows = db.session.execute(
        sa.select(
            Article.id,
            Article.title,
            Article.slug,
            Article.status,
            Article.published_at,
            Article.view_count,
            sa.func.count(sa.distinct(Lead.id)),
            sa.func.count(sa.distinct(sa.case((Lead.confirmed_at.is_not(None), Lead.id)))),
            sa.func.count(Order.id),
            sa.func.count(sa.distinct(Order.email)),
            sa.func.coalesce(sa.func.sum(Order.total_cents - Order.refunded_cents), 0),
        )
        .select_from(Article)
        .outerjoin(touches, touches.c.page == article_path(Article.slug))
        .outerjoin(Lead, Lead.id == touches.c.lead_id)
        .outerjoin(Order, lead_orders)
        .group_by(
            Article.id,
            Article.title,
            Article.slug,
            Article.status,
            Article.published_at,
            Article.view_count,
        )
        .order_by(Article.published_at.is_(None), Article.published_at.desc(), Article.id.desc())
    ).all()
    return [
        ArticleRow(
            article_id=row[0],
            title=row[1],
            slug=row[2],
            status=row[3],
            published_at=row[4],
            views=int(row[5] or 0),
            leads=int(row[6]),
            confirmed_leads=int(row[7]),
            orders=int(row[8]),
            customers=int(row[9]),
            revenue_cents=int(row[10]),
        )
        for row in rows
    ]
