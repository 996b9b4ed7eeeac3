"""Checkout benchmarks (issue 3), on PostgreSQL with 2 sync gunicorn workers and the dev payment provider:

1. orders per second: shoppers in parallel, each order is the whole path a browser takes — product page,
   add to cart (JSON), checkout page, checkout POST (order + reservation), dev payment page's Pay (signed
   event through the webhook handler: paid, download grants, confirmation email), success page;
2. the webhook handler's throughput for an event it has already processed (Stripe retries), with wrk, next to
   GET /healthz (one database round trip) on the same server as the baseline.

Run: `.venv/bin/python bench/orders.py` (BENCH_DATABASE_URL picks the database; it is emptied). Prints a
summary and writes bench/results/orders.json. A benchmark, not a test: it asserts only that every counted
order really is paid in the database.
"""

import argparse
import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import sqlalchemy as sa
import stripe

BENCH_DIR = Path(__file__).resolve().parent
ROOT_DIR = BENCH_DIR.parent
sys.path.insert(0, str(ROOT_DIR))

from shop.payments.provider import dev_webhook_secret  # noqa: E402  (after the path is set)

BIN = Path(sys.executable).parent
SECRET_KEY = "bench-only-secret-key"
DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/shop_bench_orders"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_database(url: str) -> None:
    database = sa.engine.make_url(url).database
    admin = sa.create_engine(sa.engine.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
    admin.dispose()


def app_env(database_url: str, tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "APP_ENV": "development",
            "SECRET_KEY": SECRET_KEY,
            "DATABASE_URL": database_url,
            "PAYMENT_PROVIDER": "dev",
            "MAIL_BACKEND": "locmem",  # measure the shop, not the disk or an SMTP server
            "GUIDE_STORAGE_DIR": str(tmp / "guides"),
            "CHECKOUT_RATE_LIMIT": "1000000 per minute",
            "LOG_LEVEL": "WARNING",
        }
    )
    env.pop("REDIS_URL", None)
    return env


def prepare(database_url: str, env: dict[str, str]) -> None:
    ensure_database(database_url)
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT_DIR, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "shop", "seed"], cwd=ROOT_DIR, env=env, check=True, capture_output=True)
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:  # enough stock that the run measures checkout, not sell-outs
        connection.execute(
            sa.text("UPDATE product_variant SET stock_on_hand = 1000000 WHERE stock_on_hand IS NOT NULL")
        )
    engine.dispose()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class Shopper:
    """A browser: a cookie jar, no automatic redirects."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )

    def request(
        self, path: str, data: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, str, str]:
        url = path if path.startswith("http") else self.base + path
        request = urllib.request.Request(url, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.headers.get("Location", ""), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", ""), error.read().decode()

    def buy(self) -> None:
        _, _, page = self.request("/products/spore-print-hoodie")
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        body = json.dumps({"sku": "HOODIE-SPORE-M", "quantity": 2}).encode()
        status, _, _ = self.request(
            "/cart/add.json", body, {"Content-Type": "application/json", "X-CSRFToken": token}
        )
        assert status == 200, status
        _, _, page = self.request("/checkout")

        def hidden(name: str) -> str:
            return re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page).group(1)

        form = {
            "csrf_token": hidden("csrf_token"),
            "checkout_key": hidden("checkout_key"),
            "cart_fingerprint": hidden("cart_fingerprint"),
            "email": "bench@example.com",
            "full_name": "Bench Shopper",
            "line1": "1 Load Street",
            "city": "Portland",
            "postal_code": "97201",
            "country": "US",
        }
        status, location, _ = self.request("/checkout", urllib.parse.urlencode(form).encode())
        assert status == 303 and "/payments/dev/" in location, (status, location)
        status, location, _ = self.request(
            location, urllib.parse.urlencode({"csrf_token": form["csrf_token"], "action": "pay"}).encode()
        )
        assert status == 303 and "/checkout/success" in location, (status, location)
        status, _, page = self.request(location)
        assert status == 200 and "Your order is confirmed" in page, status


def orders_per_second(base: str, *, shoppers: int, seconds: float) -> dict[str, float]:
    done = [0] * shoppers
    errors: list[str] = []
    stop = time.monotonic() + seconds

    def run(index: int) -> None:
        while time.monotonic() < stop:
            try:
                Shopper(base).buy()
                done[index] += 1
            except Exception as error:  # reported, never hidden
                errors.append(repr(error))

    Shopper(base).buy()  # warm both workers' caches a little
    threads = [threading.Thread(target=run, args=(i,)) for i in range(shoppers)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    if errors:
        print(f"  {len(errors)} failed orders, first: {errors[0]}")
    return {
        "orders": sum(done),
        "seconds": round(elapsed, 2),
        "orders_per_second": round(sum(done) / elapsed, 1),
    }


def wrk(url: str, *, seconds: int, script: Path | None = None) -> dict[str, float]:
    command = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency"]
    if script:
        command += ["-s", str(script)]
    output = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests_per_second": rps,
        "p99_ms": round(float(p99.group(1)) * scale, 2),
        "non_2xx_3xx": int(non_2xx.group(1)) if non_2xx else 0,
    }


def webhook_script(tmp: Path, database_url: str) -> Path:
    """A wrk script replaying one already-processed, validly signed checkout.session.completed event."""
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        order = connection.execute(
            sa.text("SELECT id, total_cents, payment_session_id FROM \"order\" WHERE status = 'paid' LIMIT 1")
        ).one()
    engine.dispose()
    event = {
        "id": "evt_bench_replay",
        "object": "event",
        "type": "checkout.session.completed",
        "created": int(time.time()),
        "data": {
            "object": {
                "id": order.payment_session_id,
                "object": "checkout.session",
                "client_reference_id": str(order.id),
                "metadata": {"order_id": str(order.id)},
                "amount_total": order.total_cents,
                "currency": "usd",
                "status": "complete",
                "payment_status": "paid",
                "payment_intent": "pi_bench",
            }
        },
    }
    payload = json.dumps(event, separators=(",", ":"))
    signature = stripe.WebhookSignature.generate_signature_header(payload, dev_webhook_secret(SECRET_KEY))
    script = tmp / "webhook.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(payload)}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Stripe-Signature"] = "{signature}"\n'
    )
    return script


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--shoppers", type=int, default=4)
    args = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    results_dir = BENCH_DIR / "results"
    results_dir.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        env = app_env(database_url, tmp)
        prepare(database_url, env)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(results_dir / "orders-gunicorn.log", "w")  # noqa: SIM115 (closed below)
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", "2", "-k", "sync", "-b", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            ordering = orders_per_second(base, shoppers=args.shoppers, seconds=args.seconds)
            engine = sa.create_engine(database_url)
            with engine.connect() as connection:
                paid = connection.execute(
                    sa.text("SELECT count(*) FROM \"order\" WHERE status = 'paid'")
                ).scalar()
                events = connection.execute(sa.text("SELECT count(*) FROM payment_event_record")).scalar()
            engine.dispose()
            assert paid == ordering["orders"] + 1 == events, (paid, ordering, events)
            script = webhook_script(tmp, database_url)
            baseline = wrk(base + "/healthz", seconds=args.seconds)
            webhook = wrk(base + "/webhooks/stripe", seconds=args.seconds, script=script)
        finally:
            server.terminate()
            server.wait(timeout=10)
            log.close()
    results = {
        "orders": ordering,
        "healthz": baseline,
        "webhook_replay": webhook,
        "webhook_to_healthz_ratio": round(
            webhook["requests_per_second"] / baseline["requests_per_second"], 2
        ),
        "workers": 2,
        "database": "postgresql",
    }
    (results_dir / "orders.json").write_text(json.dumps(results, indent=2) + "\n")
    print(
        f"orders: {ordering['orders']} in {ordering['seconds']} s = {ordering['orders_per_second']} orders/s "
        f"({args.shoppers} shoppers, 6 requests per order)\n"
        f"webhook replay: {webhook['requests_per_second']:.0f} req/s, p99 {webhook['p99_ms']} ms, "
        f"non-2xx {webhook['non_2xx_3xx']}\n"
        f"GET /healthz:   {baseline['requests_per_second']:.0f} req/s, p99 {baseline['p99_ms']} ms "
        f"(webhook/healthz = {results['webhook_to_healthz_ratio']})"
    )


if __name__ == "__main__":
    main()
