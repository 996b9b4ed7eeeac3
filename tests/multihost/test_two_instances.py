"""Two shop instances behind one load balancer: whatever a visitor did through one, the other knows.

The instances are real gunicorn processes in production mode sharing PostgreSQL, Redis and the file store
(tests/multihost/conftest.py); each browser here has its own cookies and address, and sends each request to
the instance the test picks. See README "Deployment: running several hosts"."""

import itertools
import json
import random
import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from email import message_from_bytes
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
import stripe

from shop.catalog.models import Product, ProductVariant
from shop.emails.models import EmailStatus, OutgoingEmail
from shop.emails.services import queue_email
from shop.extensions import db
from shop.orders.models import Order, OrderStatus
from shop.payments.dev_provider import DevProvider
from tests.accounts.helpers import PASSWORD, make_user
from tests.checkout_helpers import hidden_fields
from tests.factories import make_product
from tests.multihost.conftest import Cluster
from tests.multihost.harness import SHOP_BASE_URL, Browser, Process, csrf_token, page_text, path_of
from tests.order_factory import ADDRESS, make_pending_order
from tests.s3_server import objects

pytestmark = pytest.mark.postgres

_addresses = itertools.count(1)
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def browser() -> Browser:
    """A new visitor with an address of its own (rate limits are per address)."""
    number = next(_addresses)
    return Browser(ip=f"203.0.{number // 250}.{number % 250 + 1}")


def product_with_stock(cluster: Cluster, stock: int) -> ProductVariant:
    with cluster.app.app_context():
        product = make_product(slug=f"multihost-{next(_addresses)}", stock=stock)
        variant = product.variants[0]
        db.session.expunge_all()
        return variant


def stock_of(cluster: Cluster, variant_id: int) -> int | None:
    with cluster.app.app_context():
        return db.session.get(ProductVariant, variant_id).stock_on_hand


def add_to_cart(visitor: Browser, instance: Process, slug: str, sku: str, quantity: int = 1) -> None:
    page = visitor.get(instance, f"/products/{slug}")
    assert page.status_code == 200
    added = visitor.post_json(instance, "/cart/add.json", {"sku": sku, "quantity": quantity}, page=page.text)
    assert added.status_code == 200, added.text


def slug_of(cluster: Cluster, variant: ProductVariant) -> str:
    with cluster.app.app_context():
        return db.session.get(Product, variant.product_id).slug


def comes_to_show(instance: Process, path: str, text: str, timeout: float = 15.0) -> bool:
    """Whether the page, as a new visitor sees it, shows `text` within `timeout` seconds: processes other
    than the one that made a catalog change see it after CATALOG_REVISION_SECONDS (2)."""
    deadline = time.monotonic() + timeout
    while text not in browser().get(instance, path).text:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def log_in(visitor: Browser, instance: Process, email: str, password: str, **extra: str) -> None:
    page = visitor.get(instance, "/account/login")
    response = visitor.post_form(
        instance, "/account/login", {"email": email, "password": password, **extra}, page=page.text
    )
    assert response.status_code == 303, page_text(response.text)


def test_a_cart_made_through_one_instance_is_the_cart_on_the_other(cluster: Cluster) -> None:
    # given a shopper who put two in the cart through instance A
    variant = product_with_stock(cluster, 5)
    shopper = browser()
    add_to_cart(shopper, cluster.a, slug_of(cluster, variant), variant.sku, quantity=2)

    # when the next requests go to B, then to A again
    on_b = shopper.get(cluster.b, "/cart.json").json()
    page = shopper.get(cluster.b, "/cart")
    changed = shopper.post_json(
        cluster.b, "/cart/change.json", {"sku": variant.sku, "quantity": 3}, page=page.text
    )
    on_a = shopper.get(cluster.a, "/cart.json").json()

    # then both instances show the same cart
    assert [(item["sku"], item["quantity"]) for item in on_b["items"]] == [(variant.sku, 2)]
    assert changed.status_code == 200
    assert [(item["sku"], item["quantity"]) for item in on_a["items"]] == [(variant.sku, 3)]


def test_a_login_on_one_instance_holds_on_the_other_and_a_logout_ends_it_on_both(cluster: Cluster) -> None:
    # given a customer logged in through A ("keep me logged in"), and on a second device through B
    email = f"ana{next(_addresses)}@example.com"
    with cluster.app.app_context():
        make_user(email)
    laptop, phone = browser(), browser()
    log_in(laptop, cluster.a, email, PASSWORD, remember="y")
    log_in(phone, cluster.b, email, PASSWORD)
    copied = laptop.cookie_header()

    # when the laptop's next page comes from B
    account_on_b = laptop.get(cluster.b, "/account/")

    # then it is logged in there
    assert account_on_b.status_code == 200 and email in account_on_b.text
    assert {"session", "remember_token"} <= set(copied)

    # when the customer logs out through A
    page = laptop.get(cluster.a, "/account/logout")
    logged_out = laptop.post_form(cluster.a, "/account/logout", {}, page=page.text)
    assert logged_out.status_code == 303

    # then the session has ended on both instances, for both devices, and the old cookies replayed on B
    # (the session and the remember cookie) log nobody in
    replayed = Browser(ip=laptop.ip)
    for name, value in copied.items():
        replayed.session.cookies.set(name, value, domain="127.0.0.1", path="/")
    for visitor in (laptop, phone, replayed):
        for instance in cluster.instances:
            response = visitor.get(instance, "/account/")
            assert response.status_code == 302, (instance.name, response.status_code)
            assert "/account/login" in response.headers["Location"]


def test_rate_limits_count_requests_to_both_instances(cluster: Cluster) -> None:
    # given one visitor (one address) and the discount code limit of 20 a minute (DISCOUNT_RATE_LIMIT)
    visitor = browser()
    page = visitor.get(cluster.a, "/cart").text

    # when it tries codes alternately through A and B
    statuses = [
        visitor.post_json(instance, "/cart/discount.json", {"code": f"GUESS{number}"}, page=page).status_code
        for number, instance in zip(range(20), itertools.cycle(cluster.instances), strict=False)
    ]
    over_on_a = visitor.post_json(cluster.a, "/cart/discount.json", {"code": "GUESS20"}, page=page)
    over_on_b = visitor.post_json(cluster.b, "/cart/discount.json", {"code": "GUESS21"}, page=page)

    # then the first 20 were answered (a code that does not exist is a 4xx of its own) and the 21st is
    # refused on both: the two instances count together
    assert 429 not in statuses and all(400 <= status < 500 for status in statuses), statuses
    assert (over_on_a.status_code, over_on_b.status_code) == (429, 429)
    # in Redis, under the shop's RATELIMIT_KEY_PREFIX
    client = redis.Redis.from_url(cluster.shared.redis_url)
    try:
        keys = [key.decode() for key in client.scan_iter(match=f"*{cluster.shared.key_prefix}:limits*")]
    finally:
        client.close()
    assert any(visitor.ip in key for key in keys), keys


def test_an_image_uploaded_through_one_instance_is_served_by_the_other(cluster: Cluster) -> None:
    # given the admin the seed created, logged in through A
    staff = browser()
    log_in(staff, cluster.a, cluster.admin_email, cluster.admin_password)
    with cluster.app.app_context():
        product_id = db.session.scalar(sa.select(Product.id).order_by(Product.id).limit(1))
    edit_page = staff.get(cluster.a, f"/admin/products/{product_id}")
    assert edit_page.status_code == 200

    # when an image is uploaded through A
    uploaded = staff.post(
        cluster.a,
        f"/admin/products/{product_id}/image",
        data={"csrf_token": csrf_token(edit_page.text), "image_alt": "A photo"},
        files={"image": ("photo.png", PNG, "image/png")},
    )
    assert uploaded.status_code == 303, page_text(uploaded.text)

    # then B's admin page shows it and B serves it, to a visitor without cookies
    shown = staff.get(cluster.b, f"/admin/products/{product_id}").text
    found = re.search(r"/media/[0-9a-f]+\.png", shown)
    assert found, "B's edit page shows no uploaded image"
    served = browser().get(cluster.b, found.group(0))
    assert served.status_code == 200 and served.content == PNG
    assert served.headers["Content-Type"] == "image/png"
    # from the bucket both instances share (the S3 backend, set by environment variables alone)
    stored = objects(cluster.env["S3_ENDPOINT_URL"], cluster.env["S3_BUCKET"])
    assert stored["media/" + found.group(0).removeprefix("/media/")] == PNG

    # and the storefront of both instances shows it
    with cluster.app.app_context():
        slug = db.session.get(Product, product_id).slug
    for instance in cluster.instances:
        assert comes_to_show(instance, f"/products/{slug}", found.group(0)), instance.name


def _ready_to_check_out(cluster: Cluster, slug: str, sku: str, number: int) -> tuple[Browser, dict[str, str]]:
    """A shopper with one unit in the cart and the checkout form filled in, through alternating instances."""
    shopper = browser()
    add_to_cart(shopper, cluster.instances[number % 2], slug, sku)
    page = shopper.get(cluster.instances[(number + 1) % 2], "/checkout")
    assert page.status_code == 200, page.status_code
    form = {
        **hidden_fields(page.text),
        **ADDRESS,
        "email": f"buyer{number}@example.com",
        "billing_country": "US",
    }
    return shopper, form


def test_forty_checkouts_over_both_instances_for_ten_units_sell_exactly_ten(cluster: Cluster) -> None:
    # given 10 units, and 40 shoppers each with one in the cart and the checkout form filled in
    variant = product_with_stock(cluster, 10)
    slug = slug_of(cluster, variant)
    with ThreadPoolExecutor(max_workers=8) as pool:
        ready = list(pool.map(lambda n: _ready_to_check_out(cluster, slug, variant.sku, n), range(40)))
    start = threading.Barrier(40)

    def check_out_and_pay(number: int) -> tuple[int, str]:
        shopper, form = ready[number]
        instance = cluster.instances[number % 2]
        start.wait()
        placed = shopper.post(instance, "/checkout", data=form)
        if placed.status_code != 303:
            return placed.status_code, page_text(placed.text)
        payment_path = path_of(placed.headers["Location"])
        other = cluster.instances[(number + 1) % 2]
        payment_page = shopper.get(other, payment_path)
        paid = shopper.post_form(other, payment_path, {"action": "pay"}, page=payment_page.text)
        return paid.status_code, path_of(paid.headers.get("Location", ""))

    # when all 40 place their orders at once, half through A and half through B, and pay
    with ThreadPoolExecutor(max_workers=40) as pool:
        outcomes = list(pool.map(check_out_and_pay, range(40)))

    # then exactly 10 paid, the other 30 were told it sold out, and nothing failed
    paid = [where for status, where in outcomes if status == 303]
    refused = [(status, text) for status, text in outcomes if status != 303]
    assert len(paid) == 10 and all(where.startswith("/checkout/success") for where in paid), outcomes
    assert len(refused) == 30 and all(status == 409 and "sold out" in text for status, text in refused), [
        (status, text[:300]) for status, text in refused if status != 409 or "sold out" not in text
    ]
    with cluster.app.app_context():
        statuses = db.session.scalars(
            sa.select(Order.status).where(Order.lines.any(sku=variant.sku)).order_by(Order.id)
        ).all()
    assert statuses == [OrderStatus.PAID] * 10
    assert stock_of(cluster, variant.id) == 0

    # and the product page says so on both instances, to a new visitor
    for instance in cluster.instances:
        assert comes_to_show(instance, f"/products/{slug}", "Sold out"), instance.name


# --- email workers --------------------------------------------------------------------------------


def sent_to(mail_dir: Path) -> Counter[str]:
    """How many messages each address got, read from the outbox files the workers wrote."""
    if not mail_dir.exists():
        return Counter()
    return Counter(message_from_bytes(path.read_bytes())["To"] for path in mail_dir.glob("*.eml"))


def sent_by(worker: Process) -> list[int]:
    """The ids of the emails a worker logged as sent."""
    return [int(number) for number in re.findall(r"sent email (\d+) ", worker.log())]


def wait_until_sent(cluster: Cluster, addresses: list[str], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with cluster.app.app_context():
            waiting = db.session.scalar(
                sa.select(sa.func.count())
                .select_from(OutgoingEmail)
                .where(OutgoingEmail.to_address.in_(addresses), OutgoingEmail.status != EmailStatus.SENT)
            )
        if waiting == 0:
            return
        assert time.monotonic() < deadline, f"{waiting} email(s) still not sent after {timeout:.0f}s"
        time.sleep(0.1)


def test_two_email_workers_on_two_hosts_send_each_email_once(cluster: Cluster) -> None:
    # given the two email workers running beside the instances, each its own process, both polling
    addresses = [f"reader{number}@example.com" for number in range(100)]
    context = {"login_url": f"{SHOP_BASE_URL}/account/login", "reset_url": f"{SHOP_BASE_URL}/account/reset"}

    # when 100 emails are queued at once
    with cluster.app.app_context():
        emails = [
            queue_email(to=address, subject="Hello", template="account_exists", context=context)
            for address in addresses
        ]
        db.session.commit()
        ids = {email.id for email in emails}
    wait_until_sent(cluster, addresses)

    # then each went out exactly once, and both workers sent some of them
    received = sent_to(cluster.mail_dir)
    assert {address: received[address] for address in addresses} == dict.fromkeys(addresses, 1)
    first, second = ({number for number in sent_by(worker) if number in ids} for worker in cluster.workers)
    assert first | second == ids and not first & second
    assert first and second, "one worker sent everything: the test did not run them side by side"


# --- a webhook storm ------------------------------------------------------------------------------

# Order number → the event its payment session ends with, and the status that leaves the order in.
STORM_EVENTS = {
    0: ("checkout.session.completed", OrderStatus.PAID),
    1: ("checkout.session.completed", OrderStatus.PAID),
    2: ("checkout.session.completed", OrderStatus.PAID),
    3: ("checkout.session.expired", OrderStatus.EXPIRED),
    4: ("checkout.session.async_payment_failed", OrderStatus.PAYMENT_FAILED),
}


def storm_events(cluster: Cluster, variant: ProductVariant, count: int) -> list[tuple[int, str, str]]:
    """`count` pending orders, each with the one Stripe event that ends its payment session:
    (order id, event type, event JSON)."""
    provider = DevProvider(webhook_secret=cluster.webhook_secret)
    events = []
    with cluster.app.app_context():
        for number in range(count):
            order = make_pending_order(
                (variant.sku, 1),
                email=f"storm{number}@example.com",
                session_id=f"cs_dev_storm{number}_{variant.id}",
                provider="dev",
            )
            event_type, _ = STORM_EVENTS[number % 5]
            if event_type == "checkout.session.completed":
                session = provider.session_dict(order, payment_status="paid", status="complete")
            elif event_type == "checkout.session.expired":
                session = provider.session_dict(order, payment_status="unpaid", status="expired")
            else:
                session = provider.session_dict(order, payment_status="unpaid", status="complete")
            event = {
                "id": f"evt_storm_{variant.id}_{number}",
                "object": "event",
                "api_version": stripe.api_version,
                "created": int(time.time()),
                "livemode": False,
                "type": event_type,
                "data": {"object": session},
            }
            events.append((order.id, event_type, json.dumps(event)))
    return events


def test_a_webhook_storm_over_both_instances_settles_every_order_once(cluster: Cluster) -> None:
    # given 100 orders awaiting payment, and the one event that settles each (60 paid, 20 expired,
    # 20 failed), each delivered 5 times, shuffled
    variant = product_with_stock(cluster, 500)
    events = storm_events(cluster, variant, 100)
    deliveries = [payload for _, _, payload in events for _ in range(5)]
    random.Random(15).shuffle(deliveries)

    def deliver(numbered: tuple[int, str]) -> int:
        number, payload = numbered
        # Stripe signs every delivery afresh: same event, new timestamp
        signature = stripe.WebhookSignature.generate_signature_header(payload, cluster.webhook_secret)
        response = Browser(ip="198.51.100.7").post(
            cluster.instances[number % 2],
            "/webhooks/stripe",
            data=payload,
            headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
        )
        return response.status_code

    # when they all arrive at once, spread over both instances
    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(deliver, enumerate(deliveries)))

    # then every delivery was accepted, every order is in the state its event says, the stock of the
    # unpaid ones came back once, and each paid order queued exactly one confirmation
    assert Counter(statuses) == {200: 500}
    with cluster.app.app_context():
        orders = {
            order.id: order
            for order in db.session.scalars(sa.select(Order).where(Order.id.in_([e[0] for e in events])))
        }
        confirmations = Counter(
            db.session.scalars(
                sa.select(OutgoingEmail.to_address).where(
                    OutgoingEmail.template == "order_confirmation",
                    OutgoingEmail.to_address.like("storm%@example.com"),
                )
            )
        )
        for number, (order_id, event_type, _) in enumerate(events):
            expected = STORM_EVENTS[number % 5][1]
            assert orders[order_id].status == expected, (number, event_type, orders[order_id].status)
        paid_emails = {
            orders[order_id].email for order_id, event_type, _ in events if "completed" in event_type
        }
    assert confirmations == dict.fromkeys(paid_emails, 1)
    storm_addresses = [f"storm{number}@example.com" for number in range(100)]
    wait_until_sent(cluster, storm_addresses)
    received = sent_to(cluster.mail_dir)
    assert {address: received[address] for address in storm_addresses if received[address]} == dict.fromkeys(
        paid_emails, 1
    )
    assert stock_of(cluster, variant.id) == 500 - 60
