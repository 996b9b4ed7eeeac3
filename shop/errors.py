"""The one base for errors the shop expects: a message safe to show the person and the HTTP status it maps to.

Each package subclasses it (CartError, OrderError, …) so views can catch one type and answer with
`error.message` and `error.status_code`; anything else is a bug and reaches the 500 handler.
"""


class ShopError(Exception):
    status_code = 400

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code
