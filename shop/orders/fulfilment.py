"""A paid order fulfilled: download links, the confirmation email, digital orders completed, and the
`order_paid` announcement for what other packages do because of it."""

import logging

from shop.cart.services import remove_purchased
from shop.clock import utcnow
from shop.downloads.services import DownloadLink
from shop.emails.services import queue_email
from shop.orders import access
from shop.orders.actors import ACTOR_SYSTEM
from shop.orders.addresses import order_address
from shop.orders.models import Order, OrderStatus
from shop.orders.order_downloads import issue_order_links
from shop.orders.signals import order_paid
from shop.orders.status_machine import transition

log = logging.getLogger(__name__)


def fulfil(order: Order, *, actor: str) -> None:
    """Paid: download grants for guides, digital-only orders fulfilled, the bought items out of the cart,
    `order_paid` announced, and the confirmation email. In the caller's transaction."""
    links = issue_order_links(order)
    if not order.requires_shipping:
        transition(
            order, OrderStatus.FULFILLED, actor=ACTOR_SYSTEM, note="Digital order: download links sent."
        )
        order.fulfilled_at = utcnow()
    remove_purchased(
        order.cart_token,
        {line.variant_id: line.quantity for line in order.lines if line.variant_id is not None},
    )
    # The account history and the guide lead's first order (shop/accounts, shop/guides) listen.
    order_paid.send(order)
    queue_confirmation(order, links)


def queue_order_email(order: Order, *, subject: str, template: str, **context: object) -> None:
    """Queue an email about the order to its customer, with the order, its shipping address and its
    page's link in the template's context. In the caller's transaction; raises if it can't."""
    queue_email(
        to=order.email,
        subject=subject,
        template=template,
        context={
            "order": order,
            "address": order_address(order),
            "order_url": access.order_url(order),
            **context,
        },
    )


def queue_confirmation_email(order: Order, links: list[DownloadLink]) -> None:
    """Queue the order confirmation (text + HTML) in the caller's transaction; raises if it can't."""
    queue_order_email(
        order,
        subject=f"Your order {order.number} is confirmed",
        template="order_confirmation",
        links=links,
        invoice_url=access.invoice_url(order) if order.invoice is not None else None,
    )


def queue_confirmation(order: Order, links: list[DownloadLink]) -> None:
    """Queue the order confirmation. A failure to build it is logged, never raised: the payment is
    recorded either way, and links can be re-sent from the order page."""
    try:
        queue_confirmation_email(order, links)
    except Exception:
        log.exception("could not queue the confirmation email for order %s", order.number)
