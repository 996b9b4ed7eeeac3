"""The admin blueprint and its guard: anonymous visitors go to the login page, customers get 403, and
each page or action needs the role shop/admin/permissions.py gives it."""

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from shop.admin import permissions
from shop.audit.services import Actor

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def require_role() -> Response | None:
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    if not current_user.is_staff:
        abort(403, description="This part of the shop is for staff only.")
    if not permissions.may_use(current_user, request.endpoint):
        abort(403, description="Only an admin of the shop can do that.")
    return None


@bp.app_template_global()
def may_use(endpoint: str) -> bool:
    """For templates: whether the logged-in user may open this admin page (links to others are hidden)."""
    return permissions.may_use(current_user, endpoint)


def current_actor() -> Actor:
    return Actor(user_id=current_user.id, email=current_user.email)
