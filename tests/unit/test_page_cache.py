"""The page cache: a shared backend plus a per-process copy of decoded, revision-keyed values."""

import time

import pytest
from flask import Flask

from shop.page_cache import MemoryBackend, PageCache


@pytest.fixture
def cache_app() -> Flask:
    app = Flask(__name__)
    app.config["CATALOG_CACHE_SECONDS"] = 60
    PageCache().init_app(app)
    return app


def test_memory_values_expire(monkeypatch: pytest.MonkeyPatch) -> None:
    values = MemoryBackend()
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now)
    values.set("list:1", {"total": 3}, ttl_seconds=10)
    assert values.get("list:1") == {"total": 3}

    monkeypatch.setattr(time, "monotonic", lambda: now + 11)
    assert values.get("list:1") is None


def test_memory_keeps_only_the_most_recently_used() -> None:
    values = MemoryBackend(max_entries=2)
    values.set("a", 1, ttl_seconds=60)
    values.set("b", 2, ttl_seconds=60)
    assert values.get("a") == 1  # "b" is now the least recently used
    values.set("c", 3, ttl_seconds=60)
    assert values.get("b") is None
    assert (values.get("a"), values.get("c")) == (1, 3)


def test_get_json_reads_the_backend_once_per_process(cache_app: Flask) -> None:
    cache = PageCache()
    with cache_app.app_context():
        cache.backend.set("product:7:hoodie", '{"name": "Hoodie"}', 60)
        assert cache.get_json("product:7:hoodie") == {"name": "Hoodie"}

        # Revision-keyed values never change, so the decoded copy answers without the backend.
        cache.backend.delete("product:7:hoodie")
        assert cache.get_json("product:7:hoodie") == {"name": "Hoodie"}


def test_get_or_set_computes_once_and_clear_forgets_both_layers(cache_app: Flask) -> None:
    cache = PageCache()
    calls: list[int] = []

    def render() -> str:
        calls.append(1)
        return f"<ul>{len(calls)}</ul>"

    with cache_app.app_context():
        assert cache.get_or_set("home:3", render, 60) == "<ul>1</ul>"
        assert cache.get_or_set("home:3", render, 60) == "<ul>1</ul>"
        assert isinstance(cache.backend, MemoryBackend)
        assert cache.backend.get("home:3") == "<ul>1</ul>"

        cache.clear()
        assert cache.get_json("home:3") is None
        assert cache.get_or_set("home:3", render, 60) == "<ul>2</ul>"
    assert len(calls) == 2


def test_a_shared_value_is_held_per_process_until_forgotten(
    cache_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now)  # the clock stands still: nothing expires
    cache = PageCache()
    loads: list[str] = []

    def load() -> str:
        loads.append("query")
        return str(len(loads))

    with cache_app.app_context():
        assert cache.get_or_set("catalog-revision", load, 2) == "1"
        # Another process changed the shared value: this one keeps its copy until it expires…
        cache.backend.set("catalog-revision", "7", 2)
        assert cache.get_or_set("catalog-revision", load, 2) == "1"

        # …while a change made here is seen at once, here and in the shared backend.
        cache.forget("catalog-revision")
        assert cache.backend.get("catalog-revision") is None
        assert cache.get_or_set("catalog-revision", load, 2) == "2"
    assert loads == ["query", "query"]


def test_a_shared_value_expires_from_the_process(cache_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = PageCache()
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now)
    with cache_app.app_context():
        assert cache.get_or_set("catalog-revision", lambda: "1", 2) == "1"
        cache.backend.set("catalog-revision", "7", 60)

        monkeypatch.setattr(time, "monotonic", lambda: now + 3)
        assert cache.get_or_set("catalog-revision", lambda: "1", 2) == "7"
