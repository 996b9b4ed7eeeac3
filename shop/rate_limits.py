"""Rate-limit keys shared by every form that takes an email address."""

from flask import request
from flask_limiter.util import get_remote_address


def submitted_email_key() -> str:
    """Limit per submitted address (normalised), so one inbox can't be flooded from many IPs."""
    email = (request.form.get("email") or "").strip().lower()[:320]
    return f"email:{email}" if email else f"ip:{get_remote_address()}"
