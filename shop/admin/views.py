"""Admin: the dashboard and the audit log."""

from flask import render_template

from shop.admin import reports
from shop.admin.blueprint import bp
from shop.admin.insight_views import dashboard_insights, range_context, requested_window, shop_zone
from shop.audit import services as audit
from shop.catalog.editing import LOW_STOCK_THRESHOLD
from shop.journal import comments
from shop.orders.status_machine import STATUS_LABELS
from shop.pagination import existing_page_count, requested_page


@bp.get("/")
def dashboard() -> str:
    window, message = requested_window()
    return render_template(
        "admin/dashboard.html",
        dashboard=reports.build_dashboard(now=window.now, zone=shop_zone()),
        **range_context(window, message),
        **dashboard_insights(window),
        pending_comments=comments.count_pending(),
        low_stock_threshold=LOW_STOCK_THRESHOLD,
        status_labels=STATUS_LABELS,
    )


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
