"""Signed, expiring tokens for account emails (confirm, reset, change of address)."""

import hashlib
import hmac
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


def reset_fingerprint(password_hash: str, email: str) -> str:
    """What a reset link binds to instead of the password hash itself: an HMAC of the hash and address
    under the secret key. It reveals nothing of the hash, and changes (so the link stops working) once
    the link has been used, the password changed another way, or the address changed."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    message = "\0".join((RESET_PASSWORD, password_hash, email)).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def reset_fingerprint_matches(payload: dict[str, Any], password_hash: str, email: str) -> bool:
    given = payload.get("fp")
    return isinstance(given, str) and hmac.compare_digest(given, reset_fingerprint(password_hash, email))
