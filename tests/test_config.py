"""Settings that refuse to start: no guessing APP_ENV under a WSGI server, no weak production key,
no SQLite in production."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

import config
from config import DevelopmentConfig, ProductionConfig, secret_key_problem
from shop import create_app
from tests.s3_server import objects

ROOT = Path(__file__).resolve().parents[1]
STRONG_KEY = "Zq3vN8wYp2LrT6sXk9BdF4hJm7CgA1eU"  # 32 bytes
POSTGRES_URL = "postgresql+psycopg://shop@db.invalid/shop"


def production(**settings: object) -> type[ProductionConfig]:
    defaults = {
        "SECRET_KEY": STRONG_KEY,
        "SQLALCHEMY_DATABASE_URI": POSTGRES_URL,
        "SECRET_KEY_FALLBACKS": [],
        "SHOP_BASE_URL": "https://shop.example.com",
    }
    return type("Production", (ProductionConfig,), {**defaults, **settings})


# --- SECRET_KEY --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        None,
        "",
        "x",
        "s3cret",
        STRONG_KEY[:31],  # 31 bytes
        "development-only-not-secret",
        "test-only-not-secret",
        "please-change-me-before-going-live-2026",
        "REPLACE_ME_WITH_A_LONG_RANDOM_STRING_0123",
        "your-secret-key-goes-here-and-is-long-enough",
        "x" * 64,
        "ab" * 32,
    ],
)
def test_production_refuses_a_missing_short_public_or_placeholder_key(key: str | None) -> None:
    assert secret_key_problem(key) is not None
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(production(SECRET_KEY=key))


# Fixed ids: the random keys differ in every process, and pytest-xdist's workers must collect the same tests.
@pytest.mark.parametrize(
    "key",
    [STRONG_KEY, secrets.token_urlsafe(48), secrets.token_hex(32)],
    ids=["fixed", "token_urlsafe", "token_hex"],
)
def test_production_accepts_a_random_key_of_32_bytes_or_more(key: str) -> None:
    assert secret_key_problem(key) is None
    assert production(SECRET_KEY=key).validate() is None


def test_a_short_key_is_refused_with_how_to_make_a_good_one() -> None:
    with pytest.raises(RuntimeError) as refused:
        production(SECRET_KEY="x").validate()

    assert "1 bytes long; it needs at least 32" in str(refused.value)
    assert "secrets.token_urlsafe" in str(refused.value)


def test_production_refuses_a_weak_fallback_key() -> None:
    with pytest.raises(RuntimeError, match="SECRET_KEY_FALLBACKS entry 2"):
        production(SECRET_KEY_FALLBACKS=[secrets.token_urlsafe(48), "development-only-not-secret"]).validate()


def test_development_keeps_its_fixed_key() -> None:
    assert DevelopmentConfig.validate() is None


# --- SQLite -------------------------------------------------------------------------------------------


def test_production_refuses_sqlite() -> None:
    with pytest.raises(RuntimeError, match="SQLite"):
        create_app(production(SQLALCHEMY_DATABASE_URI="sqlite:////srv/shop/shop.sqlite3"))


def test_production_runs_sqlite_only_when_explicitly_allowed() -> None:
    allowed = production(
        SQLALCHEMY_DATABASE_URI="sqlite:////tmp/bench.sqlite3", ALLOW_SQLITE_IN_PRODUCTION=True
    )

    allowed.validate()  # raises without ALLOW_SQLITE_IN_PRODUCTION (the test above)

    assert allowed.SQLALCHEMY_DATABASE_URI == "sqlite:////tmp/bench.sqlite3"
    with pytest.raises(RuntimeError, match="SQLite"):
        production(SQLALCHEMY_DATABASE_URI="sqlite:////tmp/bench.sqlite3").validate()


# --- the email worker's settings ----------------------------------------------------------------------


def test_a_lease_shorter_than_ten_mail_timeouts_is_refused() -> None:
    with pytest.raises(RuntimeError, match="EMAIL_LEASE_SECONDS"):
        production(EMAIL_LEASE_SECONDS=60, MAIL_TIMEOUT=10).validate()


# --- SHOP_TIMEZONE -----------------------------------------------------------------------------------


def test_the_shop_time_zone_defaults_to_utc() -> None:
    env = {key: value for key, value in os.environ.items() if key != "SHOP_TIMEZONE"}
    read = [sys.executable, "-c", "import config; print(config.Config.SHOP_TIMEZONE)"]

    assert subprocess.run(read, cwd=ROOT, env=env, capture_output=True, text=True).stdout == "UTC\n"
    env["SHOP_TIMEZONE"] = "Europe/Lisbon"
    assert subprocess.run(read, cwd=ROOT, env=env, capture_output=True, text=True).stdout == "Europe/Lisbon\n"


@pytest.mark.parametrize("name", ["", "Mars/Olympus", "utc+2", "../../etc/passwd", "Europe/ London"])
def test_an_unknown_time_zone_is_refused_at_start_up_with_examples(name: str) -> None:
    with pytest.raises(RuntimeError, match="SHOP_TIMEZONE must be an IANA time zone name such as UTC"):
        production(SHOP_TIMEZONE=name).validate()


@pytest.mark.parametrize("name", ["UTC", "Europe/London", "America/New_York", "Asia/Kathmandu"])
def test_known_time_zones_are_accepted(name: str) -> None:
    assert production(SHOP_TIMEZONE=name).validate() is None
    assert type("Dev", (DevelopmentConfig,), {"SHOP_TIMEZONE": name}).validate() is None


# --- file storage (STORAGE_BACKEND, S3_*) ----------------------------------------------------------------

S3 = {"STORAGE_BACKEND": "s3", "S3_BUCKET": "shop-files"}


def test_an_s3_backend_with_a_bucket_is_accepted_without_connecting() -> None:
    assert production(**S3).validate() is None
    assert (
        production(**S3, S3_ENDPOINT_URL="https://acct.r2.cloudflarestorage.com", S3_REGION="auto").validate()
        is None
    )
    assert production(STORAGE_BACKEND="local").validate() is None


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"STORAGE_BACKEND": "ftp"}, "STORAGE_BACKEND must be one of local, s3, got 'ftp'"),
        ({"STORAGE_BACKEND": "s3"}, "STORAGE_BACKEND=s3 needs S3_BUCKET"),
        ({**S3, "S3_BUCKET": "My_Bucket"}, "S3_BUCKET must be a bucket name"),
        ({**S3, "S3_ACCESS_KEY_ID": "AKIA123"}, "S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together"),
        ({**S3, "S3_SECRET_ACCESS_KEY": "s3cret"}, "S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together"),
        ({**S3, "S3_ENDPOINT_URL": "minio:9000"}, "S3_ENDPOINT_URL must be the store's http:// or https://"),
        ({**S3, "S3_ADDRESSING_STYLE": "dns"}, "S3_ADDRESSING_STYLE must be one of auto, path, virtual"),
        ({**S3, "S3_MEDIA_PREFIX": "guides/"}, "S3_GUIDE_PREFIX and S3_MEDIA_PREFIX must differ"),
        ({**S3, "S3_GUIDE_PREFIX": "guides"}, "S3_GUIDE_PREFIX must be empty or end with /"),
        ({**S3, "S3_READ_TIMEOUT_SECONDS": 0}, "S3_CONNECT_TIMEOUT_SECONDS and S3_READ_TIMEOUT_SECONDS"),
        ({**S3, "S3_MAX_ATTEMPTS": 0}, "S3_MAX_ATTEMPTS must be at least 1"),
    ],
)
def test_an_incomplete_or_malformed_store_is_refused_at_start_up(settings: dict, message: str) -> None:
    with pytest.raises(RuntimeError, match=re.escape(message)):
        create_app(production(**settings))


def test_the_s3_backend_is_chosen_by_environment_variables_alone(
    tmp_path: Path, s3_endpoint: str, s3_bucket: str
) -> None:
    seed = (
        "import wsgi; from shop.extensions import db; app = wsgi.app\n"
        "with app.app_context(): db.create_all()\n"
        "print(app.test_cli_runner().invoke(args=['shop', 'seed']).output)\n"
        "print(app.extensions['guide_storage'], app.extensions['media_storage'])"
    )
    seeded = run(
        ["-c", seed],
        tmp_path,
        APP_ENV="development",
        STORAGE_BACKEND="s3",
        S3_BUCKET=s3_bucket,
        S3_ENDPOINT_URL=s3_endpoint,
        S3_REGION="us-east-1",
        S3_ACCESS_KEY_ID="test",
        S3_SECRET_ACCESS_KEY="test",
        S3_GUIDE_PREFIX="/shop/pdfs",
    )

    assert seeded.returncode == 0, seeded.stderr
    assert "Seeded demo catalog" in seeded.stdout
    assert "prefix='shop/pdfs/'" in seeded.stdout and "prefix='media/'" in seeded.stdout
    keys = sorted(objects(s3_endpoint, s3_bucket))
    assert len(keys) == 3 and all(key.startswith("shop/pdfs/") and key.endswith(".pdf") for key in keys)
    assert not (tmp_path / "guides").exists()


# --- APP_ENV ------------------------------------------------------------------------------------------


def test_without_app_env_a_wsgi_server_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APP_ENV", raising=False)
    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)

    with pytest.raises(config.MissingAppEnvError, match="Set APP_ENV=production"):
        config.config_from_env()


def test_without_app_env_the_flask_command_uses_development_and_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("APP_ENV", raising=False)
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")

    assert config.config_from_env() is DevelopmentConfig
    assert "APP_ENV is not set: using the development settings" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["production", " Production "])
def test_app_env_names_the_settings(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv("APP_ENV", name)

    assert config.config_from_env() is ProductionConfig


def run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run Python with `args` from the project root in a clean environment (plus `env`), as a server
    would start it; nothing is written outside `tmp_path`."""
    clean = {
        "PATH": os.environ["PATH"],
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shop.sqlite3'}",
        "GUIDE_STORAGE_DIR": str(tmp_path / "guides"),
        "MEDIA_STORAGE_DIR": str(tmp_path / "media"),
        "MAIL_FILE_PATH": str(tmp_path / "outbox"),
        **env,
    }
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_the_wsgi_entry_point_refuses_to_start_without_app_env(tmp_path: Path) -> None:
    refused = run(["-c", "import wsgi"], tmp_path)

    assert refused.returncode != 0
    assert "APP_ENV is not set. Set APP_ENV=production on a server" in refused.stderr


def test_the_wsgi_entry_point_starts_in_production_with_safe_settings(tmp_path: Path) -> None:
    started = run(
        ["-c", "import wsgi; print(wsgi.app.config['APP_ENV'])"],
        tmp_path,
        APP_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(48),
        DATABASE_URL=POSTGRES_URL,  # never connected to: importing the app opens no connection
        ALLOW_DEV_PAYMENTS="1",
        SHOP_BASE_URL="https://shop.example.com",
    )

    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "production"


def test_the_flask_command_without_app_env_runs_development_and_warns(tmp_path: Path) -> None:
    listed = run(["-m", "flask", "--app", "wsgi", "shop", "--help"], tmp_path)

    assert listed.returncode == 0, listed.stderr
    assert "deliver-emails" in listed.stdout
    assert "APP_ENV is not set: using the development settings" in listed.stderr
