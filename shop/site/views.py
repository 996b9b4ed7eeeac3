"""Health check, robots.txt, sitemap.xml and the favicon."""

import logging

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    render_template,
    send_from_directory,
    url_for,
)

from shop.catalog import services as catalog_services
from shop.clock import utcnow
from shop.database import database_answers
from shop.journal import services as journal_services

bp = Blueprint("site", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 when the database answers within HEALTHZ_TIMEOUT_SECONDS, else 503 (never hangs)."""
    if not database_answers(current_app.config["HEALTHZ_TIMEOUT_SECONDS"]):
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok"), 200


@bp.get("/robots.txt")
def robots() -> Response:
    lines = [
        "User-agent: *",
        "Disallow: /cart",
        "Disallow: /checkout",
        "Disallow: /account",
        "Disallow: /admin",
        "Disallow: /downloads",
        "Disallow: /guides/confirm",
        "Disallow: /unsubscribe",
        f"Sitemap: {url_for('site.sitemap', _external=True)}",
    ]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    urls = [
        url_for("catalog.home", _external=True),
        url_for("catalog.product_list", _external=True),
    ]
    urls += [
        url_for("catalog.product_detail", slug=slug, _external=True)
        for slug in catalog_services.list_published_slugs()
    ]
    guide = catalog_services.get_lead_magnet()
    if guide is not None:
        urls.append(url_for("guides.guide", slug=guide.slug, _external=True))
    urls.append(url_for("journal.article_list", _external=True))
    urls.append(url_for("site.privacy", _external=True))
    articles = [
        (url_for("journal.article_detail", slug=slug, _external=True), lastmod)
        for slug, lastmod in journal_services.list_sitemap_entries(now=utcnow())
    ]
    xml = render_template("site/sitemap.xml", urls=urls, dated_urls=articles)
    return Response(xml, mimetype="application/xml")


@bp.get("/privacy")
def privacy() -> str:
    return render_template(
        "site/privacy.html",
        contact_email=current_app.config["PRIVACY_CONTACT_EMAIL"],
        link_ttl_hours=current_app.config["GUIDE_LINK_TTL_HOURS"],
    )


@bp.get("/favicon.ico")
def favicon() -> Response:
    response = send_from_directory(current_app.static_folder or "static", "favicon.ico")
    response.cache_control.max_age = 86_400
    response.cache_control.public = True
    return response
