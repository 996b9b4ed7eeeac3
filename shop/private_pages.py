"""Cache-Control: no-store on every page that shows personal data or holds a working secret link, so
neither a shared cache nor the browser's disk keeps a copy (a shared computer's Back button, a proxy).

One table says which: whole blueprints (the admin, the account pages, signed order pages, checkout and
its success and cancel pages, the development outbox) and single endpoints elsewhere. Every response
of those endpoints gets the header, whatever its status, so an error page or a redirect is not cached
either.
"""

from flask import Flask, Response, request

NO_STORE = "private, no-store"

PRIVATE_BLUEPRINTS = frozenset(
    {"admin", "accounts", "privacy", "orders", "invoices", "checkout", "dev_outbox"}
)

PRIVATE_ENDPOINTS = frozenset(
    {
        "payments.dev_checkout",  # the order's lines and total
        "payments.dev_action",
        "guides.check_inbox",  # the address, masked
        "guides.confirm_page",  # a working confirm link
        "guides.confirm",
        "guides.renew",
        "guides.unsubscribe_page",  # the address
        "guides.unsubscribe",
        "downloads.download",  # the guide itself, through a working link
        "downloads.fresh_link",
    }
)


def is_private(endpoint: str | None) -> bool:
    if not endpoint:
        return False
    blueprint, _, _ = endpoint.rpartition(".")
    return blueprint in PRIVATE_BLUEPRINTS or endpoint in PRIVATE_ENDPOINTS


def init_app(app: Flask) -> None:
    @app.after_request
    def forbid_storing_private_pages(response: Response) -> Response:
        if is_private(request.endpoint):
            response.headers["Cache-Control"] = NO_STORE
        return response
