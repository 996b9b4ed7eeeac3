"""Every paginated admin list answers a page past its end with a 404, like the shop's public lists; the
first page of an empty list is a 200 showing the empty state."""

import pytest
from flask import Flask

from shop.accounts.models import Role
from tests.admin.helpers import client_as

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
