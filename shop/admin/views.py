"""Admin: the dashboard and the audit log."""

from flask import render_template

from shop.admin import reports
from shop.admin.blueprint import bp, page_number
from shop.audit import services as audit
from shop.catalog.management import LOW_STOCK_THRESHOLD
from shop.orders.management import STATUS_LABELS


@bp.get("/")
def dashboard() -> str:
    return render_template(
        "admin/dashboard.html",
        dashboard=reports.build_dashboard(),
        low_stock_threshold=LOW_STOCK_THRESHOLD,
        status_labels=STATUS_LABELS,
    )


@bp.get("/audit")
def audit_log() -> str:
    page = page_number()
    events, total = audit.list_events(page=page)
    return render_template(
        "admin/audit.html", events=events, page=page, pages=max(1, -(-total // 50)), total=total
    )
