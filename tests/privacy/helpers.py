"""A customer with something in every part of their data (orders, download history, a guide lead with
consent history, comments, a discount code's use and a welcome code), and another customer whose data
must never show up in theirs."""

from dataclasses import dataclass

import sqlalchemy as sa

from shop.accounts.models import User
from shop.audit.services import Actor
from shop.discounts import services as discounts
from shop.discounts.models import DiscountCode
from shop.downloads.models import DownloadEvent, DownloadGrant
from shop.extensions import db
from shop.guides.models import Lead
from shop.journal.comment_models import ArticleComment, CommentStatus
from shop.journal.models import Article
from shop.orders.models import Order
from shop.orders.staff_actions import mark_shipped
from tests.accounts.customers import make_customer
from tests.factories import make_code
from tests.guides.helpers import capture, make_free_guide
from tests.journal.comment_helpers import add_comment
from tests.journal.helpers import make_article
from tests.order_factory import make_paid_order

STAFF = Actor(user_id=None, email="staff@example.com")


@dataclass
class Customer:
    user: User
    orders: list[Order]
    lead: Lead
    approved: ArticleComment
    pending: ArticleComment
    welcome: DiscountCode | None = None


def use_codes(customer: Customer, code: DiscountCode) -> None:
    """The customer's first order used `code` (its use taken as checkout takes it) and their guide lead
    was sent a welcome code."""
    order = customer.orders[0]
    order.discount_code = code.code
    discounts.redeem(code.id, order_id=order.id, email=order.email, discount_cents=500)
    customer.welcome = discounts.create_welcome_code(
        lead_id=customer.lead.id, email=customer.lead.email, offer=discounts.WelcomeOffer(1_000, 30)
    )
    db.session.commit()


def two_customers_with_codes() -> tuple[Customer, Customer]:
    """Ana and Bo, each having used SPORES10 (once per customer, at most 10 uses) and with a welcome
    code."""
    ana, bo = two_customers()
    code = make_code("SPORES10", once_per_customer=True, usage_limit=10)
    use_codes(ana, code)
    use_codes(bo, code)
    return ana, bo


def _downloaded_once(order: Order, ip_address: str) -> None:
    grant = db.session.scalars(sa.select(DownloadGrant).where(DownloadGrant.order_id == order.id)).one()
    db.session.add(
        DownloadEvent(
            grant_id=grant.id, outcome="served", counted=True, ip_address=ip_address, user_agent="UA"
        )
    )
    db.session.commit()


def make_customer_with_data(
    email: str, *, article: Article, ip_address: str, subscribed: bool = True
) -> Customer:
    """A confirmed customer with a paid hoodie-and-guide order, a downloaded guide, a subscribed guide
    lead with its consent, an approved comment and one waiting for moderation. Needs the `shop` fixture."""
    user = make_customer(email)
    orders = [
        make_paid_order(("HOODIE-M", 1), ("GUIDE-WB", 1), email=email, user_id=user.id),
        make_paid_order(("TEE-M", 2), email=email, user_id=user.id),
    ]
    for order in orders:  # shipped: an order still to ship holds the deletion back
        mark_shipped(STAFF, order.id, carrier="UPS", tracking_number="1Z1")
    _downloaded_once(orders[0], ip_address)
    capture(email, consent=subscribed, first_name=email.split("@")[0].title(), ip_address=ip_address)
    lead = db.session.scalars(sa.select(Lead).where(Lead.email == email)).one()
    lead.user_id = user.id
    db.session.commit()
    approved = add_comment(article, email=email, name=f"{email} name", status=CommentStatus.APPROVED)
    pending = add_comment(article, email=email, name=f"{email} name", body="Still waiting.")
    return Customer(user=user, orders=orders, lead=lead, approved=approved, pending=pending)


def two_customers() -> tuple[Customer, Customer]:
    """Ana and Bo, each with data of every kind."""
    make_free_guide()
    article = make_article(title="Listening well")
    ana = make_customer_with_data("ana@example.com", article=article, ip_address="203.0.113.7")
    bo = make_customer_with_data("bo@example.com", article=article, ip_address="198.51.100.9")
    return ana, bo
