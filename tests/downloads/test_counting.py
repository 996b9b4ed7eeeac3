"""What a download link counts: the file's first byte, at most `max_downloads` times, however it is asked
for (ranges, conditional requests, HEAD, prefetch), and only what Werkzeug actually sends."""

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import ContentRange

from shop.clock import utcnow
from shop.downloads import services
from shop.extensions import db
from shop.storage import guide_storage
from tests.downloads.test_downloads import grant_for, issue


@pytest.mark.parametrize(
    ("method", "status", "range_start", "counts"),
    [
        ("GET", 200, None, True),  # the whole file
        ("GET", 206, 0, True),  # bytes=0-, bytes=0-0, a suffix as long as the file
        ("GET", 206, 1, False),  # a resumed download
        ("GET", 206, 500, False),
        ("GET", 304, None, False),  # nothing sent
        ("GET", 416, None, False),  # nothing sent
        ("HEAD", 200, None, False),  # headers only
        ("HEAD", 206, 0, False),
        ("GET", 403, None, False),
    ],
)
def test_only_a_get_whose_body_starts_at_byte_zero_counts(
    method: str, status: int, range_start: int | None, counts: bool
) -> None:
    assert services.sends_first_byte(method=method, status=status, range_start=range_start) is counts


def status_of(client: FlaskClient, url: str, **kwargs) -> int:
    with client.get(url, **kwargs) as response:
        return response.status_code


def _sent_first_byte(response, pdf: bytes) -> bool:
    """Read from the response itself: did its body carry the file's byte 0?"""
    if not response.data:
        return False
    offset = response.content_range.start if response.status_code == 206 else 0
    return offset == 0 and response.data == pdf[: len(response.data)]


def _cases(size: int, etag: str) -> list[tuple[str, dict[str, str], int, bool]]:
    """(method, headers, Werkzeug's status, counted) for a working link to a file of `size` bytes."""
    return [
        ("GET", {}, 200, True),
        ("GET", {"Range": "bytes=0-"}, 206, True),
        ("GET", {"Range": "bytes=0-0"}, 206, True),
        ("GET", {"Range": f"bytes=-{size}"}, 206, True),  # a suffix covering the whole file
        ("GET", {"Range": f"bytes=0-{size * 2}"}, 206, True),
        ("GET", {"Range": "bytes=1-"}, 206, False),  # resumed past byte 0
        ("GET", {"Range": "bytes=-10"}, 206, False),  # the tail only
        # Werkzeug serves no multi-range, malformed or out-of-bounds set: 416, nothing sent, nothing counted.
        ("GET", {"Range": "bytes=0-1,5-9"}, 416, False),
        ("GET", {"Range": f"bytes=-{size + 1}"}, 416, False),
        ("GET", {"Range": f"bytes={size}-"}, 416, False),
        ("GET", {"Range": "bytes=oops"}, 416, False),
        ("GET", {"If-None-Match": etag}, 304, False),
        ("GET", {"If-None-Match": '"something-else"'}, 200, True),
        # A stale If-Range makes Werkzeug send the whole file, so the resume becomes a download.
        ("GET", {"Range": "bytes=1-", "If-Range": '"stale"'}, 200, True),
        ("GET", {"Range": "bytes=1-", "If-Range": etag}, 206, False),
        # Werkzeug serves a satisfiable range before looking at If-None-Match.
        ("GET", {"Range": "bytes=0-", "If-None-Match": etag}, 206, True),
        ("HEAD", {}, 200, False),
        ("HEAD", {"Range": "bytes=0-"}, 206, False),
        ("GET", {"Sec-Purpose": "prefetch"}, 403, False),
        ("GET", {"Sec-Purpose": "prefetch;prerender"}, 403, False),
        ("GET", {"Purpose": "prefetch"}, 403, False),
        ("GET", {"Sec-Purpose": "prefetch", "Range": "bytes=0-"}, 403, False),
    ]


def test_the_count_matches_what_werkzeug_sends(client: FlaskClient, guide) -> None:
    pdf = guide_storage().read("workbook.pdf")
    with client.head(f"/downloads/{issue(guide)}") as response:
        etag = response.headers["ETag"]

    for method, headers, status, counted in _cases(len(pdf), etag):
        token = issue(guide)
        with client.open(f"/downloads/{token}", method=method, headers=headers) as response:
            case = f"{method} {headers}"
            assert response.status_code == status, case
            assert grant_for(token).download_count == int(counted), case
            assert _sent_first_byte(response, pdf) is counted, case
            if status == 416:
                assert response.headers["Content-Range"] == f"bytes */{len(pdf)}", case
            if method == "HEAD" or "prefetch" in str(headers):
                assert response.data == b"", case


def test_a_declined_prefetch_is_never_cached(client: FlaskClient, guide) -> None:
    token = issue(guide)

    with client.get(f"/downloads/{token}", headers={"Sec-Purpose": "prefetch"}) as response:
        assert response.status_code == 403
        assert "no-store" in response.headers["Cache-Control"]


def test_ranges_from_byte_zero_use_up_the_link(client: FlaskClient, guide) -> None:
    token = issue(guide, max_downloads=2)

    statuses = [status_of(client, f"/downloads/{token}", headers={"Range": "bytes=0-"}) for _ in range(3)]

    assert statuses == [206, 206, 403]
    assert grant_for(token).download_count == 2


def test_resumed_downloads_are_free(client: FlaskClient, guide) -> None:
    token = issue(guide, max_downloads=1)

    for _ in range(3):
        with client.get(f"/downloads/{token}", headers={"Range": "bytes=100-"}) as response:
            assert response.status_code == 206
    with client.get(f"/downloads/{token}") as response:
        assert response.status_code == 200

    assert grant_for(token).download_count == 1


def _use_up(token: str) -> None:
    grant = grant_for(token)
    grant.download_count = grant.max_downloads
    db.session.commit()


def _expire(token: str) -> None:
    grant_for(token).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()


def _revoke(token: str) -> None:
    services.revoke_grants([grant_for(token)])
    db.session.commit()


KINDS = {
    "get": ("GET", {}),
    "head": ("HEAD", {}),
    "range from 0": ("GET", {"Range": "bytes=0-"}),
    "resume": ("GET", {"Range": "bytes=100-"}),
    "prefetch": ("GET", {"Sec-Purpose": "prefetch"}),
    "legacy prefetch": ("GET", {"Purpose": "prefetch"}),
    "conditional": ("GET", {"If-None-Match": "*"}),
}


@pytest.mark.parametrize(
    ("make_state", "status", "page_text"),
    [(_use_up, 403, "used up"), (_expire, 410, "expired"), (_revoke, 403, "no longer active")],
    ids=["used up", "expired", "revoked"],
)
@pytest.mark.parametrize("kind", KINDS)
def test_a_dead_link_refuses_every_kind_of_request_alike(
    client: FlaskClient,
    guide,
    make_state,
    status: int,
    page_text: str,
    kind: str,
) -> None:
    # given a link that is used up, expired or revoked
    token = issue(guide, max_downloads=2)
    make_state(token)
    count_before = grant_for(token).download_count

    # when it is asked for in any way
    method, headers = KINDS[kind]
    with client.open(f"/downloads/{token}", method=method, headers=headers) as response:
        # then the answer is the GET's refusal, with no byte of the file
        assert response.status_code == status
        assert b"%PDF" not in response.data
        if method == "GET":
            assert page_text in response.get_data(as_text=True)
    assert grant_for(token).download_count == count_before


def test_record_download_stops_exactly_at_the_limit(app: Flask, guide) -> None:
    # given one grant object read once, as a slow request would hold it
    token = issue(guide, max_downloads=3)
    grant = services.find_grant(token)

    # when downloads are recorded one after another, one more than allowed
    claims = [
        services.record_download(grant, outcome="served", counted=True, ip_address=None, user_agent=None)
        for _ in range(4)
    ]

    # then exactly the allowed number succeed and the count never passes the limit
    assert claims == [True, True, True, False]
    assert grant_for(token).download_count == 3


def test_a_link_serves_exactly_its_limit_through_the_view(client: FlaskClient, guide) -> None:
    token = issue(guide, max_downloads=3)

    statuses = [status_of(client, f"/downloads/{token}") for _ in range(4)]

    assert statuses == [200, 200, 200, 403]
    assert grant_for(token).download_count == 3


def test_the_content_range_of_a_counted_range_starts_at_zero(client: FlaskClient, guide) -> None:
    token = issue(guide)
    size = guide_storage().size("workbook.pdf")

    with client.get(f"/downloads/{token}", headers={"Range": "bytes=0-"}) as response:
        assert response.content_range.to_header() == ContentRange("bytes", 0, size, size).to_header()
