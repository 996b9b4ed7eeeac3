"""The staff lists on a big shop: orders found by part of an email or number (through trigram indexes on
PostgreSQL), orders filtered by status and leads by source read through indexes made for them."""

from html import unescape

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shop.accounts.models import Role
from shop.extensions import db
from shop.guides.export import LeadFilter, select_leads
from shop.guides.models import Lead
from shop.orders.staff_actions import OrderFilter, select_orders
from tests.admin.helpers import client_as
from tests.admin.test_leads import add_lead
from tests.fixtures import OrderFactory


@pytest.fixture
def staff(shop: dict, app: Flask) -> FlaskClient:
    return client_as(app, Role.STAFF, email="bo@example.com")


def text(response) -> str:
    assert response.status_code == 200
    return unescape(response.get_data(as_text=True))


def plan_of(query: sa.Select) -> str:
    """PostgreSQL's plan for `query`, with sequential scans priced out (a test's table is tiny, and read
    whole it would be cheaper than any index)."""
    sql = str(query.compile(dialect=db.session.get_bind().dialect, compile_kwargs={"literal_binds": True}))
    db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    return "\n".join(db.session.scalars(sa.text(f"EXPLAIN {sql}")))


def test_part_of_an_email_or_number_finds_the_order(
    paid_order: OrderFactory, pending_order: OrderFactory, staff: FlaskClient
) -> None:
    maya = paid_order(("TEE-M", 1), email="maya.adams@example.com")
    other = pending_order(("MUG", 1), email="bo.buyer@example.org")

    middle = text(staff.get("/admin/orders?q=A.ADAM"))  # the middle of the address, any case
    domain = text(staff.get("/admin/orders?q=example.org"))
    number = text(staff.get(f"/admin/orders?q={other.number[3:7].lower()}"))  # part of GS-7K3Q9P
    nothing = text(staff.get("/admin/orders?q=adams.maya"))
    short = text(staff.get("/admin/orders?q=.O"))  # two characters: too short for a trigram, still found

    assert maya.number in middle and other.number not in middle
    assert other.number in domain and maya.number not in domain
    assert other.number in number and maya.number not in number
    assert maya.number not in nothing and other.number not in nothing
    assert other.number in short and maya.number not in short


def test_postgresql_searches_orders_through_trigram_indexes(
    postgres: Flask, paid_order: OrderFactory
) -> None:
    paid_order(("TEE-M", 1), email="maya.adams@example.com")
    db.session.execute(sa.text("SET LOCAL enable_indexscan = off"))  # not the date index, filtered row by row

    plan = plan_of(select_orders(OrderFilter(search="maya.adams")))

    assert "ix_order_email_trgm" in plan and "ix_order_number_trgm" in plan


def test_postgresql_lists_orders_of_a_status_from_its_index(
    postgres: Flask, paid_order: OrderFactory
) -> None:
    paid_order(("TEE-M", 1), email="maya.adams@example.com")
    # the list's order comes from the index: no sort, and no incremental sort after the date index either
    db.session.execute(sa.text("SET LOCAL enable_sort = off"))
    db.session.execute(sa.text("SET LOCAL enable_incremental_sort = off"))

    plan = plan_of(select_orders(OrderFilter(status="fulfilled")).limit(25))

    assert "ix_order_status_created" in plan


def test_postgresql_lists_leads_of_a_source_from_its_index(postgres: Flask) -> None:
    add_lead("a@example.com", confirmed=True, utm_source="podcast")
    add_lead("b@example.com", utm_source="newsletter")
    query = select_leads(LeadFilter(include_all=True, confirmed=True, utm_source="Podcast"))

    count = query.with_only_columns(Lead.id).order_by(None).limit(10_001)  # as count_at_most reads it
    db.session.execute(sa.text("SET LOCAL enable_bitmapscan = off"))

    assert "ix_lead_source_created" in plan_of(query.limit(50))
    assert "Index Only Scan using ix_lead_source_created" in plan_of(count)  # the table is never read
