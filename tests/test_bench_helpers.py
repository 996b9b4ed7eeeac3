"""bench/run.py's gunicorn(), which `make bench` and `make audit` serve the shop with, is entered with
`with`."""

from contextlib import AbstractContextManager
from pathlib import Path

from bench.run import gunicorn


def test_gunicorn_is_a_context_manager() -> None:
    # given the call the benchmarks and the audit enter with `with` (nothing starts until the block is
    # entered), then it is a context manager, which stops the server when the block ends
    server = gunicorn("helpers", "wsgi:app", workers=1, cwd=Path("."), env={})
    assert isinstance(server, AbstractContextManager)
