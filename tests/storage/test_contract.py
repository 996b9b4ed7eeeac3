"""One contract for both storage backends (shop/storage.py): the local folder and an S3-compatible bucket
on a real S3 HTTP server behave the same through the interface."""

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shop.s3_storage import S3Client, S3FileStorage
from shop.storage import FileStorage, LocalFileStorage, StorageUnavailableError, copy_missing
from tests.s3_server import CREDENTIALS, REGION, objects, refusing_endpoint, silent_endpoint

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


def s3_client(endpoint: str, bucket: str, **overrides: Any) -> S3Client:
    options: dict[str, Any] = {
        "bucket": bucket,
        "endpoint_url": endpoint,
        "region": REGION,
        "access_key_id": CREDENTIALS["aws_access_key_id"],
        "secret_access_key": CREDENTIALS["aws_secret_access_key"],
        "connect_timeout": 2.0,
        "read_timeout": 5.0,
        "max_attempts": 2,
        "addressing_style": "path",
    }
    return S3Client(**{**options, **overrides})


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> FileStorage:
    if request.param == "local":
        return LocalFileStorage(tmp_path / "guides")
    endpoint = request.getfixturevalue("s3_endpoint")
    return S3FileStorage(s3_client(endpoint, request.getfixturevalue("s3_bucket")), prefix="guides/")


def test_a_saved_file_reads_back_whole_with_its_size(store: FileStorage) -> None:
    assert store.exists("guide.pdf") is False

    store.save("guide.pdf", PDF)

    assert store.exists("guide.pdf") is True
    assert store.size("guide.pdf") == len(PDF)
    assert store.read("guide.pdf") == PDF
    assert list(store.keys()) == ["guide.pdf"]


def test_saving_again_replaces_the_file(store: FileStorage) -> None:
    store.save("guide.pdf", b"old")
    store.save("guide.pdf", PDF)

    assert store.read("guide.pdf") == PDF
    assert store.size("guide.pdf") == len(PDF)


def test_open_streams_and_seeks_with_a_stable_etag(store: FileStorage) -> None:
    store.save("guide.pdf", PDF)

    file, stored = store.open("guide.pdf")
    with file:
        assert stored.size == len(PDF)
        assert file.read(100) == PDF[:100]
        file.seek(5000)
        assert file.tell() == 5000
        assert file.read(10) == PDF[5000:5010]
        file.seek(-7, 2)
        assert file.read() == PDF[-7:]
    again, restat = store.open("guide.pdf")
    again.close()
    assert restat.etag == stored.etag and stored.etag


def test_a_missing_file_is_not_found(store: FileStorage) -> None:
    assert store.exists("nothing.pdf") is False
    with pytest.raises(FileNotFoundError):
        store.read("nothing.pdf")
    with pytest.raises(FileNotFoundError):
        store.open("nothing.pdf")
    with pytest.raises(FileNotFoundError):
        store.size("nothing.pdf")


@pytest.mark.parametrize("key", ["../secret.pdf", "a/b.pdf", "a\\b.pdf", ".hidden", "", "nul\x00.pdf"])
def test_keys_that_are_paths_are_refused(store: FileStorage, key: str) -> None:
    assert store.exists(key) is False
    with pytest.raises(ValueError):
        store.save(key, PDF)
    with pytest.raises(ValueError):
        store.read(key)


def test_s3_keys_live_under_the_prefix_and_stores_do_not_see_each_other(
    s3_endpoint: str, s3_bucket: str
) -> None:
    client = s3_client(s3_endpoint, s3_bucket)
    guides = S3FileStorage(client, prefix="guides/")
    media = S3FileStorage(client, prefix="media/")

    guides.save("guide.pdf", PDF)
    media.save("photo.png", b"\x89PNG")

    assert set(objects(s3_endpoint, s3_bucket)) == {"guides/guide.pdf", "media/photo.png"}
    assert list(guides.keys()) == ["guide.pdf"]
    assert list(media.keys()) == ["photo.png"]
    assert media.exists("guide.pdf") is False


def test_copy_missing_moves_a_folder_into_the_bucket_once(
    tmp_path: Path, s3_endpoint: str, s3_bucket: str
) -> None:
    folder = LocalFileStorage(tmp_path / "guides")
    folder.save("a.pdf", PDF)
    folder.save("b.pdf", b"%PDF-b")
    bucket = S3FileStorage(s3_client(s3_endpoint, s3_bucket), prefix="guides/")
    bucket.save("b.pdf", b"%PDF-b")

    assert copy_missing(folder, bucket) == (1, 1)
    assert copy_missing(folder, bucket) == (0, 2)
    assert bucket.read("a.pdf") == PDF


@pytest.fixture(params=["refused", "timeout"])
def unreachable(request: pytest.FixtureRequest) -> Iterator[S3FileStorage]:
    """A bucket whose server refuses connections, or accepts them and never answers."""
    if request.param == "refused":
        client = s3_client(refusing_endpoint(), "shop-down", max_attempts=1)
        yield S3FileStorage(client, prefix="guides/")
        return
    with silent_endpoint() as endpoint:
        client = s3_client(endpoint, "shop-down", connect_timeout=0.2, read_timeout=0.2, max_attempts=1)
        yield S3FileStorage(client, prefix="guides/")


def test_an_unreachable_store_raises_unavailable_with_a_log_line_each_time(
    unreachable: S3FileStorage, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="shop.s3_storage")
    calls = [
        lambda: unreachable.save("guide.pdf", PDF),
        lambda: unreachable.open("guide.pdf"),
        lambda: unreachable.read("guide.pdf"),
        lambda: unreachable.exists("guide.pdf"),
        lambda: list(unreachable.keys()),
    ]
    for call in calls:
        with pytest.raises(StorageUnavailableError) as raised:
            call()
        assert raised.value.status_code == 503
        assert "try again in a minute" in raised.value.message

    failures = [record for record in caplog.records if "object store unavailable" in record.getMessage()]
    assert len(failures) == len(calls)
