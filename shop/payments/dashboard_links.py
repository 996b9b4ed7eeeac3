"""Links from an order to its payment in the provider's dashboard (Stripe only; the dev provider has none)."""

import re

_PAYMENT_INTENT = re.compile(r"^pi_[A-Za-z0-9_]{1,200}$")
STRIPE_DASHBOARD = "https://dashboard.stripe.com"


def payment_dashboard_url(
    provider: str | None, payment_intent_id: str | None, *, secret_key: str | None
) -> str | None:
    """The Stripe dashboard page of a payment; test-mode keys (sk_test_…, rk_test_…) get the /test/ view."""
    if provider != "stripe" or not payment_intent_id or not _PAYMENT_INTENT.match(payment_intent_id):
        return None
    test_mode = (secret_key or "").startswith(("sk_test_", "rk_test_"))
    return f"{STRIPE_DASHBOARD}/{'test/' if test_mode else ''}payments/{payment_intent_id}"
