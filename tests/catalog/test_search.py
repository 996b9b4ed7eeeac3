"""Searching the catalog by a word: full-text search on PostgreSQL (stemmed, ranked, through the GIN
index), a substring match on SQLite; any text is a search, never an error."""

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shop.catalog import services
from shop.catalog.models import Product
from shop.extensions import db
from tests.factories import make_product


def found(search: str) -> list[str]:
    page = services.list_products(category_slug=None, search=search, page=1, page_size=24)
    return [product.name for product in page.products]


@pytest.fixture
def catalog(app: Flask) -> None:
    make_product(name="Spore Print Hoodie", sku="HOODIE-SPORE")
    make_product(name="Enamel Camp Mug", sku="MUG-ENAMEL")
    make_product(name="Canvas Tote", sku="TOTE-CANVAS")
    db.session.get(
        Product, db.session.scalar(sa.select(Product.id).where(Product.name == "Canvas Tote"))
    ).summary = "Carries a hoodie and a mug."
    db.session.commit()


def test_a_word_of_the_name_finds_the_product(catalog: None) -> None:
    assert found("hoodie") == ["Spore Print Hoodie", "Canvas Tote"]  # the name first, then the summary
    assert found("HOODIE") == found("hoodie")
    assert found("kettle") == []


@pytest.mark.parametrize(
    "search", ["the", "&|!()", "'\"", ":*", "a & b", "!!-", "<->", "x" * 100, "ünïcödé 🍄"]
)
def test_any_text_is_a_search_not_an_error(client: FlaskClient, catalog: None, search: str) -> None:
    response = client.get("/products", query_string={"q": search})

    assert response.status_code == 200
    assert "Nothing matches" in response.get_data(as_text=True)


def test_postgresql_stems_english_words(postgres: Flask, catalog: None) -> None:
    assert found("hoodies") == ["Spore Print Hoodie", "Canvas Tote"]
    assert found("mugs") == ["Enamel Camp Mug", "Canvas Tote"]
    assert found("camping mugs") == ["Enamel Camp Mug"]  # every word must match
    assert found("hoodie -tote") == ["Spore Print Hoodie"]  # web search syntax: leave out a word


def test_postgresql_finds_a_product_by_its_exact_sku(postgres: Flask, catalog: None) -> None:
    assert found("mug-enamel") == ["Enamel Camp Mug"]


def test_postgresql_search_reads_the_full_text_index(postgres: Flask, catalog: None) -> None:
    match, _ = services._search_condition("hoodies")
    query = sa.select(Product.id).where(match)
    sql = str(query.compile(dialect=db.session.get_bind().dialect, compile_kwargs={"literal_binds": True}))
    db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))  # a tiny table would be read whole

    plan = "\n".join(db.session.scalars(sa.text(f"EXPLAIN {sql}")))

    assert "ix_product_search" in plan
    assert "ILIKE" not in sql.upper()
