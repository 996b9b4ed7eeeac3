"""Cart errors: each carries a message safe to show the shopper and the HTTP status it maps to."""

from shop.errors import ShopError


class CartError(ShopError):
    pass


class InvalidQuantityError(CartError):
    status_code = 400


class UnknownItemError(CartError):
    status_code = 404


class NotForSaleError(CartError):
    """The item exists but is not sold through the cart (the free guide)."""

    status_code = 400


class NotEnoughStockError(CartError):
    status_code = 409


class UnknownCountryError(CartError):
    """Blank, junk or not an ISO country code."""

    status_code = 400


class NotShippedThereError(CartError):
    """A real country the shop does not ship to."""

    status_code = 422
