"""`make bench`, last part: a realistic mix of shoppers on PostgreSQL with Redis, beside the bare baseline.

Shoppers are Python threads, each a browser with its own cookies (bench/orders.py's Shopper). Of the
requests, 70% are catalog or product pages (home, the list, a category, a product page, the guide's page),
20% the cart as JSON and 10% belong to whole checkouts through the development provider (product page, add
to cart with the CSRF header, the checkout form, its post with the CSRF token, Pay on the dev payment page,
the success page: six requests, so a checkout is picked for a sixth as many turns). A shopper who has
paid leaves, and a new one without cookies takes their place, so the catalog pages are seen both by new
visitors and by shoppers with a session and a cart.

Python threads rather than wrk: the checkout needs each browser's cookies, the CSRF token read from the
page and the hidden fields of the form, which a wrk Lua script would have to parse with patterns over
all connections at once. The cost is that the load generator takes CPU on the same two cores; so the bare
baseline (bench/bare_app.py's list, product and article pages, in turn) is loaded by the same threads,
code and duration in the same run, and the shop's req/s is reported as a ratio to it.

It needs PostgreSQL (default database `shop_bench_mix` on 127.0.0.1, dropped and recreated;
`--database-url` or BENCH_DATABASE_URL) and Redis (`--redis-url` or BENCH_REDIS_URL, default
redis://127.0.0.1:6379/3; the run's keys carry a prefix of their own and are deleted at the end). When
either does not answer, it says so and exits 0 without measuring, so `make bench` still completes on a
machine with neither. A benchmark: it asserts nothing, but it reports every error.
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from orders import Shopper, prepare  # bench/orders.py: the browser and the database preparation
from run import (
    BENCH_DIR,
    PYTHON,
    RESULTS_DIR,
    ROOT_DIR,
    BenchError,
    Server,
    clear_redis_keys,
    gunicorn,
    postgres_unreachable,
    redact,
    redis_unreachable,
    run_checked,
    shop_env,
    wait_until_up,
)

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/shop_bench_mix"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/3"
CATALOG_PATHS = (
    "/",
    "/products",
    "/products?category=apparel",
    "/products/spore-print-hoodie",
    "/products/enamel-camp-mug",
    "/products/essential-guide-to-microdosing",
    "/products/90-day-journal-printed",
)
BARE_PATHS = ("/", "/products/3", "/journal/listening-in-relationships")
# Shares of the requests. A checkout is six requests, so it is picked for a sixth as many turns.
MIX = (("catalog", 0.70), ("cart", 0.20), ("checkout", 0.10))
REQUESTS_PER_CHECKOUT = 6
_TURN_WEIGHTS = (MIX[0][1], MIX[1][1], MIX[2][1] / REQUESTS_PER_CHECKOUT)
CATALOG_TURN, CART_TURN = (weight / sum(_TURN_WEIGHTS) for weight in _TURN_WEIGHTS[:2])
REQUESTS_PER_TURN = 1 / sum(_TURN_WEIGHTS)
CATALOG_P99_GOAL_MS = 100.0


class TimedShopper(Shopper):
    """A Shopper that records each request's latency and status under the current kind of turn."""

    def __init__(self, base_url: str, record: Any) -> None:
        super().__init__(base_url)
        self.record = record
        self.kind = "catalog"

    def send(self, path: str, form: dict[str, str] | None = None, **headers: str) -> tuple[int, str, str]:
        started = time.perf_counter()
        status, location, body = super().send(path, form, **headers)
        self.record(self.kind, (time.perf_counter() - started) * 1000, status)
        return status, location, body


def run_load(
    base_url: str, *, threads: int, seconds: float, turn: Any, seed: int, rate: float | None = None
) -> tuple[dict[str, list[float]], list[str], float]:
    """Run `turn(shopper, rng)` in `threads` threads for `seconds`: latencies by kind, errors, elapsed.
    `rate`: turns per second over all threads, on a fixed schedule (each thread waits for its next
    slot); None: every thread starts its next turn as soon as the last one ends (saturation)."""
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def record(kind: str, milliseconds: float, status: int) -> None:
        with lock:
            latencies[kind].append(milliseconds)
            if status >= 400:
                errors.append(f"{kind}: HTTP {status}")

    start = time.monotonic()

    def work(index: int) -> None:
        rng = random.Random(seed + index)
        shopper = TimedShopper(base_url, record)
        turns = 0
        while time.monotonic() < deadline:
            if rate:
                slot = start + (turns * threads + index) / rate
                turns += 1
                if slot >= deadline:
                    break
                time.sleep(max(0.0, slot - time.monotonic()))
            try:
                if turn(shopper, rng):
                    shopper = TimedShopper(base_url, record)  # paid and left: a new visitor comes
            except Exception as error:  # every failure is counted and reported
                with lock:
                    errors.append(f"{shopper.kind}: {error!r}")
                shopper = TimedShopper(base_url, record)

    workers = [threading.Thread(target=work, args=(index,)) for index in range(threads)]
    started = time.monotonic()
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return latencies, errors, time.monotonic() - started


def shop_turn(shopper: TimedShopper, rng: random.Random) -> bool:
    """One turn of the mix; True when the shopper has paid (and leaves)."""
    roll = rng.random()
    if roll < CATALOG_TURN:
        shopper.kind = "catalog"
        shopper.send(rng.choice(CATALOG_PATHS))
        return False
    if roll < CATALOG_TURN + CART_TURN:
        shopper.kind = "cart"
        shopper.send("/cart.json")
        return False
    shopper.kind = "checkout"
    shopper.buy()
    return True


def bare_turn(shopper: TimedShopper, rng: random.Random) -> bool:
    shopper.kind = "bare"
    shopper.send(rng.choice(BARE_PATHS))
    return False


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def describe(latencies: list[float], elapsed: float) -> dict[str, float]:
    return {
        "requests": len(latencies),
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else 0.0,
        "p99_ms": round(percentile(latencies, 0.99), 1),
    }


def measure(args: argparse.Namespace) -> dict[str, Any]:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="shop-bench-mix-")))
        env = shop_env(argparse.Namespace(redis_url=args.redis_url, shop_env=[]), args.database_url, scratch)
        env.update(MAIL_BACKEND="locmem", CHECKOUT_RATE_LIMIT="1000000 per minute")
        stack.callback(clear_redis_keys, args.redis_url, env["CACHE_KEY_PREFIX"])
        print(f"Preparing {redact(args.database_url)}: recreate, upgrade, seed …", flush=True)
        prepare(args.database_url, env)
        bare_env = dict(os.environ, BARE_DATABASE_PATH=str(scratch / "bare.sqlite3"))
        run_checked([PYTHON, "-c", "import bare_app"], cwd=BENCH_DIR, env=bare_env)
        server = {"workers": args.workers, "threads": args.worker_threads}  # the same for both apps
        shop = stack.enter_context(gunicorn("mix", "wsgi:app", cwd=ROOT_DIR, env=env, **server))
        bare = stack.enter_context(
            gunicorn("mix-bare", "bare_app:app", cwd=BENCH_DIR, env=bare_env, **server)
        )
        wait_until_up(shop, "/healthz")
        wait_until_up(bare, "/")

        print(f"  warm-up: {args.warmup}s each …", flush=True)
        run_load(shop.base_url, threads=args.threads, seconds=args.warmup, turn=shop_turn, seed=1)
        run_load(bare.base_url, threads=args.threads, seconds=args.warmup, turn=bare_turn, seed=1)

        print(f"  bare baseline: {args.threads} threads for {args.duration}s …", flush=True)
        bare_latencies, bare_errors, bare_elapsed = run_load(
            bare.base_url, threads=args.threads, seconds=args.duration, turn=bare_turn, seed=2
        )
        print(f"  shop mix: {args.threads} threads for {args.duration}s …", flush=True)
        cpu_before = shop_cpu(shop)
        latencies, errors, elapsed = run_load(
            shop.base_url, threads=args.threads, seconds=args.duration, turn=shop_turn, seed=3
        )
        cpu = shop_cpu(shop) - cpu_before
        # Latency as shoppers see it: the same mix offered at a share of the throughput just measured.
        saturated = sum(len(values) for values in latencies.values()) / elapsed
        rate = args.paced_turns or args.load_share * saturated / REQUESTS_PER_TURN
        print(f"  shop mix paced at {rate:.1f} turns/s for {args.duration}s …")
        paced, paced_errors, paced_elapsed = run_load(
            shop.base_url, threads=args.threads, seconds=args.duration, turn=shop_turn, seed=4, rate=rate
        )

    every = [value for values in latencies.values() for value in values]
    baseline = describe(bare_latencies["bare"], bare_elapsed)
    total = describe(every, elapsed)
    return {
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "database": redact(args.database_url),
        "redis": redact(args.redis_url),
        "gunicorn_workers": args.workers,
        "gunicorn_worker_threads": args.worker_threads,
        "threads": args.threads,
        "duration_seconds": args.duration,
        "load_average": os.getloadavg(),
        "mix": {kind: share for kind, share in MIX},
        "shop": {kind: describe(values, elapsed) for kind, values in sorted(latencies.items())},
        "shop_total": {**total, "worker_cpu_ms_per_request": round(1000 * cpu / max(len(every), 1), 2)},
        "checkouts": len(latencies.get("checkout", [])) // REQUESTS_PER_CHECKOUT,
        "errors": len(errors),
        "first_errors": errors[:5],
        "paced": {
            "load_share": None if args.paced_turns else args.load_share,
            "turns_per_second": round(rate, 1),
            "kinds": {kind: describe(values, paced_elapsed) for kind, values in sorted(paced.items())},
            "errors": len(paced_errors),
            "first_errors": paced_errors[:5],
        },
        "bare": baseline,
        "bare_errors": len(bare_errors),
        "ratio_to_bare": round(total["requests_per_second"] / max(baseline["requests_per_second"], 1e-9), 2),
    }


def shop_cpu(server: Server) -> float:
    return server.worker_cpu_seconds()


def format_report(report: dict[str, Any]) -> str:
    errors_seen = report["errors"] or report["paced"]["errors"]
    lines = [
        f"{report['database']}, redis {report['redis']}; gunicorn {report['gunicorn_workers']} "
        + (
            f"gthread workers × {report['gunicorn_worker_threads']} threads; "
            if report["gunicorn_worker_threads"] > 1
            else "sync workers; "
        )
        + f"{report['threads']} Python threads for {report['duration_seconds']}s; load average "
        + " ".join(f"{value:.2f}" for value in report["load_average"]),
        "",
        f"{'kind':<10} {'requests':>9} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7}",
    ]
    for kind, row in [*report["shop"].items(), ("all", report["shop_total"]), ("bare", report["bare"])]:
        lines.append(
            f"{kind:<10} {row['requests']:>9} {row['requests_per_second']:>8.1f} "
            f"{row['p50_ms']:>7.1f} {row['p99_ms']:>7.1f}"
        )
    paced = report["paced"]
    lines += [
        "",
        (
            f"the same mix offered at {paced['load_share']:.0%} of that throughput "
            if paced["load_share"]
            else "the same mix offered at a fixed rate "
        )
        + f"({paced['turns_per_second']} turns/s, "
        f"about {paced['turns_per_second'] * REQUESTS_PER_TURN:.0f} req/s):",
    ]
    for kind, row in paced["kinds"].items():
        lines.append(
            f"{kind:<10} {row['requests']:>9} {row['requests_per_second']:>8.1f} "
            f"{row['p50_ms']:>7.1f} {row['p99_ms']:>7.1f}"
        )
    catalog_p99 = paced["kinds"].get("catalog", {}).get("p99_ms", 0.0)
    lines += [
        "",
        f"shop ÷ bare req/s: {report['ratio_to_bare']:.2f}×  (same threads and duration; the bare pages "
        "are one query and one template)",
        f"checkouts paid: {report['checkouts']}; worker CPU "
        f"{report['shop_total']['worker_cpu_ms_per_request']} ms per request",
        f"errors: {report['errors']} at saturation, {paced['errors']} paced"
        + (f" (first: {report['first_errors'] or paced['first_errors']})" if errors_seen else ""),
        f"catalog p99 (paced) {catalog_p99:.1f} ms: goal < {CATALOG_P99_GOAL_MS:.0f} ms "
        + ("met" if catalog_p99 < CATALOG_P99_GOAL_MS else "MISSED"),
    ]
    return "\n".join(lines)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        help="PostgreSQL database to DROP, create and use (default: BENCH_DATABASE_URL or shop_bench_mix)",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        help=f"Redis for the page cache and rate limits (default: BENCH_REDIS_URL or {DEFAULT_REDIS_URL})",
    )
    parser.add_argument("--duration", type=int, default=20, help="seconds of measured load (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of unmeasured load first (default 3)")
    parser.add_argument("--threads", type=int, default=16, help="shoppers at once (default 16)")
    parser.add_argument(
        "--load-share",
        type=float,
        default=0.5,
        help="the paced phase offers this share of the saturated throughput (default 0.5)",
    )
    parser.add_argument(
        "--paced-turns",
        type=float,
        help="pace the second phase at this many turns per second instead of --load-share of the saturated "
        "throughput (to compare servers at the same offered load)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    parser.add_argument(
        "--worker-threads",
        type=int,
        default=4,
        help="threads per gunicorn worker: above 1, gthread workers (as the README deploys the shop), "
        "1: sync workers; the same for the shop and the bare app (default 4)",
    )
    parser.add_argument("--ports", help='ports for the servers, "first-last" (default: any free ones)')
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        parser.error("the mix runs on PostgreSQL: pass --database-url postgresql+psycopg://…")
    return args


def main() -> int:
    args = parse_args()
    if args.ports:
        import run

        run.PORT_RANGE = args.ports
    reason = postgres_unreachable(args.database_url) or redis_unreachable(args.redis_url)
    if reason:
        print(f"mix skipped: {reason}. It needs PostgreSQL and Redis (see bench/README.md).")
        return 0
    try:
        report = measure(args)
    except BenchError as error:
        print(f"bench failed: {error}", file=sys.stderr)
        return 1
    output = RESULTS_DIR / "mix.json"
    output.write_text(json.dumps(report, indent=2) + "\n")
    print()
    print(format_report(report))
    print(f"\nJSON: {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
