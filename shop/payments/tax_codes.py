"""Stripe Tax product tax codes, per product tax type: the one place they are written down.

From Stripe's list of product tax codes (docs.stripe.com/tax/tax-codes). Stripe Tax picks the rate and
the taxability rules of each jurisdiction from the code; prices are sent tax-exclusive.
"""

from shop.catalog.models import ProductTaxType

PRODUCT_TAX_CODES: dict[ProductTaxType, str] = {
    # Digital Books - downloaded - non-subscription - with permanent rights
    ProductTaxType.DIGITAL_GUIDE: "txcd_10302000",
    # Books - printed
    ProductTaxType.PRINTED_BOOK: "txcd_35010000",
    # Clothing and footwear
    ProductTaxType.APPAREL: "txcd_30011000",
    # General - Tangible Goods (mugs, infusers, totes, posters)
    ProductTaxType.HOUSEWARES: "txcd_99999999",
}
# Shipping
SHIPPING_TAX_CODE = "txcd_92010001"


def tax_code_for(tax_type: ProductTaxType) -> str:
    return PRODUCT_TAX_CODES[tax_type]
