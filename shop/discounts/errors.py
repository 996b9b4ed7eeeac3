"""Why a code does not apply: one error per reason, each with a message safe to show the shopper
(docs/rules.md#discounts)."""

from shop.errors import ShopError


class DiscountError(ShopError):
    """A code that cannot be used now. 422: the request was understood, the code just does not apply."""

    status_code = 422


class MalformedCodeError(DiscountError):
    status_code = 400


class UnknownCodeError(DiscountError):
    status_code = 404


class CodeUsedUpError(DiscountError):
    status_code = 409


class CodeEditError(ShopError):
    """Staff typed terms a code cannot have; `field` names the form field to show it on."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
