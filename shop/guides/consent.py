"""The marketing-consent wording, versioned: a consent record stores the exact text shown and its version.

Changing the wording means adding a new version (and its fingerprint) here; a test fails otherwise, so
the log never claims someone agreed to words they were not shown.
"""

import hashlib

CONSENT_VERSION = "2026-11-newsletter-v1"
# {shop_name} is filled in when shown; the stored text is the filled-in one.
CONSENT_TEMPLATE = (
    "Yes, also send me the {shop_name} newsletter: about one email a month with new guides, research "
    "summaries and shop news. I can unsubscribe at any time with the link at the bottom of every email."
)
# SHA-256 of CONSENT_TEMPLATE per version: the registry of wordings we have ever shown.
CONSENT_FINGERPRINTS = {
    "2026-11-newsletter-v1": "5b237271649726b4c05b8a8a384616168ca7a7417b40f89251d7b712c6154729",
}

# Withdrawals go into the same log.
WITHDRAWAL_VERSION = "withdrawal-v1"
WITHDRAWAL_TEXT = "Unsubscribed from marketing email."


def consent_text(shop_name: str) -> str:
    return CONSENT_TEMPLATE.format(shop_name=shop_name)


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
