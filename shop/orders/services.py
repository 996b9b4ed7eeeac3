"""Order use cases: create with stock reserved, mark paid / failed / expired / cancelled, refund, sweep.

Every public use case that changes an order locks its row first (SELECT … FOR UPDATE on PostgreSQL;
SQLite serialises writers anyway), so a webhook, the success page, the sweep and reconciliation racing on
one order apply in turn and each sees what the last one did. Stock is only ever moved by conditional
UPDATEs, and a reservation is returned at most once: `reservation_released_at` is set by an UPDATE that
only matches while it is still NULL, in the same transaction as the stock going back.

Provider events (Stripe event ids) are recorded in `payment_event_record` in the same transaction as their
effects; the unique event id makes a replay, even a concurrent one, a no-op.
"""

import enum
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from shop import pricing
from shop.accounts.linking import confirmed_account_id, link_note
from shop.audit import services as audit
from shop.audit.services import Actor
from shop.cart.services import remove_purchased
from shop.catalog.models import ProductVariant
from shop.catalog.services import bump_catalog_revision
from shop.clock import utcnow
from shop.downloads.models import DownloadGrant
from shop.downloads.services import DownloadLink, issue_grant, revoke_grants
from shop.email_addresses import normalize_email
from shop.emails.services import queue_email
from shop.extensions import db
from shop.guides.services import mark_lead_as_customer
from shop.money import format_cents
from shop.orders import access
from shop.orders.addresses import ShippingAddress
from shop.orders.errors import OrderError, RefundError, UnknownOrderError
from shop.orders.models import Order, OrderLine, OrderStatus, PaymentEventRecord
from shop.orders.status_machine import PAID_STATES, add_event, transition
from shop.payments.errors import PaymentError
from shop.payments.provider import RefundResult
from shop.payments.selection import get_provider

log = logging.getLogger(__name__)

# No 0/O, 1/I/L or U: easy to read aloud and to type from a phone screen. 30^6 ≈ 729 million numbers.
ORDER_NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
ORDER_NUMBER_LENGTH = 6
ORDER_NUMBER_PREFIX = "GS-"

ACTOR_SHOPPER = "shopper"
ACTOR_PAYMENTS = "payments"
ACTOR_SYSTEM = "system"


class Outcome(enum.StrEnum):
    APPLIED = "applied"
    ALREADY_DONE = "already_done"  # the order was already in that state: nothing changed
    DUPLICATE = "duplicate"  # this provider event was applied before
    FLAGGED = "flagged"  # not applied: a person must look (mismatch, no stock for a late payment)
    UNKNOWN_ORDER = "unknown_order"


class StockShortError(OrderError):
    """One line could not be reserved; nothing was reserved."""

    status_code = 409

    def __init__(self, name: str, available: int) -> None:
        if available <= 0:
            message = f"Sorry, {name} has just sold out. Remove it from your cart to continue."
        else:
            message = f"Sorry, only {available} left of {name}. Lower the quantity in your cart to continue."
        super().__init__(message)
        self.name = name
        self.available = available


@dataclass(frozen=True)
class NewOrderLine:
    variant_id: int
    product_id: int
    sku: str
    name: str
    unit_price_cents: int
    quantity: int
    is_digital: bool


@dataclass(frozen=True)
class PaymentConfirmation:
    """What the provider says was paid for an order."""

    session_id: str | None
    payment_intent_id: str | None
    amount_cents: int | None
    currency: str | None
    shipping: ShippingAddress | None = None


# --- reading --------------------------------------------------------------------------------------


def get_order_by_number(number: str) -> Order | None:
    if not isinstance(number, str) or len(number) > 16:
        return None
    return db.session.scalar(
        sa.select(Order)
        .where(Order.number == number.strip().upper())
        .options(selectinload(Order.lines), selectinload(Order.events))
    )


def get_order_by_session(session_id: str) -> Order | None:
    if not session_id or len(session_id) > 255:
        return None
    return db.session.scalar(
        sa.select(Order).where(Order.payment_session_id == session_id).options(selectinload(Order.lines))
    )


def get_order_by_checkout_key(checkout_key: str) -> Order | None:
    return db.session.scalar(sa.select(Order).where(Order.checkout_key == checkout_key))


def new_order_number() -> str:
    """A random number not yet used (the unique constraint is the final word)."""
    for _ in range(10):
        code = "".join(secrets.choice(ORDER_NUMBER_ALPHABET) for _ in range(ORDER_NUMBER_LENGTH))
        number = ORDER_NUMBER_PREFIX + code
        if db.session.scalar(sa.select(Order.id).where(Order.number == number)) is None:
            return number
    raise RuntimeError("could not find a free order number")  # 10 collisions in 729M: never


def _lock(order_id: int) -> Order | None:
    return db.session.scalar(
        sa.select(Order)
        .where(Order.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def lock_order(order_id: int) -> Order | None:
    """The order, its row locked for this transaction (staff use cases in shop/orders/management.py)."""
    return _lock(order_id)


def _audit(staff: Actor | None, action: str, order: Order, summary: str, **details: Any) -> None:
    """A staff action also goes to the audit log, in the same transaction as the change it records."""
    if staff is not None:
        audit.record(staff, action, target_type="order", target_id=order.number, summary=summary, **details)


# --- stock ----------------------------------------------------------------------------------------


def _physical_quantities(lines: list[OrderLine] | list[NewOrderLine]) -> list[tuple[int, int, str]]:
    """(variant id, quantity, name) of the lines that hold stock, in variant-id order: every transaction
    locks variant rows in the same order, so two checkouts sharing items cannot deadlock."""
    rows = [
        (line.variant_id, line.quantity, line.name)
        for line in lines
        if not line.is_digital and line.variant_id is not None
    ]
    return sorted(rows)  # type: ignore[arg-type]


def reserve_stock(lines: list[OrderLine] | list[NewOrderLine]) -> None:
    """Take each physical line's quantity off stock with a conditional UPDATE, in the caller's
    transaction. If one line is short, the lines already taken are put back and StockShortError names it.
    """
    taken: list[tuple[int, int]] = []
    for variant_id, quantity, name in _physical_quantities(lines):
        result = db.session.execute(
            sa.update(ProductVariant)
            .where(ProductVariant.id == variant_id, ProductVariant.stock_on_hand >= quantity)
            .values(stock_on_hand=ProductVariant.stock_on_hand - quantity)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            for taken_id, taken_quantity in taken:
                _return_stock(taken_id, taken_quantity)
            available = db.session.scalar(
                sa.select(ProductVariant.stock_on_hand).where(ProductVariant.id == variant_id)
            )
            raise StockShortError(name, available or 0)
        taken.append((variant_id, quantity))
    if taken:
        bump_catalog_revision()


def _return_stock(variant_id: int, quantity: int) -> None:
    db.session.execute(
        sa.update(ProductVariant)
        .where(ProductVariant.id == variant_id)
        .values(stock_on_hand=ProductVariant.stock_on_hand + quantity)
        .execution_options(synchronize_session=False)
    )


def release_reservation(order: Order, *, actor: str) -> bool:
    """Return the order's reserved stock, once: only the UPDATE that flips reservation_released_at from
    NULL does it. In the caller's transaction. Returns whether this call released it."""
    now = utcnow()
    result = db.session.execute(
        sa.update(Order)
        .where(Order.id == order.id, Order.reservation_released_at.is_(None))
        .values(reservation_released_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    db.session.refresh(order, ["reservation_released_at"])
    returned = _physical_quantities(order.lines)
    for variant_id, quantity, _ in returned:
        _return_stock(variant_id, quantity)
    if returned:
        bump_catalog_revision()
        summary = ", ".join(f"{quantity} × {name}" for _, quantity, name in returned)
        add_event(order, actor=actor, kind="stock", note=f"Reserved stock returned: {summary}.")
    return True


def _renew_reservation(order: Order, *, actor: str) -> bool:
    """For a payment that arrived after the release: take the stock again if it is still there."""
    try:
        reserve_stock(order.lines)
    except StockShortError as short:
        add_event(order, actor=actor, kind="stock", note=f"Could not reserve stock again: {short.message}")
        return False
    db.session.execute(
        sa.update(Order)
        .where(Order.id == order.id)
        .values(reservation_released_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(order, ["reservation_released_at"])
    add_event(order, actor=actor, kind="stock", note="Stock reserved again for a late payment.")
    return True


# --- creating -------------------------------------------------------------------------------------


def create_order(
    *,
    email: str,
    lines: list[NewOrderLine],
    address: ShippingAddress | None,
    currency: str,
    flat_rate_cents: int,
    free_over_cents: int,
    reservation_minutes: int,
    cart_token: str | None,
    checkout_key: str | None,
    user_id: int | None = None,
) -> Order:
    """A pending order with its stock reserved, in the caller's transaction (the caller commits, or rolls
    back on StockShortError so nothing stays reserved). Totals come from pricing.order_totals only.
    `user_id` is the logged-in customer placing it (None for a guest)."""
    if not lines:
        raise OrderError("An order needs at least one item.")
    totals = pricing.order_totals(
        [
            pricing.PricedLine(
                unit_price_cents=line.unit_price_cents,
                quantity=line.quantity,
                is_physical=not line.is_digital,
            )
            for line in lines
        ],
        flat_rate_cents=flat_rate_cents,
        free_over_cents=free_over_cents,
    )
    if totals.requires_shipping and address is None:
        raise OrderError("A shipping address is needed for physical items.")
    reserve_stock(lines)
    now = utcnow()
    order = Order(
        number=new_order_number(),
        checkout_key=checkout_key,
        email=normalize_email(email),
        user_id=user_id,
        status=OrderStatus.PENDING_PAYMENT.value,
        currency=currency,
        subtotal_cents=totals.subtotal_cents,
        merchandise_subtotal_cents=totals.merchandise_subtotal_cents,
        shipping_cents=totals.shipping_cents,
        tax_cents=totals.tax_cents,
        total_cents=totals.total_cents,
        refunded_cents=0,
        requires_shipping=totals.requires_shipping,
        reservation_expires_at=now + timedelta(minutes=reservation_minutes),
        cart_token=cart_token,
        created_at=now,
    )
    if totals.requires_shipping and address is not None:
        _set_address(order, address)
    for line in lines:
        order.lines.append(
            OrderLine(
                variant_id=line.variant_id,
                product_id=line.product_id,
                sku=line.sku,
                name=line.name,
                unit_price_cents=line.unit_price_cents,
                quantity=line.quantity,
                is_digital=line.is_digital,
            )
        )
    add_event(
        order,
        actor=ACTOR_SHOPPER,
        kind="created",
        note=f"Order placed for {format_cents(order.total_cents, currency)}; stock reserved until "
        f"{order.reservation_expires_at:%Y-%m-%d %H:%M} UTC.",
    )
    db.session.add(order)
    db.session.flush()
    return order


def _set_address(order: Order, address: ShippingAddress) -> None:
    order.ship_name = address.name
    order.ship_line1 = address.line1
    order.ship_line2 = address.line2 or None
    order.ship_city = address.city
    order.ship_region = address.region or None
    order.ship_postal_code = address.postal_code
    order.ship_country = address.country


def order_address(order: Order) -> ShippingAddress | None:
    if not order.requires_shipping or not order.ship_line1:
        return None
    return ShippingAddress(
        name=order.ship_name or "",
        line1=order.ship_line1 or "",
        line2=order.ship_line2 or "",
        city=order.ship_city or "",
        region=order.ship_region or "",
        postal_code=order.ship_postal_code or "",
        country=order.ship_country or "",
    )


def attach_payment_session(
    order_id: int, *, provider: str, session_id: str, url: str, expires_at: datetime
) -> None:
    """Remember the provider's session for an order (and the expiry both now share). Commits."""
    order = _lock(order_id)
    if order is None:
        raise UnknownOrderError("That order no longer exists.")
    order.payment_provider = provider
    order.payment_session_id = session_id
    order.payment_url = url
    order.reservation_expires_at = expires_at
    db.session.commit()


# --- provider events ------------------------------------------------------------------------------


def _claim_event(event_id: str | None, event_type: str, order: Order | None) -> bool:
    """Record a provider event as applied (same transaction as its effects); False if it already was."""
    if not event_id:
        return True
    seen = db.session.scalar(sa.select(PaymentEventRecord.id).where(PaymentEventRecord.event_id == event_id))
    if seen is not None:
        return False
    db.session.add(
        PaymentEventRecord(
            event_id=event_id, event_type=event_type[:80], order_id=order.id if order else None
        )
    )
    return True


def event_already_applied(event_id: str) -> bool:
    """A cheap, lock-free check for a replayed provider event (Stripe retries); the unique event id
    inside the applying transaction remains the real guard against concurrent duplicates."""
    seen = _event_seen(event_id)
    db.session.rollback()
    return seen


def _event_seen(event_id: str) -> bool:
    return (
        db.session.scalar(sa.select(PaymentEventRecord.id).where(PaymentEventRecord.event_id == event_id))
        is not None
    )


def _commit_or_duplicate(event_id: str | None) -> bool:
    """Commit; a concurrent delivery of the same event loses on the unique event id. True if committed."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if event_id and _event_seen(event_id):
            return False
        raise
    return True


def flag(order: Order, *, actor: str, reason: str) -> None:
    """Ask staff to look at an order, in the caller's transaction."""
    order.needs_attention = True
    order.attention_reason = reason[:500]
    add_event(order, actor=actor, kind="flagged", note=reason)


def mark_paid(
    order_id: int,
    payment: PaymentConfirmation,
    *,
    actor: str = ACTOR_PAYMENTS,
    event_id: str | None = None,
    event_type: str = "",
) -> Outcome:
    """Record a payment and fulfil the order, once, however often and in whatever order it is reported.

    A payment whose amount or currency differs from the order is not fulfilled: the order is flagged.
    A payment for an order whose reservation was released takes the stock again if it can; if not, the
    order is flagged and refunded automatically. Commits.
    """
    order = _lock(order_id)
    if order is None:
        db.session.rollback()
        return Outcome.UNKNOWN_ORDER
    if not _claim_event(event_id, event_type, order):
        db.session.rollback()
        return Outcome.DUPLICATE
    outcome, refund_now = _apply_payment(order, payment, actor=actor)
    if not _commit_or_duplicate(event_id):
        return Outcome.DUPLICATE
    if refund_now:
        _refund_late_payment(order_id)
    return outcome


def _apply_payment(order: Order, payment: PaymentConfirmation, *, actor: str) -> tuple[Outcome, bool]:
    if order.paid_at is not None or order.status in PAID_STATES or order.status == OrderStatus.REFUNDED:
        # Paid before (and maybe refunded or cancelled since): a repeat, never a second sale.
        return Outcome.ALREADY_DONE, False
    if payment.amount_cents != order.total_cents or (payment.currency or "").lower() != order.currency:
        paid = (
            format_cents(payment.amount_cents, payment.currency or order.currency)
            if isinstance(payment.amount_cents, int)
            else "an unknown amount"
        )
        if order.needs_attention and order.attention_reason and paid in order.attention_reason:
            return Outcome.ALREADY_DONE, False
        order.payment_intent_id = payment.payment_intent_id or order.payment_intent_id
        flag(
            order,
            actor=actor,
            reason=f"Payment of {paid} ({(payment.currency or '?').upper()}) does not match the order "
            f"total of {format_cents(order.total_cents, order.currency)} ({order.currency.upper()}): "
            f"not fulfilled. Payment {payment.payment_intent_id or 'reference unknown'}.",
        )
        return Outcome.FLAGGED, False
    if order.payment_session_id and payment.session_id and payment.session_id != order.payment_session_id:
        flag(
            order,
            actor=actor,
            reason=f"Payment came through session {payment.session_id}, not the order's own "
            f"{order.payment_session_id}: not fulfilled.",
        )
        return Outcome.FLAGGED, False

    late = order.reservation_released_at is not None
    if late and not _renew_reservation(order, actor=actor):
        transition(order, OrderStatus.PAID, actor=actor, note=_paid_note(payment, late=True))
        order.paid_at = utcnow()
        order.payment_intent_id = payment.payment_intent_id
        flag(
            order,
            actor=actor,
            reason="Paid after its reservation was released, and the stock is gone: refunding in full "
            "automatically. Nothing was oversold.",
        )
        return Outcome.FLAGGED, True

    transition(order, OrderStatus.PAID, actor=actor, note=_paid_note(payment, late=late))
    order.paid_at = utcnow()
    order.payment_intent_id = payment.payment_intent_id
    if payment.shipping is not None and order.requires_shipping and payment.shipping != order_address(order):
        _set_address(order, payment.shipping)
        add_event(
            order, actor=actor, kind="address", note="Shipping address as confirmed on the payment page."
        )
    _fulfil(order, actor=actor)
    return Outcome.APPLIED, False


def _paid_note(payment: PaymentConfirmation, *, late: bool) -> str:
    amount = format_cents(payment.amount_cents or 0, payment.currency or "usd")
    reference = payment.payment_intent_id or payment.session_id or "no reference"
    return f"{'Late payment' if late else 'Payment'} of {amount} received ({reference})."


def _fulfil(order: Order, *, actor: str) -> None:
    """Paid: download grants for guides, the confirmation email, digital-only orders fulfilled, and the
    bought items out of the cart. In the caller's transaction."""
    links = issue_order_links(order)
    if not order.requires_shipping:
        transition(
            order, OrderStatus.FULFILLED, actor=ACTOR_SYSTEM, note="Digital order: download links sent."
        )
        order.fulfilled_at = utcnow()
    if order.user_id is None:
        # A guest paying with an account's confirmed address: the order joins that account's history.
        order.user_id = confirmed_account_id(order.email)
        if order.user_id is not None:
            add_event(
                order,
                actor=ACTOR_SYSTEM,
                kind="account",
                note=link_note(order.user_id),
            )
    remove_purchased(
        order.cart_token,
        {line.variant_id: line.quantity for line in order.lines if line.variant_id is not None},
    )
    # A guide lead who buys becomes a customer, so revenue is credited to their source and campaign.
    if mark_lead_as_customer(order.email, order_reference=order.number, at=order.paid_at):
        add_event(order, kind="note", actor=ACTOR_SYSTEM, note="Buyer came through the free guide.")
    queue_confirmation(order, links)


def issue_order_links(order: Order) -> list[DownloadLink]:
    """A fresh download grant and link for every guide in the order, in the caller's transaction."""
    config = current_app.config
    links: list[DownloadLink] = []
    for line in order.lines:
        if line.is_digital and line.product is not None:
            _, link = issue_grant(
                email=order.email,
                product=line.product,
                ttl_days=config["DOWNLOAD_TTL_DAYS"],
                max_downloads=config["DOWNLOAD_MAX_COUNT"],
                order_id=order.id,
            )
            links.append(link)
    return links


def queue_confirmation_email(order: Order, links: list[DownloadLink]) -> None:
    """Queue the order confirmation (text + HTML) in the caller's transaction; raises if it can't."""
    queue_email(
        to=order.email,
        subject=f"Your order {order.number} is confirmed",
        template="order_confirmation",
        context={
            "order": order,
            "links": links,
            "address": order_address(order),
            "order_url": access.order_url(order),
        },
    )


def queue_confirmation(order: Order, links: list[DownloadLink]) -> None:
    """Queue the order confirmation. A failure to build it is logged, never raised: the payment is
    recorded either way, and links can be re-sent from the order page."""
    try:
        queue_confirmation_email(order, links)
    except Exception:
        log.exception("could not queue the confirmation email for order %s", order.number)


def _end_pending(
    order_id: int,
    target: OrderStatus,
    *,
    actor: str,
    note: str,
    event_id: str | None,
    event_type: str,
    staff: Actor | None = None,
) -> Outcome:
    order = _lock(order_id)
    if order is None:
        db.session.rollback()
        return Outcome.UNKNOWN_ORDER
    if not _claim_event(event_id, event_type, order):
        db.session.rollback()
        return Outcome.DUPLICATE
    if order.status != OrderStatus.PENDING_PAYMENT:
        # Out of order (paid first, expired later) or a repeat: nothing to undo.
        log.info("order %s is %s; %s ignored", order.number, order.status, target.value)
        outcome = Outcome.ALREADY_DONE
    else:
        transition(order, target, actor=actor, note=note)
        release_reservation(order, actor=actor)
        _audit(staff, "order.cancel", order, f"Cancelled unpaid order {order.number}", note=note)
        outcome = Outcome.APPLIED
    if not _commit_or_duplicate(event_id):
        return Outcome.DUPLICATE
    return outcome


def mark_failed(
    order_id: int,
    *,
    actor: str = ACTOR_PAYMENTS,
    note: str = "",
    event_id: str | None = None,
    event_type: str = "",
) -> Outcome:
    """The payment failed: pending → payment_failed, stock returned (once). Idempotent. Commits."""
    return _end_pending(
        order_id,
        OrderStatus.PAYMENT_FAILED,
        actor=actor,
        note=note or "The payment failed or was declined.",
        event_id=event_id,
        event_type=event_type,
    )


def mark_expired(
    order_id: int,
    *,
    actor: str = ACTOR_PAYMENTS,
    note: str = "",
    event_id: str | None = None,
    event_type: str = "",
) -> Outcome:
    """The payment window closed unpaid: pending → expired, stock returned (once). Idempotent. Commits."""
    return _end_pending(
        order_id,
        OrderStatus.EXPIRED,
        actor=actor,
        note=note or "The payment session expired unpaid.",
        event_id=event_id,
        event_type=event_type,
    )


def mark_cancelled(
    order_id: int, *, actor: str = ACTOR_SHOPPER, note: str = "", staff: Actor | None = None
) -> Outcome:
    """The shopper left checkout, the payment could not start, or staff cancelled the unpaid order:
    pending → cancelled, stock returned. `staff` also writes the audit log. Commits."""
    return _end_pending(
        order_id,
        OrderStatus.CANCELLED,
        actor=actor,
        note=note or "Checkout was abandoned.",
        event_id=None,
        event_type="",
        staff=staff,
    )


def release_expired_orders(*, now: datetime | None = None, limit: int = 200) -> int:
    """The sweep: expire pending orders whose reservation ran out, returning their stock. Orders flagged
    for staff are left alone (their money or stock is in question). Returns how many it expired."""
    now = now or utcnow()
    due = list(
        db.session.scalars(
            sa.select(Order.id)
            .where(
                Order.status == OrderStatus.PENDING_PAYMENT.value,
                Order.reservation_expires_at <= now,
                Order.needs_attention.is_(False),
            )
            .order_by(Order.reservation_expires_at, Order.id)
            .limit(limit)
        )
    )
    db.session.rollback()
    expired = 0
    for order_id in due:
        outcome = mark_expired(order_id, actor=ACTOR_SYSTEM, note="The reservation ran out before payment.")
        expired += outcome == Outcome.APPLIED
    return expired


# --- refunds --------------------------------------------------------------------------------------


def _order_grants(order: Order) -> list[DownloadGrant]:
    return list(db.session.scalars(sa.select(DownloadGrant).where(DownloadGrant.order_id == order.id)))


def _apply_refund(order: Order, refunded_total_cents: int, *, actor: str, note: str, revoke: bool) -> bool:
    """Bring the order's refunded amount up to `refunded_total_cents` (never down). In the caller's
    transaction. Returns whether anything changed."""
    refunded_total_cents = min(refunded_total_cents, order.total_cents)
    if refunded_total_cents <= order.refunded_cents:
        return False
    refunded_now = refunded_total_cents - order.refunded_cents
    order.refunded_cents = refunded_total_cents
    full = order.refunded_cents >= order.total_cents
    target = OrderStatus.REFUNDED if full else OrderStatus.PARTIALLY_REFUNDED
    detail = f"Refunded {format_cents(refunded_now, order.currency)}"
    if not full:
        detail += f" ({format_cents(order.refunded_cents, order.currency)} in all)"
    transition(order, target, actor=actor, note=f"{detail}. {note}".strip())
    if revoke:
        revoked = revoke_grants(_order_grants(order))
        if revoked:
            add_event(order, actor=actor, kind="downloads", note=f"{revoked} download link(s) revoked.")
    return True


def refund_order(
    order_id: int,
    amount_cents: int | None = None,
    *,
    actor: str,
    note: str = "",
    revoke_downloads: bool = True,
    staff: Actor | None = None,
    expected_refunded_cents: int | None = None,
) -> RefundResult:
    """Refund a paid order through the provider, in full (amount None) or in part, and record it.

    A refund revokes the order's download links unless staff choose otherwise for a partial goodwill
    refund (docs/rules.md#refunds rule 3).

    The provider call happens under the order's row lock, so two refunds cannot both
    spend the same remaining amount. Raises RefundError or PaymentError (then nothing changed). `staff`
    also writes the audit log. `expected_refunded_cents` (what staff saw when they confirmed) refuses the
    refund if another one landed since, so a double-submitted form cannot refund twice. Commits.
    """
    order = _lock(order_id)
    if order is None:
        db.session.rollback()
        raise UnknownOrderError("That order does not exist.")
    try:
        if order.status not in PAID_STATES:
            raise RefundError(f"Order {order.number} is {order.status.replace('_', ' ')}: nothing to refund.")
        if not order.payment_intent_id:
            raise RefundError(f"Order {order.number} has no payment reference to refund against.")
        if expected_refunded_cents is not None and order.refunded_cents != expected_refunded_cents:
            raise RefundError(
                f"Order {order.number}'s refunds changed after this one was reviewed (now "
                f"{format_cents(order.refunded_cents, order.currency)} refunded in all), so nothing more was "
                "refunded. Check the timeline before trying again."
            )
        remaining = order.total_cents - order.refunded_cents
        amount = remaining if amount_cents is None else amount_cents
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0 or amount > remaining:
            raise RefundError(
                f"A refund must be between {format_cents(1, order.currency)} and "
                f"{format_cents(remaining, order.currency)}."
            )
        result = get_provider().refund(
            payment_intent_id=order.payment_intent_id,
            amount_cents=amount,
            idempotency_key=f"refund-{order.id}-{order.refunded_cents}-{amount}",
            metadata={"order_id": str(order.id), "order_number": order.number},
        )
    except (RefundError, PaymentError):
        db.session.rollback()
        raise
    _apply_refund(
        order,
        order.refunded_cents + amount,
        actor=actor,
        note=f"{note} (refund {result.refund_id})".strip(),
        revoke=revoke_downloads,
    )
    _audit(
        staff,
        "order.refund",
        order,
        f"Refunded {format_cents(amount, order.currency)} on {order.number}",
        amount_cents=amount,
        refund_id=result.refund_id,
    )
    db.session.commit()
    return result


def cancel_paid_order(
    order_id: int, *, actor: str, note: str = "", staff: Actor | None = None
) -> RefundResult:
    """Cancel a paid, not yet shipped order: refund it in full, put its stock back, revoke its links.
    `staff` also writes the audit log. Commits."""
    order = _lock(order_id)
    if order is None:
        db.session.rollback()
        raise UnknownOrderError("That order does not exist.")
    if order.status != OrderStatus.PAID or order.refunded_cents:
        db.session.rollback()
        raise RefundError(
            f"Order {order.number} is {order.status.replace('_', ' ')} and cannot be cancelled."
        )
    if not order.payment_intent_id:
        db.session.rollback()
        raise RefundError(f"Order {order.number} has no payment reference to refund against.")
    try:
        result = get_provider().refund(
            payment_intent_id=order.payment_intent_id,
            amount_cents=order.total_cents,
            idempotency_key=f"cancel-{order.id}",
            metadata={"order_id": str(order.id), "order_number": order.number},
        )
    except PaymentError:
        db.session.rollback()
        raise
    order.refunded_cents = order.total_cents
    transition(
        order, OrderStatus.CANCELLED, actor=actor, note=f"Cancelled and refunded in full. {note}".strip()
    )
    release_reservation(order, actor=actor)
    revoke_grants(_order_grants(order))
    _audit(
        staff,
        "order.cancel",
        order,
        f"Cancelled {order.number} and refunded {format_cents(order.total_cents, order.currency)}",
        refund_id=result.refund_id,
    )
    db.session.commit()
    return result


def record_provider_refund(
    payment_intent_id: str,
    refunded_total_cents: int,
    *,
    actor: str = ACTOR_PAYMENTS,
    event_id: str | None = None,
    event_type: str = "",
) -> Outcome:
    """A refund made at the provider (dashboard, or ours echoed back by charge.refunded). Idempotent:
    only an amount above what is already recorded changes anything. Commits."""
    order_id = db.session.scalar(
        sa.select(Order.id).where(Order.payment_intent_id == payment_intent_id).order_by(Order.id).limit(1)
    )
    if order_id is None:
        db.session.rollback()
        return Outcome.UNKNOWN_ORDER
    order = _lock(order_id)
    assert order is not None
    if not _claim_event(event_id, event_type, order):
        db.session.rollback()
        return Outcome.DUPLICATE
    if order.status in PAID_STATES:
        changed = _apply_refund(
            order, refunded_total_cents, actor=actor, note="Recorded from the provider.", revoke=True
        )
        outcome = Outcome.APPLIED if changed else Outcome.ALREADY_DONE
    elif order.refunded_cents >= min(refunded_total_cents, order.total_cents):
        outcome = Outcome.ALREADY_DONE
    else:
        flag(
            order,
            actor=actor,
            reason=f"The provider reports {format_cents(refunded_total_cents, order.currency)} refunded "
            f"on an order that is {order.status.replace('_', ' ')}.",
        )
        outcome = Outcome.FLAGGED
    if not _commit_or_duplicate(event_id):
        return Outcome.DUPLICATE
    return outcome


def _refund_late_payment(order_id: int) -> None:
    try:
        refund_order(
            order_id,
            actor=ACTOR_SYSTEM,
            note="Automatic refund: the payment arrived after the stock was released and sold.",
        )
    except (PaymentError, RefundError) as error:
        db.session.rollback()
        order = _lock(order_id)
        if order is not None:
            flag(order, actor=ACTOR_SYSTEM, reason=f"Automatic refund failed, refund by hand: {error}")
            db.session.commit()
        log.error("automatic refund of late payment for order %s failed: %s", order_id, error)


def issue_line_download(order_id: int, line_id: int) -> DownloadLink | None:
    """A fresh download link for one guide of a paid order (the order page's button). Commits.

    None when the order is not (or no longer) paid, or the line is not a guide that can be served.
    """
    order = db.session.get(Order, order_id)
    if order is None or not order.is_fully_paid:
        return None
    line = next((line for line in order.lines if line.id == line_id), None)
    if line is None or not line.is_digital or line.product is None or not line.product.is_published:
        return None
    config = current_app.config
    _, link = issue_grant(
        email=order.email,
        product=line.product,
        ttl_days=config["DOWNLOAD_TTL_DAYS"],
        max_downloads=config["DOWNLOAD_MAX_COUNT"],
        order_id=order.id,
    )
    add_event(order, actor=ACTOR_SHOPPER, kind="downloads", note=f"Download link issued for {line.name}.")
    db.session.commit()
    return link
