"""Lead use cases: sign up for the free guide, confirm and download it, unsubscribe, become a customer, erase.

Emails are normalised (trimmed, lowercased) before every lookup, so one person is one `Lead`. Each public
function that changes data commits once, except `mark_lead_as_customer`, which runs inside the caller's
order transaction.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from shop.accounts.linking import confirmed_account_id
from shop.audit import services as audit
from shop.audit.services import Actor
from shop.catalog.models import Product
from shop.catalog.product_views import ProductView
from shop.catalog.services import get_product_view
from shop.clock import utcnow
from shop.database import commit_with_one_retry, committing
from shop.discounts.services import WelcomeOffer, forget_welcome_code_email
from shop.downloads.models import DownloadEvent, DownloadGrant
from shop.downloads.services import DownloadLink, issue_grant
from shop.email_addresses import normalize_email
from shop.emails.services import InvalidRecipientError, delete_emails_to, queue_email
from shop.extensions import db
from shop.guides import consent, tokens
from shop.guides.attribution import VisitSource, clean_local_path, clean_text
from shop.guides.errors import (
    ExpiredLinkError,
    GuideUnavailableError,
    UndeliverableAddressError,
    UnknownGuideError,
    UnknownLinkError,
)
from shop.guides.models import ConsentRecord, GuideRequest, Lead, LeadErasureCount
from shop.guides.welcome import send_welcome_code
from shop.urls import external_url

log = logging.getLogger(__name__)

T = TypeVar("T")

# The forms that can sign someone up; anything else a client sends is recorded as "guide".
SIGNUP_FORMS = frozenset({"guide", "home", "product", "journal"})
MAX_FIRST_NAME_LENGTH = 100
# queue_email keeps header values to one line of at most this many characters.
MAX_HEADER_LENGTH = 200


@dataclass(frozen=True)
class SignupContext:
    """Where and how a sign-up happened, as plain values read from the request."""

    form: str
    page: str | None
    ip_address: str | None
    user_agent: str | None
    source: VisitSource


@dataclass(frozen=True)
class CaptureResult:
    # None when nothing was stored (the honeypot was filled); the visitor sees the same page either way.
    lead_id: int | None
    masked_email: str
    guide_slug: str


@dataclass(frozen=True)
class GuideRequestView:
    guide_name: str
    guide_slug: str
    masked_email: str
    expires_at: datetime


@dataclass(frozen=True)
class UnsubscribeView:
    # None: the signature is ours but the lead was erased; we hold nothing and send nothing.
    lead_id: int | None
    masked_email: str | None
    subscribed: bool


def mask_email(email: str) -> str:
    """ "ana@example.com" → "a***@example.com": enough to spot a typo in the domain, not to read it out."""
    local, _, domain = normalize_email(email).partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def clean_first_name(first_name: str) -> str:
    """One line, printable, trimmed. The form refuses anything longer than MAX_FIRST_NAME_LENGTH."""
    return clean_text(first_name, MAX_FIRST_NAME_LENGTH * 2) or ""


def greeting_name(first_name: str) -> str:
    """The name to greet with in an email, or "" when it looks like a link: spammers put URLs in name
    fields so that our own email carries their link to whoever's address they typed."""
    lowered = first_name.lower()
    if any(marker in lowered for marker in ("://", "www.", "@", ".com", ".net", ".org")):
        return ""
    return first_name


def get_guide(slug: str) -> ProductView:
    """The published free guide with this slug; UnknownGuideError for anything else."""
    guide = get_product_view(slug)
    if guide is None or not guide.is_lead_magnet:
        raise UnknownGuideError()
    return guide


def _lead_magnet(slug: str) -> Product:
    product = db.session.scalar(
        sa.select(Product).where(
            Product.slug == slug, Product.is_lead_magnet.is_(True), Product.is_published.is_(True)
        )
    )
    if product is None:
        raise UnknownGuideError()
    return product


def _find_lead(email: str) -> Lead | None:
    return db.session.scalar(sa.select(Lead).where(Lead.email == normalize_email(email)))


def _unsubscribe_url(lead: Lead) -> str:
    return external_url("guides.unsubscribe_page", token=tokens.unsubscribe_token(lead.id))


def unsubscribe_headers(lead: Lead, *, mailto: str | None = None) -> dict[str, str]:
    """RFC 2369 / RFC 8058 headers: a one-click https unsubscribe (and a mailto one when configured).
    Every marketing email must carry them; queue_email refuses a marketing email without."""
    targets = [f"<{_unsubscribe_url(lead)}>"]
    if mailto:
        targets.append(f"<mailto:{mailto}?subject=unsubscribe>")
    header = ", ".join(targets)
    if len(header) > MAX_HEADER_LENGTH:
        header = targets[0]  # the queue cuts longer header values; the https link is the one that matters
    return {
        "List-Unsubscribe": header,
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def _queue_guide_link(lead: Lead, product: Product, *, ttl_hours: int, mailto: str | None) -> None:
    """A new confirm-and-download link for `product`, emailed to the lead (in the caller's transaction)."""
    token = tokens.new_confirm_token()
    guide_request = GuideRequest(
        token_hash=tokens.hash_token(token),
        lead=lead,
        product=product,
        expires_at=utcnow() + timedelta(hours=ttl_hours),
    )
    db.session.add(guide_request)
    try:
        queue_email(
            to=lead.email,
            subject=f"Confirm your email to get {product.name}",
            template="guide_link",
            context={
                "greeting_name": greeting_name(lead.first_name),
                "guide_name": product.name,
                "confirm_url": external_url("guides.confirm_page", token=token),
                "expires_at": guide_request.expires_at,
                "ttl_hours": ttl_hours,
                "subscribed": lead.subscribed,
                "unsubscribe_url": _unsubscribe_url(lead),
                "privacy_url": external_url("site.privacy"),
            },
            headers=unsubscribe_headers(lead, mailto=mailto),
        )
    except InvalidRecipientError as error:
        raise UndeliverableAddressError() from error


def _record_consent(lead: Lead, *, given: bool, version: str, text: str, context: SignupContext) -> None:
    db.session.add(
        ConsentRecord(
            lead=lead,
            given=given,
            consent_version=version,
            consent_text=text,
            form=context.form,
            page=context.page,
            ip_address=(context.ip_address or "")[:45] or None,
            user_agent=(context.user_agent or "")[:300] or None,
        )
    )


def capture_lead(
    *,
    guide_slug: str,
    email: str,
    first_name: str,
    marketing_consent: bool,
    honeypot: str,
    context: SignupContext,
    shop_name: str,
    link_ttl_hours: int,
    unsubscribe_mailto: str | None = None,
) -> CaptureResult:
    """Sign someone up for the free guide and email them a confirm-and-download link. Commits.

    Upserts the lead by normalised email: a second sign-up makes no second lead, keeps the first-touch
    source, updates the first name when one is given, and sends a fresh link. Every sign-up appends a
    consent record with the exact wording shown and the answer. Ticking the box (re)subscribes; leaving
    it unticked later does not withdraw an earlier yes (unsubscribing does). A filled honeypot stores and
    sends nothing but returns the same kind of result, so a bot learns nothing.
    """
    email = normalize_email(email)
    masked = mask_email(email)
    product = _lead_magnet(guide_slug)
    slug = product.slug
    if honeypot.strip():
        log.info("guide sign-up dropped: honeypot filled (form=%s)", context.form)
        return CaptureResult(lead_id=None, masked_email=masked, guide_slug=slug)

    form = context.form if context.form in SIGNUP_FORMS else "guide"
    context = SignupContext(
        form=form,
        page=clean_local_path(context.page),
        ip_address=context.ip_address,
        user_agent=context.user_agent,
        source=context.source,
    )
    first_name = clean_first_name(first_name)[:MAX_FIRST_NAME_LENGTH]
    source = context.source.cleaned()

    def write() -> int:
        lead = _find_lead(email)
        if lead is None:
            lead = Lead(
                email=email,
                first_name=first_name,
                subscribed=False,
                signup_form=form,
                signup_page=context.page,
                landing_page=source.landing_page or context.page,
                referrer=source.referrer,
                utm_source=source.utm_source,
                utm_medium=source.utm_medium,
                utm_campaign=source.utm_campaign,
                utm_term=source.utm_term,
                utm_content=source.utm_content,
                # Someone whose account already proved this address: staff see the lead is theirs.
                user_id=confirmed_account_id(email),
            )
            db.session.add(lead)
            db.session.flush()  # a simultaneous sign-up of this email fails here, and is retried
        elif first_name:
            lead.first_name = first_name
        _record_consent(
            lead,
            given=marketing_consent,
            version=consent.CONSENT_VERSION,
            text=consent.consent_text(shop_name),
            context=context,
        )
        if marketing_consent:
            now = utcnow()
            lead.subscribed = True
            lead.consented_at = now
            lead.consent_version = consent.CONSENT_VERSION
            lead.unsubscribed_at = None
        _queue_guide_link(lead, product, ttl_hours=link_ttl_hours, mailto=unsubscribe_mailto)
        return lead.id

    lead_id = commit_with_one_retry(write)
    log.info("guide sign-up: lead %s (form=%s, consent=%s)", lead_id, form, marketing_consent)
    return CaptureResult(lead_id=lead_id, masked_email=masked, guide_slug=slug)


def resend_link(
    lead_id: int | None, *, guide_slug: str, link_ttl_hours: int, unsubscribe_mailto: str | None = None
) -> None:
    """Email a lead a fresh link (the "send it again" button). Commits. A sign-up that stored nothing
    (honeypot) or a lead erased since sends nothing, silently."""
    product = _lead_magnet(guide_slug)
    lead = db.session.get(Lead, lead_id) if lead_id else None
    if lead is None:
        return
    with committing():
        _queue_guide_link(lead, product, ttl_hours=link_ttl_hours, mailto=unsubscribe_mailto)


def _find_guide_request(token: str) -> GuideRequest | None:
    if not tokens.looks_like_token(token):
        return None
    return db.session.scalar(
        sa.select(GuideRequest)
        .where(GuideRequest.token_hash == tokens.hash_token(token))
        .options(joinedload(GuideRequest.lead), joinedload(GuideRequest.product))
    )


def _live_guide_request(token: str) -> GuideRequest:
    guide_request = _find_guide_request(token)
    if guide_request is None:
        raise UnknownLinkError()
    product = guide_request.product
    if guide_request.expires_at <= utcnow():
        raise ExpiredLinkError(guide_name=product.name, guide_slug=product.slug)
    if not (product.is_published and product.is_lead_magnet):
        raise GuideUnavailableError()
    return guide_request


def get_guide_request(token: str) -> GuideRequestView:
    """What the confirm page shows for an emailed link. Raises UnknownLinkError, ExpiredLinkError or
    GuideUnavailableError. Reading it changes nothing: mail scanners open links too."""
    guide_request = _live_guide_request(token)
    return GuideRequestView(
        guide_name=guide_request.product.name,
        guide_slug=guide_request.product.slug,
        masked_email=mask_email(guide_request.lead.email),
        expires_at=guide_request.expires_at,
    )


def confirm_guide_request(
    token: str,
    *,
    download_ttl_days: int,
    max_downloads: int,
    welcome: WelcomeOffer | None = None,
    unsubscribe_mailto: str | None = None,
) -> DownloadLink:
    """The button on the confirm page: the email is proven, so mark the lead confirmed and issue a
    download grant for the guide. Commits. Pressing again while the link lives issues another grant
    (the first download may have failed); the confirmation time stays the first one. The first
    confirmation also emails the lead's welcome code when `welcome` (the shop's offer) is set."""
    guide_request = _live_guide_request(token)
    lead = guide_request.lead
    lead_id, request_id = lead.id, guide_request.id
    now = utcnow()
    with committing():
        if lead.confirmed_at is None:
            lead.confirmed_at = now
            send_welcome_code(
                lead,
                welcome,
                guide_name=guide_request.product.name,
                unsubscribe_url=_unsubscribe_url(lead),
                headers=unsubscribe_headers(lead, mailto=unsubscribe_mailto),
            )
        if guide_request.confirmed_at is None:
            guide_request.confirmed_at = now
        _, link = issue_grant(
            email=lead.email,
            product=guide_request.product,
            ttl_days=download_ttl_days,
            max_downloads=max_downloads,
            lead_id=lead.id,
        )
    log.info("guide confirmed: lead %s, request %s", lead_id, request_id)
    return link


def renew_link(token: str, *, link_ttl_hours: int, unsubscribe_mailto: str | None = None) -> CaptureResult:
    """From an expired link's page: email its owner a fresh one. Commits. Raises UnknownLinkError
    for a token that is not ours, GuideUnavailableError when the guide is gone."""
    guide_request = _find_guide_request(token)
    if guide_request is None:
        raise UnknownLinkError()
    product = guide_request.product
    if not (product.is_published and product.is_lead_magnet):
        raise GuideUnavailableError()
    lead = guide_request.lead
    with committing():
        _queue_guide_link(lead, product, ttl_hours=link_ttl_hours, mailto=unsubscribe_mailto)
    return CaptureResult(lead_id=lead.id, masked_email=mask_email(lead.email), guide_slug=product.slug)


def get_unsubscribe_status(token: str) -> UnsubscribeView:
    """What the unsubscribe page shows. Raises UnknownLinkError for a token we did not sign."""
    lead_id = tokens.lead_id_from_unsubscribe_token(token)
    if lead_id is None:
        raise UnknownLinkError()
    lead = db.session.get(Lead, lead_id)
    if lead is None:
        return UnsubscribeView(lead_id=None, masked_email=None, subscribed=False)
    return UnsubscribeView(lead_id=lead.id, masked_email=mask_email(lead.email), subscribed=lead.subscribed)


def unsubscribe(
    token: str, *, method: str, ip_address: str | None, user_agent: str | None
) -> UnsubscribeView:
    """Stop marketing email to the lead the token names, and log the withdrawal. Commits.

    Idempotent: a second request (a double click, a mail provider's one-click POST after the visitor
    already used the page) changes nothing and logs nothing. Coming back takes a new consent: ticking
    the box on the sign-up form.
    """
    lead_id = tokens.lead_id_from_unsubscribe_token(token)
    if lead_id is None:
        raise UnknownLinkError()
    lead = db.session.get(Lead, lead_id)
    if lead is None:
        return UnsubscribeView(lead_id=None, masked_email=None, subscribed=False)
    with committing():
        # Conditional, so two simultaneous requests log one withdrawal between them.
        now = utcnow()
        changed = db.session.execute(
            sa.update(Lead)
            .where(Lead.id == lead.id, Lead.subscribed.is_(True))
            .values(subscribed=False, unsubscribed_at=now, updated_at=now)
        ).rowcount
        if changed:
            context = SignupContext(
                form=method, page=None, ip_address=ip_address, user_agent=user_agent, source=VisitSource()
            )
            _record_consent(
                lead,
                given=False,
                version=consent.WITHDRAWAL_VERSION,
                text=consent.WITHDRAWAL_TEXT,
                context=context,
            )
    if changed:
        log.info("lead %s unsubscribed (%s)", lead.id, method)
    return UnsubscribeView(lead_id=lead.id, masked_email=mask_email(lead.email), subscribed=lead.subscribed)


def mark_lead_as_customer(
    email: str, *, order_reference: str | None = None, at: datetime | None = None
) -> bool:
    """Link a lead to their first purchase, so revenue can be credited to guide sources and campaigns.

    Call it from the order-paid step, inside that transaction (this does not commit). Idempotent: only
    the first purchase is recorded; later calls, and calls for an email that is no lead, change nothing.
    Returns True when this call marked the lead.
    """
    now = utcnow()
    result = db.session.execute(
        sa.update(Lead)
        .where(Lead.email == normalize_email(email), Lead.customer_since.is_(None))
        .values(
            customer_since=at or now,
            first_order_reference=order_reference[:64] if order_reference else None,
            updated_at=now,
        )
    )
    return result.rowcount == 1


def erase_lead(email: str, *, actor: Actor | None = None) -> bool:
    """Delete everything held about a lead, keeping only +1 on this month's anonymous erasure count.
    Commits. Returns False when no lead has that email.

    When staff erase (`actor`), the audit log records that lead #<id> was erased, in the same
    transaction, and never the address.

    Goes: the lead, its consent log, its guide links, the download grants it earned and their download
    log (IP addresses, user agents), and every email to the address in the outgoing queue, sent or not
    (the queue is a delivery log; the person asked us to stop). Grants and records that belong to an
    order are not the lead's and stay with the order.
    """
    email = normalize_email(email)
    if _find_lead(email) is None:
        return False

    def write() -> int:
        lead = _find_lead(email)
        return erase_lead_rows(lead, actor=actor) if lead is not None else 0

    lead_id = commit_with_one_retry(write)
    if lead_id:
        log.info("lead %s erased", lead_id)
    return bool(lead_id)


def erase_lead_rows(lead: Lead, *, actor: Actor | None = None) -> int:
    """The erasure itself (see `erase_lead`), in the caller's transaction: for a use case that erases a
    lead as one step of a larger change (a customer deleting their account). Returns the lead's id."""
    lead_id = lead.id
    grant_ids = sa.select(DownloadGrant.id).where(DownloadGrant.lead_id == lead_id).scalar_subquery()
    db.session.execute(sa.delete(DownloadEvent).where(DownloadEvent.grant_id.in_(grant_ids)))
    db.session.execute(sa.delete(DownloadGrant).where(DownloadGrant.lead_id == lead_id))
    db.session.execute(sa.delete(GuideRequest).where(GuideRequest.lead_id == lead_id))
    db.session.execute(sa.delete(ConsentRecord).where(ConsentRecord.lead_id == lead_id))
    delete_emails_to(lead.email)
    forget_welcome_code_email(lead_id)
    db.session.execute(sa.delete(Lead).where(Lead.id == lead_id))
    _count_erasure()
    if actor is not None:
        audit.record(
            actor, "lead.erase", target_type="lead", target_id=lead_id, summary=f"Erased lead #{lead_id}"
        )
    return lead_id


def _count_erasure() -> None:
    month = utcnow().date().replace(day=1)
    updated = db.session.execute(
        sa.update(LeadErasureCount)
        .where(LeadErasureCount.month == month)
        .values(erased=LeadErasureCount.erased + 1)
    ).rowcount
    if not updated:
        db.session.add(LeadErasureCount(month=month, erased=1))
        db.session.flush()  # two erasures starting a month at once: the loser retries as an update


def list_erasure_counts() -> list[tuple[str, int]]:
    """("2026-11", 3) per month with erasures, newest first."""
    rows = db.session.execute(
        sa.select(LeadErasureCount.month, LeadErasureCount.erased).order_by(LeadErasureCount.month.desc())
    )
    return [(f"{month:%Y-%m}", erased) for month, erased in rows]
