"""The free guide's pages: the gate form, "check your inbox", the confirm-and-download page, unsubscribe."""

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import NotFound

from shop import anonymous_pages
from shop.catalog.product_views import ProductView
from shop.catalog.services import get_catalog_revision, get_lead_magnet
from shop.extensions import csrf, limiter
from shop.guides import attribution, consent, services, tokens
from shop.guides.errors import ExpiredLinkError, GuideError, UnknownGuideError
from shop.guides.forms import GuideButtonForm, LeadCaptureForm
from shop.guides.welcome import welcome_offer
from shop.rate_limits import submitted_email_key

bp = Blueprint("guides", __name__)
bp.before_app_request(attribution.remember_first_touch)

# The sign-up this browser just made, for "check your inbox" and "send it again" (no address in clear).
PENDING_KEY = "guide_signup"
ONE_CLICK_FIELD = "List-Unsubscribe"
ONE_CLICK_VALUE = "One-Click"


def _limit_per_ip() -> str:
    return current_app.config["GUIDE_LIMIT_PER_IP"]


def _limit_per_email() -> str:
    return current_app.config["GUIDE_LIMIT_PER_EMAIL"]


def _pending_signup() -> dict:
    pending = session.get(PENDING_KEY)
    return pending if isinstance(pending, dict) else {}


def _pending_lead_key() -> str:
    """The "send it again" button is limited per lead like the form is per email, however many IPs ask."""
    lead_id = _pending_signup().get("lead")
    return f"lead:{lead_id}" if lead_id else f"ip:{request.remote_addr}"


def _link_token_key() -> str:
    token = (request.view_args or {}).get("token", "")
    return f"guide-link:{tokens.hash_token(token)[:32]}"


def _private(response: Response | str, status: int = 200) -> Response:
    """Pages reached through a secret link: never indexed or leaking the URL as a referrer (nor cached:
    shop/private_pages.py)."""
    response = current_app.make_response((response, status))
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.app_template_global()
def marketing_consent_text() -> str:
    """The consent checkbox's label: exactly the text a consent record stores."""
    return consent.consent_text(current_app.config["SHOP_NAME"])


def _guide_or_404(slug: str) -> ProductView:
    try:
        return services.get_guide(slug)
    except UnknownGuideError as error:
        raise NotFound(error.message) from error


def _render_guide(guide: ProductView, form: LeadCaptureForm, status: int = 200) -> tuple[str, int]:
    return render_template("guides/guide.html", guide=guide, gate_form=form), status


def _remember_signup(result: services.CaptureResult) -> Response:
    session[PENDING_KEY] = {
        "slug": result.guide_slug,
        "masked": result.masked_email,
        "lead": result.lead_id,
    }
    return redirect(url_for("guides.check_inbox", slug=result.guide_slug), code=303)


@bp.get("/guides/<slug>")
def guide(slug: str) -> tuple[str, int]:
    key = f"guide:{get_catalog_revision()}:{request.host}:{slug}"
    return anonymous_pages.render_page(
        key, lambda: _render_guide(_guide_or_404(slug), LeadCaptureForm(form_id="guide"))[0]
    ), 200


@bp.post("/guides/<slug>")
@limiter.limit(_limit_per_ip)
@limiter.limit(_limit_per_email, key_func=submitted_email_key)
def capture(slug: str) -> Response | tuple[str, int]:
    guide = _guide_or_404(slug)
    form = LeadCaptureForm()
    if not form.validate():
        return _render_guide(guide, form, 400)
    config = current_app.config
    try:
        result = services.capture_lead(
            guide_slug=guide.slug,
            email=form.email.data,
            first_name=form.first_name.data or "",
            marketing_consent=bool(form.marketing_consent.data),
            honeypot=form.website.data or "",
            context=services.SignupContext(
                form=form.form_id.data or "guide",
                page=form.page.data or None,
                ip_address=request.remote_addr,
                user_agent=request.user_agent.string,
                source=attribution.current_source(),
            ),
            shop_name=config["SHOP_NAME"],
            link_ttl_hours=config["GUIDE_LINK_TTL_HOURS"],
            unsubscribe_mailto=config["LIST_UNSUBSCRIBE_MAILTO"],
        )
    except GuideError as error:
        flash(error.message, "error")
        return _render_guide(guide, form, error.status_code)
    return _remember_signup(result)


@bp.get("/guides/<slug>/check-your-inbox")
def check_inbox(slug: str) -> Response | tuple[str, int]:
    guide = _guide_or_404(slug)
    pending = _pending_signup()
    if pending.get("slug") != guide.slug:
        return redirect(url_for("guides.guide", slug=guide.slug))
    return render_template(
        "guides/check_inbox.html",
        guide=guide,
        masked_email=pending.get("masked", ""),
        form=GuideButtonForm(),
        ttl_hours=current_app.config["GUIDE_LINK_TTL_HOURS"],
    ), 200


@bp.post("/guides/<slug>/resend")
@limiter.limit(_limit_per_ip)
@limiter.limit(_limit_per_email, key_func=_pending_lead_key)
def resend(slug: str) -> Response:
    guide = _guide_or_404(slug)
    pending = _pending_signup()
    if pending.get("slug") != guide.slug:
        return redirect(url_for("guides.guide", slug=guide.slug), code=303)
    lead_id = pending.get("lead")
    services.resend_link(
        lead_id if isinstance(lead_id, int) else None,
        guide_slug=guide.slug,
        link_ttl_hours=current_app.config["GUIDE_LINK_TTL_HOURS"],
        unsubscribe_mailto=current_app.config["LIST_UNSUBSCRIBE_MAILTO"],
    )
    flash("We've sent you a new link. It can take a minute or two to arrive.", "success")
    return redirect(url_for("guides.check_inbox", slug=guide.slug), code=303)


def _link_problem(error: GuideError, token: str) -> Response:
    """The page for a confirm link that can't be used, with a way to get a new one."""
    expired = isinstance(error, ExpiredLinkError)
    return _private(
        render_template(
            "guides/link_problem.html",
            error=error,
            expired=expired,
            token=token,
            form=GuideButtonForm(),
            guide=None if expired else get_lead_magnet(),
        ),
        error.status_code,
    )


@bp.get("/guides/confirm/<token>")
def confirm_page(token: str) -> Response:
    try:
        view = services.get_guide_request(token)
    except GuideError as error:
        return _link_problem(error, token)
    return _private(
        render_template("guides/confirm.html", request_view=view, form=GuideButtonForm(), token=token)
    )


@bp.post("/guides/confirm/<token>")
@limiter.limit(_limit_per_ip)
def confirm(token: str) -> Response:
    try:
        link = services.confirm_guide_request(
            token,
            download_ttl_days=current_app.config["DOWNLOAD_TTL_DAYS"],
            max_downloads=current_app.config["DOWNLOAD_MAX_COUNT"],
            welcome=welcome_offer(current_app.config),
            unsubscribe_mailto=current_app.config["LIST_UNSUBSCRIBE_MAILTO"],
        )
    except GuideError as error:
        return _link_problem(error, token)
    # The download view serves the PDF as an attachment, so the browser stays on the confirm page.
    return redirect(link.url, code=303)


@bp.post("/guides/confirm/<token>/renew")
@limiter.limit(_limit_per_ip)
@limiter.limit(_limit_per_email, key_func=_link_token_key)
def renew(token: str) -> Response:
    try:
        result = services.renew_link(
            token,
            link_ttl_hours=current_app.config["GUIDE_LINK_TTL_HOURS"],
            unsubscribe_mailto=current_app.config["LIST_UNSUBSCRIBE_MAILTO"],
        )
    except GuideError as error:
        return _link_problem(error, token)
    return _remember_signup(result)


def _render_unsubscribe(token: str, view: services.UnsubscribeView | None, status: int = 200) -> Response:
    html = render_template(
        "guides/unsubscribe.html",
        view=view,
        token=token,
        form=GuideButtonForm(),
        privacy_contact_email=current_app.config["PRIVACY_CONTACT_EMAIL"],
    )
    return _private(html, status)


@bp.get("/unsubscribe/<token>")
def unsubscribe_page(token: str) -> Response:
    try:
        view = services.get_unsubscribe_status(token)
    except GuideError as error:
        return _render_unsubscribe(token, None, error.status_code)
    return _render_unsubscribe(token, view)


@bp.post("/unsubscribe/<token>")
@csrf.exempt
def unsubscribe(token: str) -> Response:
    """Both the page's button and RFC 8058 one-click unsubscribe.

    A mail provider's one-click POST carries only `List-Unsubscribe=One-Click`: no cookie, no CSRF
    token. It needs none: the signed token in the URL is the authority (only the recipient has it) and
    the request acts on no session. That one body is exempt; the page's own form is checked as usual.
    """
    one_click = request.form.get(ONE_CLICK_FIELD) == ONE_CLICK_VALUE
    if not one_click and current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect()
    try:
        view = services.unsubscribe(
            token,
            method="one-click" if one_click else "unsubscribe-page",
            ip_address=request.remote_addr,
            user_agent=request.user_agent.string,
        )
    except GuideError as error:
        return _render_unsubscribe(token, None, error.status_code)
    if one_click:
        # RFC 8058: answer the POST itself; a redirect may not be followed.
        return _render_unsubscribe(token, view)
    flash("You're unsubscribed. We won't send you marketing email again.", "success")
    return redirect(url_for("guides.unsubscribe_page", token=token), code=303)
