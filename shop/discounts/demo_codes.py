"""The demo shop's discount code: SPORES10, 10% off merchandise, no minimum, no limit, no end date."""

from shop.database import committing
from shop.discounts.models import DiscountCode, DiscountScope
from shop.discounts.rules import find_code
from shop.extensions import db

DEMO_CODE = "SPORES10"


def seed_demo_codes() -> int:
    """Create the demo code if it is missing. Commits. Returns how many codes it created."""
    if find_code(DEMO_CODE) is not None:
        return 0
    with committing():
        db.session.add(
            DiscountCode(
                code=DEMO_CODE,
                description="Demo code: 10% off merchandise",
                percent_bp=1_000,
                scope=DiscountScope.MERCHANDISE.value,
                min_subtotal_cents=0,
            )
        )
    return 1
