"""Journal errors: messages safe to show to visitors and staff."""

from shop.errors import ShopError


class JournalError(ShopError):
    """A journal request that cannot be served (an unknown topic, a page past the end)."""

    status_code = 404


class ArticleEditError(ShopError):
    """Staff's article edit breaks a rule; `field` names the form field to attach the message to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
