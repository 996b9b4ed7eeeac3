"""Two real shop instances for tests: gunicorn processes in production mode on local ports, sharing one
PostgreSQL database, Redis and one file store, and browsers that talk to them through a pretend load
balancer (the X-Forwarded-* headers a proxy in front of the shop sets)."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import sqlalchemy as sa

ROOT_DIR = Path(__file__).resolve().parents[2]
BIN_DIR = Path(sys.executable).parent
# The public address the instances are configured with; the pretend load balancer sends this host.
SHOP_HOST = "shop.multihost.example"
SHOP_BASE_URL = f"https://{SHOP_HOST}"


@dataclass(frozen=True)
class SharedServices:
    """What every instance of one shop shares: the database, Redis, the file store and the secret key."""

    database_url: str
    redis_url: str
    storage_dir: Path
    secret_key: str
    key_prefix: str


def instance_env(shared: SharedServices, *, mail_dir: Path) -> dict[str, str]:
    """The environment of every process of the shop (web instances, email workers, flask commands):
    production settings, and the shared services. The one place that says what the hosts share."""
    dropped = {"DATABASE_URL", "REDIS_URL", "FLASK_APP", "FLASK_DEBUG", "PYTEST_XDIST_WORKER"}
    env = {
        key: value for key, value in os.environ.items() if key not in dropped and not key.startswith("TEST_")
    }
    env.update(
        APP_ENV="production",
        SECRET_KEY=shared.secret_key,
        ALLOW_DEV_PAYMENTS="1",
        PAYMENT_PROVIDER="dev",
        SHOP_BASE_URL=SHOP_BASE_URL,
        # One proxy in front (the browsers below play it): its X-Forwarded-For is each visitor's address.
        TRUSTED_PROXY_COUNT="1",
        DATABASE_URL=shared.database_url,
        REDIS_URL=shared.redis_url,
        CACHE_KEY_PREFIX=f"{shared.key_prefix}:page:",
        RATELIMIT_KEY_PREFIX=f"{shared.key_prefix}:limits",
        # The file store's folders (tests/multihost/conftest.py puts the files in one S3 bucket instead).
        GUIDE_STORAGE_DIR=str(shared.storage_dir / "guides"),
        MEDIA_STORAGE_DIR=str(shared.storage_dir / "media"),
        # Email goes to files, one per message, so a test can count what was sent.
        MAIL_BACKEND="shop.emails.outbox_backend.EmailBackend",
        MAIL_FILE_PATH=str(mail_dir),
        EMAIL_POLL_SECONDS="0.1",
        LOG_LEVEL="WARNING",
    )
    return env


# --- databases ------------------------------------------------------------------------------------


def empty_database(url: str) -> None:
    """Make the PostgreSQL database of `url` exist and be empty: no tables, not even Alembic's. It stays
    after the run, like the test processes' own databases (dropping one makes PostgreSQL checkpoint,
    which takes seconds on a busy machine)."""
    name = sa.make_url(url).database
    server = sa.create_engine(sa.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            if not connection.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ):
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        server.dispose()
    database = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with database.connect() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    finally:
        database.dispose()


def flask_command(env: Mapping[str, str], *args: str) -> str:
    """Run `flask --app wsgi <args>` as an operator would; its output, or AssertionError with it."""
    completed = subprocess.run(
        [str(BIN_DIR / "flask"), "--app", "wsgi", *args],
        cwd=ROOT_DIR,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, f"flask {' '.join(args)} failed:\n{completed.stdout}{completed.stderr}"
    return completed.stdout + completed.stderr


# --- processes ------------------------------------------------------------------------------------


_handed_out: set[int] = set()


def free_port() -> int:
    """A free local port, never one handed out before in this run (an instance may not have bound it
    yet): from TEST_MULTIHOST_PORTS (`9150-9199`) when set, else one the system picks."""
    wanted = os.environ.get("TEST_MULTIHOST_PORTS", "")
    candidates: range | list[int] = [0] * 20
    if wanted:
        low, _, high = wanted.partition("-")
        candidates = range(int(low), int(high or low) + 1)
    for port in candidates:
        if port in _handed_out:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            chosen = sock.getsockname()[1]
        if chosen not in _handed_out:
            _handed_out.add(chosen)
            return chosen
    raise RuntimeError(f"no free port in TEST_MULTIHOST_PORTS={wanted}")


@dataclass
class Process:
    """A process of the shop started by a test, in a process group of its own (gunicorn's workers too)."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    base_url: str = ""

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """Kill the process and its children (gunicorn's workers) at once: the tests are over, and a
        graceful stop of a few Python processes takes seconds on a busy machine."""
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait()


def stop_all(processes: list[Process]) -> None:
    for process in processes:
        process.kill()


def start_process(name: str, command: list[str], env: Mapping[str, str], log_dir: Path) -> Process:
    log_path = log_dir / f"{name}.log"
    with open(log_path, "wb") as log:
        popen = subprocess.Popen(
            command, cwd=ROOT_DIR, env=dict(env), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Process(name, popen, log_path)


def start_instance(name: str, env: Mapping[str, str], log_dir: Path, *, workers: int = 2) -> Process:
    """gunicorn with sync workers serving wsgi:app on a free local port."""
    port = free_port()
    command = [str(BIN_DIR / "gunicorn"), "--workers", str(workers), "--worker-class", "sync"]
    command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "60", "wsgi:app"]
    process = start_process(name, command, env, log_dir)
    process.base_url = f"http://127.0.0.1:{port}"
    return process


def start_email_worker(name: str, env: Mapping[str, str], log_dir: Path) -> Process:
    """`flask shop worker`, logging each email it sends."""
    command = [str(BIN_DIR / "flask"), "--app", "wsgi", "shop", "worker"]
    return start_process(name, command, {**env, "LOG_LEVEL": "INFO"}, log_dir)


def wait_for_log(process: Process, text: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in process.log():
        if time.monotonic() > deadline or process.popen.poll() is not None:
            raise AssertionError(f"{process.name} never logged {text!r}; its log:\n{process.log()[-3000:]}")
        time.sleep(0.05)


def wait_until_up(instance: Process, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if instance.popen.poll() is not None:
            break
        try:
            response = requests.get(
                instance.base_url + "/healthz", headers={"Host": SHOP_HOST}, timeout=10, allow_redirects=False
            )
            if response.status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or a worker still starting
            pass
        time.sleep(0.1)
    raise AssertionError(f"{instance.name} did not start; its log:\n{instance.log()[-4000:]}")


# --- browsers -------------------------------------------------------------------------------------


class _Csrf(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.token: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if self.token is not None:
            return
        if tag == "meta" and attributes.get("name") == "csrf-token":
            self.token = attributes.get("content")
        elif tag == "input" and attributes.get("name") == "csrf_token":
            self.token = attributes.get("value")


def csrf_token(page: str) -> str:
    """The CSRF token a page carries (its <meta name="csrf-token"> or a form's hidden csrf_token)."""
    parser = _Csrf()
    parser.feed(page)
    assert parser.token, "the page carries no CSRF token"
    return parser.token


@dataclass
class Browser:
    """One visitor: a cookie jar and an address of its own, sending each request to the instance the test
    picks, as a load balancer would. Redirects are not followed: tests read the Location."""

    ip: str
    session: requests.Session = field(default_factory=requests.Session)
    page_url: str | None = None

    def __post_init__(self) -> None:
        self.session.headers.update(
            {"X-Forwarded-For": self.ip, "X-Forwarded-Proto": "https", "X-Forwarded-Host": SHOP_HOST}
        )

    def get(self, instance: Process, path: str, **kwargs: Any) -> requests.Response:
        response = self.session.get(instance.base_url + path, allow_redirects=False, timeout=60, **kwargs)
        self.page_url = SHOP_BASE_URL + path
        return self._behind_the_proxy(response)

    def post(self, instance: Process, path: str, **kwargs: Any) -> requests.Response:
        """A POST from the page last shown (its Referer: the shop checks it on https, like CSRF)."""
        headers = {"Referer": self.page_url or SHOP_BASE_URL + "/", **kwargs.pop("headers", {})}
        response = self.session.post(
            instance.base_url + path, allow_redirects=False, timeout=60, headers=headers, **kwargs
        )
        return self._behind_the_proxy(response)

    def _behind_the_proxy(self, response: requests.Response) -> requests.Response:
        """The shop's cookies are Secure: a visitor's browser speaks https to the load balancer, which
        speaks http to the instances. This browser stands where both are, so it sends them over http."""
        for cookie in self.session.cookies:
            cookie.secure = False
        return response

    def post_form(
        self, instance: Process, path: str, data: dict[str, str], *, page: str, **kwargs: Any
    ) -> requests.Response:
        """Submit a form as a browser does: with the CSRF token of the page it was on."""
        return self.post(instance, path, data={"csrf_token": csrf_token(page), **data}, **kwargs)

    def post_json(self, instance: Process, path: str, body: Any, *, page: str) -> requests.Response:
        """A fetch() from a page: the page's CSRF token in the X-CSRFToken header."""
        return self.post(instance, path, json=body, headers={"X-CSRFToken": csrf_token(page)})

    def cookie_header(self) -> dict[str, str]:
        return {cookie.name: cookie.value or "" for cookie in self.session.cookies}

    def close(self) -> None:
        self.session.close()


def path_of(location: str) -> str:
    """The path and query of a Location header (the shop's absolute links start with SHOP_BASE_URL)."""
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def page_text(page: str) -> str:
    """The page's text without tags and with whitespace folded, for reading messages."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
