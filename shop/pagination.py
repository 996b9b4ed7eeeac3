"""Page numbers from the query string and page counts, the same on every paginated list."""

from flask import abort, request

MAX_PAGE = 100_000


def requested_page(not_found: str = "That page does not exist.") -> int:
    """The `page` query parameter (default 1); anything but a sensible positive number is a 404."""
    raw = request.args.get("page", "1")
    if not raw.isdigit() or not 0 < int(raw) < MAX_PAGE:
        abort(404, description=not_found)
    return int(raw)


def page_count(total: int, page_size: int) -> int:
    """Pages needed for `total` items; an empty list still has its one (empty) page."""
    return max(1, -(-total // page_size))
