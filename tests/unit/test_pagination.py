"""Page numbers and page counts, shared by every paginated list."""

import pytest
from flask import Flask
from werkzeug.exceptions import NotFound

from shop.pagination import existing_page_count, page_count, requested_page


@pytest.mark.parametrize(
    ("total", "page_size", "pages"),
    [(0, 10, 1), (1, 10, 1), (10, 10, 1), (11, 10, 2), (20, 10, 2), (21, 10, 3)],
)
def test_page_count(total: int, page_size: int, pages: int) -> None:
    assert page_count(total, page_size) == pages


@pytest.mark.parametrize(("query", "page"), [("", 1), ("?page=1", 1), ("?page=7", 7), ("?page=99999", 99999)])
def test_requested_page_reads_the_query(query: str, page: int) -> None:
    with Flask(__name__).test_request_context(f"/{query}"):
        assert requested_page() == page


@pytest.mark.parametrize("raw", ["0", "-1", "abc", "1.5", "", "100000", "9" * 30])
def test_a_page_that_is_not_a_sensible_number_is_a_404(raw: str) -> None:
    with Flask(__name__).test_request_context("/", query_string={"page": raw}):
        with pytest.raises(NotFound) as error:
            requested_page("No such page of the catalog.")
    assert error.value.description == "No such page of the catalog."


@pytest.mark.parametrize(("page", "total", "pages"), [(1, 0, 1), (1, 10, 1), (2, 11, 2), (3, 21, 3)])
def test_an_existing_page_gives_the_page_count(page: int, total: int, pages: int) -> None:
    assert existing_page_count(page, total, 10) == pages


@pytest.mark.parametrize(("page", "total"), [(2, 0), (2, 10), (3, 11), (99_999, 5)])
def test_a_page_past_the_end_is_a_404(page: int, total: int) -> None:
    with pytest.raises(NotFound) as error:
        existing_page_count(page, total, 10)
    assert error.value.description == "That page does not exist."
