"""DevProvider: payment without money or network, for development and demos.

Starting a payment redirects to a local page (/payments/dev/<session id>) whose Pay, Decline and Abandon
buttons each build a Stripe-shaped event, sign it with the dev webhook secret and hand it to the same
webhook handler Stripe's events go through. Its "sessions" are the orders themselves.
"""

import json
import secrets
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import stripe

from shop.extensions import db
from shop.orders.models import Order, OrderStatus
from shop.orders.status_machine import PAID_STATES, RELEASED_STATES
from shop.payments.provider import (
    CheckoutRequest,
    RefundResult,
    SessionSnapshot,
    StartedPayment,
    snapshot_from_session,
)
from shop.payments.stripe_provider import verify_event
from shop.urls import external_url

SESSION_PREFIX = "cs_dev_"
DEV_ACTIONS = {
    "pay": "checkout.session.completed",
    "decline": "checkout.session.async_payment_failed",
    "abandon": "checkout.session.expired",
}


class DevProvider:
    name = "dev"
    # Offline, the order's tax comes from the shop's tax table (TAX_RATES).
    reckons_tax = False

    def __init__(self, *, webhook_secret: str) -> None:
        self.webhook_secret = webhook_secret

    def session_expiry_bounds(self) -> tuple[int, int]:
        return 1, 24 * 60

    def create_session(self, request: CheckoutRequest) -> StartedPayment:
        session_id = SESSION_PREFIX + secrets.token_urlsafe(18)
        return StartedPayment(
            session_id=session_id, url=external_url("payments.dev_checkout", session_id=session_id)
        )

    def _order(self, session_id: str) -> Order | None:
        if not session_id.startswith(SESSION_PREFIX):
            return None
        return db.session.scalar(sa.select(Order).where(Order.payment_session_id == session_id))

    def session_dict(
        self, order: Order, *, payment_status: str | None = None, status: str | None = None
    ) -> dict:
        """The order as a Stripe Checkout Session object (API 2026-10-28 shape)."""
        if payment_status is None:
            payment_status = "paid" if order.status in PAID_STATES or order.status == "refunded" else "unpaid"
        if status is None:
            if payment_status == "paid":
                status = "complete"
            elif order.status in RELEASED_STATES:
                status = "expired"
            else:
                status = "open"
        shipping = None
        if order.requires_shipping:
            shipping = {
                "name": order.ship_name,
                "address": {
                    "line1": order.ship_line1,
                    "line2": order.ship_line2 or None,
                    "city": order.ship_city,
                    "state": order.ship_region or None,
                    "postal_code": order.ship_postal_code,
                    "country": order.ship_country,
                },
            }
        return {
            "id": order.payment_session_id,
            "object": "checkout.session",
            "client_reference_id": str(order.id),
            "metadata": {"order_id": str(order.id), "order_number": order.number},
            "amount_total": order.total_cents,
            # Offline, the tax is the shop table's, already on the order.
            "total_details": {"amount_tax": order.tax_cents, "amount_shipping": order.shipping_cents},
            "currency": order.currency,
            "customer_email": order.email,
            "mode": "payment",
            "status": status,
            "payment_status": payment_status,
            "payment_intent": order.payment_intent_id
            or ("pi_dev_" + secrets.token_urlsafe(12) if payment_status == "paid" else None),
            "collected_information": {"shipping_details": shipping},
            "expires_at": int(order.reservation_expires_at.timestamp()),
        }

    def signed_event(self, session_id: str, action: str) -> tuple[bytes, str] | None:
        """A Stripe-shaped event for the dev page's button, and its Stripe-Signature header."""
        order = self._order(session_id)
        if order is None or action not in DEV_ACTIONS:
            return None
        if action == "pay":
            session = self.session_dict(order, payment_status="paid", status="complete")
        else:
            session = self.session_dict(order, payment_status="unpaid", status="expired")
        event = {
            "id": "evt_dev_" + secrets.token_urlsafe(18),
            "object": "event",
            "api_version": stripe.api_version,
            "created": int(time.time()),
            "livemode": False,
            "type": DEV_ACTIONS[action],
            "data": {"object": session},
        }
        payload = json.dumps(event, separators=(",", ":"))
        signature = stripe.WebhookSignature.generate_signature_header(payload, self.webhook_secret)
        return payload.encode(), signature

    def retrieve_session(self, session_id: str) -> SessionSnapshot:
        order = self._order(session_id)
        if order is None:
            return SessionSnapshot(session_id, None, None, None, None, None, None, None, None)
        return snapshot_from_session(self.session_dict(order))

    def list_recent_sessions(self, *, since: datetime) -> Iterator[SessionSnapshot]:
        orders = db.session.scalars(
            sa.select(Order)
            .where(Order.payment_provider == self.name, Order.created_at >= since)
            .order_by(Order.id)
        )
        for order in orders:
            yield snapshot_from_session(self.session_dict(order))

    def expire_session(self, session_id: str) -> bool:
        order = self._order(session_id)
        return order is not None and order.status == OrderStatus.PENDING_PAYMENT

    def refund(
        self, *, payment_intent_id: str, amount_cents: int, idempotency_key: str, metadata: dict[str, str]
    ) -> RefundResult:
        return RefundResult(
            refund_id="re_dev_" + secrets.token_urlsafe(12), amount_cents=amount_cents, status="succeeded"
        )

    def parse_webhook(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        return verify_event(payload, signature, self.webhook_secret)
