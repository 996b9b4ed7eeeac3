"""The customer's own data, under /account: the JSON export and deleting the account. Thin: read the
form, call one service, answer."""

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from shop.accounts.session_login import forget_session
from shop.extensions import limiter
from shop.privacy import services
from shop.privacy.errors import DataRequestError, NotConfirmedError
from shop.privacy.forms import DeleteAccountForm

bp = Blueprint("privacy", __name__, url_prefix="/account")

EXPORT_FILENAME = "my-account-data.json"
# The form takes the password: as few tries as changing the email address allows.
DELETE_ATTEMPTS = "5 per hour"


@bp.get("/data.json")
@login_required
def export_data() -> Response | tuple[Response, int]:
    try:
        body = services.export_account_data(current_user.id)
    except DataRequestError as error:
        response = jsonify(error=error.message)
        if error.status_code == 429:
            response.headers["Retry-After"] = "10"
        return response, error.status_code
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{EXPORT_FILENAME}"',
            "Cache-Control": "private, no-store",
        },
    )


def _page(form: DeleteAccountForm, status: int = 200) -> tuple[str, int]:
    preview = services.deletion_preview(current_user.id)
    return render_template("privacy/delete.html", form=form, preview=preview), status


def _account_key() -> str:
    """Password attempts count per account, whichever device or address they come from."""
    return f"account:{current_user.id}" if current_user.is_authenticated else "anonymous"


@bp.route("/delete", methods=["GET", "POST"])
@login_required
@limiter.limit(DELETE_ATTEMPTS, methods=["POST"], key_func=_account_key)
def delete_account() -> Response | tuple[str, int]:
    form = DeleteAccountForm()
    if request.method == "GET":
        return _page(form)
    if not form.validate_on_submit():
        return _page(form, 400)
    user_id = current_user.id
    try:
        services.delete_account(
            user_id,
            password=form.password.data,
            understood=bool(form.understood.data),
            keep_newsletter=bool(form.keep_newsletter.data),
        )
    except DataRequestError as error:
        # The box's own error goes under the box; every other reason under the password field.
        field = form.understood if isinstance(error, NotConfirmedError) else form.password
        field.errors = [*field.errors, error.message]
        return _page(form, error.status_code)
    forget_session()
    flash(
        "Your account is deleted and you're logged out everywhere. We've emailed you a confirmation.",
        "success",
    )
    return redirect(url_for("catalog.home"), code=303)
