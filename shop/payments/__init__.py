"""Payments: the provider interface, Stripe and the local dev provider, and the Stripe webhook."""
