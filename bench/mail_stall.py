"""Time a password reset and a signed payment webhook while the SMTP server accepts connections and
never answers.

Email sent inside the request made both wait for the mail server (MAIL_TIMEOUT, 10 s), and made a reset
for an existing account slower than one for an unknown address (which sends nothing), so response
times told who has an account. The shop runs as in bench/run.py (gunicorn, 2 sync workers, production
settings, a fresh SQLite file with the demo catalog; one worker, so the unmeasured first round compiles
every template the measured ones use) with MAIL_SERVER pointing at a local socket that accepts and stays
silent. No email worker runs: requests must not depend on one. A measurement, not a
test: it prints the times and asserts nothing about them.

    .venv/bin/python bench/mail_stall.py [--repeat 3] [--database-url postgresql+psycopg://…/empty_db]

The reset form allows 3 requests per address and 10 per visitor an hour, so --repeat is at most 3.
"""

import argparse
import json
import re
import secrets
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from functools import partial
from pathlib import Path

import sqlalchemy as sa
from orders import Shopper, signed_completed_event  # bench/orders.py: a browser; a signed paid event
from run import PYTHON, RESULTS_DIR, ROOT_DIR, gunicorn, redact, run_checked, shop_env, wait_until_up


class SilentSmtpServer:
    """Accepts every connection and never sends a byte (not even the greeting)."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self._held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            connection, _ = self._socket.accept()
            self._held.append(connection)  # kept open, unanswered


def timed(request: Callable[[], tuple[int, str, str]]) -> tuple[float, int]:
    """Seconds the request took, and its status code."""
    started = time.perf_counter()
    status, _, _ = request()
    return time.perf_counter() - started, status


def reset_times(base_url: str, email: str, repeat: int) -> list[float]:
    times = []
    for number in range(repeat):
        shopper = Shopper(base_url)
        _, _, page = shopper.send("/account/reset")
        token = re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]*)"', page)[1]
        form = {"csrf_token": token, "email": email.format(number=number)}
        seconds, status = timed(partial(shopper.send, "/account/reset", form))
        assert status == 200, f"reset answered {status}"
        times.append(seconds)
    return times


def start_checkout(base_url: str) -> str:
    """A digital-only order waiting for payment; its payment session id."""
    shopper = Shopper(base_url)
    _, _, page = shopper.send("/products/90-day-microdosing-workbook")
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)[1]
    body = json.dumps({"sku": "GUIDE-WORKBOOK", "quantity": 1})
    status, _, _ = shopper.send("/cart/add.json", json_body=body, X_CSRFToken=token)
    assert status == 200, f"add to cart answered {status}"
    _, _, page = shopper.send("/checkout")

    def hidden(name: str) -> str:
        return re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)[1]

    form = {name: hidden(name) for name in ("csrf_token", "checkout_key", "cart_fingerprint")}
    status, location, _ = shopper.send("/checkout", {**form, "email": "stall@example.com"})
    assert status == 303 and "/payments/dev/" in location, f"checkout answered {status} → {location}"
    return location.rsplit("/", 1)[1]


def paid_event(database_url: str, session_id: str, secret_key: str) -> tuple[str, str]:
    """The provider's signed checkout.session.completed for that session: payload and signature."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            order = connection.execute(
                sa.text('SELECT id, total_cents FROM "order" WHERE payment_session_id = :session'),
                {"session": session_id},
            ).one()
    finally:
        engine.dispose()
    return signed_completed_event(
        secret_key,
        event_id=f"evt_stall_{order.id}",
        session_id=session_id,
        order_id=order.id,
        total_cents=order.total_cents,
        payment_intent=f"pi_stall_{order.id}",
    )


def webhook_times(base_url: str, database_url: str, secret_key: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        payload, signature = paid_event(database_url, start_checkout(base_url), secret_key)
        shopper = Shopper(base_url)
        seconds, status = timed(
            partial(shopper.send, "/webhooks/stripe", json_body=payload, Stripe_Signature=signature)
        )
        assert status == 200, f"webhook answered {status}"
        times.append(seconds)
    return times


def describe(times: list[float]) -> str:
    each = " ".join(f"{seconds * 1000:.0f}" for seconds in times)
    return f"median {statistics.median(times) * 1000:8.1f} ms   each: {each} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeat", type=int, choices=(1, 2, 3), default=3, help="requests per scenario (default 3)"
    )
    parser.add_argument(
        "--database-url", help="an empty database to upgrade and seed (default: a fresh SQLite file)"
    )
    args = parser.parse_args()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    smtp = SilentSmtpServer()
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="shop-mail-stall-")))
        database_url = args.database_url or f"sqlite:///{scratch / 'shop.sqlite3'}"
        env = shop_env(argparse.Namespace(redis_url=None), database_url, scratch)
        env.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp.port), LOG_LEVEL="ERROR")
        flask_cli = [PYTHON, "-m", "flask", "--app", "wsgi"]
        run_checked([*flask_cli, "db", "upgrade"], cwd=ROOT_DIR, env=env)
        run_checked([*flask_cli, "shop", "seed"], cwd=ROOT_DIR, env=env)  # creates admin@example.com
        warm_up = [*flask_cli, "shop", "create-admin", "warm-up@example.com", "--role", "staff"]
        run_checked([*warm_up, "--password", secrets.token_urlsafe(16)], cwd=ROOT_DIR, env=env)
        server = stack.enter_context(gunicorn("mail-stall", "wsgi:app", workers=1, cwd=ROOT_DIR, env=env))
        wait_until_up(server, "/healthz")

        print(f"SMTP server on 127.0.0.1:{smtp.port} accepts and never answers; MAIL_TIMEOUT 10 s")
        print(f"database: {redact(database_url)}")
        url, secret, repeat = server.base_url, env["SECRET_KEY"], args.repeat
        # Unmeasured: the first of each kind imports modules and compiles the pages' and emails' templates.
        reset_times(url, "warm-up@example.com", 1)
        reset_times(url, "warm-up-unknown@example.com", 1)
        webhook_times(url, database_url, secret, 1)
        rows = {
            "password reset, existing account": reset_times(url, "admin@example.com", repeat),
            "password reset, unknown address": reset_times(url, "nobody{number}@example.com", repeat),
            "signed webhook, order paid": webhook_times(url, database_url, secret, repeat),
        }
    for name, times in rows.items():
        print(f"  {name:<34} {describe(times)}")


if __name__ == "__main__":
    main()
