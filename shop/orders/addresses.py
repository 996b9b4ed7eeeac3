"""A shipping address as plain data, passed between the checkout form, the order and the payment provider."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shop.orders.models import Order


@dataclass(frozen=True)
class ShippingAddress:
    name: str
    line1: str
    line2: str
    city: str
    region: str
    postal_code: str
    country: str  # ISO 3166-1 alpha-2, upper case

    def lines(self) -> list[str]:
        """The address as printed on a label, blank parts left out; the country comes after, by name."""
        locality = " ".join(part for part in (self.city, self.region, self.postal_code) if part)
        return [part for part in (self.name, self.line1, self.line2, locality) if part]


def set_address(order: "Order", address: ShippingAddress) -> None:
    order.ship_name = address.name
    order.ship_line1 = address.line1
    order.ship_line2 = address.line2 or None
    order.ship_city = address.city
    order.ship_region = address.region or None
    order.ship_postal_code = address.postal_code
    order.ship_country = address.country


def order_address(order: "Order") -> ShippingAddress | None:
    if not order.requires_shipping or not order.ship_line1:
        return None
    return ShippingAddress(
        name=order.ship_name or "",
        line1=order.ship_line1 or "",
        line2=order.ship_line2 or "",
        city=order.ship_city or "",
        region=order.ship_region or "",
        postal_code=order.ship_postal_code or "",
        country=order.ship_country or "",
    )
