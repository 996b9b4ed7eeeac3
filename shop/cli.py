"""`flask --app wsgi shop …` commands for operators."""

from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from shop.cart import maintenance as cart_maintenance
from shop.catalog import demo_catalog
from shop.clock import utcnow
from shop.emails import services as email_services
from shop.storage import guide_storage

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


def init_app(app: Flask) -> None:
    app.cli.add_command(shop_cli)
