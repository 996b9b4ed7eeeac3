"""Every paginated admin list answers a page past its end with a 404, like the shop's public lists; the
first page of an empty list is a 200 showing the empty state. A page and its capped count in one statement."""

import pytest
import sqlalchemy as sa
from flask import Flask

from shop.accounts.models import Role
from shop.guides.models import Lead
from shop.pagination import count_at_most, page_with_count
from tests.admin.helpers import client_as
from tests.admin.test_leads import add_lead
from tests.conftest import count_queries

LISTS = [
    "/admin/orders",
    "/admin/orders?status=paid&q=nobody",
    "/admin/products",
    "/admin/products?q=nothing-like-this",
    "/admin/audit",
    "/admin/leads",
    "/admin/leads?confirmed=yes",
    "/admin/comments",
]


def _with_page(url: str, page: int) -> str:
    return f"{url}{'&' if '?' in url else '?'}page={page}"


@pytest.mark.parametrize("url", LISTS)
def test_an_empty_list_has_its_first_page_and_no_other(app: Flask, url: str) -> None:
    admin = client_as(app, Role.ADMIN)

    assert admin.get(url).status_code == 200
    assert admin.get(_with_page(url, 1)).status_code == 200
    for page in (2, 3, 99_999):
        response = admin.get(_with_page(url, page))
        assert response.status_code == 404, (url, page)
        assert "That page does not exist." in response.get_data(as_text=True)


def test_a_page_and_its_capped_count_come_in_one_statement(app: Flask) -> None:
    for index in range(5):
        add_lead(f"p{index}@example.com")
    emails = sa.select(Lead.email).order_by(Lead.id)
    counted = sa.select(Lead.id)

    with count_queries(app) as statements:
        first, total = page_with_count(emails, counted, page=1, page_size=2, cap=3)
    last, last_total = page_with_count(emails, counted, page=3, page_size=2, cap=3)
    past, past_total = page_with_count(emails, counted, page=4, page_size=2, cap=3)
    nobody = Lead.email == "nobody@example.com"
    none, no_total = page_with_count(emails.where(nobody), counted.where(nobody), page=1, page_size=2)

    assert len(statements) == 1
    assert [row.email for row in first] == ["p0@example.com", "p1@example.com"]
    assert total == last_total == past_total == count_at_most(counted, cap=3) == 4  # "more than 3"
    assert [row.email for row in last] == ["p4@example.com"]
    assert (past, none, no_total) == ([], [], 0)
