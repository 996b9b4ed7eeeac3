"""Carriers and tracking numbers: which carriers staff may pick, what a tracking number may look like, and
the customer's tracking link. Plain data and pure functions (no Flask, no queries).

A tracking number is 1..64 letters, digits, spaces and hyphens. It is stored as staff typed it, trimmed,
with runs of spaces collapsed and letters upper-cased; the tracking link drops the spaces and
percent-encodes the rest, so nothing a person types can change the link's shape.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from shop.orders.models import Order

TRACKING_NUMBER_MAX = 64
_TRACKING_NUMBER = re.compile(r"^[A-Z0-9](?:[A-Z0-9 -]{0,62}[A-Z0-9])?$")
TRACKING_NUMBER_RULE = "Use 1 to 64 letters, digits, spaces or hyphens, as printed on the label."


@dataclass(frozen=True)
class Carrier:
    code: str
    name: str
    # "{number}" is replaced by the percent-encoded tracking number; None: the carrier has no public page.
    tracking_url: str | None


CARRIERS: dict[str, Carrier] = {
    carrier.code: carrier
    for carrier in (
        Carrier("USPS", "USPS", "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}"),
        Carrier("UPS", "UPS", "https://www.ups.com/track?tracknum={number}"),
        Carrier("FEDEX", "FedEx", "https://www.fedex.com/fedextrack/?trknbr={number}"),
        Carrier(
            "DHL",
            "DHL",
            "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id={number}",
        ),
        Carrier("OTHER", "Other carrier", None),
    )
}


@dataclass(frozen=True)
class Shipment:
    """What the customer and staff are shown about a shipped order."""

    carrier_name: str
    tracking_number: str
    tracking_url: str | None
    shipped_at: datetime


def check_carrier_codes(codes: list[str]) -> list[Carrier]:
    """The configured carriers (SHIPPING_CARRIERS), in order; raises ValueError for an unknown code."""
    unknown = [code for code in codes if code not in CARRIERS]
    if unknown or not codes:
        raise ValueError(
            f"SHIPPING_CARRIERS must list some of {', '.join(CARRIERS)}; got {', '.join(codes) or 'nothing'}"
        )
    return [CARRIERS[code] for code in codes]


def normalize_tracking_number(text: str) -> str:
    """The tracking number as stored; raises ValueError (with TRACKING_NUMBER_RULE) for anything else."""
    if not isinstance(text, str):
        raise ValueError(TRACKING_NUMBER_RULE)
    cleaned = re.sub(r" {2,}", " ", text.strip()).upper()
    if len(cleaned) > TRACKING_NUMBER_MAX or not _TRACKING_NUMBER.match(cleaned):
        raise ValueError(TRACKING_NUMBER_RULE)
    return cleaned


def tracking_url(carrier_code: str | None, tracking_number: str | None) -> str | None:
    carrier = CARRIERS.get(carrier_code or "")
    if carrier is None or carrier.tracking_url is None or not tracking_number:
        return None
    return carrier.tracking_url.format(number=quote(tracking_number.replace(" ", ""), safe=""))


def carrier_name(carrier_code: str | None) -> str:
    carrier = CARRIERS.get(carrier_code or "")
    return carrier.name if carrier else (carrier_code or "")


def shipment_of(order: "Order") -> Shipment | None:
    """The order's shipment, once staff marked it shipped."""
    if order.shipped_at is None or not order.tracking_number:
        return None
    return Shipment(
        carrier_name=carrier_name(order.shipping_carrier),
        tracking_number=order.tracking_number,
        tracking_url=tracking_url(order.shipping_carrier, order.tracking_number),
        shipped_at=order.shipped_at,
    )
