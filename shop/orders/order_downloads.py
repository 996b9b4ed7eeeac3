"""Download links for the guides in a paid order: all of them with the confirmation, or one from the
order page's button. Each link is a fresh grant with the configured lifetime and download count."""

from flask import current_app

from shop.catalog.models import Product
from shop.database import committing
from shop.downloads.services import DownloadLink, issue_grant
from shop.extensions import db
from shop.orders.actors import ACTOR_SHOPPER
from shop.orders.models import Order
from shop.orders.status_machine import add_event


def _grant_link(order: Order, product: Product) -> DownloadLink:
    config = current_app.config
    _, link = issue_grant(
        email=order.email,
        product=product,
        ttl_days=config["DOWNLOAD_TTL_DAYS"],
        max_downloads=config["DOWNLOAD_MAX_COUNT"],
        order_id=order.id,
    )
    return link


def issue_order_links(order: Order) -> list[DownloadLink]:
    """A fresh download grant and link for every guide in the order, in the caller's transaction."""
    return [
        _grant_link(order, line.product)
        for line in order.lines
        if line.is_digital and line.product is not None
    ]


def issue_line_download(order_id: int, line_id: int) -> DownloadLink | None:
    """A fresh download link for one guide of a paid order (the order page's button). Commits.

    None when the order is not (or no longer) paid, or the line is not a guide that can be served.
    """
    order = db.session.get(Order, order_id)
    if order is None or not order.is_fully_paid:
        return None
    line = next((line for line in order.lines if line.id == line_id), None)
    if line is None or not line.is_digital or line.product is None or not line.product.is_published:
        return None
    with committing():
        link = _grant_link(order, line.product)
        add_event(order, actor=ACTOR_SHOPPER, kind="downloads", note=f"Download link issued for {line.name}.")
    return link
