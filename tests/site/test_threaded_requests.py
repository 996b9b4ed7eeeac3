"""One app serving many requests at once in threads, as gunicorn's gthread workers do: every visitor gets
their own session, CSRF token and cart, and the page cache shared by the threads serves all of them."""

import re
import threading
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from config import TestConfig
from tests.factories import make_product

VISITORS = 8


def test_concurrent_visitors_each_see_their_own_session_token_and_cart(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    overrides: dict[str, object] = {"WTF_CSRF_ENABLED": True}
    if TestConfig.SQLALCHEMY_DATABASE_URI.startswith("sqlite"):
        # In-memory SQLite is one connection shared by every thread, so one visitor's rollback would undo
        # another's cart; a file database gives each thread its own connection, as `make run` does.
        overrides["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'threads.sqlite3'}"
    app = make_app(**overrides)
    with app.app_context():
        make_product(name="Spore Print Hoodie", slug="hoodie", sku="HOODIE", sizes=("M",), stock=100)
        make_product(name="Enamel Mug", slug="mug", sku="MUG", stock=100)
    barrier = threading.Barrier(VISITORS)
    results: list[object] = [None] * VISITORS

    def visit(index: int) -> None:
        client = app.test_client()
        sku, quantity = ("HOODIE-M", "MUG")[index % 2], 1 + index % 3
        try:
            barrier.wait()
            seen = []
            for _ in range(3):  # the catalog pages again and again, from the store shared by the threads
                for path in ("/", "/products", "/products/hoodie", "/products/mug"):
                    response = client.get(path)
                    seen.append(response.status_code)
            page = client.get("/products/mug").get_data(as_text=True)
            token = re.search(r'name="csrf-token" content="([^"]+)"', page)[1]
            added = client.post(
                "/cart/add.json", json={"sku": sku, "quantity": quantity}, headers={"X-CSRFToken": token}
            )
            cart = client.get("/cart.json").get_json()
            results[index] = (
                set(seen),
                added.status_code,
                token,
                [(i["sku"], i["quantity"]) for i in cart["items"]],
            )
        except Exception as error:  # asserted on below
            results[index] = error

    threads = [threading.Thread(target=visit, args=(index,)) for index in range(VISITORS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    for index, result in enumerate(results):
        assert isinstance(result, tuple), result
        statuses, added, _, items = result
        assert statuses == {200}
        assert added == 200
        assert items == [(("HOODIE-M", "MUG")[index % 2], 1 + index % 3)]
    assert len({result[2] for result in results}) == VISITORS  # a token of their own each
