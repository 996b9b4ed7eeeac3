"""A small string cache for rendered fragments: Redis when REDIS_URL is set, else per-process memory.

Keys carry the catalog revision, so a catalog change makes old entries unreachable at once;
the TTL only bounds how long unreachable entries occupy memory.
"""

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

import redis
from flask import Flask, current_app

log = logging.getLogger(__name__)


class CacheBackend(Protocol):
    def get(self, key: str) -> str | None: ...
    def set(self, key: str, value: str, ttl_seconds: int) -> None: ...
    def delete(self, key: str) -> None: ...
    def clear(self) -> None: ...


class MemoryBackend:
    """A bounded LRU with expiry: the backend for development and single-process use, and each process's
    own layer of decoded values (any type) in front of either backend."""

    def __init__(self, max_entries: int = 1024) -> None:
        self._entries: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def get(self, key: str) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires_at, value = entry
            if expires_at < time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return value

    def set(self, key: str, value: Any, ttl_seconds: int) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + ttl_seconds, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def delete(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class RedisBackend:
    """Shared by every process; a Redis outage degrades to rendering, never to an error page.

    A failed call marks Redis away for `retry_seconds`: meanwhile every call answers at once as a miss
    (nothing is waited for), then one call tries Redis again. The outage is logged once when it starts
    and once when Redis answers again, not per request."""

    def __init__(self, client: redis.Redis, prefix: str, retry_seconds: float = 5.0) -> None:
        self._client = client
        self._prefix = prefix
        self._retry_seconds = retry_seconds
        self._lock = threading.Lock()
        self._away_until = 0.0
        self._away = False

    def close(self) -> None:
        """Close the connections to Redis (an app that is done, such as a test's)."""
        self._client.close()

    @property
    def is_away(self) -> bool:
        return self._away

    def _call(self, what: str, call: Callable[[], Any]) -> Any:
        """Run one Redis call; None when Redis is away or the call fails."""
        if self._away and time.monotonic() < self._away_until:
            return None
        try:
            result = call()
        except redis.RedisError as error:
            with self._lock:
                self._away_until = time.monotonic() + self._retry_seconds
                first = not self._away
                self._away = True
            if first:
                log.warning(
                    "page cache: Redis unreachable (%s failed: %s); rendering without it, trying again "
                    "every %s s",
                    what,
                    error,
                    self._retry_seconds,
                )
            return None
        if self._away:
            with self._lock:
                back, self._away = self._away, False
            if back:
                log.info("page cache: Redis answers again")
        return result

    def get(self, key: str) -> str | None:
        value = self._call("read", lambda: self._client.get(self._prefix + key))
        return value.decode() if value is not None else None

    def set(self, key: str, value: str, ttl_seconds: int) -> None:
        self._call("write", lambda: self._client.set(self._prefix + key, value.encode(), ex=ttl_seconds))

    def delete(self, key: str) -> None:
        self._call("delete", lambda: self._client.delete(self._prefix + key))

    def clear(self) -> None:
        def clear_all() -> None:
            for key in self._client.scan_iter(match=self._prefix + "*"):
                self._client.delete(key)

        self._call("clear", clear_all)


class PageCache:
    def init_app(self, app: Flask) -> None:
        redis_url = app.config.get("REDIS_URL")
        backend: CacheBackend
        if redis_url:
            timeout = app.config["REDIS_TIMEOUT_SECONDS"]
            client = redis.Redis.from_url(redis_url, socket_timeout=timeout, socket_connect_timeout=timeout)
            backend = RedisBackend(
                client, prefix=app.config["CACHE_KEY_PREFIX"], retry_seconds=app.config["REDIS_RETRY_SECONDS"]
            )
        else:
            backend = MemoryBackend()
        app.extensions["page_cache"] = backend
        app.extensions["page_cache_local"] = MemoryBackend(max_entries=512)

    @property
    def backend(self) -> CacheBackend:
        return current_app.extensions["page_cache"]

    @property
    def _local(self) -> MemoryBackend:
        return current_app.extensions["page_cache_local"]

    # Each process also keeps what it read, decoded, in front of the backend, and skips the round trip
    # to Redis next time. Keys that carry the catalog revision never change value; the revision itself
    # does, and `forget` drops it at once here and in the backend (other processes keep their copy for
    # up to its TTL). Callers must treat returned values as read-only.

    def get_or_set(self, key: str, compute: Callable[[], str], ttl_seconds: int) -> str:
        value = self._local.get(key)
        if value is None:
            value = self.backend.get(key)
            if value is None:
                value = compute()
                self.backend.set(key, value, ttl_seconds)
            self._local.set(key, value, ttl_seconds)
        return value

    def get_json(self, key: str) -> Any:
        value = self._local.get(key)
        if value is None:
            raw = self.backend.get(key)
            if raw is None:
                return None
            value = json.loads(raw)
            self._local.set(key, value, current_app.config["CATALOG_CACHE_SECONDS"])
        return value

    def set_json(self, key: str, value: Any, ttl_seconds: int) -> None:
        self.backend.set(key, json.dumps(value, separators=(",", ":")), ttl_seconds)
        self._local.set(key, value, ttl_seconds)

    def forget(self, key: str) -> None:
        self._local.delete(key)
        self.backend.delete(key)

    def clear(self) -> None:
        self.backend.clear()
        self._local.clear()
