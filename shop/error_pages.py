"""Friendly error pages, and JSON errors for the JSON API."""

import logging

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

from shop.extensions import db
from shop.storage import RETRY_AFTER_SECONDS, StorageUnavailableError

log = logging.getLogger(__name__)

TITLES = {
    400: "Something in that request wasn't right",
    403: "You can't open this page",
    404: "We couldn't find that page",
    405: "That action isn't allowed here",
    410: "This link has expired",
    413: "That upload is too large",
    429: "Slow down a little",
    500: "Something went wrong on our side",
    503: "We'll be right back",
}


def wants_json() -> bool:
    return request.path.endswith(".json") or (request.accept_mimetypes.best == "application/json")


def _render(status: int, message: str) -> tuple[Response | str, int]:
    if wants_json():
        return jsonify(error=message), status
    title = TITLES.get(status, "Something went wrong")
    return render_template("errors/error.html", status=status, title=title, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[Response | str, int]:
        return _render(
            400,
            "This form has expired or was sent from another page. "
            "Reload the page and try again; nothing was changed.",
        )

    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError) -> Response:
        # A Host outside TRUSTED_HOSTS: Flask built no URL adapter for it, so no page can be rendered.
        return Response("This site does not answer to that host name.\n", 400, mimetype="text/plain")

    @app.errorhandler(StorageUnavailableError)
    def storage_unavailable(error: StorageUnavailableError) -> tuple[Response | str, int, dict[str, str]]:
        # The store's client has logged the failure; the page asks for a retry, never a 500.
        db.session.rollback()
        body, status = _render(503, error.message)
        return body, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response | str, int] | HTTPException:
        status = error.code or 500
        if status < 400:
            return error
        if status == 429:
            message = "You've tried that too many times. Wait a minute and try again."
        else:
            message = error.description or TITLES.get(status, "")
            # Werkzeug's stock descriptions are written for developers; keep ours only.
            if error.description == type(error).description:
                message = _default_message(status)
        return _render(status, message)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> tuple[Response | str, int]:
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return _render(500, _default_message(500))


def _default_message(status: int) -> str:
    return {
        400: "Please check what you entered and try again.",
        403: "You don't have access to this page.",
        404: "The page may have moved, or the link may be mistyped.",
        405: "Go back and try again from the page itself.",
        413: "Choose a smaller file and try again.",
        500: "We've been told about it. Please try again in a moment.",
        503: "The shop is briefly unavailable. Please try again shortly.",
    }.get(status, "Please try again.")
