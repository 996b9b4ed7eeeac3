"""Download links: hashed tokens, expiry (410), limits (403), unknown (404), what counts, fresh links."""

import logging
import re
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shop.clock import utcnow
from shop.downloads import services
from shop.downloads.models import DownloadEvent, DownloadGrant
from shop.extensions import db
from tests.mail_delivery import deliver_and_read_outbox


def issue(guide, *, email: str = "ana@example.com", max_downloads: int = 5, ttl_days: int = 7) -> str:
    """A grant's token (the last path segment of its URL)."""
    _, link = services.issue_grant(email=email, product=guide, ttl_days=ttl_days, max_downloads=max_downloads)
    db.session.commit()
    return link.url.rsplit("/", 1)[1]


def grant_for(token: str) -> DownloadGrant:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(DownloadGrant).where(DownloadGrant.token_hash == services.hash_token(token))
    )


def outbox(app: Flask) -> list:
    return deliver_and_read_outbox(app)


def test_a_full_get_serves_the_pdf_and_counts(client: FlaskClient, guide) -> None:
    token = issue(guide)

    with client.get(f"/downloads/{token}") as response:
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        assert response.data.startswith(b"%PDF")
        assert "attachment; filename=workbook.pdf" in response.headers["Content-Disposition"]
        assert "no-store" in response.headers["Cache-Control"]

    assert grant_for(token).download_count == 1


def test_tokens_are_stored_only_as_hashes(app: Flask, guide) -> None:
    token = issue(guide)

    stored = db.session.scalars(sa.select(DownloadGrant.token_hash)).all()
    assert token not in stored
    assert stored == [services.hash_token(token)]


def test_the_limit_is_enforced_with_a_403_and_a_fresh_link_form(client: FlaskClient, guide) -> None:
    token = issue(guide, max_downloads=2)
    for _ in range(2):
        with client.get(f"/downloads/{token}") as response:
            assert response.status_code == 200

    response = client.get(f"/downloads/{token}")

    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "used up" in page
    assert 'action="/downloads/fresh-link"' in page
    assert f'value="{token}"' in page
    assert grant_for(token).download_count == 2


def test_an_expired_link_is_a_410_with_a_fresh_link_form(client: FlaskClient, guide) -> None:
    token = issue(guide)
    grant = grant_for(token)
    grant.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    response = client.get(f"/downloads/{token}")

    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)
    assert 'action="/downloads/fresh-link"' in response.get_data(as_text=True)


# A control character (%00) never reaches the view: the router answers 404 (tests/site/test_junk_input.py).
@pytest.mark.parametrize("suffix", ["x", "", "A" * 300])
def test_unknown_or_tampered_tokens_are_404(client: FlaskClient, guide, suffix: str) -> None:
    token = issue(guide)

    response = client.get(f"/downloads/{token[:-1]}{suffix}")

    assert response.status_code == 404
    assert "recognise this link" in response.get_data(as_text=True)
    assert grant_for(token).download_count == 0


def test_a_revoked_link_is_refused_without_a_fresh_link(client: FlaskClient, guide) -> None:
    token = issue(guide)
    services.revoke_grants([grant_for(token)])
    db.session.commit()

    response = client.get(f"/downloads/{token}")

    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "no longer active" in page
    assert "fresh-link" not in page


def test_every_attempt_on_a_real_link_is_logged(client: FlaskClient, guide) -> None:
    token = issue(guide, max_downloads=1)
    client.head(f"/downloads/{token}").close()
    client.get(f"/downloads/{token}").close()
    client.get(f"/downloads/{token}").close()

    events = db.session.execute(
        sa.select(DownloadEvent.outcome, DownloadEvent.counted).order_by(DownloadEvent.id)
    )
    assert events.all() == [("head", False), ("served", True), ("used_up", False)]


def test_unknown_tokens_leave_no_row_only_a_log_line(
    client: FlaskClient, guide, caplog: pytest.LogCaptureFixture
) -> None:
    token = issue(guide)

    with caplog.at_level(logging.INFO, logger="shop.downloads.views"):
        for suffix in ["x", "A" * 300]:
            assert client.get(f"/downloads/{token[:-1]}{suffix}").status_code == 404
        assert client.head("/downloads/nope").status_code == 404
        assert client.get(f"/downloads/{token[:-1]}%00").status_code == 404

    assert db.session.scalar(sa.select(sa.func.count()).select_from(DownloadEvent)) == 0
    lines = [r.getMessage() for r in caplog.records if "not recognised" in r.getMessage()]
    assert len(lines) == 3
    assert not any(token[:-1] in line for line in lines)


def test_a_missing_file_is_a_clear_404(client: FlaskClient, guide) -> None:
    token = issue(guide)
    guide.guide_file = "not-in-storage.pdf"
    db.session.commit()

    response = client.get(f"/downloads/{token}")

    assert response.status_code == 404
    assert "missing on our side" in response.get_data(as_text=True)
    assert grant_for(token).download_count == 0


def test_a_fresh_link_is_emailed_when_the_address_matches(app: Flask, client: FlaskClient, guide) -> None:
    # given a used-up link
    token = issue(guide, max_downloads=1)
    client.get(f"/downloads/{token}").close()

    # when its owner asks for a fresh one
    response = client.post("/downloads/fresh-link", data={"email": " Ana@Example.com ", "token": token})

    # then a new, working link arrives by email
    assert response.status_code == 200
    assert "Check your inbox" in response.get_data(as_text=True)
    [message] = outbox(app)
    assert message.to == ["ana@example.com"]
    new_url = re.search(r"http://localhost/downloads/\S+", message.body).group(0)
    with client.get(new_url.removeprefix("http://localhost")) as download:
        assert download.status_code == 200 and download.data.startswith(b"%PDF")


def test_a_fresh_link_request_reveals_nothing_for_a_stranger(app: Flask, client: FlaskClient, guide) -> None:
    token = issue(guide)

    with_token = client.post("/downloads/fresh-link", data={"email": "eve@example.com", "token": token})
    without = client.post("/downloads/fresh-link", data={"email": "eve@example.com"})

    assert with_token.status_code == without.status_code == 200
    assert "Check your inbox" in with_token.get_data(as_text=True)
    assert outbox(app) == []


def test_a_fresh_link_by_email_alone_covers_each_guide_once(app: Flask, client: FlaskClient, guide) -> None:
    issue(guide)
    issue(guide)

    client.post("/downloads/fresh-link", data={"email": "ana@example.com"})

    [message] = outbox(app)
    assert message.body.count("http://localhost/downloads/") == 1


def test_revoked_grants_never_get_a_fresh_link(app: Flask, client: FlaskClient, guide) -> None:
    token = issue(guide)
    services.revoke_grants([grant_for(token)])
    db.session.commit()

    client.post("/downloads/fresh-link", data={"email": "ana@example.com", "token": token})

    assert outbox(app) == []


@pytest.mark.parametrize("email", ["", "not-an-email", "a@b", "x" * 400 + "@example.com"])
def test_a_bad_email_on_the_fresh_link_form_is_a_400(client: FlaskClient, guide, email: str) -> None:
    response = client.post("/downloads/fresh-link", data={"email": email})

    assert response.status_code == 400
    assert 'class="field__error"' in response.get_data(as_text=True)


def test_fresh_link_requests_are_rate_limited(client: FlaskClient, guide) -> None:
    statuses = [
        client.post("/downloads/fresh-link", data={"email": "ana@example.com"}).status_code for _ in range(6)
    ]

    assert statuses[:5] == [200] * 5
    assert statuses[5] == 429


def test_concurrent_downloads_never_exceed_the_limit(postgres: Flask, guide) -> None:
    token = issue(guide, max_downloads=3)
    results: list[bool] = []

    def attempt() -> None:
        with postgres.app_context():
            grant = services.find_grant(token)
            results.append(
                services.record_download(
                    grant, outcome="served", counted=True, ip_address=None, user_agent=None
                )
            )
            db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results.count(True) == 3
    assert grant_for(token).download_count == 3
