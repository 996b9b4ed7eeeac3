"""A small shop with one of everything (products, a guide, a lead, an order, an article with a comment, a
discount code, an uploaded image), three actors (a visitor, a customer, an admin), and a crawl of what
they can reach: every link and form the pages and emails hold, matched back to `app.url_map`.

The hostile-input tests build their requests from this, so a route or form added later is found without
touching them."""

import hashlib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.exceptions import HTTPException
from werkzeug.routing import MapAdapter, Rule

from shop.accounts.models import Role
from shop.extensions import db
from shop.media import save_image
from tests.accounts.customers import make_customer
from tests.accounts.helpers import log_in
from tests.admin.helpers import client_as
from tests.factories import make_code, make_product
from tests.guides.helpers import make_free_guide, sign_up
from tests.journal.comment_helpers import add_comment
from tests.journal.helpers import make_article
from tests.mail_delivery import deliver_and_read_outbox
from tests.order_factory import make_paid_order, make_shop

ACTORS = ("visitor", "customer", "admin")
CUSTOMER_EMAIL = "ana@example.com"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A 1×1 PNG: enough for the image sniffing to accept it as an upload.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@dataclass
class World:
    app: Flask
    clients: dict[str, FlaskClient]
    # Every value a route's argument was seen with in a link or form, by argument name, and by
    # (endpoint, argument name): a slug that names a guide for the guide's routes.
    arguments: dict[str, set[str]] = field(default_factory=dict)
    endpoint_arguments: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    # Every form seen, by (endpoint, method): the fields with the values the page put in them.
    forms: dict[tuple[str, str], list[dict[str, list[str]]]] = field(default_factory=dict)
    # Every URL seen that a GET answers, with the endpoint it reaches.
    pages: dict[str, str] = field(default_factory=dict)
    # The file inputs of each endpoint's forms.
    files: dict[str, set[str]] = field(default_factory=dict)

    def __repr__(self) -> str:  # Hypothesis prints the strategy's arguments
        return f"World({len(self.pages)} pages, {len(self.forms)} forms)"

    def known_values(self, rule: Rule, name: str) -> list[str]:
        """Values seen for this argument of this path (whichever method's route), else of any route."""
        endpoints = {other.endpoint for other in self.app.url_map.iter_rules() if other.rule == rule.rule}
        seen = set().union(*(self.endpoint_arguments.get((endpoint, name), set()) for endpoint in endpoints))
        return sorted(seen or self.arguments.get(name, ()))

    def field_names(self) -> set[str]:
        return {name for forms in self.forms.values() for form in forms for name in form}

    def file_fields(self, endpoint: str) -> set[str]:
        return self.files.get(endpoint, set())


def seed(app: Flask) -> None:
    """One of everything, for the admin and the customer to have something to look at."""
    make_shop()
    make_free_guide()
    make_code("SPORES10")
    article = make_article(title="Listening", slug="listening")
    add_comment(article)
    customer = make_customer(CUSTOMER_EMAIL)
    make_paid_order(("GUIDE-WB", 1), ("TEE-M", 1), email=CUSTOMER_EMAIL, user_id=customer.id)
    make_paid_order(("HOODIE-L", 1), email="bo@example.com")
    tote = make_product(name="Canvas Tote", slug="tote", sku="TOTE")
    tote.image_path = save_image(PNG)  # an uploaded image, served under /media
    db.session.commit()


def log_in_actors(app: Flask) -> dict[str, FlaskClient]:
    customer = app.test_client()
    assert log_in(customer, email=CUSTOMER_EMAIL).status_code == 303
    visitor = app.test_client()
    assert sign_up(visitor, email="lee@example.com").status_code in (200, 303)
    clients = {"visitor": visitor, "customer": customer, "admin": client_as(app, Role.ADMIN)}
    for client in clients.values():  # a cart, so the cart and checkout pages show their forms
        for sku in ("TEE-M", "GUIDE-WB"):
            assert client.post("/cart/add.json", json={"sku": sku, "quantity": 1}).status_code == 200
    return clients


class _Page(HTMLParser):
    """The links (href, src, action) and the forms of a page."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[tuple[str, str, dict[str, list[str]]]] = []
        self._form: tuple[str, str, dict[str, list[str]]] | None = None
        self._select: str | None = None
        self.files: set[str] = set()
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        for name in ("href", "src"):
            if attributes.get(name):
                self.links.append(attributes[name])
        if tag == "form":
            method = (attributes.get("method") or "get").upper()
            self._form = (attributes.get("action", ""), method, {})
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select", "button"):
            name = attributes.get("name")
            if not name:
                return
            values = self._form[2].setdefault(name, [])
            if tag == "input" and attributes.get("type") == "file":
                self.files.add(name)
            if tag == "select":
                self._select = name
            elif (
                tag != "input"
                or attributes.get("type") not in ("checkbox", "radio")
                or ("checked" in attributes)
            ):
                values.append(attributes.get("value", ""))
        elif tag == "option" and self._form is not None and self._select:
            if "selected" in attributes or not self._form[2][self._select]:
                self._form[2][self._select][:1] = [attributes.get("value", "")]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _match(adapter: MapAdapter, url: str, method: str) -> tuple[Rule, dict] | None:
    try:
        rule, values = adapter.match(urlsplit(url).path, method=method, return_rule=True)
    except HTTPException:
        return None
    except Exception:  # a redirect the router asks for (RequestRedirect is an HTTPException too)
        return None
    return rule, values


def crawl(app: Flask, clients: dict[str, FlaskClient], *, limit: int = 400) -> World:
    """Walk every page each actor can reach from the home page, the account and admin pages and the
    links in the emails sent so far; note every route argument, form and page found."""
    world = World(app=app, clients=clients)
    adapter = app.url_map.bind("localhost")
    starts = ["/", "/account/", "/admin/", "/journal", "/products", "/cart", "/checkout"]
    starts += _email_links(app)
    for actor in ("admin", "customer", "visitor"):
        client = clients[actor]
        queue, seen = list(starts), set()
        while queue and len(seen) < limit:
            url = queue.pop(0)
            if url in seen or "/logout" in url:
                continue
            seen.add(url)
            matched = _match(adapter, url, "GET")
            if matched is None:
                continue
            rule, values = matched
            _note_arguments(world, rule.endpoint, values)
            with client.get(url) as response:
                if response.status_code == 200:
                    world.pages.setdefault(url, rule.endpoint)
                if response.mimetype != "text/html":
                    continue
                page = _Page(response.get_data(as_text=True))
            for link in page.links:
                parts = urlsplit(link)
                if parts.netloc in ("", "localhost") and parts.path.startswith("/"):
                    queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
            for action, method, fields in page.forms:
                target = action or url
                matched = _match(adapter, target, method)
                if matched is None:
                    continue
                form_rule, form_values = matched
                _note_arguments(world, form_rule.endpoint, form_values)
                query = dict(parse_qsl(urlsplit(target).query))
                fields = {**{k: [v] for k, v in query.items()}, **fields}
                world.forms.setdefault((form_rule.endpoint, method), []).append(fields)
                world.files.setdefault(form_rule.endpoint, set()).update(page.files & set(fields))
                if method == "GET":
                    queue.append(urlsplit(target).path)
    return world


def _note_arguments(world: World, endpoint: str, values: dict) -> None:
    for name, value in values.items():
        world.arguments.setdefault(name, set()).add(str(value))
        world.endpoint_arguments.setdefault((endpoint, name), set()).add(str(value))


def _email_links(app: Flask) -> list[str]:
    links = []
    for message in deliver_and_read_outbox(app):
        for url in re.findall(r"http://localhost(/[^\s\"'<>]+)", message.body):
            links.append(url)
    return links


def digest() -> str:
    """A digest of every row of every table: equal before and after means nothing stored changed."""
    hasher = hashlib.sha256()
    db.session.remove()
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            for row in connection.execute(sa.select(table).order_by(*order)):
                hasher.update(repr(tuple(_plain(value) for value in row)).encode())
            hasher.update(table.name.encode())
    return hasher.hexdigest()


def changed_tables(before: dict[str, list], after: dict[str, list]) -> list[str]:
    return sorted(name for name in before if before[name] != after.get(name))


def table_rows() -> dict[str, list]:
    """Every table's rows, to name what changed once a digest differs."""
    db.session.remove()
    rows = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            rows[table.name] = [
                tuple(_plain(value) for value in row)
                for row in connection.execute(sa.select(table).order_by(*order))
            ]
    return rows


def _plain(value: object) -> object:
    return bytes(value) if isinstance(value, memoryview) else value
