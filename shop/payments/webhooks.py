"""The one function every payment event goes through: Stripe's webhook, the dev page's buttons, the
success page and reconciliation all end in apply_event / apply_snapshot, which are idempotent."""

import logging
from typing import Any

from shop.orders.payment_events import Outcome, PaymentConfirmation, event_already_applied
from shop.orders.pending import mark_expired, mark_failed
from shop.orders.refunds import record_provider_refund
from shop.payments.errors import WebhookRejectedError
from shop.payments.provider import SessionSnapshot, snapshot_from_session
from shop.payments.selection import get_provider
from shop.payments.settlement import mark_paid

log = logging.getLogger(__name__)

SESSION_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
}
HANDLED_EVENTS = SESSION_EVENTS | {"charge.refunded"}
IGNORED = "ignored"


def handle_webhook(payload: bytes, signature: str | None) -> str:
    """Verify a webhook body (raises WebhookRejectedError → 400) and apply it. Returns the outcome."""
    event = get_provider().parse_webhook(payload, signature)
    return apply_event(event)


def apply_event(event: dict[str, Any]) -> str:
    event_id = event.get("id")
    event_type = event.get("type")
    data = event.get("data")
    payload = data.get("object") if isinstance(data, dict) else None
    if not isinstance(event_id, str) or not isinstance(event_type, str) or not isinstance(payload, dict):
        raise WebhookRejectedError("not a Stripe event")
    if event_type not in HANDLED_EVENTS:
        log.info("webhook %s: %s ignored", event_id, event_type)
        return IGNORED
    if event_already_applied(event_id):
        log.info("webhook %s: %s already applied", event_id, event_type)
        return Outcome.DUPLICATE
    if event_type == "charge.refunded":
        outcome = _apply_refund_event(event_id, event_type, payload)
    else:
        outcome = _apply_session_event(event_id, event_type, snapshot_from_session(payload))
    level = logging.WARNING if outcome in {Outcome.UNKNOWN_ORDER, Outcome.FLAGGED} else logging.INFO
    log.log(level, "webhook %s: %s → %s", event_id, event_type, outcome)
    return outcome


def _apply_session_event(event_id: str, event_type: str, snapshot: SessionSnapshot) -> str:
    if snapshot.order_id is None:
        return Outcome.UNKNOWN_ORDER
    if event_type in {"checkout.session.completed", "checkout.session.async_payment_succeeded"}:
        if not snapshot.is_paid:
            # Completed with a delayed method (bank debit): async_payment_succeeded|failed follows.
            return IGNORED
        return mark_paid(snapshot.order_id, _confirmation(snapshot), event_id=event_id, event_type=event_type)
    if event_type == "checkout.session.async_payment_failed":
        return mark_failed(snapshot.order_id, event_id=event_id, event_type=event_type)
    return mark_expired(snapshot.order_id, event_id=event_id, event_type=event_type)


def _apply_refund_event(event_id: str, event_type: str, charge: dict[str, Any]) -> str:
    payment_intent = charge.get("payment_intent")
    if isinstance(payment_intent, dict):
        payment_intent = payment_intent.get("id")
    refunded = charge.get("amount_refunded")
    if not isinstance(payment_intent, str) or not isinstance(refunded, int) or isinstance(refunded, bool):
        return Outcome.UNKNOWN_ORDER
    return record_provider_refund(payment_intent, refunded, event_id=event_id, event_type=event_type)


def _confirmation(snapshot: SessionSnapshot) -> PaymentConfirmation:
    return PaymentConfirmation(
        session_id=snapshot.session_id or None,
        payment_intent_id=snapshot.payment_intent_id,
        amount_cents=snapshot.amount_total_cents,
        currency=snapshot.currency,
        tax_cents=snapshot.amount_tax_cents,
        shipping=snapshot.shipping,
    )


def apply_snapshot(snapshot: SessionSnapshot, *, actor: str) -> str:
    """Apply a session read back from the provider (success page, reconciliation): paid → mark_paid,
    expired → mark_expired, anything else changes nothing. Idempotent like the webhook."""
    if snapshot.order_id is None:
        return Outcome.UNKNOWN_ORDER
    if snapshot.is_paid:
        return mark_paid(snapshot.order_id, _confirmation(snapshot), actor=actor)
    if snapshot.status == "expired":
        return mark_expired(snapshot.order_id, actor=actor)
    return IGNORED
