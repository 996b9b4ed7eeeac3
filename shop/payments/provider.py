"""The PaymentProvider interface and the plain data it takes and returns (selection.py picks one)."""

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from shop.orders.addresses import ShippingAddress

# Stripe refuses a Checkout Session that expires sooner than 30 minutes after it is created; two more
# minutes absorb clock skew and request latency.
STRIPE_MIN_SESSION_MINUTES = 32
STRIPE_MAX_SESSION_MINUTES = 24 * 60


@dataclass(frozen=True)
class CheckoutLine:
    name: str
    sku: str
    unit_amount_cents: int
    quantity: int
    # The provider's product tax code (shop/payments/tax_codes.py); None: the account's default.
    tax_code: str | None = None


@dataclass(frozen=True)
class CheckoutRequest:
    """What a provider needs to take payment for one order. Amounts in integer cents."""

    order_id: int
    order_number: str
    email: str
    currency: str
    lines: tuple[CheckoutLine, ...]
    requires_shipping: bool
    shipping_cents: int
    total_cents: int
    expires_at: datetime
    success_url: str
    cancel_url: str
    # The address's country: its zone priced the shipping, so the payment page offers only it.
    ship_country: str | None = None


@dataclass(frozen=True)
class StartedPayment:
    session_id: str
    url: str


@dataclass(frozen=True)
class SessionSnapshot:
    """A Checkout Session as the shop cares about it, from a webhook, a retrieve or a list."""

    session_id: str
    order_id: int | None
    status: str | None  # open | complete | expired
    payment_status: str | None  # paid | unpaid | no_payment_required
    amount_total_cents: int | None
    currency: str | None
    # The tax the provider computed (total_details.amount_tax); None when it reports none.
    amount_tax_cents: int | None
    payment_intent_id: str | None
    shipping: ShippingAddress | None

    @property
    def is_paid(self) -> bool:
        return self.payment_status in {"paid", "no_payment_required"}


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    amount_cents: int
    status: str


class PaymentProvider(Protocol):
    name: str
    webhook_secret: str
    # True when the provider computes the order's tax at payment (Stripe Tax).
    reckons_tax: bool

    def session_expiry_bounds(self) -> tuple[int, int]:
        """(min, max) minutes a payment session may stay open."""
        ...

    def create_session(self, request: CheckoutRequest) -> StartedPayment: ...
    def retrieve_session(self, session_id: str) -> SessionSnapshot: ...
    def list_recent_sessions(self, *, since: datetime) -> Iterable[SessionSnapshot]: ...
    def expire_session(self, session_id: str) -> bool: ...
    def refund(
        self, *, payment_intent_id: str, amount_cents: int, idempotency_key: str, metadata: dict[str, str]
    ) -> RefundResult: ...
    def parse_webhook(self, payload: bytes, signature: str | None) -> dict[str, Any]: ...


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an infinite float
        return None


def _object(value: Any) -> dict[str, Any]:
    """A nested object of the event, or {} when it is anything else: a signed event of an unexpected
    shape (another API version) reads as missing fields, never a 500."""
    return value if isinstance(value, dict) else {}


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def snapshot_from_session(data: dict[str, Any]) -> SessionSnapshot:
    """Normalise a Checkout Session (as a plain dict) from any source into a SessionSnapshot."""
    metadata = _object(data.get("metadata"))
    order_id = _int_or_none(metadata.get("order_id")) or _int_or_none(data.get("client_reference_id"))
    payment_intent = data.get("payment_intent")
    if isinstance(payment_intent, dict):
        payment_intent = payment_intent.get("id")
    # API 2026-10-28: the collected address lives under collected_information.shipping_details.
    details = _object(_object(data.get("collected_information")).get("shipping_details"))
    shipping = None
    if address := _object(details.get("address")):
        shipping = ShippingAddress(
            name=str(details.get("name") or ""),
            line1=str(address.get("line1") or ""),
            line2=str(address.get("line2") or ""),
            city=str(address.get("city") or ""),
            region=str(address.get("state") or ""),
            postal_code=str(address.get("postal_code") or ""),
            country=str(address.get("country") or "").upper(),
        )
    return SessionSnapshot(
        session_id=str(data.get("id") or ""),
        order_id=order_id,
        status=_text_or_none(data.get("status")),
        payment_status=_text_or_none(data.get("payment_status")),
        amount_total_cents=_int_or_none(data.get("amount_total")),
        amount_tax_cents=_int_or_none(_object(data.get("total_details")).get("amount_tax")),
        currency=(_text_or_none(data.get("currency")) or "").lower() or None,
        payment_intent_id=payment_intent if isinstance(payment_intent, str) else None,
        shipping=shipping,
    )


def dev_webhook_secret(secret_key: str) -> str:
    """The dev provider's signing secret: derived from SECRET_KEY, so every worker agrees without config."""
    digest = hmac.new(secret_key.encode(), b"dev-payments-webhook", hashlib.sha256).hexdigest()
    return f"whsec_dev_{digest[:40]}"
