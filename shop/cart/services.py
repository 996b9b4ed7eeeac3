"""Cart use cases: add, change and remove lines, and price the cart through shop.pricing."""

import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from shop import pricing
from shop.cart.errors import (
    InvalidQuantityError,
    NotEnoughStockError,
    NotForSaleError,
    NotShippedThereError,
    UnknownCountryError,
    UnknownItemError,
)
from shop.cart.models import Cart, CartLine
from shop.catalog.models import Product, ProductVariant
from shop.clock import utcnow
from shop.country_codes import country_name, normalise_country
from shop.database import commit_with_one_retry
from shop.discounts import services as discounts
from shop.discounts.rules import DiscountItem, Shopper
from shop.extensions import db
from shop.money import format_cents
from shop.pricing_config import Destination

# A digital guide is one download; a second copy would be the same file.
MAX_DIGITAL_QUANTITY = 1


@dataclass(frozen=True)
class CartLineView:
    sku: str
    name: str
    product_name: str
    product_slug: str
    option_value: str | None
    image_path: str | None
    image_alt: str
    quantity: int
    unit_price_cents: int
    line_total_cents: int
    digital: bool
    max_quantity: int
    product_id: int = 0

    @property
    def gross_cents(self) -> int:
        """Unit price × quantity, before any discount (the cart's lines show this)."""
        return self.line_total_cents

    # Set when stock fell below the quantity after it was added: the shopper must lower it.
    problem: str | None = None


@dataclass(frozen=True)
class CartSummary:
    lines: tuple[CartLineView, ...]
    totals: pricing.OrderTotals
    # Where the estimate's shipping and tax are for (the shopper's chosen country); None: domestic terms.
    destination: Destination | None = None
    # The discount code: `discount` says whether and why it applies (shop/discounts).
    discount: discounts.PricedDiscount | None = None
    cart_id: int | None = None

    @property
    def discount_code(self) -> str | None:
        """The code whose discount is in the totals (None when none applies)."""
        return self.discount.code if self.discount else None

    @property
    def discount_problem(self) -> str | None:
        """Why the cart's code does not apply now, if it carries one that does not."""
        return self.discount.problem if self.discount else None

    @property
    def payment_problem(self) -> str | None:
        """Why this total cannot be paid by card, if so (checkout refuses it: docs/rules.md#payments)."""
        if not pricing.below_card_minimum(self.totals.total_cents):
            return None
        minimum = format_cents(pricing.MIN_CARD_CHARGE_CENTS)
        if self.totals.discount_cents:
            return f"Card payments start at {minimum}: add something to your order or remove the code."
        return f"Card payments start at {minimum}: add something to your order."

    @property
    def line_discounts(self) -> tuple[int, ...]:
        """Each line's share of the discount, in line order."""
        if self.discount is None:
            return tuple(0 for _ in self.lines)
        return tuple(line.discount_cents for line in self.discount.lines)

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def is_empty(self) -> bool:
        return not self.lines

    def quantity_of(self, sku: str) -> int:
        return next((line.quantity for line in self.lines if line.sku == sku), 0)


def new_cart_token() -> str:
    return secrets.token_urlsafe(32)


def _load_cart(token: str | None) -> Cart | None:
    if not token:
        return None
    return db.session.scalar(
        sa.select(Cart)
        .where(Cart.token == token)
        .options(joinedload(Cart.lines).joinedload(CartLine.variant).joinedload(ProductVariant.product))
    )


def _sellable_variant(sku: str) -> ProductVariant:
    """The variant for a SKU if a shopper may put it in a cart; raises a CartError otherwise."""
    if not isinstance(sku, str) or not sku.strip():
        raise UnknownItemError("Choose an item to add.")
    variant = db.session.scalar(
        sa.select(ProductVariant)
        .join(ProductVariant.product)
        .where(ProductVariant.sku == sku.strip(), Product.is_published.is_(True))
        .options(joinedload(ProductVariant.product))
    )
    if variant is None:
        raise UnknownItemError("We couldn't find that item. It may no longer be available.")
    if variant.product.is_lead_magnet:
        raise NotForSaleError(
            f"{variant.product.name} is free: get it by email from its page instead of the cart."
        )
    return variant


def line_limit(variant: ProductVariant, *, max_line_quantity: int) -> int:
    """The most of one variant a cart line may hold: the per-line cap, the stock, one per guide."""
    if variant.product.is_digital:
        return min(max_line_quantity, MAX_DIGITAL_QUANTITY)
    return min(max_line_quantity, variant.stock_on_hand or 0)


def _check_quantity(
    variant: ProductVariant, quantity: int, *, already_in_cart: int, max_line_quantity: int
) -> None:
    """Raise a CartError with a message saying why `quantity` (the new line total) is not allowed."""
    name = variant.display_name
    if variant.product.is_digital and quantity > MAX_DIGITAL_QUANTITY:
        raise InvalidQuantityError(f"{name} is a download: one copy is all you need.")
    if quantity > max_line_quantity:
        held = f" You already have {already_in_cart} in your cart." if already_in_cart else ""
        raise InvalidQuantityError(f"You can buy at most {max_line_quantity} of {name} per order.{held}")
    if variant.product.is_physical:
        stock = variant.stock_on_hand or 0
        if stock <= 0:
            raise NotEnoughStockError(f"Sorry, {name} is sold out.")
        if quantity > stock:
            held = f", and {already_in_cart} are already in your cart" if already_in_cart else ""
            raise NotEnoughStockError(f"Only {stock} left of {name}{held}.")


def _require_positive(quantity: int) -> None:
    if quantity < 1:
        raise InvalidQuantityError("Choose a quantity of at least 1.")


def _get_or_create_cart(token: str) -> Cart:
    cart = _load_cart(token)
    if cart is None:
        cart = Cart(token=token)
        db.session.add(cart)
        db.session.flush()
    return cart


def add_to_cart(token: str, sku: str, quantity: int, *, max_line_quantity: int) -> None:
    """Add `quantity` of a SKU to the cart with this token, creating the cart on first use.

    The resulting line never exceeds the per-line cap or the stock; on any error the cart is unchanged.
    """
    _require_positive(quantity)
    variant = _sellable_variant(sku)

    def write() -> None:
        cart = _get_or_create_cart(token)
        line = next((line for line in cart.lines if line.variant_id == variant.id), None)
        already = line.quantity if line else 0
        _check_quantity(
            variant,
            already + quantity,
            already_in_cart=already,
            max_line_quantity=max_line_quantity,
        )
        if line is None:
            cart.lines.append(CartLine(variant_id=variant.id, quantity=quantity))
        else:
            line.quantity = already + quantity
        cart.updated_at = utcnow()

    commit_with_one_retry(write)


def change_quantity(token: str | None, sku: str, quantity: int, *, max_line_quantity: int) -> None:
    """Set a line's quantity; 0 removes the line. The line must already be in the cart."""
    if quantity < 0:
        raise InvalidQuantityError("Quantity cannot be negative.")
    if quantity == 0:
        remove_from_cart(token, sku)
        return
    cart = _load_cart(token)
    line = _find_line(cart, sku)
    variant = line.variant
    if not variant.product.is_published:
        raise UnknownItemError("That item is no longer available; remove it from your cart.")
    _check_quantity(variant, quantity, already_in_cart=0, max_line_quantity=max_line_quantity)
    line.quantity = quantity
    cart.updated_at = utcnow()  # type: ignore[union-attr]
    db.session.commit()


def remove_from_cart(token: str | None, sku: str) -> None:
    cart = _load_cart(token)
    line = _find_line(cart, sku)
    cart.lines.remove(line)  # type: ignore[union-attr]
    cart.updated_at = utcnow()  # type: ignore[union-attr]
    db.session.commit()


def _find_line(cart: Cart | None, sku: str) -> CartLine:
    line = None
    if cart is not None and isinstance(sku, str):
        line = next((line for line in cart.lines if line.variant.sku == sku.strip()), None)
    if line is None:
        raise UnknownItemError("That item isn't in your cart.")
    return line


def count_items(token: str | None) -> int:
    """Units in the cart, for the header's mini-cart (one aggregate query)."""
    if not token:
        return 0
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(CartLine.quantity), 0))
        .join(Cart, Cart.id == CartLine.cart_id)
        .join(ProductVariant, ProductVariant.id == CartLine.variant_id)
        .join(Product, Product.id == ProductVariant.product_id)
        .where(Cart.token == token, Product.is_published.is_(True))
    )
    return int(total or 0)


def get_cart_summary(
    token: str | None,
    *,
    flat_rate_cents: int,
    free_over_cents: int | None,
    max_line_quantity: int,
    tax_rate: pricing.TaxRate | None = None,
    shopper: Shopper | None = None,
) -> CartSummary:
    """The cart's lines priced from the database now, with totals from shop.pricing.

    `flat_rate_cents` and `free_over_cents` are the destination zone's terms and `tax_rate` its tax
    (None: not known yet). Lines whose product has been unpublished are left out: they can no longer be
    bought. The cart's discount code is checked for `shopper` (who is buying, as far as is known) and its
    discount spread over the lines it covers; tax is reckoned on each line after its discount.
    """
    cart = _load_cart(token)
    lines: list[CartLineView] = []
    priced_lines: list[pricing.PricedLine] = []
    for line in cart.lines if cart else []:
        variant = line.variant
        product = variant.product
        if not product.is_published:
            continue
        priced = pricing.PricedLine(
            unit_price_cents=variant.price_cents,
            quantity=line.quantity,
            is_physical=product.is_physical,
        )
        limit = line_limit(variant, max_line_quantity=max_line_quantity)
        problem = None
        if product.is_physical and line.quantity > (variant.stock_on_hand or 0):
            problem = (
                f"Sorry, {variant.display_name} is sold out."
                if not variant.stock_on_hand
                else f"Only {variant.stock_on_hand} left of {variant.display_name}: "
                "lower the quantity to continue."
            )
        priced_lines.append(priced)
        lines.append(
            CartLineView(
                sku=variant.sku,
                name=variant.display_name,
                product_name=product.name,
                product_slug=product.slug,
                option_value=variant.option_value,
                image_path=product.image_path,
                image_alt=product.image_alt,
                quantity=line.quantity,
                unit_price_cents=variant.price_cents,
                line_total_cents=priced.total_cents,
                digital=product.is_digital,
                max_quantity=max(line.quantity, limit),
                problem=problem,
                product_id=product.id,
            )
        )
    discount = discounts.price_cart(
        cart.id if cart else None,
        priced_lines,
        [DiscountItem(product_id=line.product_id, is_digital=line.digital) for line in lines],
        shopper=shopper or Shopper(),
    )
    totals = pricing.order_totals(
        discount.lines, flat_rate_cents=flat_rate_cents, free_over_cents=free_over_cents, tax_rate=tax_rate
    )
    return CartSummary(
        lines=tuple(lines), totals=totals, discount=discount, cart_id=cart.id if cart else None
    )


def apply_discount_code(
    token: str | None,
    raw_code: object,
    *,
    flat_rate_cents: int,
    free_over_cents: int | None,
    max_line_quantity: int,
    tax_rate: pricing.TaxRate | None = None,
    shopper: Shopper | None = None,
) -> None:
    """Put a typed code on the cart if it applies to it now (shop/discounts says why not). Commits."""
    summary = get_cart_summary(
        token,
        flat_rate_cents=flat_rate_cents,
        free_over_cents=free_over_cents,
        max_line_quantity=max_line_quantity,
        tax_rate=tax_rate,
        shopper=shopper,
    )
    if summary.cart_id is None or summary.is_empty:
        raise UnknownItemError("Your cart is empty: add something before using a discount code.")
    discounts.attach_to_cart(
        summary.cart_id,
        raw_code,
        [
            pricing.PricedLine(
                unit_price_cents=line.unit_price_cents, quantity=line.quantity, is_physical=not line.digital
            )
            for line in summary.lines
        ],
        [DiscountItem(product_id=line.product_id, is_digital=line.digital) for line in summary.lines],
        shopper=shopper or Shopper(),
    )


def remove_discount_code(token: str | None) -> None:
    """Take the code off the cart; nothing happens when it has none. Commits."""
    cart = _load_cart(token)
    discounts.detach_from_cart(cart.id if cart else None)


def choose_country(raw: object, *, shipping_countries: tuple[str, ...]) -> str:
    """The country a shopper picked for the cart's estimate, as an upper-case ISO code ("ca" → "CA").

    Raises UnknownCountryError for a blank or unknown code and NotShippedThereError for a country the
    shop does not ship to (docs/rules.md#shipping-zones rule 4).
    """
    code = normalise_country(raw)
    if code is None:
        shown = raw.strip()[:40] if isinstance(raw, str) else ""
        raise UnknownCountryError(
            f"{shown!r} is not a country code. Choose a country from the list."
            if shown
            else "Choose a country."
        )
    if code not in shipping_countries:
        raise NotShippedThereError(f"Sorry, we don't ship to {country_name(code)}.")
    return code


def remove_purchased(token: str | None, purchased: dict[int, int]) -> None:
    """Take what an order bought out of the cart that placed it (variant id → quantity), in the
    caller's transaction. Lines added or raised after checkout began keep the difference."""
    cart = _load_cart(token)
    if cart is None:
        return
    for line in list(cart.lines):
        bought = purchased.get(line.variant_id, 0)
        if bought <= 0:
            continue
        if line.quantity <= bought:
            cart.lines.remove(line)
        else:
            line.quantity -= bought
    cart.updated_at = utcnow()


def get_cart_token_for_user(user_id: int) -> str | None:
    return db.session.scalar(sa.select(Cart.token).where(Cart.user_id == user_id))


def merge_cart_into_user(anonymous_token: str | None, user_id: int, *, max_line_quantity: int) -> str:
    """At login: fold the browser's cart into the customer's cart and return the token to use.

    Quantities add up, capped by the per-line limit and the stock on hand. Commits once.
    """
    user_cart = db.session.scalar(
        sa.select(Cart)
        .where(Cart.user_id == user_id)
        .options(joinedload(Cart.lines).joinedload(CartLine.variant).joinedload(ProductVariant.product))
    )
    anonymous = _load_cart(anonymous_token)
    if anonymous is not None and anonymous.user_id not in (None, user_id):
        anonymous = None  # somebody else's cart: never merge it
    if user_cart is None:
        if anonymous is None:
            user_cart = Cart(token=new_cart_token(), user_id=user_id)
            db.session.add(user_cart)
        else:
            anonymous.user_id = user_id
            user_cart = anonymous
    elif anonymous is not None and anonymous.id != user_cart.id:
        by_variant = {line.variant_id: line for line in user_cart.lines}
        for line in anonymous.lines:
            limit = line_limit(line.variant, max_line_quantity=max_line_quantity)
            existing = by_variant.get(line.variant_id)
            if existing is None:
                quantity = min(line.quantity, limit)
                if quantity > 0:
                    user_cart.lines.append(CartLine(variant_id=line.variant_id, quantity=quantity))
            else:
                existing.quantity = max(existing.quantity, min(existing.quantity + line.quantity, limit))
        discounts.move_cart_code(anonymous.id, user_cart.id)
        db.session.delete(anonymous)
    user_cart.updated_at = utcnow()
    db.session.commit()
    return user_cart.token
