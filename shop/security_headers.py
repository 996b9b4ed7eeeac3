"""Security headers on every response: a strict CSP (no inline script or style) and friends."""

from flask import Flask, Response

# form-action lists Stripe because a checkout form post redirects to its hosted page.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self' https://checkout.stripe.com",
        "frame-ancestors 'none'",
    ]
)


def init_app(app: Flask) -> None:
    defaults = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("X-Frame-Options", "DENY"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
    if app.config["APP_ENV"] == "production":
        defaults.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    lowered = [(name.lower(), name, value) for name, value in defaults]

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        # A view may set its own (a stricter CSP, no referrer): keep those. One pass over the headers.
        present = {name.lower() for name in response.headers.keys()}
        response.headers.extend(
            [(name, value) for lowered_name, name, value in lowered if lowered_name not in present]
        )
        return response
