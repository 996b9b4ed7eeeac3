"""Every domain's tables, imported in one place so Alembic and the shell see one schema."""

from shop.accounts.models import User
from shop.cart.models import Cart, CartLine
from shop.catalog.models import CatalogRevision, Category, Product, ProductVariant
from shop.downloads.models import DownloadEvent, DownloadGrant
from shop.emails.models import OutgoingEmail

__all__ = [
    "Cart",
    "CartLine",
    "CatalogRevision",
    "Category",
    "DownloadEvent",
    "DownloadGrant",
    "OutgoingEmail",
    "Product",
    "ProductVariant",
    "User",
]
