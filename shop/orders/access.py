"""Who may see an order: a guest through a signed link; a logged-in owner once accounts exist.

The link carries the order number signed with SECRET_KEY (salted for this one purpose), so it cannot be
forged or moved to another order. Signed links do not expire: they are the guest's receipt.
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


def can_view(order: Order, *, token: str | None, user: Any = None) -> bool:
    """A valid signed link opens the order. Accounts (a later issue) add: the logged-in owner, matched by
    user id or by a confirmed email equal to the order's."""
    return token_grants_access(order.number, token)


def order_url(order: Order) -> str:
    """The guest's signed link to the order page, absolute (for emails)."""
    return external_url("orders.show", number=order.number, t=access_token(order.number))


def order_number_from_token(token: str | None) -> str | None:
    """The order number a signed link was made for, or None for anything forged or malformed."""
    if not token or len(token) > 200:
        return None
    try:
        number = _serializer().loads(token)
    except BadSignature:
        return None
    return number if isinstance(number, str) else None
