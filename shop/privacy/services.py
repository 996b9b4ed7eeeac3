"""A customer's own data (docs/rules.md#your-data): the export of everything the shop holds about the
account, and deleting the account.

Each domain answers for its own rows (orders/privacy.py, downloads/privacy.py, guides/privacy.py,
journal/comment_privacy.py); this module puts them together. Data tied to an address (guest orders,
download links, the guide lead, comments) counts as the account's only once the account has confirmed
that address, the same rule that attaches guest orders to an account (accounts/linking.py).
"""

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from limits import parse

from shop.accounts.models import User
from shop.audit import services as audit
from shop.audit.services import Actor
from shop.cart.models import Cart, CartLine
from shop.clock import utcnow
from shop.database import committing
from shop.discounts.privacy import (
    forget_redemption_emails,
    redemptions_export,
    rename_welcome_code_email,
    welcome_code_export,
    welcome_code_id,
)
from shop.downloads.privacy import download_history, forget_account_grants
from shop.emails.services import delete_emails_to, queue_email
from shop.extensions import db, limiter
from shop.guides.privacy import forget_account_lead, lead_export, lead_of_account
from shop.journal.comment_privacy import comments_export, forget_comments
from shop.orders.privacy import (
    account_orders,
    anonymise_orders,
    order_export,
    orders_in_progress,
    shipping_address,
)
from shop.privacy.errors import (
    DataRequestError,
    ExportInProgressError,
    NotConfirmedError,
    OrdersInProgressError,
    StaffAccountError,
    WrongPasswordError,
)

log = logging.getLogger(__name__)

EXPORT_FORMAT = "shop-account-export/1"
# One export per account at a time. The lock is a one-hit rate limit in the limiter's storage (Redis
# when REDIS_URL is set, so it holds across processes and hosts); it is cleared when the export ends,
# and expires by itself if a process dies holding it.
EXPORT_LOCK = parse("1 per 2 minutes")
EXPORT_LOCK_NAMESPACE = "account-data-export"
# Who the audit log names as the actor of a self-service deletion: never the address.
ACCOUNT_OWNER = Actor(user_id=None, email="the account's owner")


def placeholder_email(user_id: int) -> str:
    """What replaces a deleted account's address on what the shop keeps: unique per account and
    undeliverable (`.invalid` is reserved and never resolves, RFC 2606)."""
    return f"deleted-account-{user_id}@deleted.invalid"


@contextmanager
def export_lock(user_id: int) -> Iterator[None]:
    """Hold the account's export lock, or raise ExportInProgressError when another export holds it.

    With the lock's storage unreachable (Redis down) the export goes ahead unlocked, with a log line: the
    lock only saves doing the same read twice, and the customer's data must not wait on it."""
    try:
        taken = limiter.limiter.hit(EXPORT_LOCK, EXPORT_LOCK_NAMESPACE, str(user_id))
    except Exception:  # whatever the storage's client raises when it cannot reach its server
        log.warning("export lock storage unreachable; exporting account %s without the lock", user_id)
        yield
        return
    if not taken:
        raise ExportInProgressError()
    try:
        yield
    finally:
        try:
            limiter.limiter.clear(EXPORT_LOCK, EXPORT_LOCK_NAMESPACE, str(user_id))
        except Exception:  # the lock then ends by itself when it expires
            log.warning("export lock storage unreachable; account %s's lock expires by itself", user_id)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise DataRequestError("That account no longer exists.", status_code=404)
    return user


def _addresses(orders: list[Any]) -> list[dict[str, str | None]]:
    """Each distinct shipping address the account's orders used, first use first."""
    seen: list[dict[str, str | None]] = []
    for order in orders:
        address = shipping_address(order)
        if address is not None and address not in seen:
            seen.append(address)
    return seen


def build_export(user_id: int) -> dict[str, Any]:
    """Everything the shop holds about the account, as plain JSON values. A fixed few queries, however
    many orders, links and comments the account has."""
    user = _get_user(user_id)
    confirmed = user.email_confirmed
    orders = account_orders(user.id, user.email, email_confirmed=confirmed)
    lead = lead_of_account(user.id, user.email, email_confirmed=confirmed)
    return {
        "format": EXPORT_FORMAT,
        "exported_at": utcnow().isoformat(),
        "profile": {
            "id": user.id,
            "email": user.email,
            "full_name": user.full_name,
            "role": user.role,
            "email_confirmed_at": _iso(user.email_confirmed_at),
            "created_at": _iso(user.created_at),
            "last_login_at": _iso(user.last_login_at),
        },
        "addresses": _addresses(orders),
        "orders": [order_export(order) for order in orders],
        "downloads": download_history([order.id for order in orders], user.email if confirmed else None),
        "lead": lead_export(lead) if lead is not None else None,
        "comments": comments_export(user.email) if confirmed else [],
        "discounts": {
            "uses": redemptions_export({order.id: order.number for order in orders}),
            "welcome_code": welcome_code_export(lead.id if lead is not None else None),
        },
    }


def export_account_data(user_id: int) -> bytes:
    """The export as a JSON document, one per account at a time (ExportInProgressError otherwise)."""
    with export_lock(user_id):
        data = build_export(user_id)
        db.session.rollback()  # read-only: end the read transaction before the bytes are sent
    log.info("account %s exported its data", user_id)
    return json.dumps(data, indent=2, ensure_ascii=False).encode()


@dataclass(frozen=True)
class DeletionPreview:
    """What the confirmation page tells the customer before they delete."""

    is_staff: bool
    orders_kept: int
    in_progress: list[str]  # numbers of the orders the deletion must wait for
    has_lead: bool
    subscribed: bool


def deletion_preview(user_id: int) -> DeletionPreview:
    user = _get_user(user_id)
    confirmed = user.email_confirmed
    orders = account_orders(user.id, user.email, email_confirmed=confirmed)
    lead = lead_of_account(user.id, user.email, email_confirmed=confirmed)
    return DeletionPreview(
        is_staff=user.is_staff,
        orders_kept=len(orders),
        in_progress=[order.number for order in orders_in_progress(orders)],
        has_lead=lead is not None,
        subscribed=bool(lead and lead.subscribed),
    )


@dataclass(frozen=True)
class DeletionResult:
    orders_anonymised: int
    links_revoked: int
    lead: str  # "kept", "erased" or "none"
    comments_anonymised: int
    comments_deleted: int


def delete_account(user_id: int, *, password: str, understood: bool, keep_newsletter: bool) -> DeletionResult:
    """Delete a customer's account, in one transaction. Commits.

    Refused, with nothing changed, for staff and admin accounts, without the ticked confirmation, with
    a wrong password, or while an order is awaiting payment or waiting to ship. Then: the account's
    orders are kept with the person taken out of them (orders/privacy.py), every download link to them
    or to the address stops working, comments are anonymised or deleted (journal/comment_privacy.py),
    the guide lead is erased as staff erase one unless the customer keeps the newsletter, the delivery
    log of emails to the address goes, the cart goes, the account row is deleted (so every session and
    remember cookie for it stops working), a confirmation is queued to the address and the audit log
    records the deletion by account id only.
    """
    user = _get_user(user_id)
    if user.is_staff:
        raise StaffAccountError()
    if not understood:
        raise NotConfirmedError()
    if not password or not user.check_password(password):
        raise WrongPasswordError()
    with committing():
        email, name, confirmed = user.email, user.full_name, user.email_confirmed
        placeholder = placeholder_email(user.id)
        orders = account_orders(user.id, email, email_confirmed=confirmed)
        if waiting := orders_in_progress(orders):
            raise OrdersInProgressError([order.number for order in waiting])
        anonymise_orders(orders, placeholder=placeholder)
        forget_redemption_emails([order.id for order in orders], placeholder=placeholder)
        revoked = forget_account_grants(
            [order.id for order in orders], email if confirmed else None, placeholder
        )
        lead = lead_of_account(user.id, email, email_confirmed=confirmed)
        lead_outcome = "none"
        if lead is not None:
            welcome_id = welcome_code_id(lead.id)
            erased = forget_account_lead(lead, keep_newsletter=keep_newsletter)
            lead_outcome = "erased" if erased else "kept"
            if erased:
                rename_welcome_code_email(welcome_id, placeholder=placeholder)
        anonymised, deleted = forget_comments(email, placeholder=placeholder) if confirmed else (0, 0)
        delete_emails_to(email)
        cart_ids = sa.select(Cart.id).where(Cart.user_id == user.id)
        db.session.execute(sa.delete(CartLine).where(CartLine.cart_id.in_(cart_ids)))
        db.session.execute(sa.delete(Cart).where(Cart.user_id == user.id))
        db.session.flush()  # the orders and the lead let go of the account before its row goes
        if not db.session.execute(sa.delete(User).where(User.id == user.id)).rowcount:
            # Deleted a moment ago by another request (a second tab): one email and one audit entry.
            raise DataRequestError("That account no longer exists.", status_code=404)
        queue_email(
            to=email,
            subject="Your account has been deleted",
            template="account_deleted",
            context={
                "name": name,
                "orders_kept": len(orders),
                "newsletter_kept": lead_outcome == "kept",
            },
        )
        audit.record(
            ACCOUNT_OWNER,
            "account.delete",
            target_type="user",
            target_id=user_id,
            summary=(
                f"Account #{user_id} deleted by its owner: {len(orders)} order(s) kept anonymised, "
                f"{revoked} download link(s) revoked, guide lead {lead_outcome}"
            ),
            orders_anonymised=len(orders),
            links_revoked=revoked,
            lead=lead_outcome,
            comments_anonymised=anonymised,
            comments_deleted=deleted,
        )
    log.info("account %s deleted by its owner", user_id)
    return DeletionResult(
        orders_anonymised=len(orders),
        links_revoked=revoked,
        lead=lead_outcome,
        comments_anonymised=anonymised,
        comments_deleted=deleted,
    )
