"""Admin: the dashboard and the audit log."""

from urllib.parse import urlencode

from flask import current_app, render_template
from markupsafe import Markup

from shop.admin import reports
from shop.admin.blueprint import bp
from shop.admin.insight_views import dashboard_insights, range_context, requested_window, shop_zone
from shop.audit import services as audit
from shop.catalog.editing import LOW_STOCK_THRESHOLD
from shop.extensions import page_cache
from shop.journal import comments
from shop.orders.status_machine import STATUS_LABELS
from shop.pagination import existing_page_count, requested_page


@bp.get("/")
def dashboard() -> str:
    """The figures below the title are rendered once per range and reused by every staff member for
    ADMIN_DASHBOARD_CACHE_SECONDS (the page says so): over years of history they take tens of
    milliseconds to read, and a dashboard left open in many tabs would read them again and again."""
    window, message = requested_window()
    seconds = current_app.config["ADMIN_DASHBOARD_CACHE_SECONDS"]

    def render_body() -> str:
        return render_template(
            "admin/_dashboard_body.html",
            dashboard=reports.build_dashboard(now=window.now, zone=shop_zone()),
            **range_context(window, message),
            **dashboard_insights(window),
            pending_comments=comments.count_pending(),
            low_stock_threshold=LOW_STOCK_THRESHOLD,
            status_labels=STATUS_LABELS,
            cache_seconds=seconds,
        )

    if seconds:
        chosen = urlencode(sorted(window.range.query_args().items()))
        key = f"admin-dashboard:{window.range.first}:{window.range.last}:{chosen}:{message}"
        body = page_cache.get_or_set(key, render_body, seconds)
    else:
        body = render_body()
    return render_template("admin/dashboard.html", body=Markup(body))


@bp.get("/audit")
def audit_log() -> str:
    page = requested_page()
    events, total = audit.list_events(page=page)
    pages = existing_page_count(page, total, audit.PAGE_SIZE)
    return render_template(
        "admin/audit.html",
        events=events,
        page=page,
        pages=pages,
        total=total,
    )
