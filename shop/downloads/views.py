"""GET /downloads/<token>: serve a guide through its grant; and the fresh-link request form."""

from flask import Blueprint, Response, abort, current_app, render_template, request, send_file

from shop.downloads import services
from shop.downloads.forms import FreshLinkForm
from shop.downloads.services import GrantState
from shop.extensions import limiter
from shop.rate_limits import submitted_email_key
from shop.storage import guide_storage

bp = Blueprint("downloads", __name__)

PROBLEM_STATUS = {GrantState.EXPIRED: 410, GrantState.USED_UP: 403, GrantState.REVOKED: 403}


def _is_prefetch() -> bool:
    purpose = request.headers.get("Sec-Purpose", "") + request.headers.get("Purpose", "")
    return "prefetch" in purpose.lower()


def _problem_page(state: str, status: int, token: str | None) -> tuple[str, int]:
    form = FreshLinkForm(token=token if state != GrantState.REVOKED else None)
    return render_template("downloads/problem.html", state=state, form=form), status


@bp.route("/downloads/<token>", methods=["GET", "HEAD"])
def download(token: str) -> Response | tuple[str, int]:
    grant = services.find_grant(token)
    client = {"ip_address": request.remote_addr, "user_agent": request.user_agent.string}
    if grant is None:
        services.record_download(None, outcome="unknown", counted=False, **client)
        return _problem_page("unknown", 404, None)
    state = services.grant_state(grant)
    if state != GrantState.ACTIVE:
        services.record_download(grant, outcome=state.value, counted=False, **client)
        return _problem_page(state, PROBLEM_STATUS[state], token)

    storage = guide_storage()
    if not grant.product.guide_file or not storage.exists(grant.product.guide_file):
        current_app.logger.error("guide file missing for product %s", grant.product_id)
        services.record_download(grant, outcome="missing_file", counted=False, **client)
        abort(
            404, description="This guide's file is missing on our side. Please contact us and we'll send it."
        )

    # Only a plain full GET uses up a download; HEAD, range and prefetch requests don't.
    if request.method == "HEAD":
        outcome, counted = "head", False
    elif _is_prefetch():
        outcome, counted = "prefetch", False
    elif request.range is not None:
        outcome, counted = "partial", False
    else:
        outcome, counted = "served", True
    if not services.record_download(grant, outcome=outcome, counted=counted, **client):
        return _problem_page(GrantState.USED_UP, 403, token)

    response = send_file(
        storage.path_for(grant.product.guide_file),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"{grant.product.slug}.pdf",
        conditional=True,
        etag=True,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"
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
