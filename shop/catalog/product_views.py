"""Plain, cacheable views of catalog rows: what pages render, detached from the ORM session."""

from dataclasses import asdict, dataclass, field
from typing import Any

LOW_STOCK_AT = 5


def stock_message(stock_on_hand: int | None) -> str:
    """What a page says about a variant's stock: "Instant download", "Sold out", "Only 3 left" or "In stock".

    Everything a storefront page shows about stock (this text, its emphasis, sold-out badges, the
    disabled sizes, the default size, the structured data's availability) follows from it, so a stock
    move that leaves it unchanged changes no page."""
    if stock_on_hand is None:
        return "Instant download"
    if stock_on_hand <= 0:
        return "Sold out"
    if stock_on_hand <= LOW_STOCK_AT:
        return f"Only {stock_on_hand} left"
    return "In stock"


@dataclass(frozen=True)
class VariantView:
    sku: str
    option_name: str | None
    option_value: str | None
    price_cents: int
    stock_on_hand: int | None  # None: digital, never runs out

    @property
    def in_stock(self) -> bool:
        return self.stock_on_hand is None or self.stock_on_hand > 0

    @property
    def stock_message(self) -> str:
        """What the variant picker says: "Sold out", "Only 3 left" or "In stock"."""
        return stock_message(self.stock_on_hand)

    @property
    def stock_level(self) -> str:
        """ "digital", "out", "low" or "ok": drives the stock text's emphasis."""
        if self.stock_on_hand is None:
            return "digital"
        if self.stock_on_hand <= 0:
            return "out"
        return "low" if self.stock_on_hand <= LOW_STOCK_AT else "ok"

    @property
    def label(self) -> str:
        return self.option_value or "Standard"


@dataclass(frozen=True)
class ProductView:
    id: int
    slug: str
    name: str
    kind: str
    category_slug: str
    category_name: str
    summary: str
    description: str
    image_path: str | None
    image_alt: str
    is_lead_magnet: bool
    variants: tuple[VariantView, ...] = field(default_factory=tuple)

    @property
    def is_digital(self) -> bool:
        return self.kind == "digital"

    @property
    def is_physical(self) -> bool:
        return self.kind == "physical"

    @property
    def description_paragraphs(self) -> list[str]:
        return [part.strip() for part in self.description.split("\n\n") if part.strip()]

    @property
    def has_options(self) -> bool:
        return len(self.variants) > 1 or any(v.option_value for v in self.variants)

    @property
    def option_name(self) -> str:
        return next((v.option_name for v in self.variants if v.option_name), "Option")

    @property
    def min_price_cents(self) -> int:
        return min((v.price_cents for v in self.variants), default=0)

    @property
    def max_price_cents(self) -> int:
        return max((v.price_cents for v in self.variants), default=0)

    @property
    def is_sold_out(self) -> bool:
        return bool(self.variants) and not any(v.in_stock for v in self.variants)

    @property
    def default_variant(self) -> VariantView | None:
        """The first variant a shopper can buy, so the picker never starts on a sold-out size."""
        return next((v for v in self.variants if v.in_stock), None)

    @property
    def stock_message(self) -> str:
        if self.is_sold_out:
            return "Sold out"
        stocks = [v.stock_on_hand for v in self.variants if v.stock_on_hand is not None]
        if stocks and not self.has_options and stocks[0] <= LOW_STOCK_AT:
            return f"Only {stocks[0]} left"
        return ""

    def to_cache(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_cache(cls, data: dict[str, Any]) -> "ProductView":
        fields = {name: value for name, value in data.items() if name != "variants"}
        return cls(**fields, variants=tuple(VariantView(**variant) for variant in data["variants"]))


@dataclass(frozen=True)
class CategoryView:
    slug: str
    name: str
    description: str


@dataclass(frozen=True)
class CatalogPage:
    products: tuple[ProductView, ...]
    page: int
    pages: int
    total: int
    category: CategoryView | None
    search: str

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages
