"""The welcome code: a guide lead who confirms their email gets a personal code for a first order,
emailed with their guide (docs/rules.md#discounts rules 13-14). Off unless the shop's settings give it a
percentage."""

import logging

from shop.discounts import services as discounts
from shop.discounts.rules import describe
from shop.emails.services import InvalidRecipientError, queue_email
from shop.guides.models import Lead
from shop.urls import external_url

log = logging.getLogger(__name__)


def welcome_offer(config: dict) -> discounts.WelcomeOffer | None:
    """The offer from the shop's settings (config.py validated them), or None when it is off."""
    percent_bp = config.get("WELCOME_CODE_PERCENT_BP") or 0
    if percent_bp <= 0:
        return None
    return discounts.WelcomeOffer(
        percent_bp=percent_bp, days=config["WELCOME_CODE_DAYS"], scope=config["WELCOME_CODE_SCOPE"]
    )


def send_welcome_code(
    lead: Lead,
    offer: discounts.WelcomeOffer | None,
    *,
    guide_name: str,
    unsubscribe_url: str,
    headers: dict[str, str],
) -> bool:
    """Make the lead's code and queue the email that carries it, in the caller's transaction. Nothing when
    the offer is off, the lead already has a code, or already bought (the code is for a first order).
    Returns whether a code was sent."""
    if offer is None or lead.is_customer or discounts.get_welcome_code(lead.id) is not None:
        return False
    code = discounts.create_welcome_code(lead_id=lead.id, email=lead.email, offer=offer)
    try:
        queue_email(
            to=lead.email,
            subject=f"Your welcome code: {describe(code)} on your first order",
            template="welcome_code",
            context={
                "first_name": lead.first_name,
                "guide_name": guide_name,
                "code": code.code,
                "terms": describe(code),
                "ends_at": code.ends_at,
                "shop_url": external_url("catalog.product_list"),
                "unsubscribe_url": unsubscribe_url,
                "privacy_url": external_url("site.privacy"),
            },
            headers=headers,
        )
    except InvalidRecipientError:
        log.warning("welcome code for lead %s not emailed: undeliverable address", lead.id)
    return True
