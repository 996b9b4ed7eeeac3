"""A customer's guide lead, for their own data requests: what the export shows of it, and what deleting
their account does to it (docs/rules.md#your-data). In the caller's transaction; nothing here commits."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from shop.extensions import db
from shop.guides.models import Lead
from shop.guides.services import erase_lead_rows


def lead_of_account(user_id: int, email: str, *, email_confirmed: bool) -> Lead | None:
    """The lead tied to the account, or, for a confirmed address, the unowned lead with that address
    (the same lead accounts/linking.py would attach); loaded with its consent history."""
    condition = Lead.user_id == user_id
    if email_confirmed:
        condition = sa.or_(condition, sa.and_(Lead.email == email, Lead.user_id.is_(None)))
    return db.session.scalar(
        sa.select(Lead).where(condition).options(selectinload(Lead.consents)).order_by(Lead.id).limit(1)
    )


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def lead_export(lead: Lead) -> dict[str, Any]:
    """The lead and every consent it gave or withdrew, as plain JSON values."""
    return {
        "email": lead.email,
        "first_name": lead.first_name,
        "signed_up_at": _iso(lead.created_at),
        "confirmed_at": _iso(lead.confirmed_at),
        "subscribed": lead.subscribed,
        "consented_at": _iso(lead.consented_at),
        "consent_version": lead.consent_version,
        "unsubscribed_at": _iso(lead.unsubscribed_at),
        "first_touch": {
            "landing_page": lead.landing_page,
            "referrer": lead.referrer,
            "utm_source": lead.utm_source,
            "utm_medium": lead.utm_medium,
            "utm_campaign": lead.utm_campaign,
            "utm_term": lead.utm_term,
            "utm_content": lead.utm_content,
            "signup_form": lead.signup_form,
            "signup_page": lead.signup_page,
        },
        "customer_since": _iso(lead.customer_since),
        "first_order": lead.first_order_reference,
        "consent_history": [
            {
                "at": _iso(record.created_at),
                "given": record.given,
                "version": record.consent_version,
                "wording": record.consent_text,
                "form": record.form,
                "page": record.page,
                "ip_address": record.ip_address,
                "user_agent": record.user_agent,
            }
            for record in lead.consents
        ],
    }


def forget_account_lead(lead: Lead, *, keep_newsletter: bool) -> bool:
    """The account is going: the lead stays (unlinked from it) when the customer keeps the newsletter,
    else it is erased exactly as staff erase a lead (services.erase_lead_rows). Returns whether it was
    erased."""
    if keep_newsletter:
        lead.user_id = None
        return False
    erase_lead_rows(lead)
    return True
