"""Checkout use cases: price the cart for the checkout page, place the order with its stock reserved,
and hand it to the payment provider.

The order is what gets paid: its lines, prices and totals are copied when it is placed, and nothing the
cart does afterwards changes them.
"""

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from shop.cart.services import CartSummary, get_cart_summary
from shop.catalog.models import ProductVariant
from shop.checkout.destination import checkout_destination
from shop.checkout.errors import (
    CartChangedError,
    CheckoutAlreadyUsedError,
    CheckoutError,
    DiscountNoLongerAppliesError,
    EmptyCartError,
    OutOfStockError,
    TotalBelowCardMinimumError,
)
from shop.database import committing
from shop.discounts import services as discounts
from shop.discounts.errors import DiscountError
from shop.discounts.rules import Shopper
from shop.email_addresses import normalize_email
from shop.extensions import db
from shop.orders.access import order_url
from shop.orders.addresses import ShippingAddress
from shop.orders.lookups import get_order_by_checkout_key
from shop.orders.models import Order, OrderStatus
from shop.orders.pending import release_expired_orders
from shop.orders.placing import NewOrderLine, create_order
from shop.orders.stock import StockShortError
from shop.payments import services as payments
from shop.payments.errors import PaymentError
from shop.pricing import TaxRate, countries_taxed_by_state
from shop.pricing_config import Destination, PricingKnobs

# How many overdue reservations one checkout start releases on its way (the CLI sweep does the rest).
OPPORTUNISTIC_SWEEP_LIMIT = 20


@dataclass(frozen=True)
class CheckoutStarted:
    order: Order
    redirect_url: str


def new_checkout_key() -> str:
    return secrets.token_urlsafe(24)


def _hash_key(checkout_key: str) -> str:
    return hashlib.sha256(checkout_key.encode()).hexdigest()


def cart_fingerprint(summary: CartSummary) -> str:
    """A digest of what the checkout page showed: SKUs, quantities and prices."""
    text = "|".join(
        f"{line.sku}:{line.quantity}:{line.unit_price_cents}"
        for line in sorted(summary.lines, key=lambda line: line.sku)
    )
    text += f"|discount:{summary.discount_code}:{summary.totals.discount_cents}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _order_lines(summary: CartSummary) -> list[NewOrderLine]:
    variants = {
        variant.sku: variant
        for variant in db.session.scalars(
            sa.select(ProductVariant)
            .where(ProductVariant.sku.in_([line.sku for line in summary.lines]))
            .options(joinedload(ProductVariant.product))
        )
    }
    lines = []
    for line, discount_cents in zip(summary.lines, summary.line_discounts, strict=True):
        variant = variants[line.sku]
        lines.append(
            NewOrderLine(
                variant_id=variant.id,
                product_id=variant.product_id,
                sku=line.sku,
                name=line.name,
                unit_price_cents=line.unit_price_cents,
                quantity=line.quantity,
                is_digital=line.digital,
                discount_cents=discount_cents,
            )
        )
    return lines


def _has_paid_order(email: str) -> bool:
    """Whether this email has paid for an order before (a first-order code then does not apply)."""
    return (
        db.session.scalar(
            sa.select(Order.id)
            .where(Order.email == normalize_email(email), Order.paid_at.is_not(None))
            .limit(1)
        )
        is not None
    )


def _check_discount(summary: CartSummary) -> None:
    """The cart's code is checked again now that the email is known: one that no longer applies is
    taken off the cart and the order is not placed, so the shopper sees the new total before paying."""
    if summary.discount_problem is None:
        return
    discounts.detach_from_cart(summary.cart_id)
    raise DiscountNoLongerAppliesError(summary.discount_problem)


def shop_asks_billing_state() -> bool:
    """Whether the checkout form asks a digital-only buyer for their state (where the tax table taxes
    that country's states differently): only when the shop reckons the tax; Stripe's page asks itself."""
    return not payments.provider_reckons_tax()


def billing_state_countries(*, requires_shipping: bool, tax_table: Mapping[str, TaxRate]) -> frozenset[str]:
    """The billing countries for which the checkout page asks a state: none when the order ships (the
    address has the state) or when the payment provider reckons the tax."""
    if requires_shipping or not shop_asks_billing_state():
        return frozenset()
    return countries_taxed_by_state(tax_table)


def place_order(
    *,
    cart_token: str | None,
    email: str,
    address: ShippingAddress | None,
    fingerprint: str,
    checkout_key: str,
    knobs: PricingKnobs,
    user_id: int | None = None,
    billing_country: str | None = None,
    billing_state: str | None = None,
) -> Order:
    """Create the pending order from the cart and reserve its stock, in one transaction. Commits.

    Shipping and tax follow the address's country and US state (a digital-only order's tax, the
    `billing_country` and, where the tax table taxes its states differently, the `billing_state`):
    shop/checkout/destination.py refuses what cannot be used (DestinationError).

    `user_id` is the logged-in customer: the order is theirs whatever email they send it to.

    Raises EmptyCartError, CartChangedError (the cart is not what the page showed), OutOfStockError
    naming the item that ran short (then nothing is reserved) or CheckoutAlreadyUsedError. Sending the
    same form again returns the order it already made.
    """
    key_hash = _hash_key(checkout_key)
    existing = get_order_by_checkout_key(key_hash)
    if existing is not None:
        return _replayed(existing)

    # Overdue reservations go back on the shelf before this shopper asks for stock.
    release_expired_orders(limit=OPPORTUNISTIC_SWEEP_LIMIT)

    # With a provider that reckons tax (Stripe Tax) the order's tax comes with the payment (whose page
    # collects a digital-only buyer's billing address).
    tax_from_provider = payments.provider_reckons_tax()
    destination, address = checkout_destination(
        knobs,
        address=address,
        billing_country=billing_country,
        billing_state=billing_state,
        ask_billing_state=shop_asks_billing_state(),
    )
    shopper = Shopper(email=email, has_paid_order=_has_paid_order(email))
    # The cart priced as the order will be: without tax when the payment brings it.
    terms = {**knobs.cart_knobs(destination), **({"tax_rate": None} if tax_from_provider else {})}
    summary = get_cart_summary(cart_token, **terms, shopper=shopper)
    if summary.is_empty:
        raise EmptyCartError()
    _check_discount(summary)
    if fingerprint != cart_fingerprint(summary):
        raise CartChangedError()
    problem = next((line.problem for line in summary.lines if line.problem), None)
    if problem:
        raise OutOfStockError(problem)
    if summary.payment_problem:
        # A total no card payment can take (1-49 cents) is refused before anything is reserved.
        raise TotalBelowCardMinimumError(summary.payment_problem)
    try:
        with committing():
            order = create_order(
                email=email,
                lines=_order_lines(summary),
                address=address,
                currency=knobs.currency,
                reservation_minutes=knobs.reservation_minutes,
                cart_token=cart_token,
                checkout_key=key_hash,
                user_id=user_id,
                **_destination_terms(knobs, destination, tax_from_provider=tax_from_provider),
                billing_country=destination.country if address is None else None,
                billing_state=destination.state if address is None else None,
                discount_code=summary.discount_code,
            )
            order.tax_from_provider = tax_from_provider
            if summary.discount is not None and summary.discount.code_id is not None:
                # The code's use is taken in the same transaction as the stock.
                discounts.redeem(
                    summary.discount.code_id,
                    order_id=order.id,
                    email=email,
                    discount_cents=order.discount_cents,
                )
    except StockShortError as short:
        raise OutOfStockError(short.message) from short
    except DiscountError as error:
        discounts.detach_from_cart(summary.cart_id)
        raise DiscountNoLongerAppliesError(error.message) from error
    except IntegrityError:
        # The same form sent twice at once: the other request made the order.
        existing = get_order_by_checkout_key(key_hash)
        if existing is None:
            raise
        return _replayed(existing)
    return order


def _destination_terms(
    knobs: PricingKnobs, destination: Destination, *, tax_from_provider: bool
) -> dict[str, Any]:
    """The zone's shipping terms and the tax rate create_order takes for this destination."""
    terms = knobs.cart_knobs(destination)
    return {
        "flat_rate_cents": terms["flat_rate_cents"],
        "free_over_cents": terms["free_over_cents"],
        "tax_rate": None if tax_from_provider else destination.tax_rate,
    }


def _replayed(order: Order) -> Order:
    if order.status in {OrderStatus.EXPIRED, OrderStatus.CANCELLED, OrderStatus.PAYMENT_FAILED}:
        raise CheckoutAlreadyUsedError()
    return order


def start_checkout(
    *,
    cart_token: str | None,
    email: str,
    address: ShippingAddress | None,
    fingerprint: str,
    checkout_key: str,
    knobs: PricingKnobs,
    user_id: int | None = None,
    billing_country: str | None = None,
    billing_state: str | None = None,
) -> CheckoutStarted:
    """Place the order, then open the payment: the URL to send the shopper to. On a provider error the
    reservation is released and CheckoutError carries the provider's retryable message."""
    order = place_order(
        cart_token=cart_token,
        email=email,
        address=address,
        fingerprint=fingerprint,
        checkout_key=checkout_key,
        knobs=knobs,
        user_id=user_id,
        billing_country=billing_country,
        billing_state=billing_state,
    )
    if order.status != OrderStatus.PENDING_PAYMENT:
        # A replay of a form whose order is already paid: show the order, don't charge again.
        return CheckoutStarted(order=order, redirect_url=order_url(order))
    try:
        url = payments.start_payment(order.id)
    except PaymentError as error:
        raise CheckoutError(error.message) from error
    return CheckoutStarted(order=order, redirect_url=url)
