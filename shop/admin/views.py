"""Admin: the dashboard and the audit log."""

from flask import render_template
from werkzeug.wrappers import Response

from shop.admin.blueprint import bp, page_number
from shop.audit import services as audit
from shop.catalog import management


@bp.get("/")
def dashboard() -> str | Response:
    return render_template("admin/dashboard.html", low_stock=management.list_low_stock())


@bp.get("/audit")
def audit_log() -> str:
    page = page_number()
    events, total = audit.list_events(page=page)
    return render_template(
        "admin/audit.html", events=events, page=page, pages=max(1, -(-total // 50)), total=total
    )
