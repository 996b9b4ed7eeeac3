"""`make bench`: load the shop and a bare Flask baseline with wrk, and print req/s, p99 and ratios.

Both apps run under gunicorn with sync workers on free local ports. Each target is loaded with wrk, one
after the other (never concurrently: the machine the numbers matter on has two cores), and every shop
page is reported as a ratio of its req/s to the bare page's, measured in the same run. Next to req/s the
run records the CPU time the gunicorn workers spent per request, which other busy processes on the
machine disturb far less than throughput, and how much CPU such other processes took during each load.
The results are also written to bench/results/latest.json; gunicorn's own output goes to log files next
to it.

This is a benchmark, not a test: it asserts nothing. Add a scenario by appending to TARGETS.
"""

import argparse
import json
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

BENCH_DIR = Path(__file__).resolve().parent
ROOT_DIR = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
PYTHON = sys.executable
CLOCK_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
# Above this share of the machine's CPU taken by other processes during a load, req/s is unreliable.
BUSY_MACHINE_PERCENT = 15.0
# The latency every goal page must stay under at the 99th percentile.
P99_GOAL_MS = 50.0
# Database and cache servers: their CPU is reported apart from the rest of the machine's.
SERVER_PROCESS_NAMES = frozenset({"postgres", "redis-server"})

App = Literal["bare", "shop"]


@dataclass(frozen=True)
class Target:
    """One URL to load. `goal` is the minimum req/s ratio to its bare counterpart (`baseline`, the bare
    page of the same kind) that the issue asks for, and also the minimum CPU ratio.
    `returning`: send the cookies a first visit to the page set (a shopper's second page), instead of
    arriving without cookies as every other request from wrk does."""

    name: str
    app: App
    path: str
    goal: float | None = None
    returning: bool = False
    baseline: str = "bare list"


# The bare app's three pages (bench/bare_app.py): a list, a product page and an article, each one query
# and one template, of about the size of the shop's page of that kind.
BARE_LIST = Target("bare list", "bare", "/")
BARE_PRODUCT = Target("bare product", "bare", "/products/3", baseline="bare product")
BARE_ARTICLE = Target("bare article", "bare", "/journal/listening-in-relationships", baseline="bare article")
BASELINE = BARE_LIST
TARGETS: tuple[Target, ...] = (
    BARE_LIST,
    BARE_PRODUCT,
    BARE_ARTICLE,
    Target("home", "shop", "/", goal=1.0),
    Target("catalog list", "shop", "/products", goal=1.0),
    Target("product page", "shop", "/products/spore-print-hoodie", goal=1.0, baseline="bare product"),
    Target(
        "guide page", "shop", "/products/essential-guide-to-microdosing", goal=1.0, baseline="bare product"
    ),
    Target(
        "product, cookies", "shop", "/products/spore-print-hoodie", returning=True, baseline="bare product"
    ),
    Target("cart JSON", "shop", "/cart.json"),
    Target("journal list", "shop", "/journal", goal=1.0),
    Target("article page", "shop", "/journal/listening-in-relationships", goal=1.0, baseline="bare article"),
)


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p99_ms: float
    requests: int
    non_2xx_3xx: int
    socket_errors: int


@dataclass(frozen=True)
class Sample:
    """One measured wrk run against one target."""

    requests_per_second: float
    p99_ms: float
    requests: int
    non_2xx_3xx: int
    socket_errors: int
    worker_cpu_ms_per_request: float
    server_cpu_ms_per_request: float
    other_cpu_percent: float


@dataclass(frozen=True)
class Measurement:
    """A target over every round: medians of the samples (each sample is kept), ratios of the medians."""

    name: str
    app: App
    path: str
    goal: float | None
    baseline: str
    response_bytes: int
    requests_per_second: float
    p99_ms: float
    ratio_to_bare: float
    worker_cpu_ms_per_request: float
    cpu_ratio_to_bare: float
    server_cpu_ms_per_request: float
    other_cpu_percent: float
    non_2xx_3xx: int
    socket_errors: int
    samples: list[Sample]


@dataclass(frozen=True)
class Report:
    finished_at: str
    git_commit: str | None
    database: str
    database_url: str
    redis_url: str | None
    app_env: str
    gunicorn_workers: int
    wrk_threads: int
    wrk_connections: int
    duration_seconds: int
    warmup_seconds: int
    rounds: int
    shop_env: list[str]
    cpu_count: int | None
    results: list[Measurement]


class BenchError(RuntimeError):
    pass


class Stopped(Exception):
    """A signal asked the run to stop; raising it unwinds through the context managers that stop gunicorn."""


# --- wrk -------------------------------------------------------------------------------------------

_UNIT_TO_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _duration_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise BenchError(f"unrecognised wrk duration {text!r}")
    return float(match[1]) * _UNIT_TO_MS[match[2]]


def parse_wrk(output: str) -> WrkResult:
    """Req/s, the 99th percentile latency and error counts from `wrk --latency` output."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    total = re.search(r"^\s+(\d+) requests in ", output, re.MULTILINE)
    if rps is None or p99 is None or total is None:
        raise BenchError(f"could not parse wrk output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return WrkResult(
        requests_per_second=float(rps[1]),
        p99_ms=_duration_ms(p99[1]),
        requests=int(total[1]),
        non_2xx_3xx=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=sum(int(n) for n in socket_errors.groups()) if socket_errors else 0,
    )


def run_wrk(
    wrk: str,
    url: str,
    *,
    threads: int,
    connections: int,
    duration: str,
    script: Path | None = None,
    cookie: str | None = None,
) -> WrkResult:
    """`script`: a wrk Lua file, e.g. to POST a body (bench/orders.py's webhook replay)."""
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}", "--latency"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    command += ["-s", str(script), url] if script else [url]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise BenchError(f"{' '.join(command)} failed:\n{completed.stdout}{completed.stderr}")
    return parse_wrk(completed.stdout)


# --- CPU accounting (Linux /proc) --------------------------------------------------------------------


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of one process so far, 0 when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()  # the command name may hold spaces and parentheses
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS_PER_SECOND


def child_pids(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def server_cpu_seconds() -> float:
    """CPU of every PostgreSQL and Redis server process (all clients', not only the shop's)."""
    total = 0.0
    for stat_path in Path("/proc").glob("[0-9]*/stat"):
        try:
            stat = stat_path.read_text()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        name = stat[stat.find("(") + 1 : stat.rfind(")")]
        if name in SERVER_PROCESS_NAMES:
            fields = stat.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS_PER_SECOND
    return total


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores together."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values)
    return (total - idle) / CLOCK_TICKS_PER_SECOND, total / CLOCK_TICKS_PER_SECOND


def waited_children_cpu_seconds() -> float:
    """CPU of finished child processes (wrk) that this process has waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --- processes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    base_url: str
    master_pid: int
    log_path: Path

    def worker_cpu_seconds(self) -> float:
        return sum(process_cpu_seconds(pid) for pid in child_pids(self.master_pid))


# Ports the servers may use: "first-last" from --ports or BENCH_PORTS; unset, the system picks free ones.
PORT_RANGE = os.environ.get("BENCH_PORTS", "")
_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A port nothing listens on: the first free one in PORT_RANGE, or one the system picks."""
    candidates = [0]
    if PORT_RANGE:
        first, _, last = PORT_RANGE.partition("-")
        candidates = [p for p in range(int(first), int(last or first) + 1) if p not in _HANDED_OUT]
    for port in candidates:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            port = sock.getsockname()[1]
            _HANDED_OUT.add(port)  # a server given it may not be listening yet
            return port
    raise BenchError(f"no free port in {PORT_RANGE}")


def recreate_database(url: str) -> None:
    """Drop and create the PostgreSQL database a benchmark fills (orders, insights, scale)."""
    import sqlalchemy as sa  # only the PostgreSQL benchmarks need it

    target = sa.engine.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()


@contextmanager
def gunicorn(
    label: str, app: str, *, workers: int, cwd: Path, env: dict[str, str], threads: int = 1
) -> Iterator[Server]:
    """Serve `app` on a free port until the block ends (also on errors and signals): sync workers, or
    gthread workers of `threads` threads each when `threads` > 1."""
    port = free_port()
    log_path = RESULTS_DIR / f"{label}-gunicorn.log"
    command = [PYTHON, "-m", "gunicorn", "--workers", str(workers)]
    if threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    else:
        command += ["--worker-class", "sync"]
    command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning", app]
    with open(log_path, "w") as log:
        # A session of its own, so stopping it reaches the master and its workers, and only them.
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield Server(f"http://127.0.0.1:{port}", process.pid, log_path)
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def wait_until_up(server: Server, path: str, *, timeout_seconds: float = 30.0) -> None:
    url = server.base_url + path
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    tail = server.log_path.read_text(errors="replace")[-3000:] if server.log_path.exists() else ""
    raise BenchError(f"{url} did not answer 200 within {timeout_seconds:.0f}s; log tail:\n{tail}")


def fetch(url: str) -> bytes:
    """One GET that must succeed; its size goes into the results so page weights can be compared."""
    return fetch_with_cookies(url)[0]


def fetch_with_cookies(url: str) -> tuple[bytes, str]:
    """One GET that must succeed: the body, and the cookies it set as a Cookie header value."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            cookies = [header.split(";", 1)[0] for header in response.headers.get_all("Set-Cookie") or []]
            return response.read(), "; ".join(cookies)
    except urllib.error.HTTPError as error:
        raise BenchError(f"{url} answered {error.code}; see the gunicorn logs in {RESULTS_DIR}") from error


def run_checked(command: Sequence[str], *, cwd: Path, env: dict[str, str]) -> None:
    completed = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise BenchError(f"{' '.join(command)} failed:\n{completed.stdout}{completed.stderr}")


# --- the run ---------------------------------------------------------------------------------------


def shop_env(args: argparse.Namespace, database_url: str, scratch: Path) -> dict[str, str]:
    """The shop's environment: production settings, a throwaway secret, nothing written into instance/."""
    dropped = {"DATABASE_URL", "REDIS_URL", "FLASK_APP", "FLASK_DEBUG"}
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env.update(
        APP_ENV="production",
        SECRET_KEY=secrets.token_hex(32),
        ALLOW_DEV_PAYMENTS="1",
        # Production needs an https public address; the bench itself talks http to 127.0.0.1.
        SHOP_BASE_URL="https://shop.bench.example",
        TRUSTED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        GUIDE_STORAGE_DIR=str(scratch / "guides"),
        MAIL_FILE_PATH=str(scratch / "outbox"),
        # Keys of this run only: a cache filled by an earlier run (another database) is never read.
        CACHE_KEY_PREFIX=f"bench-{os.getpid()}-{int(time.time())}:page:",
        LOG_LEVEL="WARNING",
    )
    if database_url.startswith("sqlite:"):
        env["ALLOW_SQLITE_IN_PRODUCTION"] = "1"  # the default run compares SQLite with SQLite
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    env.update(item.split("=", 1) for item in getattr(args, "shop_env", []))
    return env


def check_redis(redis_url: str) -> None:
    """Fail early: the shop would quietly fall back to rendering every page if Redis were unreachable."""
    import redis  # the shop's own dependency; only needed with --redis-url

    try:
        redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        raise BenchError(f"Redis at {redact(redis_url)} does not answer: {error}") from error


def postgres_unreachable(database_url: str) -> str | None:
    """Why PostgreSQL at `database_url` cannot be used (its server does not answer), or None."""
    import sqlalchemy as sa  # the shop's own dependency; only the PostgreSQL benchmarks need it

    engine = sa.create_engine(
        sa.engine.make_url(database_url).set(database="postgres"), connect_args={"connect_timeout": 3}
    )
    try:
        with engine.connect():
            return None
    except sa.exc.OperationalError as error:
        return f"PostgreSQL at {redact(database_url)} is not reachable ({str(error).splitlines()[0]})"
    finally:
        engine.dispose()


def redis_unreachable(redis_url: str) -> str | None:
    import redis

    try:
        redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        return f"Redis at {redact(redis_url)} is not reachable ({error})"
    return None


def clear_redis_keys(redis_url: str, prefix: str) -> None:
    """Drop this run's page-cache keys; they would expire anyway, this just keeps Redis tidy."""
    import redis

    try:
        client = redis.Redis.from_url(redis_url, socket_timeout=2)
        for key in client.scan_iter(match=prefix + "*"):
            client.delete(key)
    except redis.RedisError as error:
        print(f"note: could not clear bench keys from Redis: {error}", file=sys.stderr)


def redact(url: str) -> str:
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def load(
    server: Server,
    url: str,
    args: argparse.Namespace,
    *,
    script: Path | None = None,
    cookie: str | None = None,
) -> Sample:
    """One measured wrk run, with the CPU the workers, the database servers, wrk and everything else spent."""
    workers_before = server.worker_cpu_seconds()
    servers_before = server_cpu_seconds()
    wrk_before = waited_children_cpu_seconds()
    busy_before, total_before = machine_cpu_seconds()
    result = run_wrk(
        args.wrk,
        url,
        threads=args.threads,
        connections=args.connections,
        duration=f"{args.duration}s",
        script=script,
        cookie=cookie,
    )
    busy_after, total_after = machine_cpu_seconds()
    workers = server.worker_cpu_seconds() - workers_before
    servers = server_cpu_seconds() - servers_before
    wrk = waited_children_cpu_seconds() - wrk_before
    other = max(0.0, (busy_after - busy_before) - workers - servers - wrk)
    requests = max(result.requests, 1)
    return Sample(
        **asdict(result),
        worker_cpu_ms_per_request=1000 * workers / requests,
        server_cpu_ms_per_request=1000 * servers / requests,
        other_cpu_percent=100 * other / max(total_after - total_before, 1e-9),
    )


def summarise(target: Target, response_bytes: int, samples: list[Sample], bare: list[Sample]) -> Measurement:
    """Medians over the rounds, and their ratios to the bare page's medians."""
    requests_per_second = statistics.median(s.requests_per_second for s in samples)
    cpu_ms = statistics.median(s.worker_cpu_ms_per_request for s in samples)
    return Measurement(
        name=target.name,
        app=target.app,
        path=target.path,
        goal=target.goal,
        baseline=target.baseline,
        response_bytes=response_bytes,
        requests_per_second=requests_per_second,
        p99_ms=statistics.median(s.p99_ms for s in samples),
        ratio_to_bare=requests_per_second / statistics.median(b.requests_per_second for b in bare),
        worker_cpu_ms_per_request=cpu_ms,
        cpu_ratio_to_bare=statistics.median(b.worker_cpu_ms_per_request for b in bare) / max(cpu_ms, 1e-9),
        server_cpu_ms_per_request=statistics.median(s.server_cpu_ms_per_request for s in samples),
        other_cpu_percent=max(s.other_cpu_percent for s in samples),
        non_2xx_3xx=sum(s.non_2xx_3xx for s in samples),
        socket_errors=sum(s.socket_errors for s in samples),
        samples=samples,
    )


def measure(args: argparse.Namespace) -> Report:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="shop-bench-")))
        database_url = args.database_url or f"sqlite:///{scratch / 'shop.sqlite3'}"
        env = shop_env(args, database_url, scratch)
        if args.redis_url:
            check_redis(args.redis_url)
            stack.callback(clear_redis_keys, args.redis_url, env["CACHE_KEY_PREFIX"])

        print(f"Preparing the shop database ({redact(database_url)}): upgrade + seed …", flush=True)
        flask_cli = [PYTHON, "-m", "flask", "--app", "wsgi"]
        run_checked([*flask_cli, "db", "upgrade"], cwd=ROOT_DIR, env=env)
        run_checked([*flask_cli, "shop", "seed"], cwd=ROOT_DIR, env=env)
        bare_env = dict(os.environ, BARE_DATABASE_PATH=str(scratch / "bare.sqlite3"))
        # Create the baseline's database before its workers boot, so that they only ever read it.
        run_checked([PYTHON, "-c", "import bare_app"], cwd=BENCH_DIR, env=bare_env)

        servers: dict[App, Server] = {
            "shop": stack.enter_context(
                gunicorn("shop", "wsgi:app", workers=args.workers, cwd=ROOT_DIR, env=env)
            ),
            "bare": stack.enter_context(
                gunicorn("bare", "bare_app:app", workers=args.workers, cwd=BENCH_DIR, env=bare_env)
            ),
        }
        wait_until_up(servers["shop"], "/healthz")
        wait_until_up(servers["bare"], "/")

        sizes: dict[Target, int] = {}
        cookies: dict[Target, str | None] = {}
        for target in TARGETS:
            url = servers[target.app].base_url + target.path
            body, set_cookies = fetch_with_cookies(url)
            sizes[target] = len(body)
            cookies[target] = set_cookies if target.returning else None
            if target.returning and not set_cookies:
                raise BenchError(f"{url} set no cookies to return with")
            if args.warmup:
                # Warm both workers (imports, template compilation, caches, connection pools) under load.
                run_wrk(
                    args.wrk,
                    url,
                    threads=args.threads,
                    connections=args.connections,
                    duration=f"{args.warmup}s",
                    cookie=cookies[target],
                )

        samples: dict[Target, list[Sample]] = {target: [] for target in TARGETS}
        for round_number in range(1, args.rounds + 1):
            for target in TARGETS:
                label = f"round {round_number}/{args.rounds}: {target.app} {target.path}"
                print(f"  {label:<56} {args.duration}s …", flush=True)
                url = servers[target.app].base_url + target.path
                samples[target].append(load(servers[target.app], url, args, cookie=cookies[target]))

    baselines = {target.name: target for target in TARGETS if target.app == "bare"}
    return Report(
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
        git_commit=git_commit(),
        database="postgresql" if database_url.startswith("postgresql") else "sqlite",
        database_url=redact(database_url) if args.database_url else "temporary SQLite file",
        redis_url=redact(args.redis_url) if args.redis_url else None,
        app_env="production",
        gunicorn_workers=args.workers,
        wrk_threads=args.threads,
        wrk_connections=args.connections,
        duration_seconds=args.duration,
        warmup_seconds=args.warmup,
        rounds=args.rounds,
        shop_env=args.shop_env,
        cpu_count=os.cpu_count(),
        results=[
            summarise(target, sizes[target], samples[target], samples[baselines[target.baseline]])
            for target in TARGETS
        ],
    )


def git_commit() -> str | None:
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT_DIR, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return completed.stdout.strip()


def format_table(report: Report) -> str:
    setup = (
        f"{report.database} ({report.database_url}), redis: {report.redis_url or 'no (per-process cache)'}; "
        f"gunicorn {report.gunicorn_workers} sync workers; "
        f"wrk -t{report.wrk_threads} -c{report.wrk_connections} -d{report.duration_seconds}s"
        + (f"; median of {report.rounds} rounds" if report.rounds > 1 else "")
        + (f"; shop env {' '.join(report.shop_env)}" if report.shop_env else "")
    )
    header = (
        f"{'page':<18} {'url':<44} {'KB':>5} {'req/s':>8} {'p99 ms':>7} {'vs':<13} {'× bare':>7}  "
        f"{'cpu ms/req':>10} {'× bare':>7} {'db ms/req':>9} {'other cpu':>9}  goal"
    )
    lines = [setup, "", header, "-" * len(header)]
    warnings = []
    for row in report.results:
        verdict = ""
        if row.goal is not None:
            verdict = (
                f"req/s {'met' if row.ratio_to_bare >= row.goal else 'MISSED'}, "
                f"cpu {'met' if row.cpu_ratio_to_bare >= row.goal else 'MISSED'}, "
                f"p99 {'met' if row.p99_ms < P99_GOAL_MS else 'MISSED'}"
            )
            if row.other_cpu_percent > BUSY_MACHINE_PERCENT:
                verdict += " (busy machine)"
        vs = "" if row.app == "bare" else row.baseline
        lines.append(
            f"{row.name:<18} {row.app + ' ' + row.path:<44} {row.response_bytes / 1024:>5.1f} "
            f"{row.requests_per_second:>8.1f} {row.p99_ms:>7.1f} {vs:<13} {row.ratio_to_bare:>6.2f}×  "
            f"{row.worker_cpu_ms_per_request:>10.2f} {row.cpu_ratio_to_bare:>6.2f}× "
            f"{row.server_cpu_ms_per_request:>9.2f} {row.other_cpu_percent:>8.0f}%  {verdict}"
        )
        if row.non_2xx_3xx or row.socket_errors:
            warnings.append(
                f"warning: {row.app} {row.path}: {row.non_2xx_3xx} non-2xx/3xx responses, "
                f"{row.socket_errors} socket errors; its numbers are not comparable"
            )
    busy = [row for row in report.results if row.other_cpu_percent > BUSY_MACHINE_PERCENT]
    if busy:
        warnings.append(
            f"warning: other processes took over {BUSY_MACHINE_PERCENT:.0f}% of the CPU during "
            f"{', '.join(row.app + ' ' + row.path for row in busy)}; req/s ratios are unreliable there, "
            "cpu ms/req ratios much less so"
        )
    notes = [
        "",
        "× bare: req/s ÷ the req/s of the bare page named under vs (the same kind of page); for cpu, that",
        "page's cpu ms/req ÷ this page's (above 1 means cheaper than the bare page). goal: both ratios",
        f"≥ 1.0 and p99 under {P99_GOAL_MS:.0f} ms. cpu ms/req: the app's gunicorn workers; db ms/req: every",
        "PostgreSQL and Redis server process (other clients' work included); other cpu: the rest of the",
        "machine, apart from wrk, as a share of all cores.",
    ]
    return "\n".join([*lines, *warnings, *notes])


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--database-url",
        help="the shop's database, upgraded and seeded first (default: a fresh temporary SQLite file)",
    )
    parser.add_argument("--redis-url", help="REDIS_URL for the shop: page cache and rate limits in Redis")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per URL (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load per URL first")
    parser.add_argument("--rounds", type=int, default=1, help="repeat the whole sequence; report medians")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers per app (default 2)")
    parser.add_argument(
        "--ports", help='ports for the servers, "first-last" (default: BENCH_PORTS, else any free ones)'
    )
    parser.add_argument(
        "--shop-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an extra environment variable for the shop (e.g. ANONYMOUS_PAGE_CACHE=0); repeatable",
    )
    parser.add_argument("--wrk", default=shutil.which("wrk") or "wrk", help="path to the wrk binary")
    parser.add_argument(
        "--output", type=Path, default=RESULTS_DIR / "latest.json", help="where to write the JSON results"
    )
    args = parser.parse_args(argv)
    if args.ports:
        global PORT_RANGE
        PORT_RANGE = args.ports
    if any("=" not in item for item in args.shop_env):
        parser.error("--shop-env takes NAME=VALUE")
    if min(args.duration, args.rounds, args.connections, args.threads, args.workers) < 1 or args.warmup < 0:
        parser.error("durations, rounds, connections, threads and workers must be positive")
    return args


def _stop_on_signal(signum: int, frame: object) -> None:
    raise Stopped(signal.Signals(signum).name)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which(args.wrk) is None:
        print(f"wrk not found ({args.wrk}); install it (apt-get install wrk) or pass --wrk", file=sys.stderr)
        return 2
    # Installed explicitly: a shell starting us in the background would otherwise leave SIGINT ignored.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop_on_signal)
    try:
        report = measure(args)
    except BenchError as error:
        print(f"bench failed: {error}", file=sys.stderr)
        return 1
    except Stopped as stopped:
        print(f"stopped by {stopped}; servers shut down", file=sys.stderr)
        return 130
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(asdict(report), indent=2) + "\n")
    print()
    print(format_table(report))
    print(f"\nJSON: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
