"""Every HTML page of the shop, with a URL to open it at: the list the accessibility walk (and `make audit`)
checks, derived from `app.url_map` so that a new page cannot be forgotten.

Each GET endpoint is either a page here (who opens it, and its URL built from sample data seeded by
`seed_samples`) or an exclusion with its reason (JSON, files, feeds, redirects, development tools).
`unlisted_endpoints` names any GET endpoint that is neither, and the walk fails on it.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from shop.accounts import services as accounts
from shop.accounts import tokens as account_tokens
from shop.accounts.models import Role
from shop.audit.services import Actor
from shop.catalog.models import Product
from shop.clock import utcnow
from shop.discounts.demo_codes import DEMO_CODE, seed_demo_codes
from shop.discounts.models import DiscountCode
from shop.emails.models import OutgoingEmail
from shop.extensions import db
from shop.guides import services as guides
from shop.guides import tokens as guide_tokens
from shop.guides.attribution import VisitSource
from shop.guides.models import Lead
from shop.journal import comments
from shop.journal.comment_models import ArticleComment
from shop.journal.demo_articles import seed_demo_articles
from shop.journal.models import Article
from shop.orders import access
from shop.payments import staff_refunds
from tests.e2e.conftest import PHONE, TIMEOUT_MS
from tests.e2e.shopper import add_hoodie_with_javascript
from tests.e2e.test_guide_gate import GUIDE_PATH, sign_up_on_the_guide_page
from tests.order_factory import (
    make_paid_order,
    make_pending_order,
    next_session_id,
    pay,
    set_discounts_and_tax,
)

PASSWORD = "correct horse battery"
CUSTOMER_EMAIL = "walk-customer@example.com"
STAFF_EMAIL = "walk-admin@example.com"
ARTICLE_SLUG = "listening-in-relationships"  # a published demo article
# Paid orders (days before the seeding, items) beside the customer's: bars on most days of the admin
# charts' default 30-day range and a previous period for their comparison line, so the walk and
# `make audit` check the charts as drawn, not only their empty states.
CHART_ORDERS: tuple[tuple[int, tuple[tuple[str, int], ...]], ...] = (
    (1, (("MUG-ENAMEL", 2),)),
    (3, (("GUIDE-WORKBOOK", 1), ("POSTER-FIELD", 1))),
    (6, (("TOTE-CANVAS", 1),)),
    (9, (("GUIDE-INTEGRATION", 1),)),
    (14, (("JOURNAL-PRINTED", 1), ("INFUSER-TEA", 2))),
    (22, (("MUG-ENAMEL", 1),)),
    (37, (("POSTER-FIELD", 2),)),
    (45, (("GUIDE-WORKBOOK", 1),)),
)

# Who opens a page: a visitor without an account (whose cart holds a hoodie), a logged-in customer
# with a paid and partly refunded order, or an admin (who sees every staff page).
Audience = Literal["visitor", "customer", "staff"]
AUDIENCES: tuple[Audience, ...] = ("visitor", "customer", "staff")


@dataclass(frozen=True)
class SitePage:
    endpoint: str
    audience: Audience
    path: Callable[[dict[str, str]], str]
    # Search engines may index it (Lighthouse's SEO score applies): public storefront pages only.
    indexable: bool = False


def _page(endpoint: str, audience: Audience, path: str, *, indexable: bool = False) -> SitePage:
    """A page whose URL is `path` with `{name}` filled from the samples."""
    return SitePage(endpoint, audience, lambda samples: path.format(**samples), indexable)


PAGES: tuple[SitePage, ...] = (
    # --- storefront
    _page("catalog.home", "visitor", "/", indexable=True),
    _page("catalog.product_list", "visitor", "/products", indexable=True),
    _page("catalog.product_detail", "visitor", "/products/{product_slug}", indexable=True),
    _page("guides.guide", "visitor", "/guides/{guide_slug}", indexable=True),
    _page("guides.check_inbox", "visitor", "/guides/{guide_slug}/check-your-inbox"),
    _page("guides.confirm_page", "visitor", "/guides/confirm/{guide_token}"),
    _page("guides.unsubscribe_page", "visitor", "/unsubscribe/{unsubscribe_token}"),
    _page("journal.article_list", "visitor", "/journal", indexable=True),
    _page("journal.article_detail", "visitor", "/journal/{article_slug}", indexable=True),
    _page("journal.comment_emails", "visitor", "/journal/comment-emails/{comment_emails_token}"),
    _page("site.privacy", "visitor", "/privacy", indexable=True),
    _page("cart.show", "visitor", "/cart"),
    _page("checkout.start", "visitor", "/checkout"),
    _page("payments.dev_checkout", "visitor", "/payments/dev/{pending_session_id}"),
    _page("checkout.cancel_page", "visitor", "/checkout/cancel/{pending_token}"),
    _page("checkout.success", "visitor", "/checkout/success?session_id={paid_session_id}"),
    _page("orders.show", "visitor", "/orders/{order_number}?t={order_token}"),
    _page("invoices.invoice", "visitor", "/orders/{order_number}/invoice?t={order_token}"),
    _page(
        "invoices.credit_note",
        "visitor",
        "/orders/{order_number}/credit-notes/{credit_note_number}?t={order_token}",
    ),
    # --- accounts
    _page("accounts.login", "visitor", "/account/login"),
    _page("accounts.register", "visitor", "/account/register"),
    _page("accounts.request_reset", "visitor", "/account/reset"),
    _page("accounts.reset_password", "visitor", "/account/reset/{reset_token}"),
    _page("accounts.confirm_email", "visitor", "/account/confirm/{confirm_token}"),
    _page("accounts.confirm_email_change", "customer", "/account/email/confirm/{email_change_token}"),
    _page("accounts.overview", "customer", "/account/"),
    _page("accounts.orders", "customer", "/account/orders"),
    _page("accounts.change_email", "customer", "/account/email"),
    _page("accounts.change_password", "customer", "/account/password"),
    _page("accounts.logout", "customer", "/account/logout"),
    _page("privacy.delete_account", "customer", "/account/delete"),
    # --- admin
    _page("admin.dashboard", "staff", "/admin/"),
    _page("admin.orders", "staff", "/admin/orders"),
    _page("admin.order_detail", "staff", "/admin/orders/{order_number}"),
    _page("admin.order_invoice", "staff", "/admin/orders/{order_number}/invoice"),
    _page(
        "admin.order_credit_note", "staff", "/admin/orders/{order_number}/credit-notes/{credit_note_number}"
    ),
    _page("admin.order_packing_slip", "staff", "/admin/orders/{order_number}/packing-slip"),
    _page("admin.packing_slips", "staff", "/admin/packing-slips"),
    _page("admin.products", "staff", "/admin/products"),
    _page("admin.product_new", "staff", "/admin/products/new"),
    _page("admin.product_edit", "staff", "/admin/products/{product_id}"),
    _page("admin.discounts", "staff", "/admin/discounts"),
    _page("admin.discount_new", "staff", "/admin/discounts/new"),
    _page("admin.discount_edit", "staff", "/admin/discounts/{discount_id}"),
    _page("admin.leads", "staff", "/admin/leads"),
    _page("admin.lead_detail", "staff", "/admin/leads/{lead_id}"),
    _page("admin.lead_erase", "staff", "/admin/leads/{lead_id}/erase"),
    _page("admin.journal_articles", "staff", "/admin/journal"),
    _page("admin.journal_article_new", "staff", "/admin/journal/new"),
    _page("admin.journal_article_edit", "staff", "/admin/journal/{article_id}"),
    _page("admin.comments_queue", "staff", "/admin/comments"),
    _page("admin.comment_reply", "staff", "/admin/comments/{comment_id}/reply"),
    _page("admin.sales_report", "staff", "/admin/reports/sales"),
    _page("admin.article_report", "staff", "/admin/reports/articles"),
    _page("admin.staff", "staff", "/admin/staff"),
    _page("admin.audit_log", "staff", "/admin/audit"),
)

EXCLUDED: dict[str, str] = {
    "static": "files (stylesheets, scripts, images), not pages",
    "media.file": "an uploaded image file, not a page",
    "site.favicon": "an image file",
    "site.robots": "plain text for crawlers",
    "site.sitemap": "XML for crawlers",
    "site.healthz": "JSON for the load balancer",
    "journal.feed": "an Atom feed (XML)",
    "cart.show_json": "JSON for the cart script",
    "privacy.export_data": "a JSON download of the customer's data",
    "downloads.download": "a guide's PDF file (and each visit counts a download)",
    "invoices.invoice_pdf": "a PDF file",
    "invoices.credit_note_pdf": "a PDF file",
    "admin.order_invoice_pdf": "a PDF file",
    "admin.order_credit_note_pdf": "a PDF file",
    "admin.order_packing_slip_pdf": "a PDF file",
    "admin.packing_slips_pdf": "a PDF file",
    "admin.orders_csv": "a CSV file",
    "admin.leads_export": "a CSV file",
    "admin.insights_csv": "a CSV file",
    "dev_outbox.index": "a development tool, never served in production",
    "dev_outbox.show": "a development tool, never served in production",
    "dev_outbox.show_html": "a development tool, never served in production",
}


def get_endpoints(app: Flask) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ())}


def unlisted_endpoints(app: Flask) -> set[str]:
    """GET endpoints that are neither a page here nor excluded with a reason."""
    listed = {page.endpoint for page in PAGES} | set(EXCLUDED)
    return get_endpoints(app) - listed


PAGE_BY_ENDPOINT = {page.endpoint: page for page in PAGES}


# --- browsing as each audience ---------------------------------------------------------------------


def log_in(page: Page, email: str) -> None:
    page.goto("/account/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".flashes")).to_contain_text("You're logged in.")


def open_tab(browser: Browser, base_url: str, viewport: str, audience: Audience) -> Page:
    """A tab in a new browser context of `viewport` ("desktop" or "phone", 360×740), as `audience`: the
    visitor has asked for the free guide and has a hoodie in the cart; the customer and the admin are
    logged in. The caller closes `page.context`."""
    size = {"viewport": PHONE, "is_mobile": True} if viewport == "phone" else {}
    context = browser.new_context(base_url=base_url, **size)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    if audience == "visitor":
        page.goto(GUIDE_PATH)
        sign_up_on_the_guide_page(page, f"robin-{viewport}@example.com")
        add_hoodie_with_javascript(page, "M")
    else:
        log_in(page, CUSTOMER_EMAIL if audience == "customer" else STAFF_EMAIL)
    return page


# --- sample data ---------------------------------------------------------------------------------


def _newest_link(to: str, pattern: str) -> str:
    bodies = db.session.scalars(
        sa.select(OutgoingEmail.text_body)
        .where(OutgoingEmail.to_address == to)
        .order_by(OutgoingEmail.id.desc())
    )
    for body in bodies:
        if found := re.search(pattern, body):
            return found.group(1)
    raise AssertionError(f"no email to {to} carries a link like {pattern}")


def _seed_chart_orders() -> None:
    now = utcnow()
    for days_ago, items in CHART_ORDERS:
        make_paid_order(
            *items,
            email=f"walk-buyer{days_ago}@example.com",
            provider="dev",
            paid_at=now - timedelta(days=days_ago),
        )
    # One with the demo code (10% off the mug), for the sales report's discount codes chart.
    discounted = make_pending_order(
        ("MUG-ENAMEL", 1), email="walk-code@example.com", session_id=next_session_id("dev"), provider="dev"
    )
    discounted = set_discounts_and_tax(discounted, [(180, 0, None)], discount_code=DEMO_CODE)
    pay(discounted, paid_at=now - timedelta(days=4))


def seed_samples(app: Flask) -> dict[str, str]:
    """Seed what the pages need beyond the demo catalog (articles, a discount code, a customer with a
    paid, partly refunded order, paid orders over the past weeks for the admin charts, a pending
    payment, an admin, a lead and a comment) and return the values
    their URLs are built from. Call once on a freshly seeded demo catalog."""
    with app.app_context():
        seed_demo_articles()
        seed_demo_codes()
        admin = accounts.create_staff(STAFF_EMAIL, PASSWORD, role=Role.ADMIN)
        customer = accounts.register(email=CUSTOMER_EMAIL, password=PASSWORD, full_name="Robin")
        customer.email_confirmed_at = utcnow()
        db.session.commit()
        unconfirmed = accounts.register(email="walk-new@example.com", password=PASSWORD, full_name="Sam")

        order = make_pending_order(
            ("GUIDE-WORKBOOK", 1),
            ("TEE-MYCELIUM-L", 1),
            email=CUSTOMER_EMAIL,
            session_id=next_session_id("dev"),
            provider="dev",
            user_id=customer.id,
        )
        order = pay(order)
        staff_refunds.refund(Actor(admin.id, admin.email), order.id, amount_cents=500, reason="Creased")
        db.session.expire_all()
        _seed_chart_orders()
        pending = make_pending_order(
            ("MUG-ENAMEL", 1),
            email="walk-pending@example.com",
            session_id=next_session_id("dev"),
            provider="dev",
        )

        guide = db.session.scalar(sa.select(Product).where(Product.is_lead_magnet.is_(True)))
        lead_email = "walk-lead@example.com"
        captured = guides.capture_lead(
            guide_slug=guide.slug,
            email=lead_email,
            first_name="Ana",
            marketing_consent=True,
            honeypot="",
            context=guides.SignupContext("guide", None, None, None, VisitSource()),
            shop_name="Good Spores",
            link_ttl_hours=48,
        )
        article = db.session.scalar(sa.select(Article).where(Article.slug == ARTICLE_SLUG))
        comments.submit_comment(
            article.id,
            name="Robin Reader",
            email=CUSTOMER_EMAIL,
            body="Thank you, this helped me start writing again.",
            honeypot="",
            form_stamp_value=comments.form_stamp(article.id, now=utcnow() - timedelta(seconds=30)),
        )
        comment_id = db.session.scalar(sa.select(sa.func.max(ArticleComment.id)))
        change_token = account_tokens.make_token(
            account_tokens.CHANGE_EMAIL,
            {"uid": customer.id, "old": customer.email, "new": "walk-renamed@example.com"},
        )
        samples = {
            "product_slug": "spore-print-hoodie",
            "product_id": str(
                db.session.scalar(sa.select(Product.id).where(Product.slug == "spore-print-hoodie"))
            ),
            "guide_slug": guide.slug,
            "guide_token": _newest_link(lead_email, r"/guides/confirm/([\w.-]+)"),
            "unsubscribe_token": guide_tokens.unsubscribe_token(captured.lead_id),
            "lead_id": str(captured.lead_id),
            "article_slug": article.slug,
            "article_id": str(article.id),
            "comment_id": str(comment_id),
            "comment_emails_token": comments.emails_token(CUSTOMER_EMAIL),
            "discount_id": str(db.session.scalar(sa.select(DiscountCode.id))),
            "order_number": order.number,
            "order_token": access.access_token(order.number),
            "credit_note_number": order.credit_notes[0].number,
            "paid_session_id": order.payment_session_id,
            "pending_session_id": pending.payment_session_id,
            "pending_token": access.access_token(pending.number),
            "reset_token": accounts.make_reset_token(customer),
            "confirm_token": _newest_link(unconfirmed.email, r"/account/confirm/([\w.-]+)"),
            "email_change_token": change_token,
        }
        assert db.session.get(Lead, captured.lead_id) is not None
        db.session.remove()
    return samples
