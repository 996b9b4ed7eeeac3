"""The scale seed (`flask shop seed --scale`) and the promise it exists to check: the number of SQL
statements a page runs does not grow with the data."""

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shop.accounts.models import Role
from shop.catalog.models import Product, ProductVariant
from shop.cli import shop_cli
from shop.extensions import db, page_cache
from shop.guides import export as lead_export
from shop.guides.models import Lead
from shop.journal.models import Article
from shop.orders.invoice_models import CreditNote, DocumentCounter, Invoice
from shop.orders.models import Order, OrderLine, OrderStatus
from shop.pagination import COUNT_CAP, count_at_most
from shop.site.scale_seed import ScaleCounts, ScaleSeedError, seed_scale
from tests.admin.helpers import client_as
from tests.conftest import count_queries, reset_database

SMALL = ScaleCounts(products=12, orders=20, leads=30, articles=3)
LARGER = ScaleCounts(products=120, orders=400, leads=900, articles=30)


@pytest.fixture
def scale_app(app: Flask) -> Iterator[Flask]:
    """The test's app; every table emptied afterwards (COPY writes past the fixtures' bookkeeping)."""
    yield app
    db.session.remove()  # this context's session, so the reset's TRUNCATE waits for nothing
    reset_database(app)


def test_the_seed_writes_the_counts_asked_for_with_invoices_for_paid_orders(scale_app: Flask) -> None:
    created = seed_scale(SMALL)

    assert created["product"] == db.session.scalar(sa.select(sa.func.count()).select_from(Product)) == 12
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 20
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Lead)) == 30
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Article)) == 3
    # every order has lines that add up to its subtotal
    sums = db.session.execute(
        sa.select(Order.subtotal_cents, sa.func.sum(OrderLine.unit_price_cents * OrderLine.quantity))
        .join(OrderLine)
        .group_by(Order.id)
    ).all()
    assert len(sums) == 20 and all(subtotal == total for subtotal, total in sums)
    # paid orders (and only they) have an invoice; invoices are numbered 1, 2, 3 … per year
    paid = set(db.session.scalars(sa.select(Order.id).where(Order.paid_at.is_not(None))))
    invoices = db.session.execute(sa.select(Invoice.order_id, Invoice.year, Invoice.sequence)).all()
    assert {row.order_id for row in invoices} == paid
    for year in {row.year for row in invoices}:
        numbers = sorted(row.sequence for row in invoices if row.year == year)
        assert numbers == list(range(1, len(numbers) + 1))
        counter = db.session.get(DocumentCounter, ("INV", year))
        assert counter is not None and counter.last_number == len(numbers)
    refunded = db.session.scalar(
        sa.select(sa.func.count()).where(
            Order.status.in_([OrderStatus.REFUNDED, OrderStatus.PARTIALLY_REFUNDED])
        )
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CreditNote)) == refunded
    # the ids' sequences moved past the seeded rows: the shop adds rows of its own afterwards
    db.session.add(Product(slug="after-the-seed", name="After", category_id=1, kind="physical"))
    db.session.commit()


def test_the_same_seed_gives_the_same_rows(scale_app: Flask) -> None:
    seed_scale(SMALL)
    first = db.session.execute(sa.select(ProductVariant.sku, ProductVariant.price_cents)).all()
    first_orders = db.session.execute(sa.select(Order.number, Order.email, Order.total_cents)).all()
    db.session.remove()
    reset_database(scale_app)

    seed_scale(SMALL)

    assert db.session.execute(sa.select(ProductVariant.sku, ProductVariant.price_cents)).all() == first
    assert db.session.execute(sa.select(Order.number, Order.email, Order.total_cents)).all() == first_orders


def test_the_seed_refuses_a_database_with_orders(scale_app: Flask) -> None:
    seed_scale(SMALL)

    with pytest.raises(ScaleSeedError):
        seed_scale(SMALL)


def test_the_command_seeds_the_demo_shop_then_the_counts_given(scale_app: Flask) -> None:
    runner = scale_app.test_cli_runner()

    result = runner.invoke(
        shop_cli,
        ["seed", "--scale", "--products", "5", "--orders", "4", "--leads", "6", "--articles", "2"],
    )

    assert result.exit_code == 0, result.output
    assert "Seeded the scale data set in" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 4
    assert db.session.scalar(sa.select(Product.id).where(Product.slug == "spore-print-hoodie"))


def _pages() -> dict[str, str]:
    """The pages the budgets are about, at URLs that exist in whatever data set is loaded."""
    product, name = db.session.execute(
        sa.select(Product.slug, Product.name)
        .where(Product.is_published.is_(True))
        .order_by(Product.id)
        .limit(1)
    ).one()
    article = db.session.scalar(sa.select(Article.slug).order_by(Article.id.desc()).limit(1))
    published = db.session.scalar(sa.select(sa.func.count()).where(Product.is_published.is_(True)))
    last_page = -(-published // 24)
    email = db.session.scalar(sa.select(Order.email).order_by(Order.id).limit(1)) or ""
    source = db.session.scalar(sa.select(Lead.utm_source).where(Lead.utm_source.is_not(None)).limit(1))
    return {
        "catalog": "/products",
        "catalog, last page": f"/products?page={last_page}",
        "search": f"/products?q={name.split()[-1].lower()}",  # a word of a name: one product or more
        "product": f"/products/{product}",
        "article": f"/journal/{article}",
        "cart": "/cart.json",
        "dashboard": "/admin/",
        "orders, filtered": "/admin/orders?status=fulfilled",
        "orders, searched": f"/admin/orders?q={email[2:9]}",  # part of an email
        "leads": "/admin/leads",
        "leads, filtered": "/admin/leads?confirmed=yes",
        "leads, by source": f"/admin/leads?confirmed=yes&utm_source={source}",
    }


def _statements_per_page(app: Flask, visitor: FlaskClient, staff: FlaskClient) -> dict[str, int]:
    counts = {}
    for name, path in _pages().items():
        client = staff if path.startswith("/admin") else visitor
        page_cache.clear()  # what a cache miss costs: the most a page ever runs
        db.session.remove()
        with count_queries(app) as statements:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        counts[name] = len(statements)
    return counts


def test_statements_per_page_do_not_grow_with_the_data(scale_app: Flask) -> None:
    visitor, staff = scale_app.test_client(), client_as(scale_app, Role.ADMIN)
    seed_scale(SMALL)
    _statements_per_page(scale_app, visitor, staff)  # first visits (sessions, templates) out of the way
    small = _statements_per_page(scale_app, visitor, staff)

    # ten times the data
    db.session.remove()
    reset_database(scale_app)
    visitor, staff = scale_app.test_client(), client_as(scale_app, Role.ADMIN)
    seed_scale(LARGER)
    _statements_per_page(scale_app, visitor, staff)
    larger = _statements_per_page(scale_app, visitor, staff)

    assert larger == small


def test_staff_lists_count_no_further_than_the_cap(scale_app: Flask) -> None:
    seed_scale(ScaleCounts(products=2, orders=5, leads=6, articles=0))

    assert count_at_most(sa.select(Lead.id), cap=3) == 4  # "more than 3"
    assert count_at_most(sa.select(Lead.id), cap=10) == 6
    render = scale_app.jinja_env.from_string("{{ n|row_count }}").render
    assert render(n=COUNT_CAP + 1) == f"more than {COUNT_CAP:,}"
    assert render(n=COUNT_CAP) == f"{COUNT_CAP:,}"


def test_exports_continue_each_batch_from_an_index_range(scale_app: Flask) -> None:
    """Each batch after the first starts where the last ended with a row comparison on (created_at, id),
    which the database reads as one index range (spelt with OR, PostgreSQL re-read every earlier row)."""
    seed_scale(ScaleCounts(products=2, orders=5, leads=7, articles=0))
    first, cursor = lead_export.csv_batch(lead_export.LeadFilter(include_all=True), after=None, size=3)

    with count_queries(scale_app) as statements:
        second, _ = lead_export.csv_batch(lead_export.LeadFilter(include_all=True), after=cursor, size=3)

    assert first.count("\n") == second.count("\n") == 3 and not set(first.splitlines()) & set(
        second.splitlines()
    )
    assert any("(lead.created_at, lead.id) <" in statement for statement in statements)
