"""How fast the admin dashboard (with its charts) answers over a big history, on PostgreSQL.

Seeds 200,000 orders (two years of them, every state, with lines, refunds and free shipping) and 500,000
guide leads (sources, campaigns, journal landing pages, confirmations, customers) with set-based
`INSERT … SELECT generate_series(…)`, then renders the dashboard and the articles report for each range
(7, 30, 90 days, a whole year) in-process, through the app's whole request path (the staff login check,
the queries, the templates), and prints the median and slowest of the timed runs. A benchmark, not a
test: it asserts nothing. The database is dropped and recreated first.

    .venv/bin/python bench/insights.py                      # shop_bench_insights on 127.0.0.1
    .venv/bin/python bench/insights.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/other
    .venv/bin/python bench/insights.py --reuse              # keep the seeded database from a previous run
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from run import recreate_database  # bench/run.py: the benchmarks' one database reset

ROOT_DIR = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT_DIR / ".venv" / "bin" / "python")
DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/shop_bench_insights"
STAFF_EMAIL = "bench-staff@example.com"

# Two years of orders ending now: most fulfilled (shipped the day after; the last two days' are still
# waiting to ship), some refunded (in part or in full), cancelled, expired or still unpaid. One or two
# lines each, from the demo catalog.
SEED_ORDERS = """
INSERT INTO "order" (number, email, status, currency, subtotal_cents, merchandise_subtotal_cents,
    shipping_cents, tax_cents, total_cents, refunded_cents, requires_shipping, reservation_expires_at,
    needs_attention, created_at, updated_at, paid_at, shipped_at)
SELECT 'GB-' || n, 'buyer' || (n % 150000) || '@example.com', status, 'usd', subtotal, subtotal,
    shipping, 0, subtotal + shipping,
    CASE status WHEN 'refunded' THEN subtotal + shipping WHEN 'partially_refunded' THEN 500 ELSE 0 END,
    ships, placed + interval '30 minutes', false, placed, placed,
    CASE WHEN status IN ('paid', 'fulfilled', 'refunded', 'partially_refunded', 'cancelled')
         THEN placed + interval '2 minutes' END,
    CASE WHEN ships AND status IN ('fulfilled', 'refunded', 'partially_refunded')
         THEN placed + interval '1 day' END
FROM (
    SELECT n, placed, subtotal, ships,
        CASE WHEN ships AND subtotal < 15000 THEN 795 ELSE 0 END AS shipping,
        CASE WHEN r < 0.83 AND placed > now() AT TIME ZONE 'UTC' - interval '2 days' THEN 'paid'
             WHEN r < 0.83 THEN 'fulfilled' WHEN r < 0.88 THEN 'partially_refunded'
             WHEN r < 0.91 THEN 'refunded' WHEN r < 0.94 THEN 'cancelled' WHEN r < 0.98 THEN 'expired'
             ELSE 'pending_payment' END AS status
    FROM (
        SELECT n, now() AT TIME ZONE 'UTC' - (random() * interval '730 days') AS placed,
            1900 + (random() * 25000)::int AS subtotal, random() < 0.7 AS ships, random() AS r
        FROM generate_series(1, :orders) AS n
    ) raw
) shaped
"""
SEED_LINES = """
INSERT INTO order_line (order_id, variant_id, product_id, sku, name, unit_price_cents, quantity, is_digital)
SELECT o.id, v.id, p.id, v.sku, p.name, v.price_cents, 1 + (o.id % 3), p.kind = 'digital'
FROM "order" o
JOIN LATERAL (
    SELECT id FROM product_variant ORDER BY (id * 7919 + o.id) % 97 LIMIT 1 + (o.id % 2)
) pick ON true
JOIN product_variant v ON v.id = pick.id
JOIN product p ON p.id = v.product_id
"""
# Leads over the same two years; a third of the buyers' addresses, the rest never bought.
SEED_LEADS = """
INSERT INTO lead (email, first_name, confirmed_at, subscribed, landing_page, utm_source, utm_campaign,
    signup_form, signup_page, customer_since, created_at, updated_at)
SELECT CASE WHEN n % 3 = 0 THEN 'buyer' || (n / 3) || '@example.com' ELSE 'lead' || n || '@example.com' END,
    '', CASE WHEN r < 0.6 THEN created + interval '1 hour' END, r < 0.6,
    CASE WHEN n % 5 = 0 THEN '/journal/' || (SELECT slug FROM article ORDER BY id LIMIT 1 OFFSET (n % 3)) END,
    (ARRAY['newsletter', 'podcast', 'instagram', NULL])[1 + n % 4],
    (ARRAY['spring', 'autumn', NULL])[1 + n % 3],
    'guide', '/guide', CASE WHEN n % 3 = 0 AND r < 0.5 THEN created + interval '2 days' END, created, created
FROM (
    SELECT n, now() AT TIME ZONE 'UTC' - (random() * interval '730 days') AS created, random() AS r
    FROM generate_series(1, :leads) AS n
) raw
"""


def run_checked(command: list[str], env: dict[str, str]) -> None:
    subprocess.run(command, cwd=ROOT_DIR, env=env, check=True, stdout=subprocess.DEVNULL)


def seed(url: str, orders: int, leads: int) -> None:
    env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": url}
    recreate_database(url)
    flask_cli = [PYTHON, "-m", "flask", "--app", "wsgi"]
    run_checked([*flask_cli, "db", "upgrade"], env)
    run_checked([*flask_cli, "shop", "seed"], env)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            for name, statement, params in (
                ("orders", SEED_ORDERS, {"orders": orders}),
                ("order lines", SEED_LINES, {}),
                ("leads", SEED_LEADS, {"leads": leads}),
            ):
                started = time.perf_counter()
                count = connection.execute(sa.text(statement), params).rowcount
                print(f"seeded {count:>7} {name} in {time.perf_counter() - started:.1f} s")
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE"))
    finally:
        engine.dispose()


def measure(url: str, rounds: int) -> None:
    os.environ.update({"APP_ENV": "development", "DATABASE_URL": url})
    sys.path.insert(0, str(ROOT_DIR))
    from flask_login import login_user

    from config import DevelopmentConfig
    from shop import create_app
    from shop.accounts import services as accounts
    from shop.accounts.models import Role
    from shop.extensions import db

    # The dashboard's figure reuse off: each render runs its queries, which is what this measures.
    settings = {"SQLALCHEMY_DATABASE_URI": url, "DEV_TOOLS": False, "ADMIN_DASHBOARD_CACHE_SECONDS": 0}
    config = type("Bench", (DevelopmentConfig,), settings)
    app = create_app(config)
    with app.app_context():
        user = accounts.get_user_by_email(STAFF_EMAIL) or accounts.create_staff(
            STAFF_EMAIL, "bench-password-not-used", role=Role.STAFF
        )
        user_id = user.id
        counts = db.session.execute(
            sa.text('SELECT (SELECT count(*) FROM "order"), (SELECT count(*) FROM lead)')
        ).one()
    print(f"history: {counts[0]} orders, {counts[1]} leads")

    def get(path: str) -> float:
        with app.test_request_context(path):
            login_user(db.session.get(accounts.User, user_id))
            started = time.perf_counter()
            response = app.full_dispatch_request()
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, (path, response.status_code)
            db.session.remove()
        return elapsed * 1000

    print(f"{'page':<44} {'median ms':>9} {'slowest ms':>10}  ({rounds} runs after 2 warm-up)")
    for path in (
        "/admin/",
        "/admin/?days=7",
        "/admin/?days=90",
        "/admin/?from=2025-12-01&to=2026-11-29",
        "/admin/reports/sales",
        "/admin/reports/sales?days=90",
        "/admin/reports/articles",
        "/admin/insights/sales.csv?days=90",
    ):
        for _ in range(2):
            get(path)
        times = [get(path) for _ in range(rounds)]
        print(f"{path:<44} {statistics.median(times):>9.1f} {max(times):>10.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--leads", type=int, default=500_000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--reuse", action="store_true", help="measure the database as it is (no reseeding)")
    args = parser.parse_args()
    if not args.reuse:
        seed(args.database_url, args.orders, args.leads)
    measure(args.database_url, args.rounds)


if __name__ == "__main__":
    main()
