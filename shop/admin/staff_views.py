"""Admin: managing staff (admins only: see permissions.py)."""

from flask import abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from shop.accounts import services as accounts
from shop.accounts.errors import AccountError
from shop.accounts.models import Role
from shop.admin.blueprint import bp, current_actor
from shop.admin.forms import StaffInviteForm, StaffRoleForm


def _page(form: StaffInviteForm | None = None, status: int = 200) -> tuple[str, int]:
    return (
        render_template(
            "admin/staff.html", staff=accounts.list_staff(), form=form or StaffInviteForm(formdata=None)
        ),
        status,
    )


@bp.get("/staff")
def staff() -> tuple[str, int]:
    return _page()


@bp.post("/staff")
def staff_invite() -> tuple[str, int] | Response:
    form = StaffInviteForm()
    if form.validate_on_submit():
        try:
            user = accounts.invite_staff(current_actor(), form.email.data, Role(form.role.data))
        except AccountError as error:
            form.email.errors = [*form.email.errors, error.message]
        else:
            emailed = "" if user.email_confirmed else " We've emailed them a link to choose a password."
            flash(f"{user.email} is now {user.role}.{emailed}", "success")
            return redirect(url_for("admin.staff"), code=303)
    return _page(form, 400)


@bp.post("/staff/<int:user_id>/role")
def staff_role(user_id: int) -> tuple[str, int] | Response:
    form = StaffRoleForm()
    if not form.validate_on_submit():
        flash("Choose customer, staff or admin.", "error")
        return _page(status=400)
    try:
        user = accounts.set_role(current_actor(), user_id, Role(form.role.data))
    except LookupError:
        abort(404, description="There is no such account.")
    except AccountError as error:
        flash(error.message, "error")
        return _page(status=400)
    flash(f"{user.email} is now {user.role}.", "success")
    return redirect(url_for("admin.staff"), code=303)
