"""`next` parameters may only point inside this site."""

from urllib.parse import urlsplit


def safe_next(target: str | None, default: str) -> str:
    """`target` if it is a local path ("/cart"), else `default`: never an absolute or scheme-relative URL."""
    if not target or len(target) > 2000:
        return default
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target
