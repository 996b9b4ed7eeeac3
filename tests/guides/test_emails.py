"""The guide link email: text and HTML parts, the link, unsubscribe headers (RFC 2369/8058), escaping."""

import re
from email import message_from_bytes

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shop.catalog.models import Product
from tests.guides.helpers import GUIDE_PATH, make_free_guide, outbox, sign_up, unsubscribe_path


def html_part(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


def test_the_email_has_a_text_and_an_html_part_with_the_confirm_link(
    app: Flask, client: FlaskClient, guide: Product
) -> None:
    sign_up(client, first_name="Ana")

    [message] = outbox(app)
    assert message.subject == "Confirm your email to get The Essential Guide"
    link = re.search(r"http://localhost/guides/confirm/[\w-]+", message.body).group(0)
    assert message.body.startswith("Hi Ana,")
    assert "works for 48 hours" in message.body
    html = html_part(message)
    assert f'<a href="{link}"' in html and "Confirm and download" in html
    assert "not medical advice" in message.body and "not medical advice" in html
    # without the box ticked, no newsletter talk
    assert "newsletter" not in message.body


def test_a_subscriber_is_told_what_they_signed_up_for(
    app: Flask, client: FlaskClient, guide: Product
) -> None:
    sign_up(client, marketing_consent="y")

    [message] = outbox(app)
    assert "about one email a month" in message.body
    assert "about one email a month" in html_part(message)


def test_every_email_carries_one_click_unsubscribe_headers(
    app: Flask, client: FlaskClient, guide: Product
) -> None:
    sign_up(client, marketing_consent="y")

    [message] = outbox(app)
    mime = message_from_bytes(message.message().as_bytes())
    assert mime["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [target] = re.findall(r"<([^>]+)>", mime["List-Unsubscribe"])
    assert re.fullmatch(r"http://localhost/unsubscribe/[\w.-]+", target)
    # the same link is in the footer of both parts, and it works without a login or a token
    assert target in message.body and target in html_part(message)
    path = unsubscribe_path(message.body)
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200


def test_a_mailto_unsubscribe_is_offered_when_configured(make_app) -> None:
    app = make_app(LIST_UNSUBSCRIBE_MAILTO="unsubscribe@shop.example")
    with app.app_context():
        make_free_guide()
    client = app.test_client()

    sign_up(client)

    with app.app_context():
        [message] = outbox(app)
    header = message.extra_headers["List-Unsubscribe"]
    assert header.startswith("<http://localhost/unsubscribe/")
    assert header.endswith(", <mailto:unsubscribe@shop.example?subject=unsubscribe>")


def test_a_mailto_too_long_for_the_header_is_left_out_rather_than_cut(make_app) -> None:
    app = make_app(LIST_UNSUBSCRIBE_MAILTO=("x" * 180) + "@shop.example")
    with app.app_context():
        make_free_guide()
    client = app.test_client()

    sign_up(client)

    with app.app_context():
        [message] = outbox(app)
    header = message.extra_headers["List-Unsubscribe"]
    assert header.startswith("<http://localhost/unsubscribe/") and header.endswith(">")
    assert "mailto:" not in header


def test_links_in_the_email_start_with_the_shops_base_url_whatever_the_request(make_app) -> None:
    app = make_app(SHOP_BASE_URL="https://shop.example")
    with app.app_context():
        make_free_guide()
        app.test_client().post(GUIDE_PATH, data={"email": "ana@example.com"}, base_url="http://other.example")

    [message] = outbox(app)
    assert message.extra_headers["List-Unsubscribe"].startswith("<https://shop.example/unsubscribe/")
    assert "https://shop.example/guides/confirm/" in message.body


def test_names_are_escaped_in_html_and_plain_in_text(app: Flask, client: FlaskClient, guide: Product) -> None:
    sign_up(client, first_name='<b>Ana</b> & "Co"')

    [message] = outbox(app)
    html = html_part(message)
    assert "<b>Ana</b>" not in html
    assert "Hi &lt;b&gt;Ana&lt;/b&gt; &amp; &#34;Co&#34;," in html
    assert message.body.startswith('Hi <b>Ana</b> & "Co",')
    assert "\n" not in message.subject


@pytest.mark.parametrize("name", ["http://spam.example/win", "www.spam.example", "Visit spam.com now"])
def test_a_name_that_is_a_link_is_not_repeated_in_the_email(
    app: Flask, client: FlaskClient, guide: Product, name: str
) -> None:
    sign_up(client, first_name=name)

    [message] = outbox(app)
    assert message.body.startswith("Hello,")
    assert "spam" not in message.body and "spam" not in html_part(message)
