"""Account use cases. Each takes plain values, enforces the rules and commits once."""

import logging
import secrets

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash

from shop.accounts import linking, tokens
from shop.accounts.errors import AccountError, EmailTakenError, InvalidTokenError, WrongPasswordError
from shop.accounts.models import Role, User, new_session_token
from shop.accounts.passwords import check_password_strength, hash_password
from shop.audit import services as audit
from shop.audit.services import Actor
from shop.clock import utcnow
from shop.email_addresses import normalize_email
from shop.emails.services import queue_email
from shop.extensions import db
from shop.urls import external_url
from shop.whole_numbers import parse_whole_number

log = logging.getLogger(__name__)

# Compared against when the email is unknown, so a login takes as long either way.
_dummy_hashes: dict[str | None, str] = {}


def _dummy_hash() -> str:
    method = current_app.config.get("PASSWORD_HASH_METHOD")
    if method not in _dummy_hashes:
        _dummy_hashes[method] = hash_password("not-a-real-password-but-takes-as-long")
    return _dummy_hashes[method]


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def load_user_for_session(session_id: str) -> User | None:
    """Flask-Login's loader: the id is "<user id>:<session token>", so rotating the token logs out."""
    raw_user_id, _, session_token = session_id.partition(":")
    user_id = parse_whole_number(raw_user_id)
    if user_id is None or not session_token:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.session_token != session_token:
        return None
    return user


def _queue_confirmation(user: User) -> None:
    token = tokens.make_token(tokens.CONFIRM_EMAIL, {"uid": user.id, "email": user.email})
    queue_email(
        to=user.email,
        subject="Confirm your email address",
        template="account_confirm",
        context={"name": user.full_name, "url": external_url("accounts.confirm_email", token=token)},
    )


def register(*, email: str, password: str, full_name: str = "") -> User | None:
    """Create a customer account and email a confirmation link; returns it.

    For an address that already has an account, email its owner instead (log in, or reset the password)
    and return None. The caller answers both the same way, so the form never tells a visitor whether an
    address has an account; both take a password hash, so the timing does not tell either.
    """
    email = normalize_email(email)
    check_password_strength(password, email=email)
    password_hash = hash_password(password)
    existing = get_user_by_email(email)
    if existing is not None:
        _queue_registration_attempt(existing)
        db.session.commit()
        return None
    user = User(email=email, full_name=full_name.strip(), role=Role.CUSTOMER, password_hash=password_hash)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        # The same address registered a moment ago by a request that is emailing its link.
        db.session.rollback()
        return None
    _queue_confirmation(user)
    db.session.commit()
    return user


def _queue_registration_attempt(user: User) -> None:
    queue_email(
        to=user.email,
        subject="You already have an account",
        template="account_exists",
        context={
            "name": user.full_name,
            "login_url": external_url("accounts.login"),
            "reset_url": external_url("accounts.request_reset"),
        },
    )


def resend_confirmation(user_id: int) -> None:
    user = db.session.get(User, user_id)
    if user is None or user.email_confirmed:
        return
    _queue_confirmation(user)
    db.session.commit()


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None; unknown email and wrong password look the same."""
    user = get_user_by_email(email)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not user.check_password(password):
        return None
    return user


def record_login(user_id: int) -> None:
    user = db.session.get(User, user_id)
    if user is not None:
        user.last_login_at = utcnow()
        db.session.commit()


def end_all_sessions(user_id: int) -> None:
    """Rotate the account's session token: every login and remember cookie issued for it stops working."""
    user = db.session.get(User, user_id)
    if user is not None:
        user.session_token = new_session_token()
        db.session.commit()


def _address_proven(user: User) -> None:
    """The person reads this inbox: past guest orders and the guide lead with the address become the
    account's, in the caller's transaction (see linking.py)."""
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    result = linking.attach_to_account(user.id, user.email)
    if result.orders or result.lead:
        log.info("account %s: %s guest order(s) attached, lead %s", user.id, result.orders, result.lead)


def confirm_email(token: str) -> User:
    """Mark the address in the token as confirmed and attach what was bought with it. Idempotent."""
    payload = tokens.read_token(tokens.CONFIRM_EMAIL, token)
    user = db.session.get(User, payload.get("uid"))
    if user is None or user.email != payload.get("email"):
        raise InvalidTokenError("This link is not valid for your account any more.")
    _address_proven(user)
    db.session.commit()
    return user


def request_password_reset(email: str) -> None:
    """Email a one-time reset link if the account exists; the caller says the same thing either way."""
    user = get_user_by_email(email)
    if user is None:
        log.info("password reset requested for an unknown address")
        return
    queue_email(
        to=user.email,
        subject="Reset your password",
        template="account_reset",
        context={"name": user.full_name, "url": _reset_url(user)},
    )
    db.session.commit()


def make_reset_token(user: User) -> str:
    """A one-hour link token that works until the password (or address) changes: it carries the user id
    and an opaque fingerprint of the current password hash, never the hash itself."""
    fingerprint = tokens.reset_fingerprint(user.password_hash, user.email)
    return tokens.make_token(tokens.RESET_PASSWORD, {"uid": user.id, "fp": fingerprint})


def _reset_url(user: User) -> str:
    return external_url("accounts.reset_password", token=make_reset_token(user))


def user_for_reset_token(token: str) -> User:
    payload = tokens.read_token(tokens.RESET_PASSWORD, token)
    user_id = payload.get("uid")
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not tokens.reset_fingerprint_matches(payload, user.password_hash, user.email):
        raise InvalidTokenError("This reset link has already been used. Ask for a new one below.")
    return user


def reset_password(token: str, new_password: str) -> User:
    """Set a new password from a reset link; the link then stops working and other sessions end."""
    user = user_for_reset_token(token)
    check_password_strength(new_password, email=user.email)
    user.set_password(new_password)
    # Receiving the reset email proves the address.
    _address_proven(user)
    db.session.commit()
    return user


def change_password(user_id: int, *, current_password: str, new_password: str) -> User:
    user = db.session.get(User, user_id)
    if user is None or not user.check_password(current_password):
        raise WrongPasswordError("Your current password is not right.")
    check_password_strength(new_password, email=user.email)
    user.set_password(new_password)
    db.session.commit()
    return user


def request_email_change(user_id: int, *, password: str, new_email: str) -> None:
    """Email a confirmation link to the new address; the address changes only when it is followed."""
    user = db.session.get(User, user_id)
    new_email = normalize_email(new_email)
    if user is None or not user.check_password(password):
        raise WrongPasswordError("Your password is not right.")
    if new_email == user.email:
        raise AccountError("That is already your email address.")
    if get_user_by_email(new_email) is not None:
        raise EmailTakenError("Another account already uses that email address.")
    token = tokens.make_token(tokens.CHANGE_EMAIL, {"uid": user.id, "old": user.email, "new": new_email})
    queue_email(
        to=new_email,
        subject="Confirm your new email address",
        template="account_change_email",
        context={"name": user.full_name, "url": external_url("accounts.confirm_email_change", token=token)},
    )
    db.session.commit()


def confirm_email_change(token: str) -> User:
    payload = tokens.read_token(tokens.CHANGE_EMAIL, token)
    user = db.session.get(User, payload.get("uid"))
    if user is None or user.email != payload.get("old"):
        raise InvalidTokenError("This link has already been used or is for another account.")
    new_email = str(payload.get("new", ""))
    if get_user_by_email(new_email) is not None:
        raise EmailTakenError("Another account already uses that email address.")
    user.email = new_email
    user.email_confirmed_at = utcnow()
    user.session_token = new_session_token()
    # Following the link proves the new address; what the old one bought stays with the account.
    _address_proven(user)
    db.session.commit()
    return user


def create_staff(email: str, password: str, *, role: Role) -> User:
    """Create a staff member, or promote an existing account. For the create-admin command."""
    if role not in (Role.STAFF, Role.ADMIN):
        raise AccountError("Staff accounts have the role staff or admin.")
    email = normalize_email(email)
    check_password_strength(password, email=email)
    user = get_user_by_email(email)
    if user is None:
        user = User(email=email, role=role, email_confirmed_at=utcnow())
        db.session.add(user)
    else:
        user.role = role
    user.set_password(password)
    db.session.commit()
    return user


def list_staff() -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).where(User.role.in_([Role.STAFF, Role.ADMIN])).order_by(User.email)
        )
    )


def _admin_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(User.id)).where(User.role == Role.ADMIN)) or 0


def invite_staff(actor: Actor, email: str, role: Role) -> User:
    """Give an account a staff role.

    A confirmed account is promoted as it is. A new account, or one whose address was never confirmed
    (anyone can register any address and choose its password), gets an unusable password and a new
    session token, so whoever registered it is locked out and logged out, and the address is emailed a
    link to choose a password: the role goes to whoever reads that inbox.
    """
    if role not in (Role.STAFF, Role.ADMIN):
        raise AccountError("Choose staff or admin.")
    email = normalize_email(email)
    user = get_user_by_email(email)
    created = user is None
    if user is None:
        user = User(email=email, role=Role.CUSTOMER, email_confirmed_at=None)
        db.session.add(user)
    previous = user.role
    must_set_password = not user.email_confirmed
    if must_set_password:
        user.set_password(secrets.token_urlsafe(32))  # unusable until they choose their own
    user.role = role
    db.session.flush()
    if must_set_password:
        queue_email(
            to=user.email,
            subject="You've been added to the shop's staff",
            template="staff_invite",
            context={"role": role.value, "url": _reset_url(user)},
        )
    if created:
        note = "new account, "
    elif must_set_password:
        note = "unconfirmed account: password reset and sessions ended, "
    else:
        note = ""
    audit.record(
        actor,
        "staff.role",
        target_type="user",
        target_id=user.id,
        summary=f"{user.email}: {note}{previous} → {role}",
    )
    db.session.commit()
    return user


def set_role(actor: Actor, user_id: int, role: Role) -> User:
    """Change a user's role; the last admin cannot be demoted (someone must be able to manage staff)."""
    user = db.session.get(User, user_id)
    if user is None:
        raise LookupError(user_id)
    if user.role == Role.ADMIN and role != Role.ADMIN and _admin_count() <= 1:
        raise AccountError("This is the only admin. Make someone else an admin first.")
    if role != Role.CUSTOMER and not user.email_confirmed:
        # Whoever registered an unconfirmed address may not own it: invite_staff resets it first.
        raise AccountError(
            f"{user.email} has not confirmed its email address: add it with the invite form instead."
        )
    if user.role != role:
        audit.record(
            actor,
            "staff.role",
            target_type="user",
            target_id=user.id,
            summary=f"{user.email}: {user.role} → {role}",
        )
        user.role = role
        db.session.commit()
    return user
