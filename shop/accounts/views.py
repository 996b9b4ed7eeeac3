"""Account pages under /account: register, log in and out, reset and change password and email, and the
customer's orders with fresh download links for their guides."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required

from shop.accounts import services
from shop.accounts.errors import AccountError, InvalidTokenError, WrongPasswordError
from shop.accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    ConfirmForm,
    LoginForm,
    PasswordResetForm,
    PasswordResetRequestForm,
    RegisterForm,
)
from shop.accounts.session_login import end_session, start_session
from shop.extensions import limiter
from shop.orders import access, history
from shop.orders.lookups import get_order_by_number
from shop.orders.order_downloads import issue_line_download
from shop.orders.status_machine import CUSTOMER_STATUS_TEXT
from shop.pagination import requested_page
from shop.rate_limits import submitted_email_key
from shop.safe_redirect import safe_next

bp = Blueprint("accounts", __name__, url_prefix="/account")

Page = str | tuple[str, int] | Response


def _render(template: str, status: int = 200, **context: object) -> tuple[str, int]:
    return render_template(f"accounts/{template}.html", **context), status


def _status(form: object) -> int:
    return 400 if getattr(form, "errors", None) else 200


@bp.get("/")
@login_required
def overview() -> Page:
    return _render("overview", confirm_form=ConfirmForm())


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@limiter.limit("5 per hour", methods=["POST"], key_func=submitted_email_key)
def register() -> Page:
    destination = safe_next(request.args.get("next"), url_for("accounts.overview"))
    if current_user.is_authenticated:
        return redirect(destination)
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            services.register(
                email=form.email.data, password=form.password.data, full_name=form.full_name.data or ""
            )
        except AccountError as error:
            form.password.errors = [*form.password.errors, error.message]
        else:
            # The same page, and no login, whether the address was new or already had an account (its
            # owner is emailed instead): the answer never tells a visitor who has an account here.
            return _render("register_sent", email=form.email.data, next=destination)
    return _render("register", _status(form), form=form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
@limiter.limit("5 per minute", methods=["POST"], key_func=submitted_email_key)
def login() -> Page:
    destination = safe_next(request.values.get("next"), url_for("accounts.overview"))
    if current_user.is_authenticated:
        return redirect(destination)
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            start_session(user, remember=bool(form.remember.data))
            flash("You're logged in.", "success")
            return redirect(destination, code=303)
        flash("That email and password don't match an account. Check both and try again.", "error")
        return _render("login", 400, form=form, next=destination)
    return _render("login", _status(form), form=form, next=destination)


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> Page:
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return _render("logout", 400, form=form)
        end_session()
        flash("You're logged out.", "success")
        return redirect(url_for("catalog.home"), code=303)
    if not current_user.is_authenticated:
        return redirect(url_for("catalog.home"))
    return _render("logout", form=form)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str) -> Page:
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.confirm_email(token)
        except AccountError as error:
            flash(error.message, "error")
            return _render("link_problem", 400)
        flash("Thanks, your email address is confirmed.", "success")
        return redirect(
            url_for("accounts.overview") if current_user.is_authenticated else url_for("accounts.login")
        )
    # A GET only shows the button: mail scanners that follow links confirm nothing.
    return _render("confirm_email", form=form)


@bp.post("/confirm/resend")
@login_required
@limiter.limit("5 per hour")
def resend_confirmation() -> Page:
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _render("overview", 400, confirm_form=form)
    services.resend_confirmation(current_user.id)
    flash(f"We've sent a new confirmation link to {current_user.email}.", "success")
    return redirect(url_for("accounts.overview"), code=303)


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@limiter.limit("3 per hour", methods=["POST"], key_func=submitted_email_key)
def request_reset() -> Page:
    form = PasswordResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        return _render("reset_sent", email=form.email.data)
    return _render("reset_request", _status(form), form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def reset_password(token: str) -> Page:
    try:
        services.user_for_reset_token(token)
    except InvalidTokenError as error:
        flash(error.message, "error")
        return _render("reset_request", 400, form=PasswordResetRequestForm())
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            user = services.reset_password(token, form.password.data)
        except AccountError as error:
            form.password.errors = [*form.password.errors, error.message]
        else:
            start_session(user, remember=False)
            flash("Your password is changed and you're logged in.", "success")
            return redirect(url_for("accounts.overview"), code=303)
    return _render("reset_password", _status(form), form=form)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password() -> Page:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            user = services.change_password(
                current_user.id,
                current_password=form.current_password.data,
                new_password=form.new_password.data,
            )
        except AccountError as error:
            field = form.current_password if isinstance(error, WrongPasswordError) else form.new_password
            field.errors = [*field.errors, error.message]
        else:
            # The session token rotated: log in again here so only other sessions end.
            start_session(user, remember=False)
            flash("Your password is changed. Other devices have been logged out.", "success")
            return redirect(url_for("accounts.overview"), code=303)
    return _render("change_password", _status(form), form=form)


@bp.route("/email", methods=["GET", "POST"])
@login_required
@limiter.limit("5 per hour", methods=["POST"])
def change_email() -> Page:
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            services.request_email_change(
                current_user.id, password=form.password.data, new_email=form.new_email.data
            )
        except AccountError as error:
            field = form.password if isinstance(error, WrongPasswordError) else form.new_email
            field.errors = [*field.errors, error.message]
        else:
            flash(
                f"We've sent a link to {form.new_email.data}. Your address changes when you follow it.",
                "success",
            )
            return redirect(url_for("accounts.overview"), code=303)
    return _render("change_email", _status(form), form=form)


@bp.route("/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email_change(token: str) -> Page:
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            user = services.confirm_email_change(token)
        except AccountError as error:
            flash(error.message, "error")
            return _render("link_problem", 400)
        end_session()
        flash(f"Your email address is now {user.email}. Please log in again.", "success")
        return redirect(url_for("accounts.login"), code=303)
    return _render("confirm_email_change", form=form)


def _account_key() -> str:
    """Rate limits per account, so one customer's requests never count against another's."""
    if current_user.is_authenticated:
        return f"account:{current_user.id}"
    return f"ip:{get_remote_address()}"


@bp.get("/orders")
@login_required
def orders() -> Page:
    page = requested_page()
    order_history = history.list_customer_orders(current_user.id, page=page)
    if page > order_history.pages:
        abort(404, description="That page does not exist.")
    return _render(
        "orders",
        history=order_history,
        status_text=CUSTOMER_STATUS_TEXT,
    )


ORDER_NOT_FOUND = "We couldn't find that order in your account."


@bp.post("/orders/<number>/downloads/<int:line_id>")
@login_required
@limiter.limit("20 per hour", key_func=_account_key)
def order_download(number: str, line_id: int) -> Page:
    """A fresh download link for one guide of the customer's own paid order, shown on a page."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400, description="This form is out of date. Go back to your orders and try again.")
    order = get_order_by_number(number)
    # Someone else's order, or a number that does not exist: the same 404, so nothing is revealed.
    if order is None or not access.is_owner(order, current_user):
        abort(404, description=ORDER_NOT_FOUND)
    link = issue_line_download(order.id, line_id)
    if link is None:
        abort(404, description="That download isn't available for this order.")
    page, status = _render("download_ready", link=link, order=order)
    # The page holds a working link (never cached: shop/private_pages.py): its token never leaks as a Referer.
    return Response(page, status, headers={"Referrer-Policy": "no-referrer"})
