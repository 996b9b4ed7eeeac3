"""Who may see an order: anyone holding its signed link, and the customer it belongs to.

The link carries the order number signed with SECRET_KEY (salted for this one purpose), so it cannot be
forged or moved to another order. Signed links do not expire: they are the guest's receipt.

A logged-in customer owns an order tied to their account (`order.user_id`), and a guest order (no account
yet) sent to their confirmed email address. An order tied to one account is never opened by another
account's email match: only its own account, or the signed link.
"""

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from shop.orders.models import Order
from shop.urls import external_url

SALT = "shop.orders.view-link"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def access_token(order_number: str) -> str:
    return _serializer().dumps(order_number)


def token_grants_access(order_number: str, token: str | None) -> bool:
    if not token or len(token) > 200:
        return False
    try:
        return _serializer().loads(token) == order_number
    except BadSignature:
        return False


def is_owner(order: Order, user: Any) -> bool:
    """Whether `user` (a User, Flask-Login's anonymous user, or None) owns the order: it is tied to
    their account, or it is a guest order to the address their account has confirmed. Never through an
    unconfirmed address."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if order.user_id is not None:
        return order.user_id == user.id
    return user.email_confirmed_at is not None and order.email == user.email


def can_view(order: Order, *, token: str | None, user: Any = None) -> bool:
    """A valid signed link opens the order; so does being logged in as its owner (see is_owner)."""
    return token_grants_access(order.number, token) or is_owner(order, user)


def order_url(order: Order) -> str:
    """The guest's signed link to the order page, absolute (for emails)."""
    return external_url("orders.show", number=order.number, t=access_token(order.number))


def invoice_url(order: Order) -> str:
    """The signed link to the order's invoice, absolute (for the confirmation email): it opens for the
    holder of the link as the order page does."""
    return external_url("invoices.invoice", number=order.number, t=access_token(order.number))


def order_number_from_token(token: str | None) -> str | None:
    """The order number a signed link was made for, or None for anything forged or malformed."""
    if not token or len(token) > 200:
        return None
    try:
        number = _serializer().loads(token)
    except BadSignature:
        return None
    return number if isinstance(number, str) else None
