"""The two kinds of link token the guide gate emails.

Confirm links are random 256-bit tokens of which only the SHA-256 is stored (a `GuideRequest` row):
they expire, can be looked up in one indexed query, vanish when the lead is erased, and do not depend on
SECRET_KEY. Unsubscribe links must keep working in every email ever sent and be printable again in the
next one without storing a token per email, so they are the lead id signed with itsdangerous (salted,
no expiry); rotating SECRET_KEY keeps old links valid through SECRET_KEY_FALLBACKS.
"""

import hashlib
import secrets

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

CONFIRM_TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 100
UNSUBSCRIBE_SALT = "shop.guides.unsubscribe"


def new_confirm_token() -> str:
    return secrets.token_urlsafe(CONFIRM_TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    return bool(token) and len(token) <= MAX_TOKEN_LENGTH


def _unsubscribe_serializer() -> URLSafeSerializer:
    keys = [*(current_app.config.get("SECRET_KEY_FALLBACKS") or []), current_app.config["SECRET_KEY"]]
    return URLSafeSerializer(keys, salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(lead_id: int) -> str:
    return _unsubscribe_serializer().dumps(lead_id)


def lead_id_from_unsubscribe_token(token: str) -> int | None:
    """The lead id a genuine unsubscribe token names; None for a tampered, foreign or malformed one."""
    if not looks_like_token(token):
        return None
    try:
        value = _unsubscribe_serializer().loads(token)
    except BadSignature:
        return None
    # bool is an int subclass; only a plain positive int is a lead id.
    if type(value) is not int or value < 1:
        return None
    return value
