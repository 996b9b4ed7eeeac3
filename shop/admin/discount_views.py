"""Admin: discount codes. Staff see the list with each code's uses, revenue and discount given, and the
welcome codes' results per lead source; admins create, edit, pause, resume and end codes."""

from datetime import UTC, datetime

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from shop.admin.blueprint import bp, current_actor
from shop.admin.discount_forms import DiscountActionForm, DiscountTermsForm, NewDiscountForm
from shop.admin.discount_reports import results_by_code, welcome_codes_by_source
from shop.catalog.models import Product
from shop.discounts import staff_actions
from shop.discounts.errors import CodeEditError
from shop.discounts.models import DiscountCode
from shop.discounts.rules import describe
from shop.discounts.staff_actions import CodeTerms
from shop.extensions import db
from shop.money import decimal_amount
from shop.pagination import existing_page_count, requested_page

Page = str | tuple[str, int] | Response


def _product_choices() -> list[SelectChoice]:
    products = db.session.scalars(sa.select(Product).order_by(Product.name, Product.id))
    return [SelectChoice(product.id, product.name) for product in products]


def _utc(moment: datetime | None) -> datetime | None:
    """A time typed in the form: the form says UTC."""
    return moment.replace(tzinfo=UTC) if moment is not None else None


def _terms(form: DiscountTermsForm) -> CodeTerms:
    return CodeTerms(
        description=form.description.data or "",
        percent_bp=form.percent_bp,
        amount_cents=form.amount_cents,
        scope=form.scope.data,
        product_ids=tuple(form.product_ids.data or ()),
        min_subtotal_cents=form.min_subtotal_cents,
        starts_at=_utc(form.starts_at.data),
        ends_at=_utc(form.ends_at.data),
        usage_limit=form.usage_limit.data,
        once_per_customer=bool(form.once_per_customer.data),
    )


def _attach_error(form: DiscountTermsForm, error: CodeEditError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")


def _percent_text(basis_points: int) -> str:
    whole, part = divmod(basis_points, 100)
    return str(whole) if not part else f"{whole}.{part:02d}".rstrip("0")


def _code_or_404(code_id: int) -> DiscountCode:
    code = staff_actions.get_code_for_staff(code_id)
    if code is None:
        abort(404, description="There is no discount code with that number.")
    return code


@bp.get("/discounts")
def discounts() -> str:
    page = requested_page()
    codes, total = staff_actions.list_codes(page=page)
    pages = existing_page_count(page, total, staff_actions.PAGE_SIZE)
    return render_template(
        "admin/discounts.html",
        codes=codes,
        results=results_by_code([code.code for code in codes]),
        welcome=welcome_codes_by_source(),
        describe=describe,
        status_of=staff_actions.status_of,
        page=page,
        pages=pages,
        action_form=DiscountActionForm(),
    )


@bp.route("/discounts/new", methods=["GET", "POST"])
def discount_new() -> Page:
    form = NewDiscountForm()
    form.product_ids.choices = _product_choices()
    if form.validate_on_submit():
        try:
            code = staff_actions.create_code(current_actor(), form.code.data or "", _terms(form))
        except CodeEditError as error:
            _attach_error(form, error)
        else:
            flash(f"Discount code {code.code} created.", "success")
            return redirect(url_for("admin.discounts"), code=303)
    status = 400 if form.is_submitted() else 200
    return render_template("admin/discount_form.html", form=form, code=None), status


@bp.route("/discounts/<int:code_id>", methods=["GET", "POST"])
def discount_edit(code_id: int) -> Page:
    code = _code_or_404(code_id)
    form = DiscountTermsForm(obj=None)
    form.product_ids.choices = _product_choices()
    if not form.is_submitted():
        form.description.data = code.description
        form.kind.data = "percent" if code.percent_bp is not None else "amount"
        form.value.data = (
            _percent_text(code.percent_bp)
            if code.percent_bp is not None
            else decimal_amount(code.amount_cents or 0)
        )
        form.scope.data = code.scope
        form.product_ids.data = sorted(code.product_ids)
        form.min_subtotal.data = decimal_amount(code.min_subtotal_cents) if code.min_subtotal_cents else ""
        form.starts_at.data = code.starts_at
        form.ends_at.data = code.ends_at
        form.usage_limit.data = code.usage_limit
        form.once_per_customer.data = code.once_per_customer
    elif form.validate():
        try:
            staff_actions.update_code(current_actor(), code_id, _terms(form))
        except CodeEditError as error:
            _attach_error(form, error)
        else:
            flash(f"Discount code {code.code} saved.", "success")
            return redirect(url_for("admin.discounts"), code=303)
    status = 400 if form.is_submitted() else 200
    return render_template(
        "admin/discount_form.html", form=form, code=code, action_form=DiscountActionForm()
    ), status


def _act(code_id: int, action: str) -> Response:
    _code_or_404(code_id)
    form = DiscountActionForm()
    if not form.validate():
        abort(400, description="The form expired. Go back, reload the page and try again.")
    try:
        if action == "end":
            code = staff_actions.end_code(current_actor(), code_id)
            flash(f"Discount code {code.code} ended.", "success")
        else:
            code = staff_actions.set_paused(current_actor(), code_id, paused=action == "pause")
            flash(f"Discount code {code.code} {'paused' if code.paused else 'resumed'}.", "success")
    except CodeEditError as error:
        flash(error.message, "error")
    return redirect(url_for("admin.discounts"), code=303)


@bp.post("/discounts/<int:code_id>/pause")
def discount_pause(code_id: int) -> Response:
    return _act(code_id, "pause")


@bp.post("/discounts/<int:code_id>/resume")
def discount_resume(code_id: int) -> Response:
    return _act(code_id, "resume")


@bp.post("/discounts/<int:code_id>/end")
def discount_end(code_id: int) -> Response:
    return _act(code_id, "end")
