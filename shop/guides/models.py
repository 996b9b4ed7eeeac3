"""Lead tables: the lead, its append-only consent log, emailed guide links and the anonymous erasure tally."""

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.clock import utcnow
from shop.extensions import db

if TYPE_CHECKING:
    from shop.accounts.models import User
    from shop.catalog.models import Product


class Lead(db.Model):
    """Someone who asked for the free guide. One row per normalised (trimmed, lowercased) email."""

    __tablename__ = "lead"
    # SQLite would otherwise reuse the id of an erased lead, and unsubscribe links are signed lead ids.
    __table_args__: Any = (
        # The reports read a range of sign-ups from the index alone on PostgreSQL (shop/admin/insights.py).
        sa.Index("ix_lead_created_at", "created_at", postgresql_include=["confirmed_at", "customer_since"]),
        # Revenue per guide source looks up each paid order's lead by email from the index alone.
        sa.Index(
            "ix_lead_email_reports",
            "email",
            postgresql_include=["id", "created_at", "utm_source", "utm_campaign"],
        ),
        # The leads list's source suggestions, one index probe per distinct source.
        sa.Index("ix_lead_utm_source", "utm_source"),
        # The leads list filtered by source (matched lowercased), newest first; the yes/no filters are read
        # from the index alone on PostgreSQL, so the capped count never visits the table.
        sa.Index(
            "ix_lead_source_created",
            sa.func.lower(sa.text("utm_source")),
            "created_at",
            "id",
            postgresql_include=["utm_source", "confirmed_at", "consented_at", "subscribed", "customer_since"],
        ),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    first_name: Mapped[str] = mapped_column(sa.String(100), default="")
    # Set the first time a link we emailed was used: the address is proven to reach this person.
    confirmed_at: Mapped[datetime | None]

    # Marketing consent: the latest "yes" (text version and time) and whether we may email now.
    consented_at: Mapped[datetime | None]
    consent_version: Mapped[str | None] = mapped_column(sa.String(40))
    subscribed: Mapped[bool] = mapped_column(default=False)
    unsubscribed_at: Mapped[datetime | None]

    # First touch: where the visit that brought them began, kept from their first sign-up on.
    landing_page: Mapped[str | None] = mapped_column(sa.String(300))
    referrer: Mapped[str | None] = mapped_column(sa.String(300))
    utm_source: Mapped[str | None] = mapped_column(sa.String(100))
    utm_medium: Mapped[str | None] = mapped_column(sa.String(100))
    utm_campaign: Mapped[str | None] = mapped_column(sa.String(100))
    utm_term: Mapped[str | None] = mapped_column(sa.String(100))
    utm_content: Mapped[str | None] = mapped_column(sa.String(100))
    # Which form (home, guide, product, journal) on which page took the first sign-up.
    signup_form: Mapped[str] = mapped_column(sa.String(40))
    signup_page: Mapped[str | None] = mapped_column(sa.String(300))

    # Set once, by the order-paid step, when this address first buys (see services.mark_lead_as_customer).
    customer_since: Mapped[datetime | None]
    first_order_reference: Mapped[str | None] = mapped_column(sa.String(64))
    # The customer account whose confirmed email is this lead's address (see shop/accounts/linking.py).
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    consents: Mapped[list["ConsentRecord"]] = relationship(
        back_populates="lead", order_by="ConsentRecord.id", passive_deletes=True
    )
    user: Mapped["User | None"] = relationship()

    @property
    def is_customer(self) -> bool:
        return self.customer_since is not None

    def __repr__(self) -> str:
        return f"<Lead {self.id}>"


class ConsentRecord(db.Model):
    """What a lead was shown and answered, when, from where. Append-only: rows are never updated.

    The ORM refuses updates (below) and a database trigger refuses them from any other client.
    Rows are deleted only when the lead is erased.
    """

    __tablename__ = "consent_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("lead.id", ondelete="CASCADE"), index=True)
    given: Mapped[bool]
    consent_version: Mapped[str] = mapped_column(sa.String(40))
    consent_text: Mapped[str] = mapped_column(sa.Text)
    # guide | home | product | journal for sign-up forms; unsubscribe-page | one-click for withdrawals
    form: Mapped[str] = mapped_column(sa.String(40))
    page: Mapped[str | None] = mapped_column(sa.String(300))
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lead: Mapped[Lead] = relationship(back_populates="consents")


class ConsentLogIsAppendOnlyError(Exception):
    """Raised when code tries to change a consent record instead of appending a new one."""


@sa.event.listens_for(ConsentRecord, "before_update")
def _refuse_consent_updates(mapper: Any, connection: Any, target: ConsentRecord) -> None:
    raise ConsentLogIsAppendOnlyError(
        f"consent record {target.id} is part of an append-only log; add a new record instead"
    )


# The same rule in the database, for bulk updates and any client that is not this app.
_APPEND_ONLY_MESSAGE = "consent_record is append-only"
CONSENT_TRIGGER_SQLITE = (
    "CREATE TRIGGER consent_record_append_only BEFORE UPDATE ON consent_record "
    f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY_MESSAGE}'); END"
)
CONSENT_FUNCTION_POSTGRESQL = (
    "CREATE OR REPLACE FUNCTION consent_record_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{_APPEND_ONLY_MESSAGE}'; END $$"
)
CONSENT_TRIGGER_POSTGRESQL = (
    "CREATE TRIGGER consent_record_append_only BEFORE UPDATE ON consent_record "
    "FOR EACH ROW EXECUTE FUNCTION consent_record_append_only()"
)
for _statement, _dialect in (
    (CONSENT_TRIGGER_SQLITE, "sqlite"),
    (CONSENT_FUNCTION_POSTGRESQL, "postgresql"),
    (CONSENT_TRIGGER_POSTGRESQL, "postgresql"),
):
    sa.event.listen(ConsentRecord.__table__, "after_create", sa.DDL(_statement).execute_if(dialect=_dialect))


class GuideRequest(db.Model):
    """One emailed "confirm and download" link. Only the token's SHA-256 is stored."""

    __tablename__ = "guide_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("lead.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime]
    # The first press of the button on the confirm page.
    confirmed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lead: Mapped[Lead] = relationship()
    product: Mapped["Product"] = relationship()


class LeadErasureCount(db.Model):
    """How many leads were erased in a month: the only thing an erasure leaves behind."""

    __tablename__ = "lead_erasure_count"

    month: Mapped[date] = mapped_column(primary_key=True)  # the first day of the month (UTC)
    erased: Mapped[int] = mapped_column(default=0)
