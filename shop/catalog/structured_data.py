"""schema.org Product data for search engines: one Offer per variant."""

from typing import Any

from shop.catalog.product_views import ProductView
from shop.money import decimal_amount


def product_json_ld(
    product: ProductView, *, page_url: str, image_url: str | None, currency: str, shop_name: str
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.name,
        "description": product.summary,
        "sku": product.variants[0].sku if len(product.variants) == 1 else None,
        "category": product.category_name,
        "brand": {"@type": "Brand", "name": shop_name},
        "url": page_url,
        "offers": [
            {
                "@type": "Offer",
                "sku": variant.sku,
                "name": f"{product.name} ({variant.option_value})" if variant.option_value else product.name,
                "price": decimal_amount(variant.price_cents),
                "priceCurrency": currency.upper(),
                "availability": "https://schema.org/InStock"
                if variant.in_stock
                else "https://schema.org/OutOfStock",
                "url": page_url,
            }
            for variant in product.variants
        ],
    }
    if image_url:
        data["image"] = image_url
    return {key: value for key, value in data.items() if value is not None}
