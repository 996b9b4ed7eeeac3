"""Signed, expiring tokens for account emails (confirm, reset, change of address)."""

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from shop.accounts.errors import InvalidTokenError

CONFIRM_EMAIL = "account-confirm-email"
RESET_PASSWORD = "account-reset-password"
CHANGE_EMAIL = "account-change-email"

MAX_AGE_SECONDS = {CONFIRM_EMAIL: 3 * 24 * 3600, RESET_PASSWORD: 3600, CHANGE_EMAIL: 24 * 3600}


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)


def make_token(purpose: str, payload: dict[str, Any]) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str) -> dict[str, Any]:
    """The payload of a valid token; InvalidTokenError when expired, tampered or for another purpose."""
    if not token or len(token) > 500:
        raise InvalidTokenError("This link is not valid.")
    try:
        payload = _serializer(purpose).loads(token, max_age=MAX_AGE_SECONDS[purpose])
    except SignatureExpired as error:
        raise InvalidTokenError("This link has expired. Ask for a new one below.") from error
    except BadSignature as error:
        raise InvalidTokenError("This link is not valid. It may have been copied incompletely.") from error
    if not isinstance(payload, dict):
        raise InvalidTokenError("This link is not valid.")
    return payload
