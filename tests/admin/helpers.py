"""Helpers for admin tests: staff and customer clients."""

from flask import Flask
from flask.testing import FlaskClient

from shop.accounts.models import Role
from tests.accounts.helpers import PASSWORD, log_in, make_user


def client_as(app: Flask, role: Role, email: str | None = None) -> FlaskClient:
    email = email or f"{role}@example.com"
    make_user(email=email, role=role)
    client = app.test_client()
    assert log_in(client, email=email, password=PASSWORD).status_code == 303
    return client
