"""Flask-Login wiring: how a session id becomes a user, and where anonymous visitors are sent."""

from flask import Flask

from shop.accounts import services
from shop.accounts.models import User
from shop.extensions import login_manager


def init_login(app: Flask) -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"
    # "strong" would drop the session when a phone changes networks; the session-token id already
    # lets a password change end every other session.
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        return services.load_user_for_session(session_id)
