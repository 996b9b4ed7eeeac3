"""Browser-test fixtures: Debian's Chromium, and the real app served on a free port over the demo catalog."""

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import BrowserContext, Locator, Page
from werkzeug.serving import BaseWSGIServer, make_server

from config import TestConfig
from shop import create_app
from shop.catalog.demo_catalog import seed_demo_catalog
from shop.catalog.models import ProductVariant
from shop.catalog.services import bump_catalog_revision
from shop.emails import worker as email_worker
from shop.extensions import db
from shop.storage import guide_storage
from tests.conftest import IN_CI, reset_database

CHROMIUM_PATH = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium floods the closed network with refused connections.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 740}
# A wait that runs out is a failure, not a measurement: generous enough for two test workers and
# their browsers sharing two cores.
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch the system Chromium; `playwright install` downloads a browser and cannot run here."""
    if not CHROMIUM_PATH.exists():
        message = f"browser tests need Debian's Chromium at {CHROMIUM_PATH} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM_PATH), "args": CHROMIUM_ARGS}


def _database_url(tmp_dir: Path) -> str:
    # Threads share the database, so SQLite must be a file: an in-memory one is per connection.
    url = TestConfig.SQLALCHEMY_DATABASE_URI
    return url if url.startswith("postgresql") else f"sqlite:///{tmp_dir / 'e2e.sqlite3'}"


# The email worker beside the live server polls this often, so an email is in the outbox almost at once.
WORKER_POLL_SECONDS = 0.1


class LiveServer:
    """The app on 127.0.0.1 in a background thread, the way a browser meets it, with the email worker
    in another thread beside it (as `make run` runs both)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        # Links in emails and the payment redirects start with SHOP_BASE_URL: here, this server.
        app.config["SHOP_BASE_URL"] = self.url
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="e2e-live-server", daemon=True
        )
        self._stop_worker = threading.Event()
        self._worker = threading.Thread(target=self._deliver_email, name="e2e-email-worker", daemon=True)

    def _deliver_email(self) -> None:
        with self.app.app_context():
            email_worker.run(self._stop_worker, poll_seconds=WORKER_POLL_SECONDS)

    def start(self) -> None:
        self._thread.start()
        self._worker.start()

    def stop(self) -> None:
        self._stop_worker.set()
        self._worker.join(timeout=30)
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


@pytest.fixture(scope="module")
def live_server_config() -> dict[str, Any]:
    """Extra settings for this module's live server; a test module overrides this fixture to change them."""
    return {}


@pytest.fixture(scope="module")
def disk_outbox_config(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Settings that send emails to the development outbox on disk, which the browser reads at /dev/outbox:
    a module that needs emails returns these from its `live_server_config`."""
    return {
        "MAIL_BACKEND": "shop.emails.outbox_backend.EmailBackend",
        "MAIL_FILE_PATH": str(tmp_path_factory.mktemp("outbox")),
    }


@pytest.fixture(scope="module")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, live_server_config: dict[str, Any]
) -> Iterator[LiveServer]:
    """One server per test module on a freshly seeded demo catalog; the tables are emptied afterwards."""
    tmp_dir = tmp_path_factory.mktemp("e2e")
    config = type(
        "E2EConfig",
        (TestConfig,),
        {
            "SQLALCHEMY_DATABASE_URI": _database_url(tmp_dir),
            "GUIDE_STORAGE_DIR": str(tmp_dir / "guides"),
            "MEDIA_STORAGE_DIR": str(tmp_dir / "media"),
            # A real browser sends the tokens, so the e2e app checks them as production does.
            "WTF_CSRF_ENABLED": True,
            **live_server_config,
        },
    )
    app = create_app(config)
    try:
        with app.app_context():
            db.create_all()
        reset_database(app)  # PostgreSQL may still hold rows from an interrupted run
        with app.app_context():
            seed_demo_catalog(guide_storage())
            db.session.remove()
        server = LiveServer(app)
        server.start()
        try:
            yield server
        finally:
            server.stop()
    finally:
        reset_database(app)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def base_url() -> str | None:
    """Replaces pytest-playwright's fallback `base_url` fixture, an instance-method session fixture that
    pytest 9 deprecates (an error under filterwarnings=error); the live server's URL comes per module."""
    return None


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any], live_server: LiveServer) -> dict[str, Any]:
    """Every context (one per test, so a fresh cart cookie) talks to the live server."""
    return {**browser_context_args, "base_url": live_server.url}


@pytest.fixture
def new_context(new_context: Callable[..., BrowserContext]) -> Callable[..., BrowserContext]:
    """pytest-playwright's context factory (closed after each test), with the suite's default timeout."""

    def create(**kwargs: Any) -> BrowserContext:
        context = new_context(**kwargs)
        context.set_default_timeout(TIMEOUT_MS)
        return context

    return create


def outbox_row(page: Page, *texts: str) -> Locator:
    """The newest row of /dev/outbox mentioning every one of `texts`, reloading the page until the email
    worker has delivered it (or the timeout runs out, and the caller's click fails on the empty row)."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        page.goto("/dev/outbox")
        rows = page.get_by_role("row")
        for text in texts:
            rows = rows.filter(has_text=text)
        if rows.count() or time.monotonic() > deadline:
            return rows.first
        page.wait_for_timeout(50)


def stock_of(app: Flask, sku: str) -> int | None:
    with app.app_context():
        stock = db.session.scalar(sa.select(ProductVariant.stock_on_hand).where(ProductVariant.sku == sku))
        db.session.remove()
    return stock


def _write_stock(app: Flask, sku: str, stock: int) -> None:
    with app.app_context():
        db.session.execute(
            sa.update(ProductVariant).where(ProductVariant.sku == sku).values(stock_on_hand=stock)
        )
        bump_catalog_revision()  # cached product pages must show the new stock at once
        db.session.commit()
        db.session.remove()


@pytest.fixture
def set_stock(live_server: LiveServer) -> Iterator[Callable[[str, int], None]]:
    """Change a variant's stock for one test; the demo stock is put back afterwards."""
    originals: dict[str, int | None] = {}

    def setter(sku: str, stock: int) -> None:
        if sku not in originals:
            originals[sku] = stock_of(live_server.app, sku)
        _write_stock(live_server.app, sku, stock)

    yield setter
    for sku, stock in originals.items():
        assert stock is not None, f"{sku} is digital and has no stock to restore"
        _write_stock(live_server.app, sku, stock)
