"""Admins manage staff; the last admin can't be demoted; every change is audited."""

import sqlalchemy as sa
from flask import Flask

from shop.accounts.models import Role, User
from shop.audit.models import AuditEvent
from shop.extensions import db
from tests.accounts.helpers import link_in_last_email, make_user
from tests.admin.helpers import client_as


def role_of(email: str) -> str:
    db.session.expire_all()
    return db.session.scalar(sa.select(User.role).where(User.email == email))


def test_an_admin_invites_a_new_staff_member_who_sets_a_password(app: Flask) -> None:
    admin = client_as(app, Role.ADMIN)

    response = admin.post("/admin/staff", data={"email": "New.Staff@example.com", "role": "staff"})

    assert response.status_code == 303
    assert role_of("new.staff@example.com") == Role.STAFF
    link = link_in_last_email(app, "new.staff@example.com")
    assert link.startswith("/account/reset/")
    newcomer = app.test_client()
    assert newcomer.post(link, data={"password": "violet harbour compass"}).status_code == 303
    assert newcomer.get("/admin/").status_code == 200


def test_promoting_an_existing_customer(app: Flask) -> None:
    make_user(email="cust@example.com")
    admin = client_as(app, Role.ADMIN)

    admin.post("/admin/staff", data={"email": "cust@example.com", "role": "admin"})

    assert role_of("cust@example.com") == Role.ADMIN


def test_the_last_admin_cannot_be_demoted(app: Flask) -> None:
    admin = client_as(app, Role.ADMIN, email="only@example.com")
    only = db.session.scalar(sa.select(User).where(User.email == "only@example.com"))

    response = admin.post(f"/admin/staff/{only.id}/role", data={"role": "customer"})

    assert response.status_code == 400
    assert "only admin" in response.get_data(as_text=True)
    assert role_of("only@example.com") == Role.ADMIN


def test_removing_staff_access(app: Flask) -> None:
    admin = client_as(app, Role.ADMIN)
    staff_user = make_user(email="leaver@example.com", role=Role.STAFF)

    admin.post(f"/admin/staff/{staff_user.id}/role", data={"role": "customer"})

    assert role_of("leaver@example.com") == Role.CUSTOMER
    summaries = db.session.scalars(sa.select(AuditEvent.summary)).all()
    assert "leaver@example.com: staff → customer" in summaries


def test_bad_staff_input(app: Flask) -> None:
    admin = client_as(app, Role.ADMIN)

    bad_email = admin.post("/admin/staff", data={"email": "nope", "role": "staff"})
    bad_role = admin.post("/admin/staff", data={"email": "x@example.com", "role": "owner"})
    missing = admin.post("/admin/staff/999999/role", data={"role": "staff"})

    assert bad_email.status_code == 400 and "valid email" in bad_email.get_data(as_text=True)
    assert bad_role.status_code == 400
    assert missing.status_code == 404
    assert role_of("x@example.com") is None
