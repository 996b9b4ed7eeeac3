"""The shop over a big database (10,000 products, 200,000 orders, 500,000 leads, 5,000 articles), on
PostgreSQL: latency of each page under load, the uncached database path of the catalog and search, and
the two big CSV exports (time, peak memory of the worker). A benchmark, not a test: it prints a table
and asserts nothing.

The shop runs under gunicorn, 2 sync workers, production settings (as bench/run.py starts it); each page
gets a short warm-up, then `wrk -t2 -c16 --latency`. Staff pages are loaded with a staff session cookie
(a staff account bench-scale@example.com is created or reused). The machine's load (`uptime`) is printed
with every row: on a shared machine, rerun when it is low.

    .venv/bin/python bench/scale.py --seed    # drop, recreate, seed shop_scale (a minute), measure
    .venv/bin/python bench/scale.py           # measure the database as it is (seed it once first)
    .venv/bin/python bench/scale.py --staff   # only the staff pages (dashboard, orders, leads)
    .venv/bin/python bench/scale.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/other --seed
"""

import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import run
import sqlalchemy as sa
from run import (  # bench/run.py: the same gunicorn and wrk helpers as the page benchmark
    PYTHON,
    RESULTS_DIR,
    ROOT_DIR,
    BenchError,
    Server,
    _duration_ms,
    child_pids,
    gunicorn,
    parse_wrk,
    recreate_database,
    run_checked,
    run_wrk,
    shop_env,
    wait_until_up,
)

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/shop_scale"
STAFF_EMAIL = "bench-scale@example.com"
STAFF_PASSWORD = "quiet-lantern-orchard-93"
PAGE_BUDGET_MS = 100.0
SEARCH_BUDGET_MS = 50.0
EXPORT_BUDGET_SECONDS = 60.0
SEARCH_WORDS = (
    "hoodies", "mug", "chanterelle", "morel tee", "oyster", "posters", "beanie", "candles", "linen",
    "shiitake", "enamel pin", "notebook", "socks", "forest", "porcini", "aprons", "tote", "fairy ring",
    "charcoal", "puzzle",
)  # fmt: skip


def port_in_range() -> int:
    """A free port from --ports (the shop's gunicorn binds it)."""
    for port in range(*PORTS):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise BenchError(f"no free port in {PORTS[0]}-{PORTS[1] - 1}")


PORTS = (9300, 9350)


def load_average() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__().replace("'", "")


def seed(url: str, scratch: Path) -> None:
    env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": url, "GUIDE_STORAGE_DIR": str(scratch)}
    recreate_database(url)
    flask_cli = [PYTHON, "-m", "flask", "--app", "wsgi"]
    run_checked([*flask_cli, "db", "upgrade"], cwd=ROOT_DIR, env=env)
    print(f"seeding (load {load_average()}) …", flush=True)
    started = time.perf_counter()
    completed = subprocess.run(
        [*flask_cli, "shop", "seed", "--scale"], cwd=ROOT_DIR, env=env, capture_output=True, text=True
    )
    if completed.returncode != 0:
        raise BenchError(f"seeding failed:\n{completed.stdout}{completed.stderr}")
    print(completed.stdout.strip().splitlines()[-1])
    print(f"seed command took {time.perf_counter() - started:.1f} s (load {load_average()})")


def ensure_staff(url: str, scratch: Path) -> None:
    env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": url, "GUIDE_STORAGE_DIR": str(scratch)}
    command = [PYTHON, "-m", "flask", "--app", "wsgi", "shop", "create-admin", STAFF_EMAIL]
    run_checked([*command, "--password", STAFF_PASSWORD, "--role", "admin"], cwd=ROOT_DIR, env=env)


def sample_paths(url: str) -> dict[str, str]:
    """Real slugs and the last catalog page, read from the database."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            product = connection.scalar(
                sa.text(
                    "SELECT slug FROM product WHERE is_published AND slug LIKE '%-hoodie-%' "
                    "ORDER BY id LIMIT 1"
                )
            )
            article = connection.scalar(
                sa.text("SELECT slug FROM article WHERE status = 'published' ORDER BY published_at LIMIT 1")
            )
            published = connection.scalar(sa.text("SELECT count(*) FROM product WHERE is_published")) or 1
    finally:
        engine.dispose()
    last_page = max(1, -(-published // 24))
    return {
        "product": f"/products/{product}",
        "article": f"/journal/{article}",
        "deep": f"/products?page={last_page}",
    }


class _SecureCookiesOverHttp(http.cookiejar.DefaultCookiePolicy):
    def return_ok_secure(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return True


def staff_cookie(server: Server) -> tuple[str, urllib.request.OpenerDirector]:
    """Log in through the login form; the Cookie header value of the staff session, and the opener."""
    jar = http.cookiejar.CookieJar(policy=_SecureCookiesOverHttp())
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(server.base_url + "/account/login", timeout=30).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if token is None:
        raise BenchError("no CSRF token on the login page")
    form = urllib.parse.urlencode({"csrf_token": token[1], "email": STAFF_EMAIL, "password": STAFF_PASSWORD})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    quiet = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    try:
        quiet.open(server.base_url + "/account/login", data=form.encode(), timeout=30)
    except urllib.error.HTTPError as error:
        if error.code != 303 and error.code != 302:
            raise BenchError(f"login answered {error.code}") from error
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    status = opener.open(server.base_url + "/admin/", timeout=30).status
    if status != 200:
        raise BenchError(f"the staff session does not open /admin/ ({status})")
    return cookie, opener


def worker_memory_kb(server: Server) -> dict[int, tuple[int, int]]:
    """Each worker's (VmRSS, VmHWM) in kB."""
    memory = {}
    for pid in child_pids(server.master_pid):
        fields = dict(
            line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
        )
        memory[pid] = (int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0]))
    return memory


def measure_export(server: Server, opener: urllib.request.OpenerDirector, path: str) -> str:
    before = worker_memory_kb(server)
    started = time.perf_counter()
    first_byte = None
    size = rows = 0
    with opener.open(server.base_url + path, timeout=600) as response:
        while chunk := response.read(65536):
            if first_byte is None:
                first_byte = time.perf_counter() - started
            size += len(chunk)
            rows += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    after = worker_memory_kb(server)
    growth = max(after[pid][1] - before.get(pid, (0, 0))[1] for pid in after)
    peak = max(hwm for _, hwm in after.values())
    verdict = "ok" if elapsed < EXPORT_BUDGET_SECONDS else "OVER"
    return (
        f"| {path} | {rows - 1:,} rows, {size / 1e6:.0f} MB | first byte {first_byte or 0:.2f} s | "
        f"{elapsed:.1f} s {verdict} | peak RSS {peak / 1024:.0f} MB (grew {growth / 1024:.0f} MB) | "
        f"load {load_average()} |"
    )


def database_path(url: str) -> list[str]:
    """The catalog service without any cache, in this process: what a cache miss costs."""
    sys.path.insert(0, str(ROOT_DIR))
    os.environ.update({"APP_ENV": "development", "DATABASE_URL": url})
    from config import DevelopmentConfig
    from shop import create_app
    from shop.catalog import services

    app = create_app(
        type("Bench", (DevelopmentConfig,), {"SQLALCHEMY_DATABASE_URI": url, "DEV_TOOLS": False})
    )
    rows = []
    with app.app_context():
        last_page = services.list_products(category_slug=None, search="", page=1, page_size=24).pages

        def timed(call: Callable[[], object]) -> float:
            started = time.perf_counter()
            call()
            return (time.perf_counter() - started) * 1000

        cases: dict[str, list[Callable[[], object]]] = {
            "catalog page 1": [
                lambda: services.list_products(category_slug=None, search="", page=1, page_size=24)
            ],
            f"catalog page {last_page}": [
                lambda: services.list_products(category_slug=None, search="", page=last_page, page_size=24)
            ],
            f"search ({len(SEARCH_WORDS)} different words)": [
                (lambda w=word: services.list_products(category_slug=None, search=w, page=1, page_size=24))
                for word in SEARCH_WORDS
            ],
        }
        for name, calls in cases.items():
            for call in calls:
                call()  # warm
            times = sorted(timed(call) for _ in range(max(1, 40 // len(calls))) for call in calls)
            p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
            rows.append(
                f"| {name} (no cache) | {statistics.median(times):.1f} ms | {p99:.1f} ms | {len(times)} "
                f"calls | "
                f"load {load_average()} |"
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--seed", action="store_true", help="drop, recreate and seed the database first")
    parser.add_argument("--redis-url", default=None, help="page cache and rate limits in Redis")
    parser.add_argument("--duration", default="10s", help="wrk duration per page (default 10s)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", default="", help="row names to measure, separated by ; (default: all)")
    parser.add_argument("--skip-exports", action="store_true")
    parser.add_argument(
        "--staff",
        action="store_true",
        help="only the staff pages (dashboard, orders and leads lists); no exports, no catalog in process",
    )
    parser.add_argument("--worker-timeout", type=int, default=120, help="gunicorn --timeout (default 120)")
    parser.add_argument("--ports", default="", help="FIRST-LAST: bind gunicorn to a free port in this range")
    args = parser.parse_args()
    if args.ports:
        global PORTS
        first, last = (int(part) for part in args.ports.split("-"))
        PORTS = (first, last + 1)
        run.free_port = port_in_range  # bench/run.py's gunicorn() asks its module for the port
    RESULTS_DIR.mkdir(exist_ok=True)
    only = {name.strip() for name in args.only.split(";") if name.strip()}
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-scale-")))
        if args.seed:
            seed(args.database_url, scratch)
        ensure_staff(args.database_url, scratch)
        paths = sample_paths(args.database_url)
        env = shop_env(args, args.database_url, scratch)
        # A sync worker busy with one response for longer than gunicorn's --timeout (30 s by default) is
        # killed mid-stream: the big exports need a longer one, as the README's deployment section says.
        env["GUNICORN_CMD_ARGS"] = f"--timeout {args.worker_timeout}"
        server = stack.enter_context(
            gunicorn("scale", "wsgi:app", workers=args.workers, cwd=ROOT_DIR, env=env)
        )
        wait_until_up(server, "/products")
        cookie, opener = staff_cookie(server)
        today = time.strftime("%Y-%m-%d")
        year_ago = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 365 * 86400))
        pages = [
            ("catalog page 1", "/products", None, PAGE_BUDGET_MS),
            ("catalog deep page", paths["deep"], None, PAGE_BUDGET_MS),
            ("search", "/products?q=hoodies", None, SEARCH_BUDGET_MS),
            ("product page", paths["product"], None, PAGE_BUDGET_MS),
            ("article page", paths["article"], None, PAGE_BUDGET_MS),
            ("cart JSON", "/cart.json", None, PAGE_BUDGET_MS),
            ("admin dashboard", "/admin/", cookie, PAGE_BUDGET_MS),
            (
                "orders list, filtered",
                f"/admin/orders?status=fulfilled&from={year_ago}&to={today}",
                cookie,
                100.0,
            ),
            ("orders list, email search", "/admin/orders?q=maya.adams", cookie, PAGE_BUDGET_MS),
            ("leads list", "/admin/leads", cookie, PAGE_BUDGET_MS),
            ("leads list, filtered", "/admin/leads?confirmed=yes&utm_source=podcast", cookie, PAGE_BUDGET_MS),
        ]
        print(
            f"\ngunicorn {args.workers} sync workers, production settings; "
            f"wrk -t{min(2, args.connections)} -c{args.connections} -d{args.duration}"
        )
        print("| page | path | p50 ms | p99 ms | req/s | budget | errors | load (1/5/15 min) |")
        print("|---|---|---|---|---|---|---|---|")
        for name, path, page_cookie, budget in pages:
            if (only and name not in only) or (args.staff and page_cookie is None):
                continue
            url = server.base_url + path
            run_wrk(
                "wrk",
                url,
                threads=min(2, args.connections),
                connections=args.connections,
                duration="2s",
                cookie=page_cookie,
            )
            load = load_average()
            p50, result = load_page(url, args.connections, args.duration, page_cookie)
            errors = result.non_2xx_3xx + result.socket_errors
            verdict = "ok" if result.p99_ms < budget and not errors else "OVER"
            if errors and result.requests <= errors:
                verdict = "FAILED (every request timed out or erred)"
            print(
                f"| {name} | `{path}` | {p50:.1f} | {result.p99_ms:.1f} | {result.requests_per_second:.0f} | "
                f"< {budget:.0f} ms {verdict} | {errors} | {load} |",
                flush=True,
            )
        if not (args.skip_exports or args.staff):
            print("\n| export | size | first byte | wall time (budget 60 s) | worker memory | load |")
            print("|---|---|---|---|---|---|")
            print(measure_export(server, opener, "/admin/leads/export.csv"), flush=True)
            print(measure_export(server, opener, "/admin/orders.csv"), flush=True)
    if args.staff:
        return
    print("\n| uncached database path, in-process | median | p99 | calls | load |")
    print("|---|---|---|---|---|")
    for row in database_path(args.database_url):
        print(row)


def load_page(url: str, connections: int, duration: str, cookie: str | None) -> tuple[float, Any]:
    """One wrk run: its p50 in ms, and the parsed result (req/s, p99, errors) from the same output."""
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}", "--latency"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    completed = subprocess.run([*command, url], capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise BenchError(f"wrk failed:\n{completed.stdout}{completed.stderr}")
    match = re.search(r"^\s+50%\s+(\S+)", completed.stdout, re.MULTILINE)
    return (_duration_ms(match[1]) if match else float("nan")), parse_wrk(completed.stdout)


if __name__ == "__main__":
    main()
