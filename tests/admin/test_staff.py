"""Admins manage staff; the last admin can't be demoted; every change is audited."""

import sqlalchemy as sa
from flask import Flask

from shop.accounts.models import Role, User
from shop.audit.models import AuditEvent
from shop.extensions import db
from tests.accounts.customers import make_customer
from tests.accounts.helpers import PASSWORD, link_in_last_email, log_in, make_user, sent_emails
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


def test_a_confirmed_customer_is_promoted_as_they_are(app: Flask) -> None:
    # given a confirmed customer, logged in
    make_customer("cust@example.com")
    customer = app.test_client()
    assert log_in(customer, email="cust@example.com").status_code == 303
    admin = client_as(app, Role.ADMIN)

    # when an admin adds them to the staff
    response = admin.post("/admin/staff", data={"email": "cust@example.com", "role": "admin"})

    # then they have the role with their own password and session, and no email is needed
    assert response.status_code == 303
    assert role_of("cust@example.com") == Role.ADMIN
    assert customer.get("/admin/").status_code == 200
    assert log_in(app.test_client(), email="cust@example.com").status_code == 303
    assert [m for m in sent_emails(app) if m.to == ["cust@example.com"]] == []


def test_an_unconfirmed_account_is_reset_before_it_gets_the_role(app: Flask) -> None:
    # given an account someone registered with a staff member's address and never confirmed, logged in
    make_user(email="new.staff@example.com", password=PASSWORD)
    squatter = app.test_client()
    assert log_in(squatter, email="new.staff@example.com").status_code == 303
    admin = client_as(app, Role.ADMIN)

    # when an admin adds that address to the staff
    response = admin.post("/admin/staff", data={"email": "new.staff@example.com", "role": "admin"})

    # then whoever registered it is logged out and their password no longer works
    assert response.status_code == 303
    assert role_of("new.staff@example.com") == Role.ADMIN
    assert squatter.get("/admin/").status_code == 302
    assert log_in(app.test_client(), email="new.staff@example.com").status_code == 400
    # and the address's owner gets the set-password link, which opens the admin
    link = link_in_last_email(app, "new.staff@example.com")
    assert link.startswith("/account/reset/")
    owner = app.test_client()
    assert owner.post(link, data={"password": "violet harbour compass"}).status_code == 303
    assert owner.get("/admin/").status_code == 200
    summaries = db.session.scalars(sa.select(AuditEvent.summary)).all()
    assert (
        "new.staff@example.com: unconfirmed account: password reset and sessions ended, customer → admin"
        in (summaries)
    )


def test_an_unconfirmed_account_cannot_get_a_role_from_the_table(app: Flask) -> None:
    squatter = make_user(email="new.staff@example.com")
    admin = client_as(app, Role.ADMIN)

    response = admin.post(f"/admin/staff/{squatter.id}/role", data={"role": "staff"})

    assert response.status_code == 400
    assert "has not confirmed" in response.get_data(as_text=True)
    assert role_of("new.staff@example.com") == Role.CUSTOMER


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
