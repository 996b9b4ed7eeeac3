"""The benchmark's baseline: a bare Flask app rendering 24 SQLite products through flask-sqlalchemy and Jinja.

It does what a naive catalog page does on every request (one query, one template, no cache) and nothing
else: no sessions, CSRF, security headers or blueprints. `bench/run.py` serves it with gunicorn as
`bare_app:app` next to the shop and reports every shop page as a ratio to this one, so the numbers do not
depend on how fast the machine happens to be today.

The database lives in its own SQLite file (BARE_DATABASE_PATH, default bench/results/bare.sqlite3) and is
created and filled at import when it is missing or empty.
"""

import fcntl
import os
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, render_template
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

BENCH_DIR = Path(__file__).resolve().parent
DATABASE_PATH = Path(os.environ.get("BARE_DATABASE_PATH", BENCH_DIR / "results" / "bare.sqlite3"))
PRODUCT_COUNT = 24

ADJECTIVES = ("Mycelium", "Spore", "Forest", "Chanterelle", "Morel", "Oyster")
THINGS = ("Tee", "Mug", "Tote", "Poster")


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Product(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    price_cents: Mapped[int]
    description: Mapped[str] = mapped_column(sa.Text)


def demo_products() -> list[Product]:
    """24 products whose names, prices and one-to-two-sentence descriptions resemble the shop's."""
    products = []
    for index in range(PRODUCT_COUNT):
        adjective = ADJECTIVES[index % len(ADJECTIVES)]
        thing = THINGS[index // len(ADJECTIVES)]
        products.append(
            Product(
                name=f"{adjective} {thing}",
                price_cents=1_200 + 275 * index,
                description=(
                    f"A {thing.lower()} printed with a {adjective.lower()} motif, made to last for years. "
                    "Packed without plastic and shipped within two working days."
                ),
            )
        )
    return products


def money(amount_cents: int) -> str:
    """Integer cents as dollars ($1,234.50), the same job the shop's money filter does."""
    dollars, cents = divmod(amount_cents, 100)
    return f"${dollars:,}.{cents:02d}"


def ensure_database(app: Flask) -> None:
    """Create and fill the database once; a file lock keeps concurrently booting workers from racing."""
    DATABASE_PATH.parent.mkdir(parents=True, exist_ok=True)
    with open(DATABASE_PATH.with_suffix(".lock"), "w") as lock, app.app_context():
        fcntl.flock(lock, fcntl.LOCK_EX)
        db.create_all()
        if not db.session.scalar(sa.select(sa.func.count(Product.id))):
            db.session.add_all(demo_products())
            db.session.commit()
        db.session.remove()
        # Connections must not cross a fork into gunicorn workers.
        db.engine.dispose()


def create_app() -> Flask:
    app = Flask(__name__, template_folder=str(BENCH_DIR / "templates"))
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{DATABASE_PATH}"
    db.init_app(app)
    app.add_template_filter(money, "money")

    @app.get("/")
    def product_list() -> str:
        products = db.session.scalars(sa.select(Product).order_by(Product.id)).all()
        return render_template("bare_products.html", products=products)

    ensure_database(app)
    return app


app = create_app()
