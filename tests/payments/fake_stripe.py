"""A stripe.HTTPClient that records requests and answers with canned Stripe JSON: no network."""

import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import stripe


class FakeStripeHTTP(stripe.HTTPClient):
    name = "fake"

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[dict[str, Any]] = []
        # (method, path) → (status, body); the default answers follow Stripe's shapes.
        self.responses: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}

    def request(
        self, method: str, url: str, headers: Any, post_data: Any = None, *, _usage: Any = None
    ) -> tuple[str, int, dict[str, str]]:
        parts = urlsplit(url)
        self.requests.append(
            {
                "method": method,
                "url": url,
                "path": parts.path,
                "headers": dict(headers or {}),
                "body": post_data or "",
                "params": dict(parse_qsl(post_data or parts.query or "", keep_blank_values=True)),
            }
        )
        status, body = self.responses.get((method, parts.path), (200, self._default(method, parts.path)))
        return json.dumps(body), status, {"request-id": "req_fake"}

    def _default(self, method: str, path: str) -> dict[str, Any]:
        if path == "/v1/checkout/sessions" and method == "post":
            return {
                "id": "cs_test_fake",
                "object": "checkout.session",
                "url": "https://checkout.stripe.com/c/pay/cs_test_fake",
                "status": "open",
                "payment_status": "unpaid",
            }
        if path == "/v1/refunds":
            params = self.requests[-1]["params"]
            return {
                "id": "re_fake",
                "object": "refund",
                "amount": int(params["amount"]),
                "status": "succeeded",
            }
        return {"error": {"message": "not faked", "type": "invalid_request_error"}}

    def close(self) -> None:
        pass

    @property
    def last(self) -> dict[str, Any]:
        return self.requests[-1]


def error_body(message: str = "Something broke", error_type: str = "api_error") -> dict[str, Any]:
    return {"error": {"message": message, "type": error_type}}
