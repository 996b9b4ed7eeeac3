"""/admin/leads: the filtered list, the CSV of exactly what it shows, one lead's record, and erasure with a
confirmation step; every staff action in the audit log, and no email address left in it after an erasure."""

import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shop.accounts.models import Role
from shop.audit.models import AuditEvent
from shop.clock import utcnow
from shop.extensions import db
from shop.guides import export
from shop.guides.models import ConsentRecord, Lead, LeadErasureCount
from tests.accounts.customers import make_customer
from tests.accounts.helpers import log_in_with_csrf
from tests.admin.helpers import client_as
from tests.checkout_helpers import hidden
from tests.fixtures import OrderFactory
from tests.guides.helpers import capture, make_free_guide

_minutes = iter(range(10_000, 0, -1))


def add_lead(
    email: str,
    *,
    confirmed: bool = False,
    subscribed: bool = False,
    customer: bool = False,
    utm_source: str | None = None,
    first_name: str = "",
) -> Lead:
    """A lead in the given state; each one newer than the last."""
    now = utcnow()
    lead = Lead(
        email=email,
        first_name=first_name,
        confirmed_at=now if confirmed else None,
        consented_at=now if subscribed else None,
        consent_version="2026-11" if subscribed else None,
        subscribed=subscribed,
        customer_since=now if customer else None,
        first_order_reference="GS-TEST22" if customer else None,
        utm_source=utm_source,
        signup_form="guide",
        created_at=now - timedelta(minutes=next(_minutes)),
    )
    db.session.add(lead)
    db.session.commit()
    return lead


@pytest.fixture
def admin(admin_client: FlaskClient) -> FlaskClient:
    """Leads are personal data of people who are not customers: only admins work with them."""
    return admin_client


@pytest.fixture
def crowd(app: Flask) -> dict[str, Lead]:
    """One lead in each state the filters tell apart, oldest first."""
    return {
        "ana": add_lead("ana@example.com", confirmed=True, subscribed=True, utm_source="Newsletter"),
        "bea": add_lead("bea@example.com", confirmed=True, customer=True, utm_source="newsletter"),
        "cy": add_lead("cy@example.com", subscribed=True, utm_source="instagram"),
        "di": add_lead("di_100%@example.org", customer=True),
    }


def emails_in(page: str) -> list[str]:
    return re.findall(r'<a href="/admin/leads/\d+">([^<]+)</a>', page)


def csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def audit_events() -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))


# --- the list -----------------------------------------------------------------------------------


def test_the_list_shows_every_lead_newest_first(admin: FlaskClient, crowd: dict) -> None:
    response = admin.get("/admin/leads")

    assert response.status_code == 200
    assert emails_in(response.get_data(as_text=True)) == [
        "di_100%@example.org",
        "cy@example.com",
        "bea@example.com",
        "ana@example.com",
    ]
    assert "4 leads." in response.get_data(as_text=True)


def test_each_row_shows_the_leads_state_account_and_first_touch(app: Flask, admin: FlaskClient) -> None:
    plain = add_lead("plain@example.com")
    referred = add_lead("referred@example.com", confirmed=True)
    referred.referrer, referred.landing_page = "https://podcast.example/ep1", "/journal/a"
    landed = add_lead("landed@example.com", subscribed=True)
    landed.landing_page = "/products/guide"
    linked = add_lead("linked@example.com", customer=True, utm_source="newsletter")
    linked.referrer, linked.user_id = "https://elsewhere.example/", make_customer("linked@example.com").id
    db.session.commit()

    page = admin.get("/admin/leads").get_data(as_text=True)
    rows = {
        re.search(r">([^<]+@example\.com)</a>", row)[1]: re.findall(r"<td>(.*?)</td>", row)[3:]
        for row in re.findall(r"<tr>(.*?)</tr>", page, re.DOTALL)
        if "@example.com" in row
    }

    # confirmed, subscribed, customer (and the account badge), source
    assert rows["plain@example.com"] == ["No", "No", "No", "—"]
    assert rows["referred@example.com"] == ["Yes", "No", "No", "https://podcast.example/ep1"]
    assert rows["landed@example.com"] == ["No", "Yes", "No", "/products/guide"]
    assert rows["linked@example.com"] == ["No", "No", 'Yes <span class="badge">Account</span>', "newsletter"]
    assert f'<a href="/admin/leads/{plain.id}">plain@example.com</a>' in page


def test_leads_is_in_the_admin_nav(admin: FlaskClient) -> None:
    page = admin.get("/admin/").get_data(as_text=True)

    assert '<a href="/admin/leads">Leads</a>' in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("confirmed=yes", ["bea", "ana"]),
        ("confirmed=no", ["di", "cy"]),
        ("subscribed=yes", ["cy", "ana"]),
        ("subscribed=no", ["di", "bea"]),
        ("customer=yes", ["di", "bea"]),
        ("customer=no", ["cy", "ana"]),
        ("utm_source=NEWSLETTER", ["bea", "ana"]),
        ("utm_source=+instagram+", ["cy"]),
        ("q=EXAMPLE.COM", ["cy", "bea", "ana"]),
        ("q=_100%25", ["di"]),  # % and _ are plain characters, not wildcards
        ("q=a_", []),
        ("confirmed=yes&subscribed=yes", ["ana"]),
        ("confirmed=&subscribed=&customer=&utm_source=&q=", ["di", "cy", "bea", "ana"]),
    ],
)
def test_filters(admin: FlaskClient, crowd: dict, query: str, expected: list[str]) -> None:
    response = admin.get(f"/admin/leads?{query}")

    assert response.status_code == 200
    assert emails_in(response.get_data(as_text=True)) == [crowd[name].email for name in expected]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("confirmed=maybe", "Choose any, yes or no."),
        ("subscribed=1", "Choose any, yes or no."),
        ("customer=%3Cb%3E", "Choose any, yes or no."),
        ("q=" + "x" * 321, "at most 320 characters"),
        ("utm_source=" + "x" * 101, "at most 100 characters"),
        ("q=ana%00", "control characters"),
        ("utm_source=a%0Ab", "control characters"),
    ],
)
def test_junk_filters_are_400_with_a_message(
    admin: FlaskClient, crowd: dict, query: str, message: str
) -> None:
    for url in (f"/admin/leads?{query}", f"/admin/leads/export.csv?{query}"):
        response = admin.get(url)

        page = response.get_data(as_text=True)
        assert response.status_code == 400, url
        assert message in page and "Some filters could not be used" in page
        assert emails_in(page) == []
    assert audit_events() == []


@pytest.mark.parametrize("page", ["0", "abc", "-1", "9"])
def test_bad_pages_are_404(admin: FlaskClient, crowd: dict, page: str) -> None:
    assert admin.get(f"/admin/leads?page={page}").status_code == 404


def test_the_list_is_paginated_and_keeps_the_filters(app: Flask, admin: FlaskClient) -> None:
    for number in range(55):
        add_lead(f"reader{number}@example.com", confirmed=True)
    add_lead("unconfirmed@example.com")

    first = admin.get("/admin/leads?confirmed=yes").get_data(as_text=True)
    second = admin.get("/admin/leads?confirmed=yes&page=2").get_data(as_text=True)

    assert len(emails_in(first)) == 50 and len(emails_in(second)) == 5
    assert "Page 1 of 2" in first
    assert re.search(r'href="/admin/leads\?[^"]*confirmed=yes[^"]*page=2"', first.replace("&amp;", "&"))
    assert "unconfirmed@example.com" not in first + second


def test_markup_in_names_and_emails_is_escaped(admin: FlaskClient) -> None:
    lead = add_lead('"><script>alert(1)</script>@example.com', first_name="<img src=x onerror=alert(1)>")

    page = admin.get("/admin/leads").get_data(as_text=True)
    detail = admin.get(f"/admin/leads/{lead.id}").get_data(as_text=True)

    for html in (page, detail):
        assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;" in html


# --- the export ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["di", "cy", "bea", "ana"]),
        ("confirmed=yes&subscribed=yes", ["ana"]),
        ("customer=yes", ["di", "bea"]),
        ("utm_source=newsletter&q=bea", ["bea"]),
    ],
)
def test_the_export_holds_exactly_what_the_list_shows_newest_first_like_it(
    admin: FlaskClient, crowd: dict, query: str, expected: list[str]
) -> None:
    listed = emails_in(admin.get(f"/admin/leads?{query}").get_data(as_text=True))

    response = admin.get(f"/admin/leads/export.csv?{query}")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="leads-')
    assert response.headers["Cache-Control"] == "private, no-store"
    exported = [row["email"] for row in csv_rows(response)]
    assert exported == [crowd[name].email for name in expected]
    assert exported == listed
    assert response.get_data(as_text=True).startswith(",".join(export.COLUMNS) + "\r\n")


def test_the_list_links_to_the_export_with_its_filters(admin: FlaskClient, crowd: dict) -> None:
    page = admin.get("/admin/leads?customer=yes&q=example").get_data(as_text=True).replace("&amp;", "&")

    link = re.search(r'href="(/admin/leads/export\.csv\?[^"]+)"', page).group(1)
    assert "customer=yes" in link and "q=example" in link
    assert "Download these 2 as CSV" in page


def test_the_export_neutralises_formulas(admin: FlaskClient) -> None:
    add_lead("=cmd@example.com", first_name='=HYPERLINK("http://evil.example")', utm_source="+SUM(A1)")

    [row] = csv_rows(admin.get("/admin/leads/export.csv"))

    assert row["email"] == "'=cmd@example.com"
    assert row["first_name"] == '\'=HYPERLINK("http://evil.example")'
    assert row["utm_source"] == "'+SUM(A1)"


def test_the_export_is_audited_without_addresses_or_search_text(admin: FlaskClient, crowd: dict) -> None:
    admin.get("/admin/leads/export.csv?confirmed=yes&q=ana@example.com")

    [event] = audit_events()
    assert event.action == "lead.export" and event.actor_email == "admin@example.com"
    assert event.summary == "Exported 1 lead as CSV (confirmed: yes, an email search)"
    assert "ana@" not in event.summary + str(event.details)


def test_a_long_export_streams_every_lead_once(app: Flask, admin: FlaskClient) -> None:
    # given more leads than one batch, many signed up in the same instant
    same_moment = utcnow() - timedelta(days=1)
    for number in range(export.BATCH_SIZE + 20):
        db.session.add(Lead(email=f"r{number:04}@example.com", signup_form="guide", created_at=same_moment))
    db.session.commit()

    rows = csv_rows(admin.get("/admin/leads/export.csv"))

    emails = [row["email"] for row in rows]
    assert len(emails) == len(set(emails)) == export.BATCH_SIZE + 20


def _all_csv_batches(*, size: int) -> list[str]:
    """Every batch of the all-leads CSV, following the cursor as the download does."""
    everyone = export.LeadFilter(include_all=True)
    texts, cursor = [], None
    while True:
        text, cursor = export.csv_batch(everyone, after=cursor, size=size)
        texts.append(text)
        if cursor is None:
            return texts


def test_csv_batches_page_newest_first_across_signup_times(app: Flask) -> None:
    now = utcnow()
    for number in range(5):
        db.session.add(
            Lead(email=f"m{number}@example.com", signup_form="guide", created_at=now - timedelta(days=number))
        )
    db.session.commit()
    texts = _all_csv_batches(size=2)

    emails = [line.split(",")[0] for line in "".join(texts).splitlines()]
    assert emails == [f"m{number}@example.com" for number in range(5)]


def test_csv_batches_page_through_ties_newest_first(app: Flask) -> None:
    same_moment = utcnow()
    for number in range(5):
        db.session.add(Lead(email=f"t{number}@example.com", signup_form="guide", created_at=same_moment))
    db.session.commit()
    texts = _all_csv_batches(size=2)

    emails = [line.split(",")[0] for line in "".join(texts).splitlines()]
    assert emails == [f"t{number}@example.com" for number in reversed(range(5))]
    assert len(texts) == 3


# --- one lead -----------------------------------------------------------------------------------


def test_a_leads_record_shows_consent_source_account_and_first_order(
    shop: dict, paid_order: OrderFactory, app: Flask, admin: FlaskClient
) -> None:
    # given a lead who signed up twice (no, then yes), has an account and bought something
    make_free_guide()
    capture("ana@example.com", consent=False)
    capture("ana@example.com", consent=True, first_name="Ana")
    customer = make_customer("ana@example.com")
    order = paid_order(("TEE-M", 1), email="ana@example.com")
    lead = db.session.scalars(sa.select(Lead)).one()
    db.session.get(Lead, lead.id).user_id = customer.id
    db.session.commit()

    page = admin.get(f"/admin/leads/{lead.id}").get_data(as_text=True)

    assert f"Lead #{lead.id}" in page and "ana@example.com" in page
    assert page.count("203.0.113.7") == 2  # both consent records, with their IP address
    assert "on the guide form at /guides/essential" in page
    assert f"#{customer.id} ana@example.com" in page
    assert order.number in page and "$39.95" in page
    assert f'href="/admin/leads/{lead.id}/erase"' in page


def test_unknown_leads_are_404(admin: FlaskClient) -> None:
    assert admin.get("/admin/leads/999999").status_code == 404
    assert admin.get("/admin/leads/999999/erase").status_code == 404
    assert admin.post("/admin/leads/999999/erase", data={"understood": "y"}).status_code == 404
    assert admin.get("/admin/leads/abc").status_code == 404


# --- erasure ------------------------------------------------------------------------------------


def test_erasing_asks_first(admin: FlaskClient, crowd: dict) -> None:
    lead = crowd["ana"]

    page = admin.get(f"/admin/leads/{lead.id}/erase").get_data(as_text=True)

    assert f"Erase lead #{lead.id}?" in page and "cannot be undone" in page
    db.session.expire_all()  # read the database, not the session's copy
    assert db.session.get(Lead, lead.id) is not None
    assert audit_events() == []


def test_erasing_without_ticking_the_box_changes_nothing(admin: FlaskClient, crowd: dict) -> None:
    lead_id = crowd["ana"].id

    response = admin.post(f"/admin/leads/{lead_id}/erase", data={})

    assert response.status_code == 400
    assert "Tick the box to confirm the erasure." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Lead, lead_id) is not None
    assert audit_events() == []


def test_erasing_deletes_the_lead_and_audits_it_without_the_address(app: Flask, admin: FlaskClient) -> None:
    # given a lead with consent records
    make_free_guide()
    lead_id = capture("ana@example.com", consent=True).lead_id

    # when an admin erases it
    response = admin.post(f"/admin/leads/{lead_id}/erase", data={"understood": "y"})

    # then it is gone with its consent log, counted anonymously, and the audit names only its number
    assert response.status_code == 303 and response.headers["Location"] == "/admin/leads"
    db.session.expire_all()
    assert db.session.get(Lead, lead_id) is None
    assert db.session.scalar(sa.select(sa.func.count(ConsentRecord.id))) == 0
    assert db.session.scalar(sa.select(LeadErasureCount.erased)) == 1
    [event] = audit_events()
    assert (event.action, event.target_type, event.target_id) == ("lead.erase", "lead", str(lead_id))
    assert event.summary == f"Erased lead #{lead_id}"
    assert "ana@" not in event.summary + str(event.details)
    page = admin.get("/admin/leads").get_data(as_text=True)
    assert f"Erased lead #{lead_id}." in page and "ana@example.com" not in page
    assert f"Erased lead #{lead_id}" in admin.get("/admin/audit").get_data(as_text=True)


def test_erasing_twice_is_404_the_second_time(admin: FlaskClient, crowd: dict) -> None:
    lead_id = crowd["cy"].id

    first = admin.post(f"/admin/leads/{lead_id}/erase", data={"understood": "y"})
    second = admin.post(f"/admin/leads/{lead_id}/erase", data={"understood": "y"})

    assert (first.status_code, second.status_code) == (303, 404)
    assert len(audit_events()) == 1


def test_staff_customers_and_visitors_cannot_see_export_or_erase_leads(app: Flask, crowd: dict) -> None:
    staff = client_as(app, Role.STAFF)
    customer = client_as(app, Role.CUSTOMER)
    visitor = app.test_client()
    lead_id = crowd["ana"].id

    for client, status in ((staff, 403), (customer, 403), (visitor, 302)):
        assert client.get("/admin/leads").status_code == status
        assert client.get("/admin/leads/export.csv").status_code == status
        assert client.get(f"/admin/leads/{lead_id}").status_code == status
        assert client.post(f"/admin/leads/{lead_id}/erase", data={"understood": "y"}).status_code == status
    db.session.expire_all()
    assert db.session.get(Lead, lead_id) is not None


def test_erasing_needs_the_csrf_token(csrf_app: Flask) -> None:
    with csrf_app.app_context():
        from tests.accounts.helpers import make_user

        make_user(email="admin@example.com", role=Role.ADMIN)
        lead_id = add_lead("ana@example.com").id
    client = csrf_app.test_client()
    log_in_with_csrf(client, "admin@example.com")

    without = client.post(f"/admin/leads/{lead_id}/erase", data={"understood": "y"})
    page = client.get(f"/admin/leads/{lead_id}/erase").get_data(as_text=True)
    form_token = hidden(page, "csrf_token")
    with_token = client.post(
        f"/admin/leads/{lead_id}/erase", data={"understood": "y", "csrf_token": form_token}
    )

    assert without.status_code == 400
    assert with_token.status_code == 303
    with csrf_app.app_context():
        assert db.session.get(Lead, lead_id) is None
