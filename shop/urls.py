"""Absolute URLs for emails: from the request when there is one, else from SHOP_BASE_URL."""

from typing import Any

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values: Any) -> str:
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    # Outside a request (CLI, background work) build the path and prefix the configured base.
    with current_app.test_request_context(base_url=current_app.config["SHOP_BASE_URL"]):
        return url_for(endpoint, _external=True, **values)
