"""Carriers, tracking numbers and payment dashboard links: pure functions, no app."""

import pytest

from shop.orders import shipping
from shop.payments.dashboard_links import payment_dashboard_url


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("1z999aa10123456784", "1Z999AA10123456784"),
        ("  9400 1000  0000 \n", "9400 1000 0000"),
        ("JD-0146-X", "JD-0146-X"),
        ("7", "7"),
        ("A" * 64, "A" * 64),
    ],
)
def test_tracking_numbers_are_trimmed_collapsed_and_upper_cased(typed: str, stored: str) -> None:
    assert shipping.normalize_tracking_number(typed) == stored


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "-", "-12", "12-", "<b>1</b>", "1Z&2", "1Z\t2", "1Z\n2", "1Z/2", "A" * 65, "ü123", "12_3"],
)
def test_anything_else_is_refused(typed: str) -> None:
    with pytest.raises(ValueError, match="letters, digits, spaces or hyphens"):
        shipping.normalize_tracking_number(typed)


@pytest.mark.parametrize(
    ("carrier", "number", "url"),
    [
        ("USPS", "9400 1000", "https://tools.usps.com/go/TrackConfirmAction?tLabels=94001000"),
        ("UPS", "1Z999", "https://www.ups.com/track?tracknum=1Z999"),
        ("FEDEX", "7489-12", "https://www.fedex.com/fedextrack/?trknbr=7489-12"),
        (
            "DHL",
            "JD01",
            "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id=JD01",
        ),
        ("OTHER", "LOCAL-1", None),
        ("ROCKET", "1", None),
        ("UPS", None, None),
    ],
)
def test_tracking_links_per_carrier(carrier: str, number: str | None, url: str | None) -> None:
    assert shipping.tracking_url(carrier, number) == url


def test_a_tracking_link_cannot_be_bent_by_what_is_stored() -> None:
    assert (
        shipping.tracking_url("UPS", '"><script>&x=1')
        == "https://www.ups.com/track?tracknum=%22%3E%3Cscript%3E%26x%3D1"
    )


def test_configured_carriers_must_be_known() -> None:
    assert [c.name for c in shipping.check_carrier_codes(["UPS", "OTHER"])] == ["UPS", "Other carrier"]
    with pytest.raises(ValueError, match="SHIPPING_CARRIERS"):
        shipping.check_carrier_codes(["UPS", "ROCKET"])
    with pytest.raises(ValueError, match="SHIPPING_CARRIERS"):
        shipping.check_carrier_codes([])


@pytest.mark.parametrize(
    ("provider", "intent", "key", "url"),
    [
        ("stripe", "pi_3Abc", "sk_test_1", "https://dashboard.stripe.com/test/payments/pi_3Abc"),
        ("stripe", "pi_3Abc", "rk_test_1", "https://dashboard.stripe.com/test/payments/pi_3Abc"),
        ("stripe", "pi_3Abc", "sk_live_1", "https://dashboard.stripe.com/payments/pi_3Abc"),
        ("stripe", "pi_3Abc", None, "https://dashboard.stripe.com/payments/pi_3Abc"),
        ("dev", "pi_dev_1", "sk_test_1", None),
        ("stripe", None, "sk_test_1", None),
        ("stripe", "pi_1/../../x", "sk_test_1", None),
        ("stripe", "ch_123", "sk_test_1", None),
    ],
)
def test_payment_dashboard_links(provider: str, intent: str | None, key: str | None, url: str | None) -> None:
    assert payment_dashboard_url(provider, intent, secret_key=key) == url
