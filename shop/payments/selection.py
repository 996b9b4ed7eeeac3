"""Which payment provider this app uses, picked once in create_app; callers use get_provider().

PAYMENT_PROVIDER is `stripe`, `dev`, or `auto` (Stripe when STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET
are both set, else dev).
"""

from typing import Any

from flask import Flask, current_app

from shop.payments.dev_provider import DevProvider
from shop.payments.provider import STRIPE_MAX_SESSION_MINUTES, PaymentProvider, dev_webhook_secret
from shop.payments.stripe_provider import StripeProvider


def resolve_provider_name(config: dict[str, Any]) -> str:
    choice = str(config["PAYMENT_PROVIDER"] or "auto").strip().lower()
    if choice not in {"auto", "stripe", "dev"}:
        raise RuntimeError(f"PAYMENT_PROVIDER must be stripe, dev or auto, got {choice!r}")
    if choice == "auto":
        has_keys = config["STRIPE_SECRET_KEY"] and config["STRIPE_WEBHOOK_SECRET"]
        return "stripe" if has_keys else "dev"
    return choice


def init_app(app: Flask) -> None:
    """Pick and build the provider; refuse to start with settings that would lose or fake money."""
    config = app.config
    name = resolve_provider_name(config)
    minutes = config["RESERVATION_MINUTES"]
    if not 1 <= minutes <= STRIPE_MAX_SESSION_MINUTES:
        raise RuntimeError(f"RESERVATION_MINUTES must be between 1 and {STRIPE_MAX_SESSION_MINUTES}")
    provider: PaymentProvider
    if name == "stripe":
        if not (config["STRIPE_SECRET_KEY"] and config["STRIPE_WEBHOOK_SECRET"]):
            raise RuntimeError("PAYMENT_PROVIDER=stripe needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET")
        provider = StripeProvider(
            secret_key=config["STRIPE_SECRET_KEY"],
            webhook_secret=config["STRIPE_WEBHOOK_SECRET"],
            api_base=config["STRIPE_API_BASE"],
            allowed_countries=tuple(config["SHIPPING_COUNTRIES"]),
        )
    else:
        if config["APP_ENV"] == "production" and not config["ALLOW_DEV_PAYMENTS"]:
            raise RuntimeError(
                "The development payment provider takes no money and is refused in production: set "
                "STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET (or ALLOW_DEV_PAYMENTS=1 for a demo)"
            )
        if not config["SECRET_KEY"]:
            raise RuntimeError("the development payment provider signs its events with SECRET_KEY: set it")
        provider = DevProvider(webhook_secret=dev_webhook_secret(config["SECRET_KEY"]))
    app.extensions["payment_provider"] = provider


def get_provider() -> PaymentProvider:
    return current_app.extensions["payment_provider"]
