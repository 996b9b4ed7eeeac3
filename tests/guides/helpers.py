"""Steps and look-ups shared by the guide-gate tests."""

import html
import re
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from shop.catalog.demo_pdf import render_text_pdf
from shop.catalog.models import Product
from shop.extensions import db
from shop.guides import services
from shop.guides.attribution import VisitSource
from shop.guides.models import ConsentRecord, Lead
from shop.storage import guide_storage
from tests.factories import make_guide
from tests.mail_delivery import deliver_and_read_outbox

GUIDE_SLUG = "essential"
GUIDE_PATH = f"/guides/{GUIDE_SLUG}"


def make_free_guide() -> Product:
    """The lead magnet with its PDF on disk, in the current app's database and storage."""
    product = make_guide(
        name="The Essential Guide", slug=GUIDE_SLUG, sku="GUIDE-FREE", price_cents=0, is_lead_magnet=True
    )
    product.guide_file = "essential.pdf"
    db.session.commit()
    guide_storage().save("essential.pdf", render_text_pdf("Essential", ["Page one."]))
    return product


def outbox(app: Flask) -> list[Any]:
    return deliver_and_read_outbox(app)


def sign_up(client: FlaskClient, email: str = "ana@example.com", **fields: Any) -> TestResponse:
    """Post the gate form as a browser would (the consent box unticked unless `marketing_consent`)."""
    data = {"email": email, "first_name": "", "form_id": "guide", "page": GUIDE_PATH, **fields}
    return client.post(GUIDE_PATH, data=data)


def capture(
    email: str = "ana@example.com",
    *,
    consent: bool = False,
    first_name: str = "",
    honeypot: str = "",
    form: str = "guide",
    page: str | None = GUIDE_PATH,
    source: VisitSource | None = None,
    ip_address: str | None = "203.0.113.7",
    user_agent: str | None = "TestBrowser/1.0",
) -> services.CaptureResult:
    """capture_lead with plain defaults, as the view would call it."""
    return services.capture_lead(
        guide_slug=GUIDE_SLUG,
        email=email,
        first_name=first_name,
        marketing_consent=consent,
        honeypot=honeypot,
        context=services.SignupContext(
            form=form, page=page, ip_address=ip_address, user_agent=user_agent, source=source or VisitSource()
        ),
        shop_name="Good Spores",
        link_ttl_hours=48,
    )


def confirm_path(text: str) -> str:
    """The confirm link's path in an email's text part."""
    return re.search(r"http://localhost(/guides/confirm/[\w-]+)", text).group(1)


def unsubscribe_path(text: str) -> str:
    return re.search(r"http://localhost(/unsubscribe/[\w.-]+)", text).group(1)


def leads() -> list[Lead]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Lead).order_by(Lead.id)))


def lead(email: str = "ana@example.com") -> Lead:
    db.session.expire_all()
    return db.session.scalars(sa.select(Lead).where(Lead.email == email)).one()


def consents(email: str = "ana@example.com") -> list[ConsentRecord]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(ConsentRecord).join(Lead).where(Lead.email == email).order_by(ConsentRecord.id)
        )
    )


def page_text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def visible_text(response: TestResponse) -> str:
    """The page as a reader sees it: entities decoded, so "don't" matches however it was escaped."""
    return html.unescape(response.get_data(as_text=True))
