"""Checkout errors, each with a message safe to show the shopper."""

from shop.errors import ShopError


class CheckoutError(ShopError):
    pass


class EmptyCartError(CheckoutError):
    def __init__(self) -> None:
        super().__init__("Your cart is empty. Add something before checking out.")


class CartChangedError(CheckoutError):
    status_code = 409

    def __init__(self) -> None:
        super().__init__(
            "Your cart changed since you opened checkout. Check the updated summary, then place your order."
        )


class OutOfStockError(CheckoutError):
    status_code = 409


class CheckoutAlreadyUsedError(CheckoutError):
    status_code = 409

    def __init__(self) -> None:
        super().__init__(
            "That checkout form was already sent, and its order has ended. Review your cart and try again."
        )


class DestinationError(CheckoutError):
    """The address's country or state (or a digital order's billing country or state) cannot be used.
    `field` names the checkout form's field the message belongs beside, when there is one."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotShippedThereError(DestinationError):
    status_code = 422


class DiscountNoLongerAppliesError(CheckoutError):
    """The cart's code stopped applying (expired, used up, not for this email…): it was taken off the cart
    and the order was not placed, so the shopper sees the total without it before paying."""

    status_code = 409

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"{reason} We took the code off your cart and placed no order: check the new total, then "
            "place your order."
        )


class TotalBelowCardMinimumError(CheckoutError):
    """The total is above $0.00 but under the smallest card charge (shop.pricing.MIN_CARD_CHARGE_CENTS): the
    payment page could never take it, so no order is placed and nothing is reserved."""

    status_code = 422
