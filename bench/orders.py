"""`make bench`, checkout part (issue 3): orders per second and webhook replays, on PostgreSQL.

The shop runs as in bench/run.py (gunicorn, 2 sync workers, APP_ENV=production with ALLOW_DEV_PAYMENTS=1,
so payments go through the development provider) on a PostgreSQL database this script empties first
(BENCH_DATABASE_URL, default shop_bench_orders on 127.0.0.1). Two scenarios, one after the other:

1. **orders/s**: N shoppers in parallel, each order the whole path a browser takes: product page, add to
   cart (JSON), checkout page, checkout POST (the order and its stock reservation), the dev payment page's
   Pay (a signed Stripe-shaped event through the webhook handler: paid, download grants, confirmation email
   queued), success page. Six requests per order. No request sends email (the email worker does, and none
   runs here): this measures the shop, not a mail server.
2. **webhook replay**: wrk POSTs one validly signed `checkout.session.completed` that was already applied
   (Stripe retries deliveries), next to GET /healthz (one database round trip) on the same server.

Also reported: the workers' CPU per order and per request (from /proc, as bench/run.py does). A benchmark,
not a test; it checks only that every order it counted is paid in the database and nothing failed.
"""

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import stripe
from run import (  # bench/run.py: the same gunicorn, wrk and CPU accounting as the page benchmark
    PYTHON,
    RESULTS_DIR,
    ROOT_DIR,
    BenchError,
    Sample,
    Server,
    gunicorn,
    load,
    postgres_unreachable,
    recreate_database,
    redact,
    run_checked,
    shop_env,
    wait_until_up,
)

sys.path.insert(0, str(ROOT_DIR))
from shop.payments.provider import dev_webhook_secret  # noqa: E402  (the shop's root is on the path now)

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/shop_bench_orders"
REQUESTS_PER_ORDER = 6


def prepare(database_url: str, env: dict[str, str]) -> None:
    recreate_database(database_url)
    flask_cli = [PYTHON, "-m", "flask", "--app", "wsgi"]
    run_checked([*flask_cli, "db", "upgrade"], cwd=ROOT_DIR, env=env)
    run_checked([*flask_cli, "shop", "seed"], cwd=ROOT_DIR, env=env)
    engine = sa.create_engine(database_url)
    try:  # enough stock that the run measures checkout, not selling out
        with engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE product_variant SET stock_on_hand = 1000000 WHERE stock_on_hand IS NOT NULL")
            )
    finally:
        engine.dispose()


class _SecureCookiesOverHttp(http.cookiejar.DefaultCookiePolicy):
    """Production marks the session cookie Secure; the bench talks plain HTTP to 127.0.0.1."""

    def return_ok_secure(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return True


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Shopper:
    """One browser: its own cookies, redirects looked at rather than followed."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        jar = http.cookiejar.CookieJar(policy=_SecureCookiesOverHttp())
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())

    def send(self, path: str, form: dict[str, str] | None = None, **headers: str) -> tuple[int, str, str]:
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
        if "json_body" in headers:
            data = headers.pop("json_body").encode()
            headers["Content-Type"] = "application/json"
        # The shop's redirects to its own pages start with SHOP_BASE_URL, a name this machine does not
        # serve: follow their path on the bench server.
        target = urllib.parse.urlsplit(path)
        url = self.base_url + urllib.parse.urlunsplit(("", "", target.path, target.query, ""))
        request = urllib.request.Request(
            url, data=data, headers={k.replace("_", "-"): v for k, v in headers.items()}
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.headers.get("Location", ""), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", ""), error.read().decode()

    def buy(self) -> None:
        """Two hoodies, from the product page to the confirmation; raises on any unexpected answer."""
        _, _, page = self.send("/products/spore-print-hoodie")
        token = re.search(r'name="csrf-token" content="([^"]+)"', page)[1]
        body = json.dumps({"sku": "HOODIE-SPORE-M", "quantity": 2})
        status, _, _ = self.send("/cart/add.json", json_body=body, X_CSRFToken=token)
        expect(status == 200, f"add to cart answered {status}")
        _, _, page = self.send("/checkout")

        def hidden(name: str) -> str:
            return re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)[1]

        form = {
            "csrf_token": hidden("csrf_token"),
            "checkout_key": hidden("checkout_key"),
            "cart_fingerprint": hidden("cart_fingerprint"),
            "email": "bench@example.com",
            "full_name": "Bench Shopper",
            "line1": "1 Load Street",
            "city": "Portland",
            "region": "OR",
            "postal_code": "97201",
            "country": "US",
        }
        status, location, _ = self.send("/checkout", form)
        expect(status == 303 and "/payments/dev/" in location, f"checkout answered {status} → {location}")
        status, location, _ = self.send(location, {"csrf_token": form["csrf_token"], "action": "pay"})
        expect(status == 303 and "/checkout/success" in location, f"pay answered {status} → {location}")
        status, _, page = self.send(location)
        expect(status == 200 and "Your order is confirmed" in page, f"success page answered {status}")


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise BenchError(message)


def orders_per_second(server: Server, *, shoppers: int, seconds: int) -> dict[str, float]:
    Shopper(server.base_url).buy()  # the first order pays for imports and template compilation
    done = [0] * shoppers
    errors: list[str] = []
    deadline = time.monotonic() + seconds

    def shop(index: int) -> None:
        while time.monotonic() < deadline:
            try:
                Shopper(server.base_url).buy()
            except Exception as error:  # counted and reported below
                errors.append(repr(error))
            else:
                done[index] += 1

    threads = [threading.Thread(target=shop, args=(index,)) for index in range(shoppers)]
    cpu_before = server.worker_cpu_seconds()
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    orders = sum(done)
    if errors:
        raise BenchError(f"{len(errors)} order(s) failed; first: {errors[0]}")
    return {
        "orders": orders,
        "seconds": round(elapsed, 2),
        "orders_per_second": round(orders / elapsed, 1),
        "worker_cpu_ms_per_order": round(
            1000 * (server.worker_cpu_seconds() - cpu_before) / max(orders, 1), 1
        ),
    }


def check_orders_paid(database_url: str, counted: int) -> int:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            paid = connection.execute(
                sa.text("""SELECT count(*) FROM "order" WHERE status = 'paid'""")
            ).scalar()
            pending = connection.execute(
                sa.text("""SELECT count(*) FROM "order" WHERE status = 'pending_payment'""")
            ).scalar()
    finally:
        engine.dispose()
    expect(paid == counted + 1 and pending == 0, f"{paid} paid, {pending} pending, {counted + 1} bought")
    return paid


def signed_completed_event(
    secret_key: str, *, event_id: str, session_id: str, order_id: int, total_cents: int, payment_intent: str
) -> tuple[str, str]:
    """A paid checkout.session.completed event as the development provider signs it: payload, signature."""
    event = {
        "id": event_id,
        "object": "event",
        "type": "checkout.session.completed",
        "created": int(time.time()),
        "data": {
            "object": {
                "id": session_id,
                "object": "checkout.session",
                "client_reference_id": str(order_id),
                "metadata": {"order_id": str(order_id)},
                "amount_total": total_cents,
                "currency": "usd",
                "status": "complete",
                "payment_status": "paid",
                "payment_intent": payment_intent,
            }
        },
    }
    payload = json.dumps(event, separators=(",", ":"))
    return payload, stripe.WebhookSignature.generate_signature_header(payload, dev_webhook_secret(secret_key))


def webhook_replay_script(database_url: str, secret_key: str, folder: Path) -> Path:
    """A wrk script POSTing one already-applied, validly signed checkout.session.completed event."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            order = connection.execute(
                sa.text(
                    """SELECT id, total_cents, payment_session_id FROM "order" """
                    """WHERE status = 'paid' LIMIT 1"""
                )
            ).one()
            event_id = connection.execute(
                sa.text("SELECT event_id FROM payment_event_record LIMIT 1")
            ).scalar()
    finally:
        engine.dispose()
    # Signed now: Stripe's tolerance is 300 s, far longer than the run.
    payload, signature = signed_completed_event(
        secret_key,
        event_id=event_id,
        session_id=order.payment_session_id,
        order_id=order.id,
        total_cents=order.total_cents,
        payment_intent="pi_bench",
    )
    script = folder / "webhook-replay.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(payload)}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Stripe-Signature"] = "{signature}"\n'
    )
    return script


def describe(sample: Sample) -> dict[str, float]:
    return {
        "requests_per_second": sample.requests_per_second,
        "p99_ms": sample.p99_ms,
        "worker_cpu_ms_per_request": round(sample.worker_cpu_ms_per_request, 2),
        "db_cpu_ms_per_request": round(sample.server_cpu_ms_per_request, 2),
        "other_cpu_percent": round(sample.other_cpu_percent, 1),
        "non_2xx_3xx": sample.non_2xx_3xx,
        "socket_errors": sample.socket_errors,
    }


def measure(args: argparse.Namespace) -> dict[str, Any]:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="shop-bench-orders-")))
        env = shop_env(argparse.Namespace(redis_url=None), args.database_url, scratch)
        env.update(MAIL_BACKEND="locmem", CHECKOUT_RATE_LIMIT="1000000 per minute")
        print(f"Preparing {redact(args.database_url)}: recreate, upgrade, seed …", flush=True)
        prepare(args.database_url, env)
        server = stack.enter_context(
            gunicorn("orders", "wsgi:app", workers=args.workers, cwd=ROOT_DIR, env=env)
        )
        wait_until_up(server, "/healthz")

        print(f"  orders: {args.shoppers} shoppers for {args.duration}s …", flush=True)
        ordering = orders_per_second(server, shoppers=args.shoppers, seconds=args.duration)
        check_orders_paid(args.database_url, ordering["orders"])

        script = webhook_replay_script(args.database_url, env["SECRET_KEY"], scratch)
        print(f"  GET /healthz and POST /webhooks/stripe (replay), {args.duration}s each …", flush=True)
        healthz = load(server, server.base_url + "/healthz", args)
        replay = load(server, server.base_url + "/webhooks/stripe", args, script=script)
    return {
        "database": redact(args.database_url),
        "gunicorn_workers": args.workers,
        "app_env": "production (ALLOW_DEV_PAYMENTS=1)",
        "orders": {**ordering, "shoppers": args.shoppers, "requests_per_order": REQUESTS_PER_ORDER},
        "healthz": describe(healthz),
        "webhook_replay": describe(replay),
        "webhook_replay_to_healthz": round(replay.requests_per_second / healthz.requests_per_second, 2),
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        help="PostgreSQL database to DROP, create and use (default: BENCH_DATABASE_URL or shop_bench_orders)",
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario (default 10)")
    parser.add_argument(
        "--shoppers", type=int, default=4, help="parallel shoppers placing orders (default 4)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--wrk", default=shutil.which("wrk") or "wrk", help="path to the wrk binary")
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        parser.error("the checkout benchmark runs on PostgreSQL: pass --database-url postgresql+psycopg://…")
    return args


def main() -> int:
    args = parse_args()
    if shutil.which(args.wrk) is None:
        print(f"wrk not found ({args.wrk}); install it (apt-get install wrk)", file=sys.stderr)
        return 2
    if reason := postgres_unreachable(args.database_url):
        print(f"orders skipped: {reason}. It needs PostgreSQL (see bench/README.md).")
        return 0
    try:
        results = measure(args)
    except BenchError as error:
        print(f"bench failed: {error}", file=sys.stderr)
        return 1
    output = RESULTS_DIR / "orders.json"
    output.write_text(json.dumps(results, indent=2) + "\n")
    ordering, healthz, replay = results["orders"], results["healthz"], results["webhook_replay"]
    print(
        f"\n{results['database']}, gunicorn {args.workers} sync workers, {args.shoppers} shoppers\n"
        f"orders          {ordering['orders_per_second']:>7.1f} orders/s  ({ordering['orders']} in "
        f"{ordering['seconds']} s, {REQUESTS_PER_ORDER} requests each; "
        f"{ordering['worker_cpu_ms_per_order']} ms worker CPU per order)\n"
        f"webhook replay  {replay['requests_per_second']:>7.1f} req/s     p99 {replay['p99_ms']:.1f} ms, "
        f"{replay['worker_cpu_ms_per_request']} ms worker CPU/req, non-2xx {replay['non_2xx_3xx']}\n"
        f"GET /healthz    {healthz['requests_per_second']:>7.1f} req/s     p99 {healthz['p99_ms']:.1f} ms, "
        f"{healthz['worker_cpu_ms_per_request']} ms worker CPU/req\n"
        f"webhook replay ÷ healthz: {results['webhook_replay_to_healthz']}×  (other CPU on the machine: "
        f"{max(healthz['other_cpu_percent'], replay['other_cpu_percent']):.0f}%)\n\nJSON: {output}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
