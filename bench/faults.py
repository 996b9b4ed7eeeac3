"""How long the shop takes to answer while PostgreSQL or Redis is away: /healthz and a product page, through
the fault proxy of the tests (tests/fault_proxy.py), in-process (Flask's test client, no web server). A
measurement, not a test: it prints milliseconds and asserts nothing.

    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/shop_bench \\
    TEST_REDIS_URL=redis://127.0.0.1:6379/1 .venv/bin/python bench/faults.py [--repeat 10]

The database named must exist and may be emptied.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT_DIR))

from config import TestConfig  # noqa: E402
from shop.extensions import db  # noqa: E402
from tests.conftest import build_app, close_redis_connections, reset_database  # noqa: E402
from tests.fault_proxy import FaultProxy  # noqa: E402
from tests.order_factory import make_shop  # noqa: E402


def timed(client, path: str) -> tuple[int, float]:  # noqa: ANN001
    started = time.perf_counter()
    status = client.get(path).status_code
    return status, (time.perf_counter() - started) * 1000


def report(label: str, samples: list[tuple[int, float]]) -> None:
    statuses = sorted({status for status, _ in samples})
    times = [ms for _, ms in samples]
    print(
        f"{label:<58} status {statuses}  first {times[0]:7.1f} ms  "
        f"median {statistics.median(times):7.1f} ms  max {max(times):7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10)
    repeat = parser.parse_args().repeat
    database = sa.make_url(TestConfig.SQLALCHEMY_DATABASE_URI)
    if database.get_backend_name() != "postgresql" or not TestConfig.REDIS_URL:
        sys.exit("set TEST_DATABASE_URL (PostgreSQL) and TEST_REDIS_URL")
    redis_url = sa.make_url(TestConfig.REDIS_URL.replace("redis://", "redis+x://", 1))
    storage = Path(tempfile.mkdtemp())
    dirs = {"GUIDE_STORAGE_DIR": str(storage / "guides"), "MEDIA_STORAGE_DIR": str(storage / "media")}

    with (
        FaultProxy((database.host or "127.0.0.1", database.port or 5432)) as db_proxy,
        FaultProxy((redis_url.host or "127.0.0.1", redis_url.port or 6379)) as redis_proxy,
    ):
        proxied_redis = f"redis://127.0.0.1:{redis_proxy.port}/{redis_url.database or 0}"
        app = build_app(
            SQLALCHEMY_DATABASE_URI=database.set(host="127.0.0.1", port=db_proxy.port).render_as_string(
                hide_password=False
            ),
            REDIS_URL=proxied_redis,
            RATELIMIT_STORAGE_URI=proxied_redis,
            **dirs,
        )
        reset_database(app)
        with app.app_context():
            make_shop()
        client = app.test_client()
        timed(client, "/products/hoodie")  # templates compiled, pool warm

        report("/healthz, everything up", [timed(client, "/healthz") for _ in range(repeat)])
        db_proxy.cut()
        report("/healthz, PostgreSQL cut (refused)", [timed(client, "/healthz") for _ in range(repeat)])
        report(
            "/products/tee, PostgreSQL cut: the 503 page",
            [timed(client, "/products/tee") for _ in range(repeat)],
        )
        db_proxy.restore()
        timed(client, "/healthz")
        db_proxy.black_hole()
        report("/healthz, PostgreSQL silent (black hole)", [timed(client, "/healthz") for _ in range(repeat)])
        db_proxy.restore()
        time.sleep(0.5)
        report("/healthz, PostgreSQL back", [timed(client, "/healthz") for _ in range(repeat)])

        paths = ["/products/hoodie", "/products/tee", "/products"]
        report("product pages, everything up", [timed(client, paths[n % 3]) for n in range(repeat)])
        redis_proxy.cut()
        report("product pages, Redis cut (refused)", [timed(client, paths[n % 3]) for n in range(repeat)])
        redis_proxy.restore()
        time.sleep(app.config["REDIS_RETRY_SECONDS"])
        redis_proxy.black_hole()
        report(
            "product pages, Redis silent (black hole)", [timed(client, paths[n % 3]) for n in range(repeat)]
        )
        redis_proxy.restore()

        reset_database(app)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        close_redis_connections(app)


if __name__ == "__main__":
    main()
