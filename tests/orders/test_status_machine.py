"""The order status machine: every legal transition works and writes an event; the rest raise."""

import itertools

import pytest

from shop.orders.errors import IllegalTransitionError
from shop.orders.models import Order, OrderStatus
from shop.orders.status_machine import TRANSITIONS, transition

S = OrderStatus
LEGAL = [
    (S.PENDING_PAYMENT, S.PAID),
    (S.PENDING_PAYMENT, S.EXPIRED),
    (S.PENDING_PAYMENT, S.CANCELLED),
    (S.PENDING_PAYMENT, S.PAYMENT_FAILED),
    (S.PAID, S.FULFILLED),
    (S.PAID, S.CANCELLED),
    (S.PAID, S.REFUNDED),
    (S.PAID, S.PARTIALLY_REFUNDED),
    (S.FULFILLED, S.REFUNDED),
    (S.FULFILLED, S.PARTIALLY_REFUNDED),
    (S.PARTIALLY_REFUNDED, S.PARTIALLY_REFUNDED),
    (S.PARTIALLY_REFUNDED, S.REFUNDED),
    # a payment arriving after the reservation was released is still money received
    (S.EXPIRED, S.PAID),
    (S.CANCELLED, S.PAID),
    (S.PAYMENT_FAILED, S.PAID),
]
ILLEGAL = sorted(set(itertools.product(S, S)) - set(LEGAL))


def order_in(status: OrderStatus) -> Order:
    return Order(number="GS-TEST22", status=status.value, events=[])


def test_the_table_is_exactly_the_design() -> None:
    table = {(source, target) for source, targets in TRANSITIONS.items() for target in targets}

    assert table == set(LEGAL)


@pytest.mark.parametrize(("source", "target"), LEGAL)
def test_legal_transitions_change_status_and_write_an_event(source: OrderStatus, target: OrderStatus) -> None:
    order = order_in(source)

    transition(order, target, actor="staff:ana@example.com", note="why")

    assert order.status == target.value
    [event] = order.events
    assert (event.kind, event.from_status, event.to_status) == ("status", source.value, target.value)
    assert (event.actor, event.note) == ("staff:ana@example.com", "why")


@pytest.mark.parametrize(("source", "target"), ILLEGAL)
def test_illegal_transitions_raise_and_change_nothing(source: OrderStatus, target: OrderStatus) -> None:
    order = order_in(source)

    with pytest.raises(IllegalTransitionError):
        transition(order, target, actor="system")

    assert order.status == source.value and order.events == []


def test_nothing_leaves_refunded() -> None:
    assert TRANSITIONS[S.REFUNDED] == frozenset()


@pytest.mark.parametrize("status", list(OrderStatus))
def test_only_a_paid_order_with_nothing_refunded_is_fully_paid(status: OrderStatus) -> None:
    expected = status in (OrderStatus.PAID, OrderStatus.FULFILLED)
    assert Order(status=status.value).is_fully_paid is expected
