"""Errors of the customer's data requests, each with a message safe to show."""

from shop.errors import ShopError


class DataRequestError(ShopError):
    """A data request that cannot go ahead; nothing was changed."""


class ExportInProgressError(DataRequestError):
    status_code = 429

    def __init__(self) -> None:
        super().__init__(
            "Your data is already being exported in another tab or window. "
            "Wait for that download to finish, then try again."
        )


class StaffAccountError(DataRequestError):
    status_code = 403

    def __init__(self) -> None:
        super().__init__(
            "Staff and admin accounts can't be deleted here: an admin must first change your role to "
            "customer on the staff page, so the shop never loses its last admin by accident."
        )


class NotConfirmedError(DataRequestError):
    def __init__(self) -> None:
        super().__init__("Tick the box to confirm that you want your account deleted.")


class WrongPasswordError(DataRequestError):
    def __init__(self) -> None:
        super().__init__("That password is not right. Nothing was deleted.")


class OrdersInProgressError(DataRequestError):
    status_code = 409

    def __init__(self, numbers: list[str]) -> None:
        listed = ", ".join(numbers)
        super().__init__(
            f"Your order{'s' if len(numbers) != 1 else ''} {listed} {'are' if len(numbers) != 1 else 'is'} "
            "still on its way to you (awaiting payment or not shipped yet), and we need your address to "
            "finish it. You can delete your account once it has shipped, or has expired unpaid."
        )
