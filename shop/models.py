"""Every domain's tables, imported in one place so Alembic and the shell see one schema."""

from shop.accounts.models import User
from shop.audit.models import AuditEvent
from shop.cart.models import Cart, CartLine
from shop.catalog.models import CatalogRevision, Category, Product, ProductVariant, StockAdjustment
from shop.downloads.models import DownloadEvent, DownloadGrant
from shop.emails.models import OutgoingEmail

__all__ = [
    "AuditEvent",
    "Cart",
    "CartLine",
    "CatalogRevision",
    "Category",
    "DownloadEvent",
    "DownloadGrant",
    "OutgoingEmail",
    "Product",
    "ProductVariant",
    "StockAdjustment",
    "User",
]
