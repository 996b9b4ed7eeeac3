"""Payment use cases: start a payment for an order, confirm a return from the payment page, run the dev
page's buttons, and reconcile sessions whose webhook never arrived."""

import logging
from collections import Counter
from datetime import datetime, timedelta

from flask import current_app

from shop import pricing
from shop.catalog.models import ProductTaxType
from shop.clock import utcnow
from shop.extensions import db
from shop.orders import access
from shop.orders.actors import ACTOR_SYSTEM
from shop.orders.lookups import get_order_by_number, get_order_by_session
from shop.orders.models import Order, OrderLine, OrderStatus
from shop.orders.pending import mark_cancelled
from shop.orders.placing import attach_payment_session
from shop.payments.dev_provider import DevProvider
from shop.payments.errors import PaymentError
from shop.payments.provider import CheckoutLine, CheckoutRequest
from shop.payments.selection import get_provider
from shop.payments.tax_codes import tax_code_for
from shop.payments.webhooks import apply_snapshot, handle_webhook
from shop.urls import external_url

log = logging.getLogger(__name__)


def session_expiry(*, reservation_minutes: int, min_minutes: int, max_minutes: int) -> datetime:
    """When the payment session (and so the reservation) ends, in whole seconds.

    RESERVATION_MINUTES after now, but within what the provider accepts: Stripe refuses sessions that
    expire in under 30 minutes, so with Stripe a reservation lasts at least 32 minutes.
    """
    minutes = min(max(reservation_minutes, min_minutes), max_minutes)
    return (utcnow() + timedelta(minutes=minutes)).replace(microsecond=0)


def _line_tax_code(line: OrderLine) -> str:
    """The product's tax code; a line whose product was deleted is a guide or general goods."""
    if line.product is not None:
        return tax_code_for(line.product.effective_tax_type)
    return tax_code_for(ProductTaxType.DIGITAL_GUIDE if line.is_digital else ProductTaxType.HOUSEWARES)


def provider_reckons_tax() -> bool:
    """Whether the payment provider computes the order's tax (Stripe Tax) rather than the shop's table."""
    return bool(getattr(get_provider(), "reckons_tax", False))


def checkout_lines(order: Order) -> list[CheckoutLine]:
    """The order's lines as the payment page charges them: each at its net after its discount, so the
    page's total is the order's to the cent. A net that does not divide by the quantity becomes two
    items (shop.pricing.payment_units), the name saying which units cost a cent more. Each item carries
    its line's tax code."""
    items = []
    for line in order.lines:
        units = pricing.payment_units(line.line_total_cents, line.quantity)
        for quantity, unit_cents in units:
            name = line.name
            if line.discount_cents:
                name += f" (discount {order.discount_code})" if order.discount_code else " (discounted)"
            items.append(
                CheckoutLine(
                    name=name,
                    sku=line.sku,
                    unit_amount_cents=unit_cents,
                    quantity=quantity,
                    tax_code=_line_tax_code(line),
                )
            )
    return items


def start_payment(order_id: int) -> str:
    """Open a payment session for a pending order and return the URL to send the shopper to.

    The order's reservation is committed before the provider is called (no transaction is held open
    across the network). If the provider fails, the reservation is released at once (order cancelled)
    and PaymentError carries a retryable message. A replay returns the session already opened.
    """
    order = db.session.get(Order, order_id)
    if order is None or order.status != OrderStatus.PENDING_PAYMENT:
        raise PaymentError("This checkout has already finished. Please start again from your cart.")
    if order.payment_url:
        return order.payment_url
    provider = get_provider()
    min_minutes, max_minutes = provider.session_expiry_bounds()
    expires_at = session_expiry(
        reservation_minutes=current_app.config["RESERVATION_MINUTES"],
        min_minutes=min_minutes,
        max_minutes=max_minutes,
    )
    request = CheckoutRequest(
        order_id=order.id,
        order_number=order.number,
        email=order.email,
        currency=order.currency,
        lines=tuple(checkout_lines(order)),
        requires_shipping=order.requires_shipping,
        shipping_cents=order.shipping_cents,
        total_cents=order.total_cents,
        expires_at=expires_at,
        success_url=external_url("checkout.success") + "?session_id={CHECKOUT_SESSION_ID}",
        cancel_url=external_url("checkout.cancel_page", token=access.access_token(order.number)),
        ship_country=order.ship_country if order.requires_shipping else None,
    )
    db.session.commit()  # end the read transaction before the network call
    try:
        started = provider.create_session(request)
    except PaymentError as error:
        mark_cancelled(
            order_id, actor=ACTOR_SYSTEM, note=f"The payment could not be started: {error.message}"
        )
        raise
    attach_payment_session(
        order_id,
        provider=provider.name,
        session_id=started.session_id,
        url=started.url,
        expires_at=expires_at,
    )
    return started.url


def confirm_return(session_id: str) -> Order | None:
    """The shopper is back from the payment page: if the webhook has not told us yet, ask the provider
    and apply what it says through the same idempotent path. Returns the order (None if unknown)."""
    order = get_order_by_session(session_id)
    if order is None:
        return None
    if order.status == OrderStatus.PENDING_PAYMENT:
        try:
            snapshot = get_provider().retrieve_session(session_id)
        except PaymentError:
            log.warning("could not confirm session %s on return; the webhook will", session_id)
        else:
            if snapshot.order_id == order.id:
                apply_snapshot(snapshot, actor="payments (return)")
        db.session.expire_all()
        order = get_order_by_session(session_id)
    return order


def cancel_checkout(order_number: str) -> Order | None:
    """The shopper came back from the payment page without paying: close the session and release the
    stock now rather than at expiry. A session that can no longer be closed (it was paid) is left alone."""
    order = get_order_by_number(order_number)
    if order is None or order.status != OrderStatus.PENDING_PAYMENT:
        return order
    session_id = order.payment_session_id
    db.session.commit()
    if session_id and not get_provider().expire_session(session_id):
        return order
    mark_cancelled(order.id, note="The shopper left the payment page without paying.")
    return get_order_by_number(order_number)


def run_dev_action(session_id: str, action: str) -> Order | None:
    """A dev page button: build the Stripe-shaped event, sign it, and send it through the webhook handler."""
    provider = get_provider()
    if not isinstance(provider, DevProvider):
        return None
    signed = provider.signed_event(session_id, action)
    if signed is None:
        return None
    payload, signature = signed
    db.session.commit()
    handle_webhook(payload, signature)
    db.session.expire_all()
    return get_order_by_session(session_id)


def get_dev_session_order(session_id: str) -> Order | None:
    provider = get_provider()
    if not isinstance(provider, DevProvider):
        return None
    return get_order_by_session(session_id)


def reconcile_payments(*, since: datetime) -> Counter[str]:
    """Apply every recent session the provider knows, for webhooks that never arrived. Idempotent."""
    outcomes: Counter[str] = Counter()
    for snapshot in get_provider().list_recent_sessions(since=since):
        outcomes[apply_snapshot(snapshot, actor="reconciliation")] += 1
    return outcomes
