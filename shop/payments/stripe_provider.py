"""StripeProvider: hosted Checkout Sessions, refunds and webhook verification through stripe.StripeClient.

stripe ≥ 15 returns StripeObjects (attribute access, not dicts); this module turns them into the plain
dataclasses of shop.payments.provider at the boundary, so nothing else touches Stripe types.
"""

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import stripe

from shop.payments.errors import PaymentError, WebhookRejectedError
from shop.payments.provider import (
    STRIPE_MAX_SESSION_MINUTES,
    STRIPE_MIN_SESSION_MINUTES,
    CheckoutLine,
    CheckoutRequest,
    RefundResult,
    SessionSnapshot,
    StartedPayment,
    snapshot_from_session,
)
from shop.payments.tax_codes import SHIPPING_TAX_CODE

log = logging.getLogger(__name__)

RETRY_MESSAGE = (
    "We couldn't start the payment just now. Nothing was charged and nothing is held for you; "
    "please try again in a moment."
)
REFUND_MESSAGE = "The payment provider did not accept the refund. Nothing was refunded; try again shortly."


def _stripe_failure(error: stripe.StripeError, *, action: str, message: str) -> PaymentError:
    """Log the provider's detail for us and give the caller a message safe to show."""
    transient = isinstance(error, stripe.APIConnectionError | stripe.RateLimitError | stripe.APIError)
    level = logging.WARNING if transient else logging.ERROR
    log.log(
        level,
        "stripe %s failed: %s (http %s, code %s, request %s)",
        action,
        type(error).__name__,
        error.http_status,
        error.code,
        error.request_id,
    )
    return PaymentError(message, retryable=True)


def _product_data(line: CheckoutLine) -> dict[str, Any]:
    data: dict[str, Any] = {"name": line.name, "metadata": {"sku": line.sku}}
    if line.tax_code:
        data["tax_code"] = line.tax_code
    return data


class StripeProvider:
    name = "stripe"
    # Stripe Tax computes the tax on the Checkout Session (automatic_tax); the order takes it from there.
    reckons_tax = True

    def __init__(
        self,
        *,
        secret_key: str,
        webhook_secret: str,
        api_base: str | None = None,
        allowed_countries: tuple[str, ...] = ("US",),
        http_client: stripe.HTTPClient | None = None,
        max_network_retries: int = 2,
    ) -> None:
        self.webhook_secret = webhook_secret
        self.allowed_countries = allowed_countries
        options: dict[str, Any] = {"max_network_retries": max_network_retries}
        if api_base:
            options["base_addresses"] = {"api": api_base}
        if http_client is not None:
            options["http_client"] = http_client
        self.client = stripe.StripeClient(secret_key, **options)

    def session_expiry_bounds(self) -> tuple[int, int]:
        return STRIPE_MIN_SESSION_MINUTES, STRIPE_MAX_SESSION_MINUTES

    def session_params(self, request: CheckoutRequest) -> dict[str, Any]:
        """The Checkout Session for an order: its own lines and amounts, never the cart's."""
        params: dict[str, Any] = {
            "mode": "payment",
            "client_reference_id": str(request.order_id),
            "customer_email": request.email,
            "metadata": {"order_id": str(request.order_id), "order_number": request.order_number},
            "payment_intent_data": {
                "metadata": {"order_id": str(request.order_id), "order_number": request.order_number}
            },
            "line_items": [
                {
                    "quantity": line.quantity,
                    "price_data": {
                        "currency": request.currency,
                        "unit_amount": line.unit_amount_cents,
                        # Prices are before tax: Stripe Tax adds the destination's tax on top.
                        "tax_behavior": "exclusive",
                        "product_data": _product_data(line),
                    },
                }
                for line in request.lines
            ],
            "automatic_tax": {"enabled": True},
            "expires_at": int(request.expires_at.timestamp()),
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
        }
        if request.requires_shipping:
            # The shipping rate is the zone of the country given at checkout: only that country may be
            # picked on the payment page (any shipping country for an order placed without one).
            countries = [request.ship_country] if request.ship_country else list(self.allowed_countries)
            params["shipping_address_collection"] = {"allowed_countries": countries}
            params["shipping_options"] = [
                {
                    "shipping_rate_data": {
                        "type": "fixed_amount",
                        "display_name": "Free shipping"
                        if request.shipping_cents == 0
                        else "Standard shipping",
                        "fixed_amount": {"amount": request.shipping_cents, "currency": request.currency},
                        "tax_behavior": "exclusive",
                        "tax_code": SHIPPING_TAX_CODE,
                    }
                }
            ]
        else:
            # Nothing ships: Stripe Tax reckons a digital order's tax from the billing address.
            params["billing_address_collection"] = "required"
        return params

    def create_session(self, request: CheckoutRequest) -> StartedPayment:
        try:
            session = self.client.v1.checkout.sessions.create(
                params=self.session_params(request),  # type: ignore[arg-type]
                # One session per order, however often the request is retried.
                options={"idempotency_key": f"checkout-session-{request.order_id}-{request.order_number}"},
            )
        except stripe.StripeError as error:
            raise _stripe_failure(error, action="checkout session", message=RETRY_MESSAGE) from error
        if not session.url:
            raise PaymentError(RETRY_MESSAGE)
        return StartedPayment(session_id=session.id, url=session.url)

    def retrieve_session(self, session_id: str) -> SessionSnapshot:
        try:
            session = self.client.v1.checkout.sessions.retrieve(session_id)
        except stripe.StripeError as error:
            raise _stripe_failure(error, action="session retrieve", message=RETRY_MESSAGE) from error
        return snapshot_from_session(session.to_dict())

    def list_recent_sessions(self, *, since: datetime) -> Iterator[SessionSnapshot]:
        try:
            sessions = self.client.v1.checkout.sessions.list(
                params={"created": {"gte": int(since.timestamp())}, "limit": 100}
            )
            for session in sessions.auto_paging_iter():
                yield snapshot_from_session(session.to_dict())
        except stripe.StripeError as error:
            raise _stripe_failure(error, action="session list", message=RETRY_MESSAGE) from error

    def expire_session(self, session_id: str) -> bool:
        """Close an open session so it can no longer be paid; False when it could not be (already paid)."""
        try:
            session = self.client.v1.checkout.sessions.expire(session_id)
        except stripe.StripeError as error:
            log.info("stripe session %s not expired: %s", session_id, type(error).__name__)
            return False
        return session.status == "expired"

    def refund(
        self, *, payment_intent_id: str, amount_cents: int, idempotency_key: str, metadata: dict[str, str]
    ) -> RefundResult:
        try:
            refund = self.client.v1.refunds.create(
                params={"payment_intent": payment_intent_id, "amount": amount_cents, "metadata": metadata},
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as error:
            raise _stripe_failure(error, action="refund", message=REFUND_MESSAGE) from error
        return RefundResult(refund_id=refund.id, amount_cents=refund.amount, status=refund.status or "")

    def parse_webhook(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        return verify_event(payload, signature, self.webhook_secret)


def verify_event(payload: bytes, signature: str | None, secret: str) -> dict[str, Any]:
    """Verify a webhook's signature on the raw body (and its age: at most 300 s), then return the event
    as a plain dict. Raises WebhookRejectedError for anything that must be answered 400."""
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret)
    except stripe.SignatureVerificationError as error:
        raise WebhookRejectedError(f"signature: {error.user_message or error}") from error
    except (ValueError, TypeError, AttributeError, KeyError) as error:  # signed, but not a JSON event
        raise WebhookRejectedError("body is not a JSON event") from error
    return event.to_dict()
