"""Every domain's tables, imported in one place so Alembic and the shell see one schema."""

from shop.cart.models import Cart, CartLine
from shop.catalog.models import CatalogRevision, Category, Product, ProductVariant

__all__ = ["Cart", "CartLine", "CatalogRevision", "Category", "Product", "ProductVariant"]
