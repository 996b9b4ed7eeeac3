"""Every domain's tables, imported in one place so Alembic and the shell see one schema."""

from shop.accounts.models import User
from shop.audit.models import AuditEvent
from shop.cart.models import Cart, CartLine
from shop.catalog.models import CatalogRevision, Category, Product, ProductVariant, StockAdjustment
from shop.discounts.models import CartDiscount, DiscountCode, DiscountCodeProduct, DiscountRedemption
from shop.downloads.models import DownloadEvent, DownloadGrant
from shop.emails.models import OutgoingEmail
from shop.guides.models import ConsentRecord, GuideRequest, Lead, LeadErasureCount
from shop.journal.comment_models import ArticleComment, CommentEmailOptOut
from shop.journal.models import Article
from shop.orders.invoice_models import CreditNote, DocumentCounter, Invoice
from shop.orders.models import Order, OrderEvent, OrderLine, PaymentEventRecord

__all__ = [
    "Article",
    "ArticleComment",
    "AuditEvent",
    "Cart",
    "CartLine",
    "CatalogRevision",
    "CartDiscount",
    "Category",
    "CommentEmailOptOut",
    "ConsentRecord",
    "CreditNote",
    "DocumentCounter",
    "DiscountCode",
    "DiscountCodeProduct",
    "DiscountRedemption",
    "DownloadEvent",
    "DownloadGrant",
    "Order",
    "OrderEvent",
    "OrderLine",
    "GuideRequest",
    "Invoice",
    "Lead",
    "LeadErasureCount",
    "OutgoingEmail",
    "PaymentEventRecord",
    "Product",
    "ProductVariant",
    "StockAdjustment",
    "User",
]
