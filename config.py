"""Application settings: the only module that reads the environment."""

import os
import re
import sys
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise RuntimeError(f"{name} must be an integer, got {raw!r}") from error


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError as error:
        raise RuntimeError(f"{name} must be a number, got {raw!r}") from error


def _env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        raw = default
    return [item.strip().upper() for item in raw.split(",") if item.strip()]


def _env_hosts(name: str) -> list[str]:
    raw = os.environ.get(name) or ""
    return [host.strip().lower() for host in raw.split(",") if host.strip()]


def check_base_url(url: str, *, require_https: bool) -> None:
    """Refuse a SHOP_BASE_URL that cannot start every absolute link: it must be an absolute http(s) URL
    with a host and at most a path prefix (no query, fragment or credentials)."""
    parts = urlsplit(url)
    schemes = {"https"} if require_https else {"http", "https"}
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    if (
        parts.scheme not in schemes
        or not parts.hostname
        or not port_ok
        or parts.username is not None
        or parts.query
        or parts.fragment
    ):
        wanted = "an https:// URL" if require_https else "an http:// or https:// URL"
        raise RuntimeError(
            f"SHOP_BASE_URL must be the shop's public address, {wanted} such as https://shop.example.com "
            f"(optionally with a path prefix), got {url!r}"
        )


def check_timezone(name: str) -> None:
    """Refuse a SHOP_TIMEZONE that is not an IANA time zone name the machine knows."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise RuntimeError(
            "SHOP_TIMEZONE must be an IANA time zone name such as UTC, Europe/London or America/New_York "
            f"(the reports' days start at its midnight), got {name!r}"
        ) from error


WELCOME_CODE_SCOPES = ("all", "merchandise", "guides")


def check_welcome_code(percent_bp: int, days: int, scope: str) -> None:
    """Refuse welcome-code settings a code cannot have (0% turns the offer off)."""
    if not 0 <= percent_bp <= 10_000:
        raise RuntimeError(
            f"WELCOME_CODE_PERCENT_BP must be between 0 (off) and 10000 (100%), got {percent_bp}"
        )
    if not 1 <= days <= 365:
        raise RuntimeError(f"WELCOME_CODE_DAYS must be between 1 and 365, got {days}")
    if scope not in WELCOME_CODE_SCOPES:
        raise RuntimeError(
            f"WELCOME_CODE_SCOPE must be one of {', '.join(WELCOME_CODE_SCOPES)}, got {scope!r}"
        )


STORAGE_BACKENDS = ("local", "s3")
S3_ADDRESSING_STYLES = ("auto", "path", "virtual")
S3_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


def _env_prefix(name: str, default: str) -> str:
    """A key prefix inside the bucket: no leading slash, one trailing slash unless empty."""
    raw = os.environ.get(name)
    prefix = (default if raw is None else raw).strip().strip("/")
    return f"{prefix}/" if prefix else ""


def check_storage(settings: type["Config"]) -> None:
    """Refuse a file store the shop could not use: an unknown backend, or S3 settings that are missing or
    malformed. Nothing here connects: an unreachable store is a 503 at request time, not a refusal to
    start."""
    backend = settings.STORAGE_BACKEND
    if backend not in STORAGE_BACKENDS:
        raise RuntimeError(f"STORAGE_BACKEND must be one of {', '.join(STORAGE_BACKENDS)}, got {backend!r}")
    if backend != "s3":
        return
    bucket = settings.S3_BUCKET
    if not bucket:
        raise RuntimeError(
            "STORAGE_BACKEND=s3 needs S3_BUCKET, the name of the bucket that holds guide PDFs and product "
            "images (and S3_ENDPOINT_URL for a store other than AWS S3, such as R2 or MinIO)"
        )
    if not S3_BUCKET_NAME.fullmatch(bucket):
        raise RuntimeError(
            "S3_BUCKET must be a bucket name (3-63 lowercase letters, digits, dots and hyphens), "
            f"got {bucket!r}"
        )
    if bool(settings.S3_ACCESS_KEY_ID) != bool(settings.S3_SECRET_ACCESS_KEY):
        raise RuntimeError(
            "S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together: set both, or neither to use boto3's own "
            "credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, ~/.aws, an instance role)"
        )
    if endpoint := settings.S3_ENDPOINT_URL:
        parts = urlsplit(endpoint)
        if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
            raise RuntimeError(
                "S3_ENDPOINT_URL must be the store's http:// or https:// address, such as "
                f"https://<account>.r2.cloudflarestorage.com or http://127.0.0.1:9000, got {endpoint!r}"
            )
    if settings.S3_ADDRESSING_STYLE not in (None, *S3_ADDRESSING_STYLES):
        raise RuntimeError(
            f"S3_ADDRESSING_STYLE must be one of {', '.join(S3_ADDRESSING_STYLES)}, "
            f"got {settings.S3_ADDRESSING_STYLE!r}"
        )
    for name in ("S3_GUIDE_PREFIX", "S3_MEDIA_PREFIX"):
        prefix = getattr(settings, name)
        if prefix.startswith("/") or (prefix and not prefix.endswith("/")):
            raise RuntimeError(f"{name} must be empty or end with / and not start with one, got {prefix!r}")
    if settings.S3_GUIDE_PREFIX == settings.S3_MEDIA_PREFIX:
        raise RuntimeError(
            "S3_GUIDE_PREFIX and S3_MEDIA_PREFIX must differ: guide PDFs and product images share the "
            "bucket, "
            f"each under its own prefix (both are {settings.S3_GUIDE_PREFIX!r})"
        )
    if not (settings.S3_CONNECT_TIMEOUT_SECONDS > 0 and settings.S3_READ_TIMEOUT_SECONDS > 0):
        raise RuntimeError("S3_CONNECT_TIMEOUT_SECONDS and S3_READ_TIMEOUT_SECONDS must be above 0")
    if settings.S3_MAX_ATTEMPTS < 1:
        raise RuntimeError(f"S3_MAX_ATTEMPTS must be at least 1, got {settings.S3_MAX_ATTEMPTS}")


def _database_url(raw: str | None, default: str) -> str:
    url = raw or default
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants a driver name.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


# Keys that are public (this repository's development and test keys) or obviously a placeholder.
PUBLIC_SECRET_KEYS = frozenset({"development-only-not-secret", "test-only-not-secret"})
PLACEHOLDER_MARKERS = (
    "changeme",
    "change-me",
    "change_me",
    "replaceme",
    "replace-me",
    "replace_me",
    "placeholder",
    "example",
    "not-secret",
    "notsecret",
    "insecure",
    "your-secret",
    "your_secret",
    "secret-key",
    "secret_key",
    "secretkey",
)
MIN_SECRET_KEY_BYTES = 32
GENERATE_SECRET_KEY = "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"


def secret_key_problem(key: str | None) -> str | None:
    """Why `key` must not sign production sessions, or None when it may."""
    if not key:
        return "is not set"
    if key in PUBLIC_SECRET_KEYS or any(marker in key.lower() for marker in PLACEHOLDER_MARKERS):
        return "is a published or placeholder value"
    if len(key.encode()) < MIN_SECRET_KEY_BYTES:
        return f"is {len(key.encode())} bytes long; it needs at least {MIN_SECRET_KEY_BYTES}"
    if len(set(key)) < 8:
        return "repeats too few characters to be random"
    return None


def is_sqlite_url(url: str) -> bool:
    return url.startswith("sqlite:")


class Config:
    APP_ENV = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    # Old keys, comma-separated, still accepted when verifying (sessions, unsubscribe links) after a rotation.
    SECRET_KEY_FALLBACKS = [
        key.strip() for key in os.environ.get("SECRET_KEY_FALLBACKS", "").split(",") if key.strip()
    ]
    SHOP_NAME = os.environ.get("SHOP_NAME", "Good Spores")
    SHOP_CURRENCY = os.environ.get("SHOP_CURRENCY", "usd").lower()
    # The seller on invoices, credit notes and packing slips: the legal name (the shop's name unless set),
    # the postal address (lines separated by "|") and an optional tax or VAT number.
    SHOP_LEGAL_NAME = os.environ.get("SHOP_LEGAL_NAME") or SHOP_NAME
    SHOP_ADDRESS = os.environ.get("SHOP_ADDRESS", "")
    SHOP_TAX_ID = os.environ.get("SHOP_TAX_ID", "")
    # The reports' days (the dashboard, its charts, the CSVs) begin at midnight in this IANA time zone.
    SHOP_TIMEZONE = (os.environ.get("SHOP_TIMEZONE") or "UTC").strip()

    SQLALCHEMY_DATABASE_URI = _database_url(
        os.environ.get("DATABASE_URL"), f"sqlite:///{INSTANCE_DIR / 'shop.sqlite3'}"
    )
    # Every pooled connection is tested before use (pre-ping), so the shop recovers by itself when the
    # database comes back after an outage. shop/database.py adds the PostgreSQL connect timeout.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # Seconds a new PostgreSQL connection may take before the request gives up with a 503 (an unreachable
    # database answers pages within about this long instead of hanging).
    DATABASE_CONNECT_TIMEOUT = _env_int("DATABASE_CONNECT_TIMEOUT", 5)
    # Seconds /healthz waits for the database's answer before it reports 503 (load balancers call it
    # often and expect an answer within a second or so).
    HEALTHZ_TIMEOUT_SECONDS = _env_float("HEALTHZ_TIMEOUT_SECONDS", 0.5)
    # SQLite file databases (development, benchmarks) run in WAL mode, and a writer waits this long for
    # another's lock before giving up with "database is locked".
    SQLITE_BUSY_TIMEOUT_SECONDS = _env_int("SQLITE_BUSY_TIMEOUT_SECONDS", 15)
    # Production refuses SQLite unless this is set (benchmarks, a one-machine demo).
    ALLOW_SQLITE_IN_PRODUCTION = _env_bool("ALLOW_SQLITE_IN_PRODUCTION")
    REDIS_URL = os.environ.get("REDIS_URL") or None
    # Seconds any Redis call (page cache, rate limits) may take to connect or answer: a Redis that stops
    # answering costs a request at most this, and then the shop carries on without it.
    REDIS_TIMEOUT_SECONDS = _env_float("REDIS_TIMEOUT_SECONDS", 0.5)
    # After a failed Redis call the page cache leaves Redis alone this long (renders instead).
    REDIS_RETRY_SECONDS = _env_float("REDIS_RETRY_SECONDS", 5.0)

    # Pricing knobs, all integer cents.
    FREE_SHIPPING_THRESHOLD_CENTS = _env_int("FREE_SHIPPING_THRESHOLD_CENTS", 15_000)
    FLAT_SHIPPING_CENTS = _env_int("FLAT_SHIPPING_CENTS", 795)
    MAX_LINE_QUANTITY = _env_int("MAX_LINE_QUANTITY", 10)

    # Stock is held this long for an unpaid checkout. With Stripe the hold is at least 32 minutes:
    # Stripe refuses Checkout Sessions that expire in under 30 minutes (see shop/payments/provider.py).
    RESERVATION_MINUTES = _env_int("RESERVATION_MINUTES", 30)
    # Countries the checkout form and Stripe's address collection offer (ISO 3166-1 alpha-2).
    SHIPPING_COUNTRIES = _env_list("SHIPPING_COUNTRIES", "US,CA,GB,IE,AU,NZ,DE,FR,NL,SE")
    # The domestic zone: this country ships at FLAT_SHIPPING_CENTS, free from FREE_SHIPPING_THRESHOLD_CENTS.
    DOMESTIC_COUNTRY = os.environ.get("DOMESTIC_COUNTRY", "US").strip().upper()
    # The other zones, `name:COUNTRIES:rate_cents:free_over_cents` separated by `;` (countries separated by
    # spaces, `*` for every other country shipped to, `never` for a zone that never ships free). Parsed and
    # checked at start-up (shop/pricing_config.py).
    SHIPPING_ZONES = os.environ.get("SHIPPING_ZONES", "canada:CA:1495:25000;international:*:2495:never")
    # Sales tax the shop charges itself (the dev provider; Stripe Tax reckons its own): `REGION:rate_bp`
    # or `REGION:rate_bp:digital` (digital goods taxed there), separated by commas; REGION is a country
    # (`CA`) or a US state (`US-NY`). A destination not listed owes no tax. The default is an EXAMPLE
    # for demonstrations, not tax advice: set the rates the shop is registered to collect.
    TAX_RATES = os.environ.get(
        "TAX_RATES",
        "US-CA:725,US-NY:400,US-TX:625:digital,US-WA:650:digital,CA:500:digital,GB:2000:digital,"
        "IE:2300:digital,DE:1900:digital,FR:2000:digital,NL:2100:digital,SE:2500:digital,"
        "AU:1000:digital,NZ:1500:digital",
    )
    # Carriers staff choose from when marking an order shipped (codes in shop/orders/shipping.py).
    SHIPPING_CARRIERS = _env_list("SHIPPING_CARRIERS", "USPS,UPS,FEDEX,DHL,OTHER")
    # Flask-Limiter syntax; per client IP, on placing an order (the POST to /checkout).
    CHECKOUT_RATE_LIMIT = os.environ.get("CHECKOUT_RATE_LIMIT", "10 per minute;60 per hour")
    # Per IP, on applying discount codes: shared codes are meant to be typed, not guessed by the thousand.
    DISCOUNT_RATE_LIMIT = os.environ.get("DISCOUNT_RATE_LIMIT", "20 per minute;200 per hour")
    # How far back `flask shop reconcile-payments` looks for sessions whose webhook never arrived.
    RECONCILE_HOURS = _env_int("RECONCILE_HOURS", 48)
    DOWNLOAD_TTL_DAYS = _env_int("DOWNLOAD_TTL_DAYS", 7)
    DOWNLOAD_MAX_COUNT = _env_int("DOWNLOAD_MAX_COUNT", 5)
    # Flask-Limiter syntax; per client IP, on every request for /downloads/<token> (HEAD and ranges too).
    DOWNLOAD_RATE_LIMIT = os.environ.get("DOWNLOAD_RATE_LIMIT", "30 per minute;300 per hour")
    # Where guide PDFs and uploaded product images live (shop/storage.py): "local", the two folders below on
    # this host's disk; or "s3", one S3-compatible bucket that every host shares (checked at start-up).
    STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "local").strip().lower()
    GUIDE_STORAGE_DIR = os.environ.get("GUIDE_STORAGE_DIR", str(INSTANCE_DIR / "guides"))
    MEDIA_STORAGE_DIR = os.environ.get("MEDIA_STORAGE_DIR", str(INSTANCE_DIR / "media"))
    S3_BUCKET = os.environ.get("S3_BUCKET", "").strip() or None
    # Unset for AWS S3; the store's address for R2, MinIO, Ceph and other S3-compatible stores.
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "").strip() or None
    S3_REGION = os.environ.get("S3_REGION", "").strip() or None  # unset: boto3's own (AWS_REGION, ~/.aws)
    # Both or neither; neither: boto3's own credential chain (AWS_* variables, ~/.aws, an instance role).
    S3_ACCESS_KEY_ID = os.environ.get("S3_ACCESS_KEY_ID") or None
    S3_SECRET_ACCESS_KEY = os.environ.get("S3_SECRET_ACCESS_KEY") or None
    S3_GUIDE_PREFIX = _env_prefix("S3_GUIDE_PREFIX", "guides/")
    S3_MEDIA_PREFIX = _env_prefix("S3_MEDIA_PREFIX", "media/")
    # Unset: "path" with S3_ENDPOINT_URL (MinIO and most self-hosted stores need it), else boto3's "auto".
    S3_ADDRESSING_STYLE = os.environ.get("S3_ADDRESSING_STYLE", "").strip().lower() or None
    # A store that does not answer must fail a request in seconds, not hang a worker: short timeouts, and
    # this many attempts in all (the first included).
    S3_CONNECT_TIMEOUT_SECONDS = _env_float("S3_CONNECT_TIMEOUT_SECONDS", 2.0)
    S3_READ_TIMEOUT_SECONDS = _env_float("S3_READ_TIMEOUT_SECONDS", 3.0)
    S3_MAX_ATTEMPTS = _env_int("S3_MAX_ATTEMPTS", 2)
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024  # the largest upload (a guide PDF) plus form overhead

    # The free guide's email gate (shop/guides/).
    # The welcome code a guide lead gets on confirming their email: a personal, single-use code for a
    # first paid order. Off while WELCOME_CODE_PERCENT_BP is 0 (basis points: 1000 = 10%).
    WELCOME_CODE_PERCENT_BP = _env_int("WELCOME_CODE_PERCENT_BP", 0)
    WELCOME_CODE_DAYS = _env_int("WELCOME_CODE_DAYS", 30)
    WELCOME_CODE_SCOPE = os.environ.get("WELCOME_CODE_SCOPE", "all").strip().lower()
    GUIDE_LINK_TTL_HOURS = _env_int("GUIDE_LINK_TTL_HOURS", 48)  # how long an emailed confirm link works
    # Flask-Limiter strings; each applies to the sign-up form and to "resend" separately.
    GUIDE_LIMIT_PER_IP = os.environ.get("GUIDE_LIMIT_PER_IP", "20 per hour")
    GUIDE_LIMIT_PER_EMAIL = os.environ.get("GUIDE_LIMIT_PER_EMAIL", "5 per hour")
    COMMENT_LIMIT_PER_IP = os.environ.get("COMMENT_LIMIT_PER_IP", "10 per hour")
    COMMENT_LIMIT_PER_EMAIL = os.environ.get("COMMENT_LIMIT_PER_EMAIL", "5 per hour")

    PAYMENT_PROVIDER = os.environ.get("PAYMENT_PROVIDER", "auto")
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY") or None
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET") or None
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE") or None
    ALLOW_DEV_PAYMENTS = _env_bool("ALLOW_DEV_PAYMENTS")

    CART_LIFETIME_DAYS = 30
    PERMANENT_SESSION_LIFETIME = timedelta(days=CART_LIFETIME_DAYS)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    WTF_CSRF_HEADERS = ["X-CSRFToken"]

    CATALOG_PAGE_SIZE = 12
    JOURNAL_PAGE_SIZE = 10
    # Article views are added up in each process and written at most this often (or once this many
    # are waiting): no database write per page view.
    JOURNAL_VIEW_FLUSH_SECONDS = _env_int("JOURNAL_VIEW_FLUSH_SECONDS", 30)
    JOURNAL_VIEW_FLUSH_VIEWS = _env_int("JOURNAL_VIEW_FLUSH_VIEWS", 200)
    # Seconds a rendered catalog fragment may be served from cache; a catalog change
    # invalidates it at once, this only bounds memory use.
    CATALOG_CACHE_SECONDS = _env_int("CATALOG_CACHE_SECONDS", 300)
    CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "shop:page:")
    # Seconds the admin dashboard's figures (revenue, lists, stock, leads, charts) may be reused for the
    # same range before they are read again; the page says how old they are. 0 reads them on every view.
    ADMIN_DASHBOARD_CACHE_SECONDS = _env_int("ADMIN_DASHBOARD_CACHE_SECONDS", 30)
    # Whole storefront pages for visitors without cookies, stored with their CSRF token and other
    # per-visitor values cut out and filled in per request (shop/anonymous_pages.py). 0 turns it off.
    ANONYMOUS_PAGE_CACHE = _env_bool("ANONYMOUS_PAGE_CACHE", True)
    # How long a process holds the catalog revision without asking Redis or the database. A change
    # made in this process is seen at once; other processes see it within about this long.
    CATALOG_REVISION_SECONDS = _env_int("CATALOG_REVISION_SECONDS", 2)

    # Reverse proxies in front of the app that set X-Forwarded-For/-Proto/-Host. Only that many hops
    # are believed, so a client cannot pick its own IP (rate limits are per IP) by sending the header.
    TRUSTED_PROXY_COUNT = _env_int("TRUSTED_PROXY_COUNT", 0)

    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_STORAGE_OPTIONS = (
        {"socket_connect_timeout": REDIS_TIMEOUT_SECONDS, "socket_timeout": REDIS_TIMEOUT_SECONDS}
        if REDIS_URL
        else {}
    )
    # With Redis unreachable the limits count in each process's memory (one warning when it goes, one
    # line when it is back; Flask-Limiter checks for it again after 1, 2, 4 … 32 s).
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_ENABLED = True
    # Put before every rate-limit key in Redis, so shops (staging beside production) can share one Redis.
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "")

    # The shop's public address (scheme, host, optional path prefix). Every absolute link it hands out
    # (emails, payment return pages) starts with it; none is built from the request's Host header,
    # which the visitor chooses.
    SHOP_BASE_URL = os.environ.get("SHOP_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    # Host names production answers besides SHOP_BASE_URL's (".example.com" matches every subdomain).
    EXTRA_TRUSTED_HOSTS = _env_hosts("TRUSTED_HOSTS")

    # Email: flask-mailman. SMTP in production, a file outbox in development, memory in tests.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL")
    MAIL_TIMEOUT = _env_int("MAIL_TIMEOUT", 10)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Good Spores <hello@localhost>")
    MAIL_FILE_PATH = os.environ.get("MAIL_FILE_PATH", str(INSTANCE_DIR / "outbox"))
    # Optional mailto: alternative in List-Unsubscribe (only if someone processes that mailbox).
    LIST_UNSUBSCRIBE_MAILTO = os.environ.get("LIST_UNSUBSCRIBE_MAILTO") or None
    # Where the privacy page tells people to write for erasure or questions.
    PRIVACY_CONTACT_EMAIL = os.environ.get("PRIVACY_CONTACT_EMAIL") or parseaddr(MAIL_DEFAULT_SENDER)[1]
    EMAIL_MAX_ATTEMPTS = _env_int("EMAIL_MAX_ATTEMPTS", 8)
    # The email worker (`flask shop worker`): how long it sleeps when nothing is due, and how long a
    # claimed email stays its own. A worker that dies mid-send leaves the email due again after the lease;
    # the lease must outlast the slowest send (every SMTP step may wait MAIL_TIMEOUT).
    EMAIL_POLL_SECONDS = _env_float("EMAIL_POLL_SECONDS", 1.0)
    EMAIL_LEASE_SECONDS = _env_int("EMAIL_LEASE_SECONDS", 300)

    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    DEV_TOOLS = False  # dev-only pages such as the local outbox

    @classmethod
    def validate(cls) -> None:
        """Refuse to start with settings that would be unsafe in this environment."""
        check_base_url(cls.SHOP_BASE_URL, require_https=False)
        check_timezone(cls.SHOP_TIMEZONE)
        check_welcome_code(cls.WELCOME_CODE_PERCENT_BP, cls.WELCOME_CODE_DAYS, cls.WELCOME_CODE_SCOPE)
        check_storage(cls)
        if not cls.EMAIL_POLL_SECONDS > 0:
            raise RuntimeError(f"EMAIL_POLL_SECONDS must be above 0, got {cls.EMAIL_POLL_SECONDS}")
        if cls.EMAIL_LEASE_SECONDS < 10 * cls.MAIL_TIMEOUT:
            raise RuntimeError(
                f"EMAIL_LEASE_SECONDS ({cls.EMAIL_LEASE_SECONDS}) must be at least 10 x MAIL_TIMEOUT "
                f"({cls.MAIL_TIMEOUT}): a send that outlives its lease may be sent twice"
            )

    @classmethod
    def trusted_hosts(cls) -> list[str] | None:
        """Flask's TRUSTED_HOSTS: the Host names answered (others get 400); None answers any."""
        return None


class DevelopmentConfig(Config):
    APP_ENV = "development"
    # A fixed development key keeps sessions across restarts; production must set its own.
    SECRET_KEY = os.environ.get("SECRET_KEY") or "development-only-not-secret"
    TEMPLATES_AUTO_RELOAD = True
    DEV_TOOLS = True
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "shop.emails.outbox_backend.EmailBackend")
    # The worker beside `make run` looks often, so the dev outbox shows an email almost at once.
    EMAIL_POLL_SECONDS = _env_float("EMAIL_POLL_SECONDS", 0.2)


def _test_database_url() -> str:
    """TEST_DATABASE_URL, or in-memory SQLite. Under pytest-xdist every worker process (gw0, gw1 …) has a
    PostgreSQL database of its own: TEST_DATABASE_URL's name plus "_gw0" (tests/conftest.py creates it)."""
    url = os.environ.get("TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if url and worker:
        url = f"{url}_{worker}"
    return _database_url(url, "sqlite://")


class TestConfig(Config):
    APP_ENV = "test"
    TESTING = True
    SECRET_KEY = "test-only-not-secret"
    SQLALCHEMY_DATABASE_URI = _test_database_url()
    REDIS_URL = os.environ.get("TEST_REDIS_URL") or None
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    # Each test process resets only its own rate-limit counters (tests run in parallel share the Redis db).
    RATELIMIT_STORAGE_OPTIONS = (
        {
            "key_prefix": f"shop-test-{os.getpid()}:limits",
            "socket_connect_timeout": Config.REDIS_TIMEOUT_SECONDS,
            "socket_timeout": Config.REDIS_TIMEOUT_SECONDS,
        }
        if REDIS_URL
        else {}
    )
    CACHE_KEY_PREFIX = f"shop-test-{os.getpid()}:page:"
    ADMIN_DASHBOARD_CACHE_SECONDS = 0  # tests that check the cache switch it on
    WTF_CSRF_ENABLED = False  # tests that check CSRF switch it back on
    STORAGE_BACKEND = "local"  # tests that need a bucket say so (tests/s3_server.py)
    PAYMENT_PROVIDER = "dev"
    STRIPE_SECRET_KEY = None
    STRIPE_WEBHOOK_SECRET = None
    SERVER_NAME = None
    DEV_TOOLS = True
    MAIL_BACKEND = "locmem"
    SHOP_BASE_URL = "http://localhost"
    # Production uses Werkzeug's default (scrypt, ~0.1 s a hash); tests need hundreds of hashes.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


class ProductionConfig(Config):
    APP_ENV = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    # No default: a link to the wrong address would go out in every email.
    SHOP_BASE_URL = os.environ.get("SHOP_BASE_URL", "").rstrip("/")

    @classmethod
    def validate(cls) -> None:
        if problem := secret_key_problem(cls.SECRET_KEY):
            raise RuntimeError(
                f"SECRET_KEY {problem}. With APP_ENV=production it must be a random value of at least "
                f"{MIN_SECRET_KEY_BYTES} bytes; generate one with: {GENERATE_SECRET_KEY}"
            )
        for position, key in enumerate(cls.SECRET_KEY_FALLBACKS, start=1):
            if problem := secret_key_problem(key):
                raise RuntimeError(
                    f"SECRET_KEY_FALLBACKS entry {position} {problem}: anyone could sign sessions with it. "
                    "Remove it (sessions signed with it end)."
                )
        if is_sqlite_url(cls.SQLALCHEMY_DATABASE_URI) and not cls.ALLOW_SQLITE_IN_PRODUCTION:
            raise RuntimeError(
                "DATABASE_URL points at SQLite, which APP_ENV=production refuses: several processes writing "
                "one file wait on each other's locks. Set DATABASE_URL to PostgreSQL "
                "(postgresql+psycopg://user@host/db)."
            )
        super().validate()
        # https only: production's cookies are Secure, so the shop does not work over plain http anyway.
        check_base_url(cls.SHOP_BASE_URL, require_https=True)

    @classmethod
    def trusted_hosts(cls) -> list[str] | None:
        return [urlsplit(cls.SHOP_BASE_URL).hostname or "", *cls.EXTRA_TRUSTED_HOSTS]


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


class MissingAppEnvError(RuntimeError):
    """APP_ENV is unset in a process that must not guess it (a WSGI server)."""


def started_by_flask_cli() -> bool:
    """The `flask` command sets this before it loads the app (flask.cli.FlaskGroup)."""
    return os.environ.get("FLASK_RUN_FROM_CLI") == "true"


def config_from_env() -> type[Config]:
    """The config class named by APP_ENV.

    Unset, a WSGI server (gunicorn) refuses to start: guessing "development" there would serve a public
    key, the dev outbox and the dev payment page. The `flask` command a developer types falls back to
    development and says so on stderr (`make` sets APP_ENV itself).
    """
    name = os.environ.get("APP_ENV", "").strip().lower()
    if not name:
        if not started_by_flask_cli():
            raise MissingAppEnvError(
                "APP_ENV is not set. Set APP_ENV=production on a server (or APP_ENV=development on your "
                "own machine); the shop does not guess which one it is."
            )
        print(
            "APP_ENV is not set: using the development settings (set APP_ENV=production on a server).",
            file=sys.stderr,
        )
        name = "development"
    try:
        return CONFIGS[name]
    except KeyError as error:
        raise RuntimeError(f"APP_ENV must be one of {sorted(CONFIGS)}, got {name!r}") from error
