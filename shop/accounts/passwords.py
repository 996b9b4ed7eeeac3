"""Password policy: long enough, not a well-known password, not the email address."""

from functools import cache
from pathlib import Path

from flask import current_app
from werkzeug.security import generate_password_hash

from shop.accounts.errors import WeakPasswordError

MIN_LENGTH = 10
MAX_LENGTH = 256  # hashing a megabyte of "password" is a denial of service, not security


@cache
def common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    lines = path.read_text().splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def check_password_strength(password: str, *, email: str = "") -> None:
    """Raise WeakPasswordError with a helpful message when the password is not acceptable."""
    if len(password) < MIN_LENGTH:
        raise WeakPasswordError(f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise WeakPasswordError(f"Use at most {MAX_LENGTH} characters.")
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) <= 2:
        raise WeakPasswordError("That password is too common. Try a few unrelated words together.")
    local_part = email.split("@", 1)[0].lower()
    if local_part and (lowered == email.lower() or (len(local_part) >= 4 and local_part in lowered)):
        raise WeakPasswordError("Don't use your email address in your password.")


def hash_password(password: str) -> str:
    """Werkzeug's default hash (scrypt); the test config swaps in a cheap method to keep the suite fast."""
    method = current_app.config.get("PASSWORD_HASH_METHOD")
    return generate_password_hash(password, method=method) if method else generate_password_hash(password)
