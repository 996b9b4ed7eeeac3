"""A shipping address as plain data, passed between the checkout form, the order and the payment provider."""

from dataclasses import dataclass


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
