"""Page numbers from the query string and page counts, the same on every paginated list."""

from flask import abort, request

from shop.whole_numbers import parse_whole_number

MAX_PAGE = 100_000


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
