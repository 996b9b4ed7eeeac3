"""Catalog errors, with messages safe to show a shopper."""

from shop.errors import ShopError


class CatalogError(ShopError):
    """Something a shopper asked of the catalog that cannot be answered."""


class UnknownCategoryError(CatalogError):
    def __init__(self, slug: str) -> None:
        super().__init__(f"There is no category called “{slug}”.")


class PageOutOfRangeError(CatalogError):
    def __init__(self) -> None:
        super().__init__("That page of the catalog does not exist.")
