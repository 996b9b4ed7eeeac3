"""Invoice and credit-note numbers, handed out inside the transaction that pays or refunds the order
(docs/rules.md#invoices).

Numbers are consecutive per series and year, with no gaps and no reuse: the next number is taken by one
`UPDATE … SET last_number = last_number + 1 … RETURNING` on the series' counter row, which holds that
row's lock until the paying transaction ends. A concurrent payment waits for it; a transaction that
rolls back hands its number back with everything else. Invoices are never deleted.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from shop.clock import utcnow
from shop.database import committing
from shop.extensions import db
from shop.orders.invoice_models import CreditNote, CreditNoteLine, DocumentCounter, Invoice
from shop.orders.lookups import lock_order
from shop.orders.models import Order

INVOICE_SERIES = "INV"
CREDIT_NOTE_SERIES = "CN"


def next_number(series: str, year: int) -> int:
    """The next number of `series` in `year` (1, 2, 3 …), in the caller's transaction, which holds the
    counter's row lock until it ends."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(DocumentCounter)
        .values(series=series, year=year, last_number=0)
        .on_conflict_do_nothing(index_elements=["series", "year"])
    )
    number = db.session.scalar(
        sa.update(DocumentCounter)
        .where(DocumentCounter.series == series, DocumentCounter.year == year)
        .values(last_number=DocumentCounter.last_number + 1)
        .returning(DocumentCounter.last_number)
    )
    assert number is not None
    return number


def invoice_number(year: int, sequence: int) -> str:
    return f"{year}-{sequence:06d}"


def credit_note_number(year: int, sequence: int) -> str:
    return f"CN-{year}-{sequence:06d}"


def issue_invoice(order: Order, *, at: datetime | None = None) -> Invoice:
    """The order's invoice, numbered now if it has none. In the caller's transaction (the one that
    marks the order paid, with the order's row locked)."""
    if order.invoice is not None:
        return order.invoice
    issued_at = at or utcnow()
    sequence = next_number(INVOICE_SERIES, issued_at.year)
    invoice = Invoice(
        number=invoice_number(issued_at.year, sequence),
        year=issued_at.year,
        sequence=sequence,
        order=order,
        issued_at=issued_at,
    )
    db.session.add(invoice)
    db.session.flush()
    return invoice


def issue_credit_note(
    order: Order,
    amount_cents: int,
    *,
    tax_cents: int = 0,
    reason: str = "",
    lines: list[CreditNoteLine] | None = None,
) -> CreditNote:
    """A credit note for `amount_cents` given back on the order (`tax_cents` of it tax), referencing its
    invoice (numbered now for an order paid before invoices existed), with the `lines` a refund by lines
    gave back. In the caller's transaction; the caller names it on the timeline entry of the refund."""
    invoice = issue_invoice(order)
    issued_at = utcnow()
    sequence = next_number(CREDIT_NOTE_SERIES, issued_at.year)
    note = CreditNote(
        number=credit_note_number(issued_at.year, sequence),
        year=issued_at.year,
        sequence=sequence,
        order=order,
        invoice=invoice,
        amount_cents=amount_cents,
        tax_cents=tax_cents,
        reason=reason[:500],
        issued_at=issued_at,
        lines=lines or [],
    )
    db.session.add(note)
    db.session.flush()
    return note


def issue_missing_invoices(*, limit: int = 1000) -> list[str]:
    """Number invoices for paid orders that have none (orders paid before invoices existed), oldest
    payment first, one transaction per order. Returns the numbers issued."""
    issued = []
    order_ids = db.session.scalars(
        sa.select(Order.id)
        .outerjoin(Invoice, Invoice.order_id == Order.id)
        .where(Order.paid_at.is_not(None), Invoice.id.is_(None))
        .order_by(Order.paid_at, Order.id)
        .limit(limit)
    ).all()
    db.session.rollback()
    for order_id in order_ids:
        with committing():
            order = lock_order(order_id)
            if order is not None and order.invoice is None:
                issued.append(issue_invoice(order).number)
    return issued


def get_credit_note(order: Order, number: str) -> CreditNote | None:
    """One of the order's credit notes by its number, or None."""
    if not isinstance(number, str) or len(number) > 24:
        return None
    return next((note for note in order.credit_notes if note.number == number.strip().upper()), None)
