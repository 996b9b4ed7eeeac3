"""Account errors, with messages safe to show the person at the keyboard."""


class AccountError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class WeakPasswordError(AccountError):
    pass


class EmailTakenError(AccountError):
    pass


class InvalidTokenError(AccountError):
    """A link that is expired, used, tampered with or meant for someone else."""


class WrongPasswordError(AccountError):
    """The password given to confirm a change is not the account's password."""
