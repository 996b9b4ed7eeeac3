"""Page numbers from the query string and page counts, the same on every paginated list."""

from typing import Any

import sqlalchemy as sa
from flask import abort, request

from shop.extensions import db
from shop.whole_numbers import parse_whole_number

MAX_PAGE = 100_000
# Staff lists count their rows no further than this: past it the list says "more than 10,000" and its
# pages end there (narrow with the filters), so a list's cost does not grow with the history.
COUNT_CAP = 10_000


def requested_page(not_found: str = "That page does not exist.") -> int:
    """The `page` query parameter (default 1); anything but ASCII digits for a sensible positive number
    ("²", "１", "-1", "99999999") is a 404."""
    page = parse_whole_number(request.args.get("page", "1"), max_digits=len(str(MAX_PAGE)))
    if page is None or not 0 < page < MAX_PAGE:
        abort(404, description=not_found)
    return page


def page_count(total: int, page_size: int) -> int:
    """Pages needed for `total` items; an empty list still has its one (empty) page."""
    return max(1, -(-total // page_size))


def existing_page_count(
    page: int, total: int, page_size: int, not_found: str = "That page does not exist."
) -> int:
    """`page_count`, for a list whose `page` was asked for: a page past the end is a 404, like one that
    never could exist (page 1 of an empty list is its one, empty page)."""
    pages = page_count(total, page_size)
    if page > pages:
        abort(404, description=not_found)
    return pages


def _capped_count(query: sa.Select[Any], cap: int) -> sa.Select[tuple[int]]:
    limited = query.order_by(None).limit(cap + 1).subquery()
    return sa.select(sa.func.count()).select_from(limited)


def count_at_most(query: sa.Select[Any], cap: int = COUNT_CAP) -> int:
    """How many rows `query` returns, counted no further than cap + 1 (a number above `cap` means
    "more than cap"): the database stops reading after cap + 1 rows instead of counting every match."""
    return db.session.scalar(_capped_count(query, cap)) or 0


def page_with_count(
    rows: sa.Select[Any], counted: sa.Select[Any], *, page: int, page_size: int, cap: int = COUNT_CAP
) -> tuple[list[sa.Row[Any]], int]:
    """One page of `rows` and `count_at_most(counted)`, in one statement: the count rides on each row as
    an uncorrelated subquery, which the database runs once. A statement saved is a round trip and the
    ORM's work for it, on every view of a staff list. Only a page past the end, which has no row to carry
    the count, counts on its own."""
    query = rows.add_columns(_capped_count(counted, cap).scalar_subquery().label("total_rows"))
    found = db.session.execute(query.limit(page_size).offset((page - 1) * page_size)).all()
    if found:
        return found, found[0].total_rows
    return found, count_at_most(counted, cap) if page > 1 else 0
