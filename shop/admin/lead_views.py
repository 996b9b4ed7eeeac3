"""Admin: the guide leads — filtered list, one lead's record, the CSV export of the list, erasure."""

from collections.abc import Iterator

from flask import Flask, Response, abort, current_app, flash, redirect, render_template, request, url_for

from shop.admin.blueprint import bp, current_actor
from shop.admin.discount_reports import welcome_order_for
from shop.admin.forms import LeadEraseForm, LeadFilterForm
from shop.clock import utcnow
from shop.discounts.services import get_welcome_code
from shop.guides import export, staff_actions
from shop.guides.export import LeadFilter
from shop.pagination import existing_page_count, requested_page

Page = str | tuple[str, int] | Response

NO_SUCH_LEAD = "There is no lead with that number. It may have been erased."
BAD_FILTERS = "Some filters could not be used. Fix them and try again."


def _filters() -> tuple[LeadFilterForm, LeadFilter | None]:
    """The filter form as sent in the query string, and the filter it names (None when invalid)."""
    form = LeadFilterForm(formdata=request.args)
    if not form.validate():
        return form, None
    return form, LeadFilter(
        include_all=True,  # staff see everyone; the filters narrow it (the mailing list is one preset)
        confirmed=form.confirmed.wanted,
        subscribed=form.subscribed.wanted,
        customer=form.customer.wanted,
        utm_source=form.utm_source.data or None,
        search=form.q.data or None,
    )


def _filter_args(form: LeadFilterForm) -> dict[str, str]:
    """The filters that are set, for links that keep them (pagination, export)."""
    names = ("q", "confirmed", "subscribed", "customer", "utm_source")
    return {name: form[name].data for name in names if form[name].data}


def _list_page(form: LeadFilterForm, result: staff_actions.LeadPage | None) -> Page:
    """The list, or (result None) the filters with their errors and no list: a 400, never a guess."""
    if result is None:
        flash(BAD_FILTERS, "error")
    page = render_template(
        "admin/leads.html",
        form=form,
        result=result,
        filter_args=_filter_args(form) if result is not None else {},
        sources=staff_actions.list_utm_sources(),
    )
    return (page, 400) if result is None else page


@bp.get("/leads")
def leads() -> Page:
    page = requested_page()
    form, lead_filter = _filters()
    if lead_filter is None:
        return _list_page(form, None)
    result = staff_actions.list_leads(lead_filter, page=page)
    existing_page_count(page, result.total, staff_actions.PAGE_SIZE)
    return _list_page(form, result)


@bp.get("/leads/export.csv")
def leads_export() -> Page:
    """Exactly the leads the list shows with these filters, as CSV; the export is audit-logged."""
    form, lead_filter = _filters()
    if lead_filter is None:
        return _list_page(form, None)
    staff_actions.record_export(current_actor(), lead_filter)
    return Response(
        _csv_stream(current_app._get_current_object(), lead_filter),  # type: ignore[attr-defined]
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="leads-{utcnow():%Y%m%d-%H%M}.csv"'},
    )


def _csv_stream(app: Flask, lead_filter: LeadFilter) -> Iterator[str]:
    """The CSV, a batch at a time as the client takes it. The request is over by then: each batch is
    read in a short app context (and database session) of its own, never held open between batches."""
    yield export.header_line()
    cursor = None
    while True:
        with app.app_context():
            text, cursor = export.csv_batch(lead_filter, after=cursor)
        if text:
            yield text
        if cursor is None:
            return


@bp.get("/leads/<int:lead_id>")
def lead_detail(lead_id: int) -> Page:
    detail = staff_actions.get_lead_detail(lead_id)
    if detail is None:
        abort(404, description=NO_SUCH_LEAD)
    welcome_code = get_welcome_code(lead_id)
    return render_template(
        "admin/lead_detail.html",
        detail=detail,
        lead=detail.lead,
        welcome_code=welcome_code,
        welcome_order=welcome_order_for(welcome_code),
    )


@bp.route("/leads/<int:lead_id>/erase", methods=["GET", "POST"])
def lead_erase(lead_id: int) -> Page:
    """A confirmation page, then the POST that erases. Erasure keeps only an anonymous monthly count."""
    detail = staff_actions.get_lead_detail(lead_id)
    if detail is None:
        abort(404, description=NO_SUCH_LEAD)
    form = LeadEraseForm()
    if form.validate_on_submit():
        if not staff_actions.erase_lead(current_actor(), lead_id):
            abort(404, description=NO_SUCH_LEAD)
        flash(f"Erased lead #{lead_id}. Only the anonymous monthly count remains.", "success")
        return redirect(url_for("admin.leads"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/lead_erase.html", lead=detail.lead, form=form), status
