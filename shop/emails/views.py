"""/dev/outbox: the development outbox (registered only when DEV_TOOLS is on, never in production)."""

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template

from shop.emails import dev_outbox

bp = Blueprint("dev_outbox", __name__, url_prefix="/dev/outbox")


def _folder() -> Path:
    return Path(current_app.config["MAIL_FILE_PATH"])


@bp.get("")
def index() -> str:
    return render_template("dev/outbox.html", emails=dev_outbox.list_emails(_folder()))


@bp.get("/<name>")
def show(name: str) -> str:
    email = dev_outbox.read_email(_folder(), name)
    if email is None:
        abort(404, description="No such email in the outbox.")
    return render_template("dev/outbox_email.html", email=email)


@bp.get("/<name>/html")
def show_html(name: str) -> Response:
    email = dev_outbox.read_email(_folder(), name)
    if email is None or email.html is None:
        abort(404, description="No HTML part for that email.")
    response = Response(email.html, mimetype="text/html")
    # Email HTML carries inline styles by necessity; let it render, but never run script.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"
    )
    return response
