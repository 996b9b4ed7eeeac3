"""The one normal form of an email address, used wherever addresses are stored or compared: accounts,
orders and leads must agree on it, or a person's orders and lead would not find their account."""


def normalize_email(email: str) -> str:
    return email.strip().lower()
