"""The storefront pages: home, the catalog list and product pages, on top of the catalog and the cart."""
