"""Unit of work: `with committing():` commits the session when the block ends and rolls back when it raises.

Services write through it instead of hand-written commit/rollback pairs, so a failed write never leaves a
half-flushed session behind for the next request. `commit_with_one_retry` is for writes that can lose a race
on a unique key (a double-submitted form): the loser rolls back and runs the write once more, and then sees
the winner's row.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from shop.extensions import db

T = TypeVar("T")


@contextmanager
def committing() -> Iterator[None]:
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def commit_with_one_retry(write: Callable[[], T]) -> T:
    """Run `write` and commit; after an IntegrityError, roll back and run it once more."""
    try:
        with committing():
            return write()
    except IntegrityError:
        pass
    with committing():
        return write()
