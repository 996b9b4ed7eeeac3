"""Account errors, with messages safe to show the person at the keyboard."""

from shop.errors import ShopError


class AccountError(ShopError):
    pass


class WeakPasswordError(AccountError):
    pass


class EmailTakenError(AccountError):
    pass


class InvalidTokenError(AccountError):
    """A link that is expired, used, tampered with or meant for someone else."""


class WrongPasswordError(AccountError):
    """The password given to confirm a change is not the account's password."""
