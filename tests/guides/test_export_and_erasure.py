"""Marketing's CSV (who is in it, every column, formula injection) and erasure (what goes, what stays)."""

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from shop.catalog.models import Product
from shop.clock import utcnow
from shop.downloads import services as download_services
from shop.downloads.models import DownloadEvent, DownloadGrant
from shop.emails.models import OutgoingEmail
from shop.extensions import db
from shop.guides import export, services, tokens
from shop.guides.attribution import VisitSource
from shop.guides.models import ConsentRecord, GuideRequest, Lead, LeadErasureCount
from tests.factories import make_guide
from tests.guides.helpers import capture, confirm_path, lead, leads

NEWSLETTER = VisitSource(
    landing_page="/journal/sleep",
    referrer="https://news.example.org/",
    utm_source="newsletter",
    utm_medium="email",
    utm_campaign="nov",
    utm_term="sleep",
    utm_content="hero",
)


def confirm_latest_link() -> None:
    body = db.session.scalars(sa.select(OutgoingEmail.text_body).order_by(OutgoingEmail.id.desc())).first()
    token = confirm_path(body).rsplit("/", 1)[1]
    services.confirm_guide_request(token, download_ttl_days=7, max_downloads=5)


def make_lead(
    email: str, *, consent: bool, confirmed: bool, name: str = "", source: VisitSource | None = None
) -> int:
    result = capture(email, consent=consent, first_name=name, source=source)
    if confirmed:
        confirm_latest_link()
    return result.lead_id


def exported(lead_filter: export.LeadFilter | None = None) -> list[dict[str, str]]:
    text = "".join(export.iter_csv_lines(lead_filter or export.LeadFilter()))
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def crowd(app: Flask, guide: Product) -> None:
    """One lead in each state marketing cares about."""
    make_lead("ana@example.com", consent=True, confirmed=True, name="Ana", source=NEWSLETTER)
    make_lead("bea@example.com", consent=True, confirmed=False)
    make_lead("cy@example.com", consent=False, confirmed=True)
    di = make_lead("di@example.com", consent=True, confirmed=True)
    services.unsubscribe(tokens.unsubscribe_token(di), method="one-click", ip_address=None, user_agent=None)


# --- export -------------------------------------------------------------------------------------


def test_by_default_only_confirmed_consenting_subscribed_leads_are_exported(crowd: None) -> None:
    assert [row["email"] for row in exported()] == ["ana@example.com"]


def test_all_exports_everyone_once_newest_first(crowd: None) -> None:
    rows = exported(export.LeadFilter(include_all=True))

    assert [row["email"] for row in rows] == [
        "di@example.com",
        "cy@example.com",
        "bea@example.com",
        "ana@example.com",
    ]


def test_every_column_is_filled_from_the_lead(crowd: None) -> None:
    services.mark_lead_as_customer("ana@example.com", order_reference="GS-7K3Q9P")
    db.session.commit()
    ana = lead("ana@example.com")

    [row] = exported()

    assert list(row) == list(export.COLUMNS)
    assert row == {
        "email": "ana@example.com",
        "first_name": "Ana",
        "confirmed_at": ana.confirmed_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "consent": "yes",
        "consent_version": "2026-11-newsletter-v1",
        "consented_at": ana.consented_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "subscribed": "yes",
        "unsubscribed_at": "",
        "landing_page": "/journal/sleep",
        "referrer": "https://news.example.org/",
        "utm_source": "newsletter",
        "utm_medium": "email",
        "utm_campaign": "nov",
        "utm_term": "sleep",
        "utm_content": "hero",
        "signup_form": "guide",
        "signup_page": "/guides/essential",
        "customer": "yes",
        "created_at": ana.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def test_the_states_read_plainly_in_the_full_export(crowd: None) -> None:
    rows = {row["email"]: row for row in exported(export.LeadFilter(include_all=True))}

    assert (rows["bea@example.com"]["confirmed_at"], rows["bea@example.com"]["consent"]) == ("", "yes")
    assert (rows["cy@example.com"]["consent"], rows["cy@example.com"]["consent_version"]) == ("no", "")
    assert rows["cy@example.com"]["subscribed"] == "no"
    assert rows["di@example.com"]["subscribed"] == "no" and rows["di@example.com"]["unsubscribed_at"]
    assert rows["bea@example.com"]["customer"] == "no"


def test_since_keeps_leads_created_on_or_after_the_date(crowd: None) -> None:
    db.session.execute(
        sa.update(Lead)
        .where(Lead.email == "ana@example.com")
        .values(created_at=datetime(2026, 1, 1, 12, tzinfo=UTC))
    )
    db.session.commit()

    rows = exported(export.LeadFilter(include_all=True, since=datetime(2026, 2, 1, tzinfo=UTC)))

    assert "ana@example.com" not in [row["email"] for row in rows] and len(rows) == 3


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("  =1", "'  =1"),
        ("Ana", "Ana"),
        ("Ana-Maria", "Ana-Maria"),
        ("", ""),
    ],
)
def test_cells_that_a_spreadsheet_would_run_are_neutralised(value: str, cell: str) -> None:
    assert export.neutralise_cell(value) == cell


def test_names_and_sources_cannot_inject_formulas_or_break_rows(app: Flask, guide: Product) -> None:
    make_lead(
        "eve@example.com",
        consent=True,
        confirmed=True,
        name='=cmd|" /C calc"!A0, <script>alert(1)</script>',
        source=VisitSource(landing_page="/", utm_source="@evil", utm_campaign='-1,"x"\nnew row'),
    )

    [row] = exported()

    assert row["first_name"] == '\'=cmd|" /C calc"!A0, <script>alert(1)</script>'
    assert row["utm_source"] == "'@evil"
    assert row["utm_campaign"] == '\'-1,"x" new row'  # one line: the visit value was cleaned


def test_the_cli_writes_the_csv_to_a_file(app: Flask, crowd: None, tmp_path: Path) -> None:
    target = tmp_path / "leads.csv"

    result = app.test_cli_runner().invoke(args=["shop", "export-leads", "--output", str(target)])

    assert result.exit_code == 0, result.output
    assert "Exported 1 lead(s)." in result.output
    with target.open(encoding="utf-8", newline="") as written:
        rows = list(csv.DictReader(written))
    assert [row["email"] for row in rows] == ["ana@example.com"]


def test_the_cli_takes_all_and_since(app: Flask, crowd: None) -> None:
    runner = app.test_cli_runner()

    everyone = runner.invoke(args=["shop", "export-leads", "--all"])
    tomorrow = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%d")
    nobody = runner.invoke(args=["shop", "export-leads", "--all", "--since", tomorrow])
    bad_date = runner.invoke(args=["shop", "export-leads", "--since", "last tuesday"])

    assert everyone.exit_code == 0 and everyone.output.count("@example.com") == 4
    assert nobody.exit_code == 0 and "@example.com" not in nobody.output
    assert bad_date.exit_code == 2 and "last tuesday" in bad_date.output


# --- erasure ------------------------------------------------------------------------------------


def everything_about(email: str) -> dict[str, int]:
    db.session.expire_all()
    count = sa.func.count()
    return {
        "lead": db.session.scalar(sa.select(count).select_from(Lead).where(Lead.email == email)),
        "consent": db.session.scalar(
            sa.select(count).select_from(ConsentRecord).join(Lead).where(Lead.email == email)
        ),
        "guide_request": db.session.scalar(
            sa.select(count).select_from(GuideRequest).join(Lead).where(Lead.email == email)
        ),
        "grant": db.session.scalar(
            sa.select(count).select_from(DownloadGrant).where(DownloadGrant.email == email)
        ),
        "download_event": db.session.scalar(
            sa.select(count)
            .select_from(DownloadEvent)
            .join(DownloadGrant)
            .where(DownloadGrant.email == email)
        ),
        "email": db.session.scalar(
            sa.select(count).select_from(OutgoingEmail).where(OutgoingEmail.to_address == email)
        ),
    }


def test_erasure_deletes_everything_and_counts_anonymously(app: Flask, guide: Product) -> None:
    # given a confirmed subscriber who downloaded the guide, asked for a fresh link, and another lead
    make_lead("ana@example.com", consent=True, confirmed=True, name="Ana", source=NEWSLETTER)
    grant = db.session.scalars(sa.select(DownloadGrant)).one()
    download_services.record_download(
        grant, outcome="served", counted=True, ip_address="203.0.113.7", user_agent="Firefox"
    )
    download_services.request_fresh_links(email="ana@example.com", token=None, ttl_days=7, max_downloads=5)
    make_lead("bea@example.com", consent=True, confirmed=True)
    before = everything_about("ana@example.com")
    assert all(before.values()), before

    # when Ana asks to be erased
    assert services.erase_lead(" ANA@example.com ") is True

    # then nothing about her is left, Bea is untouched, and one anonymous count remains
    assert everything_about("ana@example.com") == dict.fromkeys(before, 0)
    assert everything_about("bea@example.com")["lead"] == 1
    assert everything_about("bea@example.com")["grant"] == 1
    assert services.list_erasure_counts() == [(utcnow().strftime("%Y-%m"), 1)]
    assert db.session.scalars(sa.select(LeadErasureCount.month)).all() == [utcnow().date().replace(day=1)]


def test_erasure_leaves_an_orders_grant_but_no_email_to_the_address(app: Flask, guide: Product) -> None:
    # given a lead who also bought a guide, with an order email still waiting to be retried
    make_lead("ana@example.com", consent=True, confirmed=True)
    paid = make_guide(slug="workbook", sku="GUIDE-WB")
    download_services.issue_grant(email="ana@example.com", product=paid, ttl_days=7, max_downloads=5)
    db.session.add(
        OutgoingEmail(
            to_address="Ana@Example.com",
            subject="Your order GS-7K3Q9P",
            text_body="…",
            html_body="…",
            template="order_confirmation",
        )
    )
    db.session.commit()

    services.erase_lead("ana@example.com")

    # then the order's own grant stays with the order (its domain keeps order records); the lead's
    # grants and every queued or sent email to the address are gone
    db.session.expire_all()
    grants = db.session.scalars(sa.select(DownloadGrant)).all()
    assert [(grant.product_id, grant.lead_id) for grant in grants] == [(paid.id, None)]
    assert db.session.scalars(sa.select(OutgoingEmail)).all() == []


def test_erasing_twice_or_a_stranger_changes_nothing(app: Flask, guide: Product) -> None:
    make_lead("ana@example.com", consent=True, confirmed=False)

    assert services.erase_lead("ana@example.com") is True
    assert services.erase_lead("ana@example.com") is False
    assert services.erase_lead("stranger@example.com") is False

    assert services.list_erasure_counts() == [(utcnow().strftime("%Y-%m"), 1)]


def test_erasures_add_up_per_month(app: Flask, guide: Product) -> None:
    for email in ("a@example.com", "b@example.com", "c@example.com"):
        make_lead(email, consent=False, confirmed=False)
        services.erase_lead(email)

    assert services.list_erasure_counts() == [(utcnow().strftime("%Y-%m"), 3)]
    assert leads() == []


def test_an_erased_person_can_sign_up_again_as_a_new_lead(app: Flask, guide: Product) -> None:
    old_id = make_lead("ana@example.com", consent=True, confirmed=True)
    old_unsubscribe = tokens.unsubscribe_token(old_id)
    services.erase_lead("ana@example.com")

    new_id = make_lead("ana@example.com", consent=False, confirmed=False)

    assert new_id != old_id  # ids are never reused, so an old unsubscribe link names nobody
    assert tokens.lead_id_from_unsubscribe_token(old_unsubscribe) == old_id
    assert services.get_unsubscribe_status(old_unsubscribe).lead_id is None


def test_the_cli_erases_after_confirmation(app: Flask, guide: Product) -> None:
    make_lead("ana@example.com", consent=True, confirmed=True)
    runner = app.test_cli_runner()

    declined = runner.invoke(args=["shop", "erase-lead", "ana@example.com"], input="n\n")
    assert declined.exit_code == 1 and len(leads()) == 1

    erased = runner.invoke(args=["shop", "erase-lead", "ana@example.com"], input="y\n")
    assert erased.exit_code == 0, erased.output
    assert "Erased" in erased.output and leads() == []

    missing = runner.invoke(args=["shop", "erase-lead", "ana@example.com", "--yes"])
    assert missing.exit_code == 1 and "No lead has that email address" in missing.output
