"""Which role each admin page and action needs: one table, read by the admin guard and the navigation.

Staff run the day: orders, packing and shipping, notes, the catalog and its stock. Admins also do what
moves money (refunds, cancellations, clearing payment flags), take personal data out in bulk (the orders
CSV, the leads and their export and erasure), read the audit log and manage staff. An endpoint missing
from the table needs an admin, so a new admin route is never open to every staff member by accident
(and a test fails until it is listed here).
"""

from types import MappingProxyType
from typing import Any

from shop.accounts.models import Role

ENDPOINT_ROLES = MappingProxyType(
    {
        # the day's work: orders to pack and ship, answering customers
        "admin.dashboard": Role.STAFF,
        "admin.orders": Role.STAFF,
        "admin.order_detail": Role.STAFF,
        "admin.order_ship": Role.STAFF,
        "admin.order_note": Role.STAFF,
        "admin.order_resend": Role.STAFF,
        # invoices and credit notes to answer customers; packing slips to pack the day's orders
        "admin.order_invoice": Role.STAFF,
        "admin.order_invoice_pdf": Role.STAFF,
        "admin.order_credit_note": Role.STAFF,
        "admin.order_credit_note_pdf": Role.STAFF,
        "admin.order_packing_slip": Role.STAFF,
        "admin.order_packing_slip_pdf": Role.STAFF,
        "admin.packing_slips": Role.STAFF,
        "admin.packing_slips_pdf": Role.STAFF,
        # money: refunds, cancellations (a paid order is refunded in full), payment flags
        "admin.order_refund": Role.ADMIN,
        "admin.order_refund_lines": Role.ADMIN,
        "admin.order_cancel": Role.ADMIN,
        "admin.order_clear_flag": Role.ADMIN,
        # every order's name, email and address in one file
        "admin.orders_csv": Role.ADMIN,
        # the catalog and its stock
        "admin.products": Role.STAFF,
        "admin.product_new": Role.STAFF,
        "admin.product_edit": Role.STAFF,
        "admin.product_publish": Role.STAFF,
        "admin.product_image": Role.STAFF,
        "admin.product_guide": Role.STAFF,
        "admin.variant_new": Role.STAFF,
        "admin.variant_edit": Role.STAFF,
        "admin.variant_stock": Role.STAFF,
        # the journal: writing, previewing, scheduling and unpublishing articles
        "admin.journal_articles": Role.STAFF,
        "admin.journal_article_new": Role.STAFF,
        "admin.journal_article_edit": Role.STAFF,
        "admin.journal_article_preview": Role.STAFF,
        "admin.journal_article_publish": Role.STAFF,
        "admin.journal_article_schedule": Role.STAFF,
        "admin.journal_article_unpublish": Role.STAFF,
        "admin.journal_article_image": Role.STAFF,
        # journal comments: the moderation queue and the shop's replies; which articles earn
        "admin.comments_queue": Role.STAFF,
        "admin.comments_moderate": Role.STAFF,
        "admin.comment_reply": Role.STAFF,
        "admin.article_report": Role.STAFF,
        "admin.insights_csv": Role.STAFF,
        "admin.sales_report": Role.STAFF,
        # the mailing list: people who are not (yet) customers, their consent history and IP addresses
        "admin.leads": Role.ADMIN,
        "admin.lead_detail": Role.ADMIN,
        "admin.leads_export": Role.ADMIN,
        "admin.lead_erase": Role.ADMIN,
        # discount codes: staff see them and what they brought in; changing one moves money, so admins
        # create, edit, pause, resume and end them
        "admin.discounts": Role.STAFF,
        "admin.discount_new": Role.ADMIN,
        "admin.discount_edit": Role.ADMIN,
        "admin.discount_pause": Role.ADMIN,
        "admin.discount_resume": Role.ADMIN,
        "admin.discount_end": Role.ADMIN,
        # oversight
        "admin.audit_log": Role.ADMIN,
        "admin.staff": Role.ADMIN,
        "admin.staff_invite": Role.ADMIN,
        "admin.staff_role": Role.ADMIN,
    }
)

# Each role and the roles it includes: an admin may do everything staff may.
_GRANTS = {
    Role.CUSTOMER: frozenset({Role.CUSTOMER}),
    Role.STAFF: frozenset({Role.CUSTOMER, Role.STAFF}),
    Role.ADMIN: frozenset({Role.CUSTOMER, Role.STAFF, Role.ADMIN}),
}


def required_role(endpoint: str | None) -> Role:
    """The role an admin endpoint needs; admin for any endpoint the table does not list."""
    return ENDPOINT_ROLES.get(endpoint or "", Role.ADMIN)


def may_use(user: Any, endpoint: str | None) -> bool:
    """Whether `user` (a User or Flask-Login's anonymous user) may open the admin endpoint."""
    if not getattr(user, "is_authenticated", False):
        return False
    try:
        role = Role(user.role)
    except ValueError:
        return False
    return required_role(endpoint) in _GRANTS[role]
