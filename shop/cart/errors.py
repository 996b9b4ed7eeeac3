"""Cart errors: each carries a message safe to show the shopper and the HTTP status it maps to."""


class CartError(Exception):
    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidQuantityError(CartError):
    status_code = 400


class UnknownItemError(CartError):
    status_code = 404


class NotForSaleError(CartError):
    """The item exists but is not sold through the cart (the free guide)."""

    status_code = 400


class NotEnoughStockError(CartError):
    status_code = 409
