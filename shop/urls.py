"""Absolute URLs (emails, payment return pages), always under SHOP_BASE_URL.

Never from the request: its Host and X-Forwarded-Host headers are whatever the visitor sends, and a
password-reset link built from them would hand the token to the visitor's chosen host.
"""

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of `endpoint` under SHOP_BASE_URL (its scheme, host and any path prefix); values
    that are not part of the route become the query string."""
    base = urlsplit(current_app.config["SHOP_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)
