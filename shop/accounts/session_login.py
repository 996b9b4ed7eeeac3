"""Starting and ending a logged-in session in this request (cookie, cart, Flask-Login)."""

from flask import current_app, session
from flask_login import current_user, login_user, logout_user

from shop.accounts import services
from shop.accounts.models import User
from shop.cart import services as cart_services
from shop.cart import session_cart


def start_session(user: User, *, remember: bool) -> None:
    """Log in with a fresh session (no pre-login values survive) and merge the browser's cart."""
    anonymous_cart = session_cart.current_token()
    session.clear()
    login_user(user, remember=remember)
    cart_token = cart_services.merge_cart_into_user(
        anonymous_cart, user.id, max_line_quantity=current_app.config["MAX_LINE_QUANTITY"]
    )
    session[session_cart.SESSION_KEY] = cart_token
    session.permanent = True
    session_cart.forget_summary()
    services.record_login(user.id)


def end_session() -> None:
    """Log out: the account's session token rotates, so every session and "keep me logged in" cookie
    issued before (in this browser, on another device, or copied) stops working."""
    if current_user.is_authenticated:
        services.end_all_sessions(current_user.id)
    forget_session()


def forget_session() -> None:
    """Forget this browser's login and cart, changing nothing in the database: for an account that is
    already gone (deleted), whose row has no session token left to rotate."""
    session.clear()
    # After the clear: logout_user() leaves a note in the session to delete the remember cookie, which
    # a clear would wipe, and the next request would log the user back in from that cookie.
    logout_user()
    session_cart.forget_summary()
