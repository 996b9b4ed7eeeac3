"""The guide gate through HTTP: the form on every page, sign-up, check your inbox, confirm and download,
expired and foreign links, unsubscribe, and every bad input."""

import html
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shop.catalog.models import Product
from shop.clock import utcnow
from shop.downloads.models import DownloadGrant
from shop.emails.models import OutgoingEmail
from shop.extensions import db
from shop.guides import consent, tokens
from shop.guides.models import GuideRequest
from tests.checkout_helpers import hidden
from tests.factories import make_guide, make_product
from tests.guides.helpers import (
    GUIDE_PATH,
    confirm_path,
    consents,
    lead,
    leads,
    make_free_guide,
    outbox,
    page_text,
    sign_up,
    unsubscribe_path,
    visible_text,
)


def main_of(html: str) -> str:
    return html.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def csrf_token_in(html: str) -> str:
    return hidden(html, "csrf_token")


def signed_up_and_emailed(app: Flask, client: FlaskClient, **fields: str) -> str:
    """Sign up through the form; returns the confirm link's path from the email."""
    response = sign_up(client, **fields)
    assert response.status_code == 303
    return confirm_path(outbox(app)[-1].body)


# --- the form on its pages ----------------------------------------------------------------------


def test_the_guide_page_shows_the_gate_form(client: FlaskClient, guide: Product) -> None:
    response = client.get(GUIDE_PATH)

    assert response.status_code == 200
    page = main_of(page_text(response))
    assert "<h1>The Essential Guide</h1>" in page
    assert f'action="{GUIDE_PATH}"' in page
    assert '<label for="guide-email">Email address</label>' in page
    assert 'autocomplete="email"' in page and 'autocomplete="given-name"' in page
    assert "not medical advice" in page
    assert f'<link rel="canonical" href="http://localhost{GUIDE_PATH}">' in page_text(response)


def test_the_consent_box_is_unticked_with_plain_wording_and_a_privacy_link(
    client: FlaskClient, guide: Product
) -> None:
    page = main_of(page_text(client.get(GUIDE_PATH)))

    checkbox = re.search(r'<input id="guide-consent"[^>]*>', page).group(0)
    assert 'type="checkbox"' in checkbox and "checked" not in checkbox
    assert f'<label for="guide-consent">{consent.consent_text("Good Spores")}</label>' in page
    assert "about one email a month" in page and "unsubscribe at any time" in page
    assert 'href="/privacy"' in page


def test_the_honeypot_is_hidden_from_people_and_assistive_tech(client: FlaskClient, guide: Product) -> None:
    page = page_text(client.get(GUIDE_PATH))

    trap = re.search(r'<div class="gate-trap" aria-hidden="true">(.*?)</div>', page, re.S).group(1)
    field = re.search(r"<input[^>]*>", trap).group(0)
    assert 'name="website"' in field and 'tabindex="-1"' in field and 'autocomplete="off"' in field


def test_the_home_page_carries_the_gate_form(client: FlaskClient, guide: Product) -> None:
    page = main_of(page_text(client.get("/")))

    assert f'action="{GUIDE_PATH}"' in page
    assert 'name="form_id" value="home"' in page
    assert 'name="csrf_token"' in page
    assert f'href="{GUIDE_PATH}"' in page


def test_the_guides_product_page_carries_the_gate_form(client: FlaskClient, guide: Product) -> None:
    page = main_of(page_text(client.get("/products/essential")))

    assert f'action="{GUIDE_PATH}"' in page
    assert 'name="form_id" value="product"' in page
    assert "Add to cart" not in page


@pytest.mark.parametrize("slug", ["workbook", "mug", "nope", "hidden"])
def test_only_the_published_free_guide_has_a_guide_page(
    client: FlaskClient, guide: Product, slug: str
) -> None:
    make_guide(slug="workbook", sku="GUIDE-WB")
    make_product(slug="mug", sku="MUG")
    make_guide(slug="hidden", sku="GUIDE-H", price_cents=0, is_lead_magnet=True, is_published=False)

    assert client.get(f"/guides/{slug}").status_code == 404
    assert sign_up(client).status_code == 303  # the real guide still works
    assert client.post(f"/guides/{slug}", data={"email": "ana@example.com"}).status_code == 404


def test_the_privacy_page_explains_collection_unsubscribe_and_erasure(client: FlaskClient) -> None:
    response = client.get("/privacy")

    assert response.status_code == 200
    page = page_text(response)
    for words in ("utm_source", "IP address", "Unsubscribe", "erase", "hello@localhost"):
        assert words in page
    assert 'href="/privacy"' in page  # the footer links to it


def test_sitemap_lists_the_guide_and_privacy_and_robots_hide_secret_links(
    client: FlaskClient, guide: Product
) -> None:
    sitemap = page_text(client.get("/sitemap.xml"))
    robots = page_text(client.get("/robots.txt"))

    assert f"http://localhost{GUIDE_PATH}" in sitemap and "http://localhost/privacy" in sitemap
    assert "Disallow: /guides/confirm" in robots and "Disallow: /unsubscribe" in robots


# --- sign-up and "check your inbox" -------------------------------------------------------------


def test_signing_up_emails_a_link_and_shows_check_your_inbox(
    app: Flask, client: FlaskClient, guide: Product
) -> None:
    response = sign_up(client, email=" Ana@Example.com ", first_name="Ana", marketing_consent="y")

    assert response.status_code == 303
    assert response.headers["Location"] == f"{GUIDE_PATH}/check-your-inbox"
    inbox = client.get(response.headers["Location"])
    page = main_of(page_text(inbox))
    assert "Check your inbox" in page
    assert "a***@example.com" in page and "ana@example.com" not in page.lower()
    assert f'action="{GUIDE_PATH}/resend"' in page
    [message] = outbox(app)
    assert message.to == ["ana@example.com"]
    assert lead().subscribed is True and lead().first_name == "Ana"


def test_an_unticked_box_subscribes_no_one_and_is_recorded_as_not_given(
    client: FlaskClient, guide: Product
) -> None:
    # when the form is sent as a browser sends it with the box left unticked (no field at all)
    response = sign_up(client, first_name="Ana")

    # then the lead exists but is not on the list, and its consent record says no
    assert response.status_code == 303
    row = lead()
    assert row.subscribed is False
    assert row.consented_at is None and row.consent_version is None
    [record] = consents()
    assert record.given is False
    assert (record.form, record.page) == ("guide", GUIDE_PATH)
    assert record.consent_text == consent.consent_text("Good Spores")


def test_a_ticked_box_subscribes_and_is_recorded_as_given(client: FlaskClient, guide: Product) -> None:
    sign_up(client, marketing_consent="y")

    row = lead()
    assert row.subscribed is True and row.consented_at is not None
    assert row.consent_version == consent.CONSENT_VERSION
    assert [record.given for record in consents()] == [True]


def test_check_your_inbox_without_a_sign_up_goes_back_to_the_form(
    client: FlaskClient, guide: Product
) -> None:
    response = client.get(f"{GUIDE_PATH}/check-your-inbox")

    assert response.status_code == 302
    assert response.headers["Location"] == GUIDE_PATH


def test_resend_emails_a_fresh_link(app: Flask, client: FlaskClient, guide: Product) -> None:
    sign_up(client)

    response = client.post(f"{GUIDE_PATH}/resend")

    assert response.status_code == 303
    assert "We've sent you a new link" in visible_text(client.get(response.headers["Location"]))
    first, second = outbox(app)
    assert confirm_path(first.body) != confirm_path(second.body)
    assert len(leads()) == 1


def test_resend_without_a_sign_up_sends_nothing(app: Flask, client: FlaskClient, guide: Product) -> None:
    response = client.post(f"{GUIDE_PATH}/resend")

    assert response.status_code == 303 and response.headers["Location"] == GUIDE_PATH
    assert outbox(app) == []


def test_the_same_email_twice_is_one_lead_and_two_links(
    app: Flask, client: FlaskClient, guide: Product
) -> None:
    sign_up(client, email="ana@example.com")
    sign_up(client, email="ANA@example.com ")

    assert len(leads()) == 1
    assert len(outbox(app)) == 2
    assert len(consents()) == 2


def test_a_sign_up_on_another_page_is_credited_to_the_visits_first_page(
    client: FlaskClient, guide: Product
) -> None:
    # given a visit that began on the home page from a newsletter link
    client.get(
        "/?utm_source=newsletter&utm_medium=email&utm_campaign=nov",
        headers={"Referer": "https://mail.example/"},
    )
    client.get("/products?utm_source=instagram")

    # when the visitor signs up from the guide's product page
    sign_up(client, form_id="product", page="/products/essential")

    # then the lead remembers where the visit started
    row = lead()
    assert (row.utm_source, row.utm_medium, row.utm_campaign) == ("newsletter", "email", "nov")
    assert (row.landing_page, row.referrer) == ("/", "https://mail.example/")
    assert (row.signup_form, row.signup_page) == ("product", "/products/essential")


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Enter your email address."),
        ("   ", "Enter your email address."),
        ("not-an-email", "Enter a valid email address"),
        ("a@b", "Enter a valid email address"),
        ("ana@example.com\r\nBcc: everyone@example.com", "Enter a valid email address"),
        ("ana@example.com\nSubject: hi", "Enter a valid email address"),
        ("ana@example.com, eve@example.com", "Enter a valid email address"),
        ("<script>@example.com", "Enter a valid email address"),
        ("x" * 400 + "@example.com", "too long"),
    ],
)
def test_a_bad_email_gets_a_clear_400_and_nothing_is_stored(
    app: Flask, client: FlaskClient, guide: Product, email: str, message: str
) -> None:
    response = sign_up(client, email=email)

    assert response.status_code == 400
    page = main_of(page_text(response))
    assert message in page
    assert 'class="field__error" id="guide-email-error"' in page
    assert 'aria-invalid="true" aria-describedby="guide-email-error"' in page
    assert 'role="alert"' in page
    assert leads() == [] and outbox(app) == []


def test_a_5000_character_name_is_refused_clearly(app: Flask, client: FlaskClient, guide: Product) -> None:
    response = sign_up(client, first_name="A" * 5_000, marketing_consent="y")

    assert response.status_code == 400
    page = main_of(page_text(response))
    assert "Keep your first name to 100 characters or fewer." in page
    assert 'value="ana@example.com"' in page  # what they typed is kept
    assert re.search(r'id="guide-consent"[^>]*checked', page)
    assert leads() == [] and outbox(app) == []


def test_html_in_the_name_is_escaped_on_the_page_and_in_the_email(
    app: Flask, client: FlaskClient, guide: Product
) -> None:
    name = '<script>alert("x")</script>'

    # shown again after another field's error
    again = page_text(sign_up(client, email="nope", first_name=name))
    assert "<script>alert" not in again
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in again

    sign_up(client, first_name=name)
    [message] = outbox(app)
    html = message.alternatives[0][0]
    assert "<script>" not in html
    assert "Hi &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;," in html
    assert f"Hi {name}," in message.body  # the text part is plain text, not HTML
    assert lead().first_name == name


def test_a_filled_honeypot_looks_accepted_but_stores_and_sends_nothing(
    app: Flask, client: FlaskClient, guide: Product
) -> None:
    response = sign_up(client, website="http://spam.example", marketing_consent="y")

    assert response.status_code == 303
    assert "Check your inbox" in page_text(client.get(response.headers["Location"]))
    assert client.post(f"{GUIDE_PATH}/resend").status_code == 303
    assert leads() == [] and outbox(app) == []


def test_a_missing_csrf_token_is_refused_everywhere_but_one_click(csrf_app: Flask) -> None:
    # given the guide gate with CSRF checks on, and a real sign-up with its links
    app = csrf_app
    with app.app_context():
        make_free_guide()
    client = app.test_client()
    token = csrf_token_in(page_text(client.get(GUIDE_PATH)))
    with app.app_context():
        assert (
            client.post(
                GUIDE_PATH, data={"email": "ana@example.com", "marketing_consent": "y", "csrf_token": token}
            )
        ).status_code == 303
        message = outbox(app)[0]
    confirm = confirm_path(message.body)
    unsubscribe = unsubscribe_path(message.body)

    # when forms are posted without the token, then each is a 400 that changes nothing
    for path, data in [
        (GUIDE_PATH, {"email": "eve@example.com"}),
        (f"{GUIDE_PATH}/resend", {}),
        (confirm, {}),
        (f"{confirm}/renew", {}),
        (unsubscribe, {}),
    ]:
        response = client.post(path, data=data)
        assert response.status_code == 400, path
        assert "This form has expired" in page_text(response)
    with app.app_context():
        assert [row.email for row in leads()] == ["ana@example.com"]
        assert lead().confirmed_at is None and lead().subscribed is True
        assert len(outbox(app)) == 1

    # but a mail provider's one-click unsubscribe, which never has a token, works
    response = app.test_client().post(unsubscribe, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    with app.app_context():
        assert lead().subscribed is False


# --- confirm and download -----------------------------------------------------------------------


def test_the_confirm_link_shows_a_button_and_changes_nothing(
    app: Flask, client: FlaskClient, guide: Product
) -> None:
    confirm = signed_up_and_emailed(app, client)

    response = client.get(confirm)

    assert response.status_code == 200
    page = main_of(page_text(response))
    assert f'action="{confirm}"' in page and 'method="post"' in page
    assert "Confirm and download the PDF" in page
    assert "a***@example.com" in page
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response.headers["Cache-Control"]
    assert lead().confirmed_at is None
    assert db.session.scalars(sa.select(DownloadGrant)).all() == []


def test_pressing_the_button_confirms_and_downloads_the_pdf(
    app: Flask, client: FlaskClient, guide: Product
) -> None:
    confirm = signed_up_and_emailed(app, client)

    response = client.post(confirm)

    assert response.status_code == 303
    assert response.headers["Location"].startswith("http://localhost/downloads/")
    with client.get(response.headers["Location"]) as download:
        assert download.status_code == 200
        assert download.mimetype == "application/pdf"
        assert download.data.startswith(b"%PDF")
    assert lead().confirmed_at is not None
    [grant] = db.session.scalars(sa.select(DownloadGrant)).all()
    assert grant.lead_id == lead().id and grant.download_count == 1


def test_a_used_up_lead_grant_gets_a_fresh_link_that_keeps_the_lead(
    app: Flask, client: FlaskClient, guide: Product
) -> None:
    confirm = signed_up_and_emailed(app, client)
    download_url = client.post(confirm).headers["Location"]
    db.session.execute(sa.update(DownloadGrant).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert client.get(download_url).status_code == 410

    client.post("/downloads/fresh-link", data={"email": "ana@example.com"})

    grants = db.session.scalars(sa.select(DownloadGrant).order_by(DownloadGrant.id)).all()
    assert len(grants) == 2 and {grant.lead_id for grant in grants} == {lead().id}


def test_an_expired_link_explains_and_offers_a_new_one(
    app: Flask, client: FlaskClient, guide: Product
) -> None:
    confirm = signed_up_and_emailed(app, client)
    db.session.execute(sa.update(GuideRequest).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()

    for response in (client.get(confirm), client.post(confirm)):
        assert response.status_code == 410
        page = main_of(page_text(response))
        assert "This link has expired" in page
        assert f'action="{confirm}/renew"' in page
    assert lead().confirmed_at is None

    renewed = client.post(f"{confirm}/renew")
    assert renewed.status_code == 303 and renewed.headers["Location"].endswith("/check-your-inbox")
    fresh = confirm_path(outbox(app)[-1].body)
    assert client.post(fresh).status_code == 303
    assert lead().confirmed_at is not None


@pytest.mark.parametrize("kind", ["tampered", "truncated", "download-token", "unsubscribe-token", "huge"])
def test_a_foreign_or_tampered_confirm_link_is_a_404_with_the_form(
    app: Flask, client: FlaskClient, guide: Product, kind: str
) -> None:
    confirm = signed_up_and_emailed(app, client)
    token = confirm.rsplit("/", 1)[1]
    download_token = client.post(confirm).headers["Location"].rsplit("/", 1)[1]
    bad = {
        "tampered": token[:-1] + ("A" if token[-1] != "A" else "B"),
        "truncated": token[:20],
        "download-token": download_token,
        "unsubscribe-token": tokens.unsubscribe_token(lead().id),
        "huge": "A" * 2_000,
    }[kind]
    grants_before = db.session.scalar(sa.select(sa.func.count(DownloadGrant.id)))

    for response in (
        client.get(f"/guides/confirm/{bad}"),
        client.post(f"/guides/confirm/{bad}"),
        client.post(f"/guides/confirm/{bad}/renew"),
    ):
        assert response.status_code == 404
        page = main_of(page_text(response))
        assert "We don't recognise this link" in html.unescape(page)
        assert f'action="{GUIDE_PATH}"' in page  # a way to ask for a new link
    assert db.session.scalar(sa.select(sa.func.count(DownloadGrant.id))) == grants_before
    assert len(outbox(app)) == 1


def test_a_link_to_an_unpublished_guide_says_so(app: Flask, client: FlaskClient, guide: Product) -> None:
    confirm = signed_up_and_emailed(app, client)
    guide.is_published = False
    db.session.commit()

    response = client.post(confirm)

    assert response.status_code == 410
    assert "no longer available" in page_text(response)
    assert db.session.scalars(sa.select(DownloadGrant)).all() == []


def test_a_tampered_download_link_for_a_lead_is_a_404(
    app: Flask, client: FlaskClient, guide: Product
) -> None:
    confirm = signed_up_and_emailed(app, client)
    download_url = client.post(confirm).headers["Location"]

    response = client.get(download_url[:-2] + "zz")

    assert response.status_code == 404
    assert db.session.scalars(sa.select(DownloadGrant)).one().download_count == 0


# --- unsubscribe --------------------------------------------------------------------------------


def test_unsubscribe_page_asks_first_and_the_button_unsubscribes(
    app: Flask, client: FlaskClient, guide: Product
) -> None:
    sign_up(client, marketing_consent="y")
    path = unsubscribe_path(outbox(app)[0].body)

    page = client.get(path)
    assert page.status_code == 200
    assert "Unsubscribe from our emails?" in page_text(page)
    assert f'action="{path}"' in page_text(page)
    assert lead().subscribed is True  # a link scanner's GET changes nothing

    response = client.post(path)
    assert response.status_code == 303 and response.headers["Location"] == path
    after = visible_text(client.get(path))
    assert "You're unsubscribed" in after
    assert lead().subscribed is False


def test_one_click_unsubscribe_answers_the_post_itself(
    app: Flask, client: FlaskClient, guide: Product
) -> None:
    sign_up(client, marketing_consent="y")
    path = unsubscribe_path(outbox(app)[0].body)

    for _ in range(2):  # a provider may retry; the second changes nothing
        response = client.post(
            path,
            data={"List-Unsubscribe": "One-Click"},
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 200

    assert lead().subscribed is False
    assert [(record.given, record.form) for record in consents()] == [(True, "guide"), (False, "one-click")]


@pytest.mark.parametrize("kind", ["tampered", "confirm-token", "other-salt", "not-an-int"])
def test_a_foreign_or_tampered_unsubscribe_link_is_a_404(
    app: Flask, client: FlaskClient, guide: Product, kind: str
) -> None:
    from itsdangerous import URLSafeSerializer

    sign_up(client, marketing_consent="y")
    message = outbox(app)[0]
    good = unsubscribe_path(message.body).rsplit("/", 1)[1]
    bad = {
        "tampered": good[:-1] + ("A" if good[-1] != "A" else "B"),
        "confirm-token": confirm_path(message.body).rsplit("/", 1)[1],
        "other-salt": URLSafeSerializer(app.config["SECRET_KEY"], salt="other").dumps(lead().id),
        "not-an-int": URLSafeSerializer(app.config["SECRET_KEY"], salt=tokens.UNSUBSCRIBE_SALT).dumps("1"),
    }[kind]

    for response in (
        client.get(f"/unsubscribe/{bad}"),
        client.post(f"/unsubscribe/{bad}"),
        client.post(f"/unsubscribe/{bad}", data={"List-Unsubscribe": "One-Click"}),
    ):
        assert response.status_code == 404
        assert "We don't recognise this unsubscribe link" in visible_text(response)
    assert lead().subscribed is True


def test_unsubscribing_an_erased_lead_says_we_hold_nothing(
    app: Flask, client: FlaskClient, guide: Product
) -> None:
    from shop.guides import services

    sign_up(client, marketing_consent="y")
    path = unsubscribe_path(outbox(app)[0].body)
    services.erase_lead("ana@example.com")

    response = client.get(path)

    assert response.status_code == 200
    assert "You're not on our list" in visible_text(response)
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200


# --- rate limits (memory locally, Redis with TEST_REDIS_URL) ------------------------------------


def test_sign_ups_are_limited_per_email(app: Flask, client: FlaskClient, guide: Product) -> None:
    statuses = [sign_up(client, email="ana@example.com").status_code for _ in range(6)]

    assert statuses == [303] * 5 + [429]
    limited = sign_up(client, email="ANA@example.com")
    assert limited.status_code == 429
    assert "tried that too many times" in page_text(limited)
    assert sign_up(client, email="bea@example.com").status_code == 303
    assert len(outbox(app)) == 6


def test_sign_ups_are_limited_per_ip(make_app) -> None:
    app = make_app(GUIDE_LIMIT_PER_IP="3 per hour")
    with app.app_context():
        make_free_guide()
    client = app.test_client()

    statuses = [sign_up(client, email=f"person{n}@example.com").status_code for n in range(4)]

    assert statuses == [303, 303, 303, 429]
    other_ip = client.post(
        GUIDE_PATH, data={"email": "late@example.com"}, environ_overrides={"REMOTE_ADDR": "198.51.100.9"}
    )
    assert other_ip.status_code == 303


def test_resend_is_limited_per_lead(app: Flask, client: FlaskClient, guide: Product) -> None:
    sign_up(client)

    statuses = [client.post(f"{GUIDE_PATH}/resend").status_code for _ in range(6)]

    assert statuses == [303] * 5 + [429]
    assert len(outbox(app)) == 6


def test_a_bad_sign_up_never_breaks_the_queue(app: Flask, client: FlaskClient, guide: Product) -> None:
    sign_up(client, email="bad\x00@example.com")

    assert db.session.scalars(sa.select(OutgoingEmail)).all() == []
