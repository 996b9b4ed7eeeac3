"""url_stem: a list builds one URL for its rows' links, and stem + value is exactly what url_for builds."""

import pytest
from flask import Flask, url_for

from shop.templating import url_stem


def test_stem_and_value_make_the_url_for_builds(app: Flask) -> None:
    with app.test_request_context("/"):
        assert url_stem("admin.lead_detail", "lead_id") + "42" == url_for("admin.lead_detail", lead_id=42)
        order_url = url_for("admin.order_detail", number="GS-7K3Q9P")
        assert url_stem("admin.order_detail", "number") + "GS-7K3Q9P" == order_url


def test_a_value_that_is_not_the_end_of_the_url_is_refused(app: Flask) -> None:
    with app.test_request_context("/"), pytest.raises(ValueError, match="not the end"):
        url_stem("admin.order_packing_slip", "number")  # /admin/orders/<number>/packing-slip
