"""The admin blueprint and its guard: anonymous visitors go to the login page, customers get 403."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from shop.audit.services import Actor

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def require_staff() -> Response | None:
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    if not current_user.is_staff:
        abort(403, description="This part of the shop is for staff only.")
    return None


def admin_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """For the few actions only admins (not every staff member) may take, such as managing staff."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_admin:
            abort(403, description="Only admins can do that.")
        return view(*args, **kwargs)

    return wrapper


def current_actor() -> Actor:
    return Actor(user_id=current_user.id, email=current_user.email)
