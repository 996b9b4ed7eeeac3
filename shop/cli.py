"""`flask --app wsgi shop …` commands for operators."""

import secrets
from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from shop.accounts import services as account_services
from shop.accounts.errors import AccountError
from shop.accounts.models import Role
from shop.cart import maintenance as cart_maintenance
from shop.catalog import demo_catalog
from shop.clock import utcnow
from shop.emails import services as email_services
from shop.storage import guide_storage

DEMO_ADMIN_EMAIL = "admin@example.com"

shop_cli = AppGroup("shop", help="Shop operations: seeding, maintenance.")


@shop_cli.command("seed")
@click.option("--if-empty", is_flag=True, help="Only seed when the catalog has no products.")
def seed(if_empty: bool) -> None:
    """Load the demo catalog (idempotent: only what is missing is created)."""
    if if_empty and not demo_catalog.catalog_is_empty():
        click.echo("Catalog already has products; nothing seeded.")
        return
    created = demo_catalog.seed_demo_catalog(guide_storage())
    summary = ", ".join(f"{count} {name}" for name, count in created.items())
    click.echo(f"Seeded demo catalog: {summary}.")
    if account_services.get_user_by_email(DEMO_ADMIN_EMAIL) is None:
        password = secrets.token_urlsafe(12)
        account_services.create_staff(DEMO_ADMIN_EMAIL, password, role=Role.ADMIN)
        click.echo(f"Created the admin {DEMO_ADMIN_EMAIL} with password {password} (shown only this once).")


@shop_cli.command("purge-carts")
@click.option(
    "--days", type=click.IntRange(min=1), default=None, help="Age in days (default: cart lifetime)."
)
def purge_carts(days: int | None) -> None:
    """Delete carts nobody has touched for longer than the cart lifetime."""
    age_days = days or current_app.config["CART_LIFETIME_DAYS"]
    removed = cart_maintenance.purge_stale_carts(older_than=utcnow() - timedelta(days=age_days))
    click.echo(f"Removed {removed} cart(s) untouched for {age_days} days.")


@shop_cli.command("deliver-emails")
@click.option("--limit", type=click.IntRange(min=1), default=100, help="At most this many emails.")
def deliver_emails(limit: int) -> None:
    """Send queued emails that are due (run every minute from cron or a worker)."""
    sent = email_services.deliver_pending(limit=limit)
    click.echo(f"Sent {sent} email(s).")


@shop_cli.command("create-admin")
@click.argument("email")
@click.option("--password", help="The password (prompted for, hidden, when omitted).")
@click.option("--role", type=click.Choice(["staff", "admin"]), default="admin", show_default=True)
def create_admin(email: str, password: str | None, role: str) -> None:
    """Create a staff account (or give an existing account a staff role)."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = account_services.create_staff(email, password, role=Role(role))
    except AccountError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"{user.email} is now {user.role}.")


def init_app(app: Flask) -> None:
    app.cli.add_command(shop_cli)
