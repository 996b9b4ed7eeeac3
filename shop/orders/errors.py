"""Order errors. Messages are safe to show a shopper or a member of staff."""


class OrderError(Exception):
    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class IllegalTransitionError(OrderError):
    """A status change the order state machine does not allow (a bug or a stale action)."""

    status_code = 409


class UnknownOrderError(OrderError):
    status_code = 404


class RefundError(OrderError):
    status_code = 409
