"""GET /downloads/<token>: serve a guide through its grant; and the fresh-link request form."""

import logging

from flask import Blueprint, Response, abort, current_app, render_template, request
from werkzeug.exceptions import RequestedRangeNotSatisfiable

from shop.downloads import services
from shop.downloads.forms import FreshLinkForm
from shop.downloads.services import GrantState
from shop.extensions import limiter
from shop.rate_limits import submitted_email_key
from shop.storage import (
    RETRY_AFTER_SECONDS,
    StorageUnavailableError,
    guide_storage,
    send_stored_file,
)

log = logging.getLogger(__name__)

bp = Blueprint("downloads", __name__)

PROBLEM_STATUS = {GrantState.EXPIRED: 410, GrantState.USED_UP: 403, GrantState.REVOKED: 403}
# A prefetch of a working link is declined without a body. Not a 2xx: a browser may hand a
# prefetched 2xx (even an empty 204) to the click itself, which would then download nothing; a
# declined prefetch is thrown away and the click makes a real request.
PREFETCH_DECLINED_STATUS = 403
# Cache-Control: no-store comes from shop/private_pages.py, as for every private page.
PRIVATE_HEADERS = {
    "X-Robots-Tag": "noindex",
    "Referrer-Policy": "no-referrer",
}


def _is_prefetch() -> bool:
    # Sec-Purpose is "prefetch" or "prefetch;prerender"; Chrome still sends the older Purpose too.
    purpose = request.headers.get("Sec-Purpose", "") + request.headers.get("Purpose", "")
    return "prefetch" in purpose.lower()


def _problem_page(state: str, status: int, token: str | None) -> tuple[str, int]:
    form = FreshLinkForm(token=token if state != GrantState.REVOKED else None)
    return render_template("downloads/problem.html", state=state, form=form), status


def _download_rate_limit() -> str:
    return current_app.config["DOWNLOAD_RATE_LIMIT"]


@bp.route("/downloads/<token>", methods=["GET", "HEAD"])
@limiter.limit(_download_rate_limit)
def download(token: str) -> Response | tuple[str, int]:
    grant = services.find_grant(token)
    if grant is None:
        # No row for unknown tokens: guessing must not fill the table. The token is not logged either.
        log.info("download link not recognised ip=%s", request.remote_addr)
        return _problem_page("unknown", 404, None)
    client = {"ip_address": request.remote_addr, "user_agent": request.user_agent.string}
    state = services.grant_state(grant)
    if state != GrantState.ACTIVE:
        services.record_download(grant, outcome=state.value, counted=False, **client)
        return _problem_page(state, PROBLEM_STATUS[state], token)

    if _is_prefetch():
        services.record_download(grant, outcome="prefetch", counted=False, **client)
        return Response(status=PREFETCH_DECLINED_STATUS, headers=PRIVATE_HEADERS)

    # Streamed through the app from the guide store (a folder, or the bucket every host shares), so the
    # count below is taken from what is actually sent: see docs/architecture.md § Files.
    # Werkzeug decides 200, 206, 304 or 416 from the request's Range and conditional headers; the
    # count is then taken from the response it built, so it always matches what is sent.
    storage = guide_storage()
    try:
        if not grant.product.guide_file:
            raise FileNotFoundError(grant.product_id)
        response = send_stored_file(
            storage,
            grant.product.guide_file,
            mimetype="application/pdf",
            download_name=f"{grant.product.slug}.pdf",
            as_attachment=True,
            max_age=0,
        )
    except RequestedRangeNotSatisfiable as error:
        response = Response(status=416, headers={"Content-Range": f"bytes */{error.length}"})
    except (FileNotFoundError, ValueError):
        current_app.logger.error("guide file missing for product %s", grant.product_id)
        services.record_download(grant, outcome="missing_file", counted=False, **client)
        abort(
            404, description="This guide's file is missing on our side. Please contact us and we'll send it."
        )
    except StorageUnavailableError as error:
        # Nothing is counted: the link still works once the store answers again.
        services.record_download(grant, outcome="storage_unavailable", counted=False, **client)
        page = render_template("downloads/unavailable.html", message=error.message)
        return Response(
            page,
            status=503,
            headers={**PRIVATE_HEADERS, "Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    sent = {
        "method": request.method,
        "status": response.status_code,
        "range_start": response.content_range.start if response.content_range else None,
    }
    counted = services.sends_first_byte(**sent)
    if not services.record_download(
        grant, outcome=services.delivery_outcome(**sent), counted=counted, **client
    ):
        response.close()
        return _problem_page(GrantState.USED_UP, 403, token)
    response.headers.update(PRIVATE_HEADERS)
    return response


@bp.post("/downloads/fresh-link")
@limiter.limit("20 per hour")
@limiter.limit("5 per hour", key_func=submitted_email_key)
def fresh_link() -> tuple[str, int]:
    form = FreshLinkForm()
    if not form.validate():
        return render_template("downloads/problem.html", state="form", form=form), 400
    services.request_fresh_links(
        email=form.email.data,
        token=form.token.data or None,
        ttl_days=current_app.config["DOWNLOAD_TTL_DAYS"],
        max_downloads=current_app.config["DOWNLOAD_MAX_COUNT"],
    )
    return render_template("downloads/fresh_link_sent.html"), 200
