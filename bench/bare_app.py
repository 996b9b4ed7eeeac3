"""The benchmark's baseline: a bare Flask app rendering SQLite rows through flask-sqlalchemy and Jinja.

Three pages, one per kind of storefront page: `/` lists 24 products (~11 KB), `/products/<id>` shows one
product (~8 KB), `/journal/<slug>` shows one article whose body is stored as HTML (~18 KB). Each does what
a naive page does on every request (one query, one template, no cache) and nothing else: no sessions,
CSRF, security headers or blueprints. `bench/run.py` serves it with gunicorn as
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


class Article(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    topic: Mapped[str] = mapped_column(sa.String(60))
    summary: Mapped[str] = mapped_column(sa.Text)
    author: Mapped[str] = mapped_column(sa.String(120))
    body_html: Mapped[str] = mapped_column(sa.Text)


ARTICLE_SLUGS = ("listening-in-relationships", "keeping-a-reflective-journal", "slow-weekends")


def demo_articles() -> list[Article]:
    """Three articles of about 15 KB of HTML each (headings and paragraphs), like the shop's journal."""
    sentence = (
        "Writing a few lines at the end of the day is less about recording events than about noticing "
        "how they felt, and a page kept honestly for a season shows patterns no single day reveals. "
    )
    articles = []
    for index, slug in enumerate(ARTICLE_SLUGS):
        sections = []
        for part in range(14):
            paragraphs = "".join(f"<p>{sentence * 3}</p>\n" for _ in range(2))
            sections.append(f"<h2>Part {part + 1}: what to notice</h2>\n{paragraphs}")
        articles.append(
            Article(
                slug=slug,
                title=slug.replace("-", " ").capitalize(),
                topic="Reflection",
                summary="A practical, unhurried way to pay attention, in a few minutes a day.",
                author=f"Author {index + 1}",
                body_html="".join(sections),
            )
        )
    return articles


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
        if not db.session.scalar(sa.select(sa.func.count(Article.id))):
            db.session.add_all(demo_articles())
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

    @app.get("/products/<int:product_id>")
    def product_page(product_id: int) -> str:
        product = db.get_or_404(Product, product_id)
        return render_template("bare_product.html", product=product)

    @app.get("/journal/<slug>")
    def article_page(slug: str) -> str:
        article = db.first_or_404(sa.select(Article).where(Article.slug == slug))
        return render_template("bare_article.html", article=article)

    ensure_database(app)
    return app


app = create_app()
