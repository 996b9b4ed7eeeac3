"""`flask --app wsgi shop …` commands for operators."""

import secrets
import threading
from datetime import UTC, datetime, timedelta
from typing import TextIO

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from shop.accounts import services as account_services
from shop.accounts.errors import AccountError
from shop.accounts.models import Role
from shop.cart import maintenance as cart_maintenance
from shop.catalog import demo_catalog
from shop.clock import utcnow
from shop.discounts import demo_codes
from shop.emails import services as email_services
from shop.emails import worker as email_worker
from shop.guides import export as lead_export
from shop.guides import services as lead_services
from shop.journal import demo_articles
from shop.orders.invoices import issue_missing_invoices
from shop.orders.pending import release_expired_orders
from shop.payments import services as payment_services
from shop.payments.errors import PaymentError
from shop.storage import (
    LocalFileStorage,
    StorageUnavailableError,
    copy_missing,
    guide_storage,
    media_storage,
)

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
    articles = demo_articles.seed_demo_articles()
    click.echo(f"Seeded {articles} journal article(s).")
    codes = demo_codes.seed_demo_codes()
    click.echo(f"Seeded {codes} discount code(s) ({demo_codes.DEMO_CODE}: 10% off merchandise).")
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
    """Send queued emails that are due, once (the worker does this continuously)."""
    report = email_services.deliver_pending(limit=limit)
    click.echo(f"Sent {report.sent} email(s); {report.failed} could not be sent (see the log).")


@shop_cli.command("worker")
@click.option(
    "--poll-interval",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Seconds to sleep when nothing is due (default: EMAIL_POLL_SECONDS).",
)
def worker(poll_interval: float | None) -> None:
    """Deliver queued email continuously until SIGTERM or Ctrl-C (run beside the web server)."""
    stop = threading.Event()
    email_worker.stop_on_signals(stop)
    email_worker.run(stop, poll_seconds=poll_interval)


@shop_cli.command("release-expired")
@click.option("--limit", type=click.IntRange(min=1), default=500, help="At most this many orders.")
def release_expired(limit: int) -> None:
    """Expire unpaid orders whose reservation ran out and put their stock back (run every few minutes)."""
    released = release_expired_orders(limit=limit)
    click.echo(f"Released the reservation of {released} expired order(s).")


@shop_cli.command("issue-invoices")
@click.option("--limit", type=click.IntRange(min=1), default=1000, help="At most this many orders.")
def issue_invoices(limit: int) -> None:
    """Number invoices for paid orders that have none (paid before invoices existed), oldest first."""
    numbers = issue_missing_invoices(limit=limit)
    click.echo(f"Issued {len(numbers)} invoice(s){': ' + ', '.join(numbers) if numbers else '.'}")


@shop_cli.command("reconcile-payments")
@click.option(
    "--hours", type=click.IntRange(min=1, max=24 * 30), default=None, help="Look back this many hours."
)
def reconcile_payments(hours: int | None) -> None:
    """Apply recent payment sessions whose webhook never arrived (idempotent; run hourly)."""
    hours = hours or current_app.config["RECONCILE_HOURS"]
    try:
        outcomes = payment_services.reconcile_payments(since=utcnow() - timedelta(hours=hours))
    except PaymentError as error:
        raise click.ClickException(f"Could not list sessions from the payment provider: {error}") from error
    total = sum(outcomes.values())
    detail = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items())) or "none"
    click.echo(f"Checked {total} session(s) from the last {hours} hours: {detail}.")


@shop_cli.command("export-leads")
@click.option("--all", "include_all", is_flag=True, help="Every lead, not only confirmed subscribers.")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Only leads who signed up on or after this date (YYYY-MM-DD, UTC).",
)
@click.option(
    "--output",
    type=click.File("w", encoding="utf-8", lazy=True),
    default="-",
    help="CSV file to write (default: standard output).",
)
def export_leads(include_all: bool, since: datetime | None, output: TextIO) -> None:
    """Write marketing's lead list as CSV: by default only leads who confirmed their email, said yes
    to marketing and are still subscribed. Cells are neutralised against spreadsheet formulas."""
    lead_filter = lead_export.LeadFilter(
        include_all=include_all, since=since.replace(tzinfo=UTC) if since else None
    )
    count = lead_export.write_csv(output, lead_filter)
    click.echo(f"Exported {count} lead(s).", err=True)


@shop_cli.command("erase-lead")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Don't ask for confirmation.")
def erase_lead(email: str, yes: bool) -> None:
    """Delete everything held about the lead with EMAIL; only an anonymous monthly count remains."""
    if not yes:
        click.confirm(f"Erase every record of {email.strip().lower()}? This cannot be undone", abort=True)
    if not lead_services.erase_lead(email):
        raise click.ClickException("No lead has that email address; nothing was erased.")
    click.echo("Erased. Only the anonymous erasure count remains.")


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


@shop_cli.command("storage-sync")
def storage_sync() -> None:
    """Copy guide PDFs and product images from this host's folders into the bucket (STORAGE_BACKEND=s3)."""
    config = current_app.config
    if config["STORAGE_BACKEND"] != "s3":
        click.echo("STORAGE_BACKEND is local: the shop already reads these folders; nothing to copy.")
        return
    stores = (
        ("guide PDFs", config["GUIDE_STORAGE_DIR"], guide_storage()),
        ("product images", config["MEDIA_STORAGE_DIR"], media_storage()),
    )
    for label, folder, target in stores:
        try:
            copied, present = copy_missing(LocalFileStorage(folder), target)
        except StorageUnavailableError as error:
            raise click.ClickException(f"{error.message} ({label}; the log has the details)") from error
        click.echo(
            f"{label}: copied {copied} from {folder} to bucket {config['S3_BUCKET']}; "
            f"{present} already there."
        )


def init_app(app: Flask) -> None:
    app.cli.add_command(shop_cli)
