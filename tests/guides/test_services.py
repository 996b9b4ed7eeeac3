"""Lead rules: one lead per normalised email, first touch kept, an append-only consent log, honeypot,
confirmation, unsubscribe and the customer link."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import DBAPIError

from shop.catalog.models import Product
from shop.clock import utcnow
from shop.downloads.models import DownloadGrant
from shop.emails.models import OutgoingEmail
from shop.emails.services import MissingUnsubscribeError, queue_email
from shop.extensions import db
from shop.guides import consent, services, tokens
from shop.guides.attribution import VisitSource
from shop.guides.errors import (
    ExpiredLinkError,
    GuideUnavailableError,
    UndeliverableAddressError,
    UnknownGuideError,
    UnknownLinkError,
)
from shop.guides.models import ConsentLogIsAppendOnlyError, ConsentRecord, GuideRequest, Lead
from tests.factories import make_guide
from tests.guides.helpers import GUIDE_SLUG, capture, confirm_path, consents, lead, leads


def queued_emails() -> list[OutgoingEmail]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutgoingEmail).order_by(OutgoingEmail.id)))


def token_of(email: OutgoingEmail) -> str:
    return confirm_path(email.text_body).rsplit("/", 1)[1]


# --- normalisation and upsert -------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["Ana@Example.COM", "  ana@example.com\t", "ANA@EXAMPLE.COM\n"])
def test_emails_are_trimmed_and_lowercased(app: Flask, guide: Product, typed: str) -> None:
    capture(typed)

    assert [row.email for row in leads()] == ["ana@example.com"]


def test_the_same_email_again_makes_no_second_lead_but_a_fresh_link(app: Flask, guide: Product) -> None:
    first = capture("ana@example.com")
    second = capture(" ANA@example.com ")

    assert first.lead_id == second.lead_id
    assert len(leads()) == 1
    emails = queued_emails()
    assert len(emails) == 2
    assert token_of(emails[0]) != token_of(emails[1])
    assert len(db.session.scalars(sa.select(GuideRequest)).all()) == 2


def test_the_result_masks_the_address(app: Flask, guide: Product) -> None:
    result = capture("ana.maria@example.com")

    assert result.masked_email == "a***@example.com"
    assert result.guide_slug == GUIDE_SLUG


@pytest.mark.parametrize(
    ("email", "masked"),
    [("ana@example.com", "a***@example.com"), ("x@y.org", "x***@y.org"), ("nonsense", "***")],
)
def test_mask_email(email: str, masked: str) -> None:
    assert services.mask_email(email) == masked


def test_a_later_first_name_replaces_the_old_one_and_a_blank_keeps_it(app: Flask, guide: Product) -> None:
    capture(first_name="Ana")
    capture(first_name="")
    assert lead().first_name == "Ana"

    capture(first_name="Ana Maria")
    assert lead().first_name == "Ana Maria"


def test_first_names_are_kept_on_one_printable_line(app: Flask, guide: Product) -> None:
    capture(first_name="  Ana\r\nBcc: x@example.com\x00 ")

    assert lead().first_name == "Ana Bcc: x@example.com"


def test_only_a_published_free_guide_can_be_asked_for(app: Flask, guide: Product) -> None:
    make_guide(slug="workbook", sku="GUIDE-WB")
    hidden = make_guide(slug="hidden", sku="GUIDE-H", price_cents=0, is_lead_magnet=True, is_published=False)

    for slug in ("workbook", hidden.slug, "nope"):
        with pytest.raises(UnknownGuideError):
            services.capture_lead(
                guide_slug=slug,
                email="ana@example.com",
                first_name="",
                marketing_consent=True,
                honeypot="",
                context=services.SignupContext("guide", None, None, None, VisitSource()),
                shop_name="Good Spores",
                link_ttl_hours=48,
            )
    assert leads() == []


# --- source: first touch -----------------------------------------------------------------------


def test_the_first_sign_up_records_where_the_visit_came_from(app: Flask, guide: Product) -> None:
    source = VisitSource(
        landing_page="/journal/why-sleep",
        referrer="https://news.example.org/issue-4",
        utm_source="newsletter",
        utm_medium="email",
        utm_campaign="november",
        utm_term="sleep",
        utm_content="top-link",
    )

    capture(source=source, form="home", page="/")

    row = lead()
    assert (row.landing_page, row.referrer) == ("/journal/why-sleep", "https://news.example.org/issue-4")
    assert (row.utm_source, row.utm_medium, row.utm_campaign, row.utm_term, row.utm_content) == (
        "newsletter",
        "email",
        "november",
        "sleep",
        "top-link",
    )
    assert (row.signup_form, row.signup_page) == ("home", "/")


def test_a_later_sign_up_keeps_the_first_touch(app: Flask, guide: Product) -> None:
    capture(source=VisitSource(landing_page="/", utm_source="newsletter", utm_campaign="november"))

    capture(source=VisitSource(landing_page="/products", utm_source="instagram"), form="product")

    row = lead()
    assert (row.utm_source, row.utm_campaign, row.landing_page) == ("newsletter", "november", "/")
    assert row.signup_form == "guide"


def test_without_a_visit_the_sign_up_page_is_the_landing_page(app: Flask, guide: Product) -> None:
    capture(page="/guides/essential")

    assert lead().landing_page == "/guides/essential"


@pytest.mark.parametrize(
    ("form", "page", "stored_form", "stored_page"),
    [
        ("home", "/", "home", "/"),
        ("<script>", "https://evil.example/", "guide", None),
        ("product", "//evil.example/x", "product", None),
        ("journal", "/journal/x\r\nSet-Cookie: a", "journal", "/journal/x Set-Cookie: a"),
    ],
)
def test_the_form_and_page_a_client_sends_are_cleaned(
    app: Flask, guide: Product, form: str, page: str, stored_form: str, stored_page: str | None
) -> None:
    capture(form=form, page=page)

    assert (lead().signup_form, lead().signup_page) == (stored_form, stored_page)
    assert consents()[0].form == stored_form


# --- consent ------------------------------------------------------------------------------------


def test_each_sign_up_appends_a_consent_record_with_the_exact_wording(app: Flask, guide: Product) -> None:
    capture(consent=False)
    capture(consent=True)

    records = consents()
    assert [record.given for record in records] == [False, True]
    for record in records:
        assert record.consent_version == consent.CONSENT_VERSION
        assert record.consent_text == consent.consent_text("Good Spores")
        assert "Good Spores newsletter" in record.consent_text
        assert record.ip_address == "203.0.113.7"
        assert record.user_agent == "TestBrowser/1.0"
        assert record.form == "guide"
        assert record.page == "/guides/essential"


def test_a_yes_subscribes_and_records_version_and_time(app: Flask, guide: Product) -> None:
    capture(consent=True)

    row = lead()
    assert row.subscribed is True
    assert row.consent_version == consent.CONSENT_VERSION
    assert row.consented_at is not None


def test_no_consent_means_no_subscription(app: Flask, guide: Product) -> None:
    capture(consent=False)

    row = lead()
    assert row.subscribed is False and row.consented_at is None and row.consent_version is None


def test_an_unticked_box_later_does_not_withdraw_an_earlier_yes(app: Flask, guide: Product) -> None:
    capture(consent=True)

    capture(consent=False)

    assert lead().subscribed is True
    assert [record.given for record in consents()] == [True, False]


def test_the_consent_wording_cannot_change_without_a_new_version() -> None:
    # given the text shown now, when someone edits CONSENT_TEMPLATE without registering a new version,
    # then the fingerprint no longer matches and this fails
    assert consent.CONSENT_FINGERPRINTS[consent.CONSENT_VERSION] == consent.fingerprint(
        consent.CONSENT_TEMPLATE
    )


def test_consent_records_refuse_updates_through_the_orm(app: Flask, guide: Product) -> None:
    capture(consent=False)
    record = consents()[0]

    record.given = True
    with pytest.raises(ConsentLogIsAppendOnlyError):
        db.session.commit()
    db.session.rollback()

    assert consents()[0].given is False


def test_consent_records_refuse_updates_in_the_database(app: Flask, guide: Product) -> None:
    # a bulk UPDATE and raw SQL bypass the ORM; the trigger still refuses them
    capture(consent=False)

    for statement in (
        sa.update(ConsentRecord).values(given=True),
        sa.text("UPDATE consent_record SET consent_text = 'I agreed to everything'"),
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(statement)
        db.session.rollback()

    record = consents()[0]
    assert record.given is False and record.consent_text == consent.consent_text("Good Spores")


# --- honeypot -----------------------------------------------------------------------------------


def test_a_filled_honeypot_stores_nothing_and_sends_nothing(app: Flask, guide: Product) -> None:
    result = capture(honeypot="http://spam.example", consent=True)

    assert result.lead_id is None
    assert result.masked_email == "a***@example.com"
    assert leads() == []
    assert db.session.scalars(sa.select(ConsentRecord)).all() == []
    assert queued_emails() == []


def test_a_honeypot_sign_up_for_a_known_email_changes_nothing(app: Flask, guide: Product) -> None:
    capture(first_name="Ana", consent=False)

    capture(first_name="Spammer", consent=True, honeypot="x")

    row = lead()
    assert (row.first_name, row.subscribed) == ("Ana", False)
    assert len(consents()) == 1
    assert len(queued_emails()) == 1


# --- the email and its link ---------------------------------------------------------------------


def test_the_link_email_is_queued_with_the_sign_up(app: Flask, guide: Product) -> None:
    capture(consent=True)

    [email] = queued_emails()
    assert email.to_address == "ana@example.com"
    assert email.template == "guide_link"
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/unsubscribe/" in email.headers["List-Unsubscribe"]


def test_confirm_tokens_are_stored_only_as_hashes(app: Flask, guide: Product) -> None:
    capture()
    token = token_of(queued_emails()[0])

    stored = db.session.scalars(sa.select(GuideRequest.token_hash)).all()
    assert stored == [tokens.hash_token(token)]


def test_confirming_marks_the_lead_and_issues_a_grant_for_the_guide(app: Flask, guide: Product) -> None:
    capture()
    token = token_of(queued_emails()[0])
    assert lead().confirmed_at is None

    link = services.confirm_guide_request(token, download_ttl_days=7, max_downloads=5)

    row = lead()
    assert row.confirmed_at is not None
    [grant] = db.session.scalars(sa.select(DownloadGrant)).all()
    assert (grant.lead_id, grant.product_id, grant.email) == (row.id, guide.id, "ana@example.com")
    assert link.url.startswith("http://localhost/downloads/")
    assert link.max_downloads == 5


def test_confirming_again_keeps_the_first_time_and_issues_another_grant(app: Flask, guide: Product) -> None:
    capture()
    token = token_of(queued_emails()[0])
    services.confirm_guide_request(token, download_ttl_days=7, max_downloads=5)
    first_time = lead().confirmed_at

    services.confirm_guide_request(token, download_ttl_days=7, max_downloads=5)

    assert lead().confirmed_at == first_time
    assert len(db.session.scalars(sa.select(DownloadGrant)).all()) == 2


def test_reading_the_confirm_page_changes_nothing(app: Flask, guide: Product) -> None:
    capture()
    token = token_of(queued_emails()[0])

    view = services.get_guide_request(token)

    assert view.masked_email == "a***@example.com" and view.guide_name == "The Essential Guide"
    assert lead().confirmed_at is None
    assert db.session.scalars(sa.select(DownloadGrant)).all() == []


def test_an_expired_link_is_refused_and_can_be_renewed(app: Flask, guide: Product) -> None:
    capture()
    token = token_of(queued_emails()[0])
    db.session.execute(sa.update(GuideRequest).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()

    with pytest.raises(ExpiredLinkError) as expired:
        services.confirm_guide_request(token, download_ttl_days=7, max_downloads=5)
    assert expired.value.guide_slug == GUIDE_SLUG
    assert lead().confirmed_at is None

    result = services.renew_link(token, link_ttl_hours=48)
    new_token = token_of(queued_emails()[-1])
    services.confirm_guide_request(new_token, download_ttl_days=7, max_downloads=5)
    assert result.masked_email == "a***@example.com"
    assert lead().confirmed_at is not None


@pytest.mark.parametrize("token", ["", "x", "A" * 500, "not-a-real-token-at-all-but-long-enough-to-look"])
def test_unknown_tokens_are_refused(app: Flask, guide: Product, token: str) -> None:
    capture()

    for action in (
        lambda: services.get_guide_request(token),
        lambda: services.confirm_guide_request(token, download_ttl_days=7, max_downloads=5),
        lambda: services.renew_link(token, link_ttl_hours=48),
    ):
        with pytest.raises(UnknownLinkError):
            action()


def test_a_link_to_a_guide_that_was_unpublished_is_refused(app: Flask, guide: Product) -> None:
    capture()
    token = token_of(queued_emails()[0])
    guide.is_published = False
    db.session.commit()

    with pytest.raises(GuideUnavailableError):
        services.confirm_guide_request(token, download_ttl_days=7, max_downloads=5)


def test_resend_sends_a_fresh_link_and_nothing_for_an_empty_sign_up(app: Flask, guide: Product) -> None:
    result = capture()

    services.resend_link(result.lead_id, guide_slug=GUIDE_SLUG, link_ttl_hours=48)
    services.resend_link(None, guide_slug=GUIDE_SLUG, link_ttl_hours=48)
    services.resend_link(999_999, guide_slug=GUIDE_SLUG, link_ttl_hours=48)

    assert len(queued_emails()) == 2


@pytest.mark.parametrize("email", ["ana@example.com,eve@example.com", "ana@example.com;x", "<a@b.example>"])
def test_an_address_that_cannot_be_mailed_stores_nothing(app: Flask, guide: Product, email: str) -> None:
    # the form refuses these first; the service must not half-write a lead if one gets through
    with pytest.raises(UndeliverableAddressError):
        capture(email)

    assert leads() == []
    assert db.session.scalars(sa.select(ConsentRecord)).all() == []
    assert queued_emails() == []


def test_marketing_email_without_unsubscribe_headers_is_refused(app: Flask) -> None:
    with pytest.raises(MissingUnsubscribeError):
        queue_email(
            to="ana@example.com",
            subject="News",
            template="guide_link",
            context={},
            category="marketing",
        )


# --- unsubscribe --------------------------------------------------------------------------------


def test_unsubscribing_stops_marketing_and_logs_the_withdrawal_once(app: Flask, guide: Product) -> None:
    result = capture(consent=True)
    token = tokens.unsubscribe_token(result.lead_id)

    first = services.unsubscribe(token, method="one-click", ip_address="198.51.100.1", user_agent="Gmail")
    again = services.unsubscribe(token, method="unsubscribe-page", ip_address=None, user_agent=None)

    assert first.subscribed is False and again.subscribed is False
    row = lead()
    assert row.subscribed is False and row.unsubscribed_at is not None
    withdrawal = consents()[-1]
    assert [record.given for record in consents()] == [True, False]
    assert (withdrawal.consent_version, withdrawal.form) == (consent.WITHDRAWAL_VERSION, "one-click")
    assert withdrawal.ip_address == "198.51.100.1"


def test_coming_back_takes_a_new_consent(app: Flask, guide: Product) -> None:
    result = capture(consent=True)
    services.unsubscribe(
        tokens.unsubscribe_token(result.lead_id), method="one-click", ip_address=None, user_agent=None
    )

    capture(consent=False)
    assert lead().subscribed is False

    capture(consent=True)
    row = lead()
    assert row.subscribed is True and row.unsubscribed_at is None
    assert [record.given for record in consents()] == [True, False, False, True]


def test_unsubscribe_tokens_name_one_lead_and_cannot_be_forged(app: Flask, guide: Product) -> None:
    result = capture()
    token = tokens.unsubscribe_token(result.lead_id)

    assert tokens.lead_id_from_unsubscribe_token(token) == result.lead_id
    forged = tokens.unsubscribe_token(result.lead_id + 1)[:-2] + "xx"
    for bad in (forged, token + "x", "MQ", "", token.split(".")[0] + ".", "A" * 300):
        assert tokens.lead_id_from_unsubscribe_token(bad) is None


def test_an_unsubscribe_token_from_another_secret_or_salt_is_refused(app: Flask, guide: Product) -> None:
    from itsdangerous import URLSafeSerializer

    result = capture()
    other_secret = URLSafeSerializer("another-secret", salt=tokens.UNSUBSCRIBE_SALT).dumps(result.lead_id)
    other_salt = URLSafeSerializer(app.config["SECRET_KEY"], salt="cookie-session").dumps(result.lead_id)

    assert tokens.lead_id_from_unsubscribe_token(other_secret) is None
    assert tokens.lead_id_from_unsubscribe_token(other_salt) is None


def test_unsubscribe_links_survive_a_secret_key_rotation(make_app) -> None:
    old = make_app(SECRET_KEY="old-secret")
    with old.app_context():
        token = tokens.unsubscribe_token(42)
    rotated = make_app(SECRET_KEY="new-secret", SECRET_KEY_FALLBACKS=["old-secret"])

    with rotated.app_context():
        assert tokens.lead_id_from_unsubscribe_token(token) == 42


# --- becoming a customer ------------------------------------------------------------------------


def test_mark_lead_as_customer_records_the_first_purchase_once(app: Flask, guide: Product) -> None:
    capture()

    first = services.mark_lead_as_customer(" Ana@Example.com ", order_reference="GS-7K3Q9P")
    db.session.commit()
    first_time = lead().customer_since
    again = services.mark_lead_as_customer("ana@example.com", order_reference="GS-AAAAAA")
    db.session.commit()

    assert (first, again) == (True, False)
    row = lead()
    assert row.is_customer and row.customer_since == first_time
    assert row.first_order_reference == "GS-7K3Q9P"


def test_mark_lead_as_customer_ignores_buyers_who_are_not_leads(app: Flask, guide: Product) -> None:
    assert services.mark_lead_as_customer("stranger@example.com") is False
    assert leads() == []


def test_mark_lead_as_customer_runs_in_the_callers_transaction(app: Flask, guide: Product) -> None:
    # given an order step that fails after marking the lead
    capture()
    services.mark_lead_as_customer("ana@example.com", order_reference="GS-7K3Q9P")

    # when it rolls back, then the lead is not marked
    db.session.rollback()
    assert lead().customer_since is None


# --- concurrency --------------------------------------------------------------------------------


def test_simultaneous_sign_ups_of_one_email_make_one_lead(postgres: Flask, guide: Product) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def sign_up() -> None:
        with postgres.app_context():
            try:
                barrier.wait()
                capture("race@example.com", consent=True)
            except BaseException as error:  # collected for the assertion below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sign_up) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert db.session.scalar(sa.select(sa.func.count(Lead.id))) == 1
    assert len(consents("race@example.com")) == 6
    assert len(queued_emails()) == 6


def test_simultaneous_unsubscribes_log_one_withdrawal(postgres: Flask, guide: Product) -> None:
    token = tokens.unsubscribe_token(capture(consent=True).lead_id)
    barrier = threading.Barrier(6)

    def click() -> None:
        with postgres.app_context():
            try:
                barrier.wait()
                services.unsubscribe(token, method="one-click", ip_address=None, user_agent=None)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=click) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [record.given for record in consents()] == [True, False]
    assert lead().subscribed is False
