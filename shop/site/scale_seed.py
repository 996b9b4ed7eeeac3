"""A big, made-up shop for measuring (`flask shop seed --scale`): products with variants, two years of
orders with lines, invoices and credit notes, leads and journal articles.

Deterministic: one seeded random generator, so the same counts and seed give the same rows. Fast: rows
are generated in Python and written in bulk, with PostgreSQL's COPY on PostgreSQL and executemany
elsewhere (SQLite), so the same code seeds both. It adds to a database that has no orders yet (the demo
catalog's categories are created when missing); ids are given explicitly and the id sequences moved past
them afterwards.
"""

import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from shop.catalog.models import Category, Product, ProductKind, ProductTaxType, ProductVariant
from shop.catalog.services import bump_catalog_revision
from shop.clock import utcnow
from shop.extensions import db
from shop.guides.models import Lead
from shop.journal.models import Article, ArticleStatus, article_product
from shop.orders.invoice_models import CreditNote, DocumentCounter, Invoice
from shop.orders.invoices import CREDIT_NOTE_SERIES, INVOICE_SERIES, credit_note_number, invoice_number
from shop.orders.models import Order, OrderLine, OrderStatus
from shop.site import scale_words as words

HISTORY_DAYS = 730
CHUNK = 5_000
_NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols, as order numbers use
_PAID = {
    OrderStatus.PAID,
    OrderStatus.FULFILLED,
    OrderStatus.REFUNDED,
    OrderStatus.PARTIALLY_REFUNDED,
}
# Share of orders in each state (the rest of the unit interval is fulfilled).
_STATUS_SHARES = (
    (0.05, OrderStatus.PARTIALLY_REFUNDED),
    (0.08, OrderStatus.REFUNDED),
    (0.11, OrderStatus.CANCELLED),
    (0.15, OrderStatus.EXPIRED),
    (0.17, OrderStatus.PENDING_PAYMENT),
    (0.18, OrderStatus.PAYMENT_FAILED),
)


class ScaleSeedError(Exception):
    """The database is not one the scale seed can add to."""


@dataclass(frozen=True)
class ScaleCounts:
    products: int = 10_000
    orders: int = 200_000
    leads: int = 500_000
    articles: int = 5_000
    seed: int = 15


@dataclass
class _Variant:
    id: int
    product_id: int
    sku: str
    name: str
    price_cents: int


@dataclass
class _State:
    rng: random.Random
    now: datetime
    variants: list[_Variant] = field(default_factory=list)
    product_ids: list[int] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def seed_scale(counts: ScaleCounts, progress: Callable[[str], None] = lambda _: None) -> dict[str, int]:
    """Add the scale data set in one transaction; returns how many rows went into each table."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(Order)):
        raise ScaleSeedError("The database already has orders; seed the scale data set into a fresh one.")
    state = _State(rng=random.Random(counts.seed), now=utcnow().replace(microsecond=0))
    categories = _ensure_categories()
    _seed_products(state, counts.products, categories)
    progress(f"{state.counts['product']} products, {state.counts['product_variant']} variants")
    _seed_orders(state, counts.orders)
    progress(f"{state.counts['order']} orders, {state.counts['order_line']} lines")
    _seed_leads(state, counts.leads)
    progress(f"{state.counts['lead']} leads")
    _seed_articles(state, counts.articles)
    progress(f"{state.counts['article']} articles")
    _move_sequences()
    bump_catalog_revision()
    db.session.commit()
    if _is_postgresql():
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            # Statistics for the planner, and the visibility map that lets counts read indexes only.
            tables = ", ".join(f'"{name}"' for name in state.counts)
            connection.execute(sa.text(f"VACUUM ANALYZE {tables}"))
    return state.counts


def _is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _next_id(table: sa.Table) -> int:
    return (db.session.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1


def _ensure_categories() -> dict[str, int]:
    wanted = {"apparel": "Apparel", "home": "Home"}
    found: dict[str, int] = {}
    for position, (slug, name) in enumerate(wanted.items(), start=1):
        category_id = db.session.scalar(sa.select(Category.id).where(Category.slug == slug))
        if category_id is None:
            category = Category(slug=slug, name=name, description="", position=position)
            db.session.add(category)
            db.session.flush()
            category_id = category.id
        found[slug] = category_id
    return found


def _bulk_insert(
    state: _State, table: sa.Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """Write rows (tuples in `columns` order) with COPY on PostgreSQL, executemany elsewhere."""
    count = 0
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        names = ", ".join(f'"{name}"' for name in columns)
        with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(tuple(_naive(value) for value in row))
                count += 1
    else:
        statement = table.insert()
        for chunk in _chunks(rows, CHUNK):
            connection.execute(statement, [dict(zip(columns, row, strict=True)) for row in chunk])
            count += len(chunk)
    state.counts[table.name] = state.counts.get(table.name, 0) + count


def _naive(value: Any) -> Any:
    """COPY writes timestamps as text: the shop stores naive UTC."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _chunks(rows: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _slugify(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


# Products and variants ---------------------------------------------------------------------------------


def _seed_products(state: _State, count: int, categories: dict[str, int]) -> None:
    rng = state.rng
    first_product, first_variant = _next_id(Product.__table__), _next_id(ProductVariant.__table__)
    products: list[tuple[Any, ...]] = []
    variants: list[tuple[Any, ...]] = []
    variant_id = first_variant
    for index in range(count):
        product_id = first_product + index
        motif, adjective = rng.choice(words.MOTIFS), rng.choice(words.ADJECTIVES)
        created = state.now - timedelta(days=rng.uniform(30, HISTORY_DAYS + 30))
        if rng.random() < 0.5:
            noun, (low, high), sized = rng.choice(words.APPAREL)
            colour, material = rng.choice(words.COLOURS), rng.choice(words.MATERIALS)
            name = f"{adjective} {motif} {noun}"
            summary = f"A {colour.lower()} {noun.lower()} in {material}, printed with our {motif} artwork."
            category, tax_type = categories["apparel"], ProductTaxType.APPAREL
            options = rng.sample(words.SIZES[1:5], 4) if sized else [None]
            options = [o for o in words.SIZES if o in options] if sized else options
        else:
            noun, (low, high) = rng.choice(words.HOME)
            material = rng.choice(words.HOME_MATERIALS)
            name = f"{adjective} {motif} {noun}"
            summary = f"A {material} {noun.lower()} with a {adjective.lower()} {motif} illustration."
            category, tax_type, options = categories["home"], ProductTaxType.HOUSEWARES, [None]
        price = rng.randrange(low, high + 1, 100)
        slug = f"{_slugify(name)}-{product_id}"
        description = (
            f"{summary}\n\nDesigned in our studio and made to last. {rng.choice(words.ARTICLE_PARAGRAPHS)}"
        )
        products.append(
            (product_id, slug, name, category, ProductKind.PHYSICAL.value, summary, description, None,
             name, None, False, rng.random() < 0.98, rng.random() < 0.002, 100 + index, tax_type.value,
             created, created)
        )  # fmt: skip
        sku_base = f"SC{product_id:06d}"
        for position, option in enumerate(options):
            sku = f"{sku_base}-{option}" if option else sku_base
            stock = rng.choice((0, 3, 12, 25, 40, 80))
            variants.append(
                (variant_id, product_id, sku, "Size" if option else None, option, price, stock, position,
                 created, created)
            )  # fmt: skip
            state.variants.append(_Variant(variant_id, product_id, sku, name, price))
            variant_id += 1
        state.product_ids.append(product_id)
    product_columns = (
        "id", "slug", "name", "category_id", "kind", "summary", "description", "image_path", "image_alt",
        "guide_file", "is_lead_magnet", "is_published", "is_featured", "position", "tax_type", "created_at",
        "updated_at",
    )  # fmt: skip
    variant_columns = (
        "id", "product_id", "sku", "option_name", "option_value", "price_cents", "stock_on_hand", "position",
        "created_at", "updated_at",
    )  # fmt: skip
    _bulk_insert(state, Product.__table__, product_columns, products)
    _bulk_insert(state, ProductVariant.__table__, variant_columns, variants)


# Orders, lines, invoices, credit notes -----------------------------------------------------------------


def _order_number(index: int) -> str:
    """'GS-' and 7 symbols: a bijection of the index (odd multiplier modulo 32**7): unique, unordered."""
    value = (index * 0x5DEECE66D + 0xB) % (32**7)
    symbols = []
    for _ in range(7):
        value, digit = divmod(value, 32)
        symbols.append(_NUMBER_ALPHABET[digit])
    return "GS-" + "".join(symbols)


def _buyer_email(number: int) -> str:
    first = words.FIRST_NAMES[number % len(words.FIRST_NAMES)].lower()
    last = words.LAST_NAMES[(number // len(words.FIRST_NAMES)) % len(words.LAST_NAMES)].lower()
    return f"{first}.{last}.{number}@example.com"


def _pick_status(rng: random.Random, placed: datetime, now: datetime) -> OrderStatus:
    draw = rng.random()
    for share, status in _STATUS_SHARES:
        if draw < share:
            return status
    return OrderStatus.PAID if placed > now - timedelta(days=2) else OrderStatus.FULFILLED


def _seed_orders(state: _State, count: int) -> None:
    rng, now = state.rng, state.now
    config = current_app.config
    flat, free_from = config["FLAT_SHIPPING_CENTS"], config["FREE_SHIPPING_THRESHOLD_CENTS"]
    first_order, first_line = _next_id(Order.__table__), _next_id(OrderLine.__table__)
    buyers = max(1, int(count * 0.75))
    placed_times = sorted(now - timedelta(seconds=rng.uniform(0, HISTORY_DAYS * 86400)) for _ in range(count))
    orders: list[tuple[Any, ...]] = []
    lines: list[tuple[Any, ...]] = []
    paid: list[tuple[int, datetime, int]] = []  # (order id, paid at, refunded cents)
    line_id = first_line
    for index, placed in enumerate(placed_times):
        order_id = first_order + index
        status = _pick_status(rng, placed, now)
        subtotal = 0
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
            variant = rng.choice(state.variants) if state.variants else None
            if variant is None:
                break
            quantity = rng.choice((1, 1, 1, 2, 3))
            subtotal += variant.price_cents * quantity
            lines.append(
                (line_id, order_id, variant.id, variant.product_id, variant.sku, variant.name,
                 variant.price_cents, quantity, False, 0, 0)
            )  # fmt: skip
            line_id += 1
        shipping = 0 if subtotal >= free_from else flat
        total = subtotal + shipping
        is_paid = status in _PAID
        paid_at = placed + timedelta(minutes=2) if is_paid else None
        shipped = status in {OrderStatus.FULFILLED, OrderStatus.REFUNDED, OrderStatus.PARTIALLY_REFUNDED}
        shipped_at = placed + timedelta(days=1) if shipped else None
        refunded = {OrderStatus.REFUNDED: total, OrderStatus.PARTIALLY_REFUNDED: min(total, 500)}.get(
            status, 0
        )
        released = status in {OrderStatus.EXPIRED, OrderStatus.CANCELLED, OrderStatus.PAYMENT_FAILED}
        expires = placed + timedelta(minutes=30)
        city, region, postal = rng.choice(words.CITIES)
        buyer = rng.randrange(buyers)
        orders.append(
            (order_id, _order_number(order_id), _buyer_email(buyer), status.value, "usd", subtotal, subtotal,
             shipping, 0, None, 0, False, total, "US", refunded, 0, True, _buyer_name(buyer),
             f"{rng.randrange(1, 999)} {rng.choice(words.STREETS)}", city, region, postal, "US", expires,
             expires if released else None, "dev" if is_paid else None, False, placed,
             shipped_at or paid_at or placed, paid_at, shipped_at, "USPS" if shipped else None,
             f"9400{order_id:016d}" if shipped else None, shipped_at)
        )  # fmt: skip
        if paid_at is not None:
            paid.append((order_id, paid_at, refunded))
    order_columns = (
        "id", "number", "email", "status", "currency", "subtotal_cents", "merchandise_subtotal_cents",
        "shipping_cents", "discount_cents", "discount_code", "tax_cents", "tax_from_provider", "total_cents",
        "billing_country", "refunded_cents", "refunded_tax_cents", "requires_shipping", "ship_name",
        "ship_line1", "ship_city", "ship_region", "ship_postal_code", "ship_country",
        "reservation_expires_at", "reservation_released_at", "payment_provider", "needs_attention",
        "created_at", "updated_at",
        "paid_at", "fulfilled_at", "shipping_carrier", "tracking_number", "shipped_at",
    )  # fmt: skip
    line_columns = (
        "id", "order_id", "variant_id", "product_id", "sku", "name", "unit_price_cents", "quantity",
        "is_digital", "discount_cents", "tax_cents",
    )  # fmt: skip
    _bulk_insert(state, Order.__table__, order_columns, orders)
    del orders
    _bulk_insert(state, OrderLine.__table__, line_columns, lines)
    del lines
    _seed_invoices(state, paid)


def _buyer_name(number: int) -> str:
    return (
        f"{words.FIRST_NAMES[number % len(words.FIRST_NAMES)]} "
        f"{words.LAST_NAMES[(number // len(words.FIRST_NAMES)) % len(words.LAST_NAMES)]}"
    )


def _seed_invoices(state: _State, paid: list[tuple[int, datetime, int]]) -> None:
    """An invoice for every paid order, numbered per year in the order of payment, and a credit note for
    every refund; the counters end at the last number given."""
    counters = {
        (series, year): last
        for series, year, last in db.session.execute(
            sa.select(DocumentCounter.series, DocumentCounter.year, DocumentCounter.last_number)
        )
    }
    invoice_id, note_id = _next_id(Invoice.__table__), _next_id(CreditNote.__table__)
    invoices: list[tuple[Any, ...]] = []
    notes: list[tuple[Any, ...]] = []
    for order_id, paid_at, refunded in sorted(paid, key=lambda item: (item[1], item[0])):
        sequence = counters[(INVOICE_SERIES, paid_at.year)] = (
            counters.get((INVOICE_SERIES, paid_at.year), 0) + 1
        )
        invoices.append(
            (invoice_id, invoice_number(paid_at.year, sequence), paid_at.year, sequence, order_id, paid_at)
        )
        if refunded:
            issued = min(paid_at + timedelta(days=3), state.now)
            key = (CREDIT_NOTE_SERIES, issued.year)
            note_sequence = counters[key] = counters.get(key, 0) + 1
            notes.append(
                (note_id, credit_note_number(issued.year, note_sequence), issued.year, note_sequence,
                 order_id, invoice_id, refunded, 0, "Refund", issued)
            )  # fmt: skip
            note_id += 1
        invoice_id += 1
    _bulk_insert(
        state, Invoice.__table__, ("id", "number", "year", "sequence", "order_id", "issued_at"), invoices
    )
    _bulk_insert(
        state,
        CreditNote.__table__,
        ("id", "number", "year", "sequence", "order_id", "invoice_id", "amount_cents", "tax_cents", "reason",
         "issued_at"),
        notes,
    )  # fmt: skip
    table = DocumentCounter.__table__
    for (series, year), last in counters.items():
        updated = db.session.execute(
            sa.update(table).where(table.c.series == series, table.c.year == year).values(last_number=last)
        )
        if not updated.rowcount:  # type: ignore[attr-defined]
            db.session.execute(sa.insert(table).values(series=series, year=year, last_number=last))


# Leads ------------------------------------------------------------------------------------------------


def _seed_leads(state: _State, count: int) -> None:
    rng, now = state.rng, state.now
    first_lead = _next_id(Lead.__table__)
    buyers = max(1, int(state.counts.get("order", 0) * 0.75))

    def rows() -> Iterator[tuple[Any, ...]]:
        for index in range(count):
            created = now - timedelta(seconds=rng.uniform(0, HISTORY_DAYS * 86400))
            # Every third lead is an address that may have bought (the buyers' pool), the rest never did.
            email = (
                _buyer_email(index // 3)
                if index % 3 == 0 and index // 3 < buyers
                else f"reader.{index}@example.org"
            )
            confirmed = created + timedelta(hours=1) if rng.random() < 0.6 else None
            consented = confirmed if confirmed and rng.random() < 0.85 else None
            unsubscribed = consented + timedelta(days=30) if consented and rng.random() < 0.1 else None
            customer = created + timedelta(days=2) if index % 3 == 0 and rng.random() < 0.5 else None
            form = rng.choice(words.SIGNUP_FORMS)
            source = rng.choice(words.UTM_SOURCES)
            yield (
                first_lead + index, email, rng.choice(words.FIRST_NAMES) if rng.random() < 0.5 else "",
                confirmed, consented, "2025-01" if consented else None,
                consented is not None and not unsubscribed, unsubscribed,
                f"/{form}" if form != "home" else "/", source,
                rng.choice(words.UTM_MEDIUMS) if source else None,
                rng.choice(words.UTM_CAMPAIGNS) if source else None, form, f"/{form}", customer,
                created, created,
            )  # fmt: skip

    columns = (
        "id", "email", "first_name", "confirmed_at", "consented_at", "consent_version", "subscribed",
        "unsubscribed_at", "landing_page", "utm_source", "utm_medium", "utm_campaign", "signup_form",
        "signup_page", "customer_since", "created_at", "updated_at",
    )  # fmt: skip
    _bulk_insert(state, Lead.__table__, columns, rows())


# Journal ----------------------------------------------------------------------------------------------


def _seed_articles(state: _State, count: int) -> None:
    rng, now = state.rng, state.now
    first_article = _next_id(Article.__table__)
    articles: list[tuple[Any, ...]] = []
    links: set[tuple[int, int]] = set()
    for index in range(count):
        article_id = first_article + index
        title = f"{rng.choice(words.ARTICLE_OPENINGS)} {rng.choice(words.MOTIFS)}"
        published = now - timedelta(seconds=rng.uniform(3600, HISTORY_DAYS * 86400))
        body = "\n\n".join(rng.sample(words.ARTICLE_PARAGRAPHS, 3))
        articles.append(
            (article_id, f"{_slugify(title)}-{article_id}", title, body.split(".")[0] + ".", body, "",
             "The Good Spores studio", rng.choice(words.ARTICLE_TOPICS), ArticleStatus.PUBLISHED.value,
             published, rng.randrange(0, 5000), published, published)
        )  # fmt: skip
        for product_id in rng.sample(state.product_ids, min(2, len(state.product_ids))):
            links.add((article_id, product_id))
    columns = (
        "id", "slug", "title", "summary", "body_markdown", "hero_image_alt", "author_name", "topic", "status",
        "published_at", "view_count", "created_at", "updated_at",
    )  # fmt: skip
    _bulk_insert(state, Article.__table__, columns, articles)
    _bulk_insert(state, article_product, ("article_id", "product_id"), sorted(links))


def _move_sequences() -> None:
    """Explicit ids leave PostgreSQL's sequences behind: move each past its table's largest id (SQLite
    follows the largest id by itself)."""
    if not _is_postgresql():
        return
    for table in (
        "product",
        "product_variant",
        "order",
        "order_line",
        "invoice",
        "credit_note",
        "lead",
        "article",
    ):
        db.session.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'(SELECT coalesce(max(id), 0) + 1 FROM "{table}"), false)'
            )
        )
