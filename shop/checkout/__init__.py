"""Checkout: turn the cart into an order with reserved stock, then hand it to the payment provider."""
