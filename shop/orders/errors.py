"""Order errors. Messages are safe to show a shopper or a member of staff."""

from shop.errors import ShopError


class OrderError(ShopError):
    pass


class IllegalTransitionError(OrderError):
    """A status change the order state machine does not allow (a bug or a stale action)."""

    status_code = 409


class UnknownOrderError(OrderError):
    status_code = 404


class RefundError(OrderError):
    status_code = 409
