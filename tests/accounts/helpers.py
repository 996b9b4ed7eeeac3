"""Helpers for account tests: make users, read links out of sent emails, log in."""

import re

from flask import Flask
from flask.testing import FlaskClient

from shop.accounts import services
from shop.accounts.models import Role, User
from shop.extensions import db
from tests.checkout_helpers import hidden
from tests.mail_delivery import deliver_and_read_outbox

PASSWORD = "correct horse battery"


def make_user(email: str = "ana@example.com", password: str = PASSWORD, role: Role = Role.CUSTOMER) -> User:
    user = User(email=email, role=role, full_name="Ana")
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def sent_emails(app: Flask) -> list:
    return deliver_and_read_outbox(app)


def link_in_last_email(app: Flask, to: str) -> str:
    message = [m for m in sent_emails(app) if m.to == [to]][-1]
    url = re.search(r"http://localhost(/\S+)", message.body).group(1)
    return url


def log_in(client: FlaskClient, email: str = "ana@example.com", password: str = PASSWORD, **extra: str):
    return client.post("/account/login", data={"email": email, "password": password, **extra})


def log_in_with_csrf(client: FlaskClient, email: str, password: str = PASSWORD) -> None:
    """Log in as a browser does when CSRF protection is on: with the login page's token."""
    token = hidden(client.get("/account/login").get_data(as_text=True), "csrf_token")
    response = client.post("/account/login", data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 303, "the login failed"


def reload(user: User) -> User:
    db.session.expire_all()
    return services.get_user(user.id)
