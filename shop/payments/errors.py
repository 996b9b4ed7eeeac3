"""Payment errors: a provider failure carries a message safe (and useful) to show the shopper."""

from shop.errors import ShopError


class PaymentError(ShopError):
    """The provider refused or could not be reached. Nothing was charged."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class WebhookRejectedError(Exception):
    """A webhook body that must be answered 400: bad signature, stale timestamp, not JSON."""
