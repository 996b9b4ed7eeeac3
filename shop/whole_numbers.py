"""Whole numbers typed or sent by people: ASCII digits only, and never more than a few of them.

`str.isdigit()` and the regex `\\d` accept "²", "１" and "١"; `int()` then fails on the first and reads the
others as 1. A number from a request is only ever the ASCII digits 0-9, with an optional leading minus.
"""

import re

_WHOLE_NUMBER = re.compile(r"-?[0-9]+")
DEFAULT_MAX_DIGITS = 12


def parse_whole_number(
    text: str | None, *, allow_negative: bool = False, max_digits: int = DEFAULT_MAX_DIGITS
) -> int | None:
    """The number written in `text` (ASCII digits, at most `max_digits`), or None for anything else."""
    if not isinstance(text, str) or not _WHOLE_NUMBER.fullmatch(text):
        return None
    digits = text.removeprefix("-")
    if len(digits) > max_digits or (text.startswith("-") and not allow_negative):
        return None
    return int(text)


def is_ascii_digits(text: str) -> bool:
    """True for a non-empty run of 0-9 and nothing else."""
    return text.isascii() and text.isdigit()
