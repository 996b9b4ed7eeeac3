"""A correctly signed webhook whose event is junk (the wrong types in every field, numbers past 64 bits,
NUL, lone surrogates) is answered 200 (applied or ignored) or 400, never 500 (docs/rules.md#bad-input
rule 8). Unsigned junk is always a 400: tests/hostile/test_junk_everywhere.py throws that."""

import json
from typing import Any

from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from shop.payments.webhooks import HANDLED_EVENTS
from tests.checkout_helpers import event, post_webhook, session_object
from tests.fixtures import OrderFactory
from tests.hostile.junk import junk_json

FIELDS = ["id", "client_reference_id", "metadata", "amount_total", "currency", "status", "payment_status"]
FIELDS += ["payment_intent", "collected_information", "total_details", "amount_refunded", "refunds"]


def test_signed_junk_events_are_a_200_or_a_400_never_a_500(
    shop: dict, client: FlaskClient, pending_order: OrderFactory
) -> None:
    real = session_object(pending_order(("TEE-M", 1)))
    seen: dict[str, set[int]] = {}

    @settings(
        max_examples=60,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(
        st.sampled_from(sorted(HANDLED_EVENTS)),
        st.dictionaries(st.sampled_from(FIELDS), junk_json, max_size=4),
        st.integers(0, 3),
        st.text(max_size=4),
    )
    def check(event_type: str, junk: dict[str, Any], shape: int, event_id: str) -> None:
        obj: Any = {**real, **junk}
        body: Any = event(event_type, obj, event_id=f"evt_junk_{event_id}")
        if shape == 1:
            body["data"] = junk  # not {"object": …}
        elif shape == 2:
            body = [body]
        response = post_webhook(client, json.dumps(body))
        seen.setdefault(event_type, set()).add(response.status_code)
        assert response.status_code in (200, 400), (response.status_code, body)

    check()
    assert set(seen) == HANDLED_EVENTS
