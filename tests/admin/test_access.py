"""Who may open each /admin route, walked over the whole url_map: anonymous visitors log in, customers get
403, staff get in where shop/admin/permissions.py says and 403 elsewhere, admins get in everywhere. A new
admin route fails these tests until the table decides who may use it."""

import re

import pytest
from flask import Flask
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.routing import MapAdapter, Rule

from shop.accounts.models import Role
from shop.admin import permissions
from tests.accounts.helpers import log_in_with_csrf, make_user
from tests.admin.helpers import client_as
from tests.admin.order_helpers import flag_order
from tests.fixtures import OrderFactory

# The decisions, written out again: changing who may do one of these is a change to this list too.
ADMIN_ONLY = {
    "admin.order_refund",
    "admin.order_refund_lines",
    "admin.order_cancel",
    "admin.order_clear_flag",
    "admin.orders_csv",
    "admin.leads",
    "admin.lead_detail",
    "admin.leads_export",
    "admin.lead_erase",
    "admin.audit_log",
    "admin.staff",
    "admin.staff_invite",
    "admin.staff_role",
    "admin.discount_new",
    "admin.discount_edit",
    "admin.discount_pause",
    "admin.discount_resume",
    "admin.discount_end",
}


def admin_rules(app: Flask) -> list[Rule]:
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/admin")]


def admin_requests(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every admin rule and method, with made-up ids filled in."""
    requests = []
    for rule in admin_rules(app):
        url = re.sub(r"<(?:int:)?\w+>", "999999", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            requests.append((rule.endpoint, method, url))
    return requests


def is_let_in(response: object) -> bool:
    """The guard let the request through to the view (which may still answer 400 or 404 for made-up ids)."""
    status = response.status_code  # type: ignore[attr-defined]
    location = response.headers.get("Location", "")  # type: ignore[attr-defined]
    return status != 403 and not location.startswith("/account/login")


def test_every_admin_endpoint_has_a_decision_in_the_table(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in admin_rules(app)}

    assert len(endpoints) >= 25
    assert all(endpoint.startswith("admin.") for endpoint in endpoints)
    assert endpoints - permissions.ENDPOINT_ROLES.keys() == set(), "decide who may use these"
    assert permissions.ENDPOINT_ROLES.keys() - endpoints == set(), "these are gone: remove them"


def test_the_table_says_what_only_admins_may_do() -> None:
    admin_only = {e for e, role in permissions.ENDPOINT_ROLES.items() if role == Role.ADMIN}
    staff = {e for e, role in permissions.ENDPOINT_ROLES.items() if role == Role.STAFF}

    assert admin_only == ADMIN_ONLY
    assert staff == permissions.ENDPOINT_ROLES.keys() - ADMIN_ONLY


def test_anonymous_visitors_are_sent_to_log_in(app: Flask) -> None:
    client = app.test_client()
    for endpoint, method, url in admin_requests(app):
        response = client.open(url, method=method)
        assert response.status_code == 302, (endpoint, method)
        assert response.headers["Location"].startswith("/account/login?next="), (endpoint, method)


def test_customers_get_403(app: Flask) -> None:
    client = client_as(app, Role.CUSTOMER)
    for endpoint, method, url in admin_requests(app):
        response = client.open(url, method=method)
        assert response.status_code == 403, (endpoint, method)
        assert "staff only" in response.get_data(as_text=True)


def test_staff_get_in_where_the_table_says_and_403_elsewhere(app: Flask) -> None:
    client = client_as(app, Role.STAFF)
    for endpoint, method, url in admin_requests(app):
        response = client.open(url, method=method)
        if endpoint in ADMIN_ONLY:
            assert response.status_code == 403, (endpoint, method)
            assert "Only an admin of the shop can do that." in response.get_data(as_text=True)
        else:
            assert is_let_in(response), (endpoint, method, response.status_code)


def test_admins_get_in_everywhere(app: Flask) -> None:
    client = client_as(app, Role.ADMIN)
    for endpoint, method, url in admin_requests(app):
        response = client.open(url, method=method)
        assert is_let_in(response), (endpoint, method, response.status_code)


def test_an_admin_route_missing_from_the_table_is_for_admins_only(make_app) -> None:
    # given a new admin route nobody has decided about yet
    app = make_app()
    app.add_url_rule("/admin/new-report", endpoint="admin.new_report", view_func=lambda: "the report")
    with app.app_context():
        staff = client_as(app, Role.STAFF)
        admin = client_as(app, Role.ADMIN)

    # then staff are refused and admins get in
    assert staff.get("/admin/new-report").status_code == 403
    assert admin.get("/admin/new-report").get_data(as_text=True) == "the report"


def test_unknown_ids_are_404(app: Flask) -> None:
    client = client_as(app, Role.STAFF)

    assert client.get("/admin/products/999999").status_code == 404
    assert client.post("/admin/variants/999999/stock", data={"delta": "1", "reason": "x"}).status_code == 404


def test_admin_posts_need_csrf(csrf_app: Flask) -> None:
    with csrf_app.app_context():
        make_user(email="staff@example.com", role=Role.STAFF)
    client = csrf_app.test_client()
    log_in_with_csrf(client, "staff@example.com")

    response = client.post("/admin/products/new", data={"name": "Sneaky"})

    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


# --- navigation: nobody is shown a link they may not follow ---------------------------------------

NAV = re.compile(r'<nav class="admin-nav"[^>]*>(.*?)</nav>', re.S)


def nav_labels(page: str) -> list[str]:
    return re.findall(r"<a [^>]*>([^<]+)</a>", NAV.search(page).group(1))


def endpoints_at(adapter: MapAdapter, url: str) -> set[str]:
    """The endpoints a link or form to `url` can reach (GET and POST may differ)."""
    found = set()
    for method in ("GET", "POST"):
        try:
            found.add(adapter.match(url, method=method)[0])
        except MethodNotAllowed:
            pass
    return found


@pytest.mark.parametrize(
    ("role", "labels"),
    [
        (Role.STAFF, ["Dashboard", "Orders", "Products", "Discounts", "Journal", "Comments"]),
        (
            Role.ADMIN,
            [
                "Dashboard",
                "Orders",
                "Products",
                "Discounts",
                "Journal",
                "Comments",
                "Leads",
                "Audit log",
                "Staff",
            ],
        ),
    ],
)
def test_the_admin_menu_lists_only_what_the_role_may_open(app: Flask, role: Role, labels: list[str]) -> None:
    client = client_as(app, role)

    assert nav_labels(client.get("/admin/").get_data(as_text=True)) == labels


def test_no_staff_page_links_or_posts_to_an_admin_only_route(
    shop: dict, paid_order: OrderFactory, app: Flask
) -> None:
    # given a shop with a paid order flagged for attention, and a staff member
    order = flag_order(paid_order(("HOODIE-M", 1), ("GUIDE-WB", 1)), "Payment of $1.00 does not match.")
    client = client_as(app, Role.STAFF)
    pages = [
        "/admin/",
        "/admin/orders",
        f"/admin/orders/{order.number}",
        "/admin/discounts",
        "/admin/products",
        f"/admin/products/{shop['hoodie'].id}",
    ]

    # when staff open every page of their day
    adapter = app.url_map.bind("localhost")
    targets = set()
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        for url in re.findall(r'(?:href|action)="(/admin[^"?#]*)', response.get_data(as_text=True)):
            targets |= endpoints_at(adapter, url)

    # then every link and form there leads somewhere staff may go
    assert {"admin.order_detail", "admin.order_note", "admin.variant_stock"} <= targets
    assert targets.isdisjoint(ADMIN_ONLY), targets & ADMIN_ONLY
