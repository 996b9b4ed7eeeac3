"""Guide PDFs and uploaded product images behind one small interface, with two backends chosen by
STORAGE_BACKEND: a local folder (the default) or an S3-compatible bucket (shop/s3_storage.py).

Keys are plain file names (never paths) in both backends, so no key escapes its folder or prefix. A backend
that cannot reach its store raises StorageUnavailableError (a 503 "try again in a minute"), with a log line.
"""

import logging
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import Flask, Response, current_app, request, send_file

from shop.errors import ShopError

log = logging.getLogger(__name__)

BACKENDS = ("local", "s3")
# Seconds a client is told to wait (Retry-After) when the store is unreachable.
RETRY_AFTER_SECONDS = 60
# Shown on an upload form when the store does not answer: the upload is refused whole.
UPLOAD_UNAVAILABLE_MESSAGE = (
    "Our file store isn't answering, so this file was not saved and nothing changed. Try again in a minute."
)


class StorageUnavailableError(ShopError):
    """The file store did not answer (refused, timed out, or answered with a server error)."""

    status_code = 503

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or "Our file store isn't answering right now. Nothing was lost: please try again in a minute."
        )


@dataclass(frozen=True)
class StoredFile:
    """What a backend knows about a stored file, read in the same request that opens it."""

    size: int
    etag: str
    last_modified: datetime | None


class FileStorage(Protocol):
    def save(self, key: str, data: bytes) -> None: ...
    def read(self, key: str) -> bytes: ...
    def open(self, key: str) -> tuple[BinaryIO, StoredFile]: ...
    def exists(self, key: str) -> bool: ...
    def size(self, key: str) -> int: ...
    def keys(self) -> Iterator[str]: ...


def check_key(key: str) -> str:
    """A key is a plain file name: not empty, no separators, not hidden, no NUL. ValueError otherwise."""
    if not key or "/" in key or "\\" in key or key.startswith(".") or "\x00" in key:
        raise ValueError(f"invalid storage key {key!r}")
    return key


class LocalFileStorage:
    """Files in one folder on this host's disk."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalFileStorage({str(self.root)!r})"

    def path_for(self, key: str) -> Path:
        return self.root / check_key(key)

    def save(self, key: str, data: bytes) -> None:
        path = self.path_for(key)
        self.root.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.part")
        temporary.write_bytes(data)
        temporary.replace(path)  # atomic: a reader never sees half a file

    def read(self, key: str) -> bytes:
        return self.path_for(key).read_bytes()

    def open(self, key: str) -> tuple[BinaryIO, StoredFile]:
        file = self.path_for(key).open("rb")
        status = os.fstat(file.fileno())
        etag = f"{status.st_mtime}-{status.st_size}-{zlib.adler32(key.encode()) & 0xFFFFFFFF}"
        modified = datetime.fromtimestamp(status.st_mtime, UTC)
        return file, StoredFile(size=status.st_size, etag=etag, last_modified=modified)

    def exists(self, key: str) -> bool:
        try:
            return self.path_for(key).is_file()
        except ValueError:
            return False

    def size(self, key: str) -> int:
        return self.path_for(key).stat().st_size

    def keys(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.iterdir()):
            if path.is_file() and not path.name.startswith("."):
                yield path.name


def send_stored_file(
    storage: FileStorage,
    key: str,
    *,
    mimetype: str,
    download_name: str | None = None,
    as_attachment: bool = False,
    max_age: int = 0,
) -> Response:
    """A response for a stored file, the same from either backend: ETag and Last-Modified from the store,
    and Werkzeug's handling of Range, If-Range and If-None-Match (200, 206, 304, or 416 raised as
    RequestedRangeNotSatisfiable). FileNotFoundError when the key is not stored; StorageUnavailableError
    when the store does not answer. The body streams from the store as it is sent."""
    file, stored = storage.open(key)
    response = send_file(
        file,
        mimetype=mimetype,
        as_attachment=as_attachment,
        download_name=download_name,
        conditional=False,
        etag=stored.etag,
        last_modified=stored.last_modified,
        max_age=max_age,
    )
    response.content_length = stored.size
    try:
        return response.make_conditional(request.environ, accept_ranges=True, complete_length=stored.size)
    except Exception:
        response.close()
        raise


def init_app(app: Flask) -> None:
    """Build the guide and media stores the configuration names (no connection is made here)."""
    if app.config["STORAGE_BACKEND"] == "s3":
        from shop.s3_storage import S3Client, S3FileStorage

        client = S3Client.from_config(app.config)
        guides: FileStorage = S3FileStorage(client, prefix=app.config["S3_GUIDE_PREFIX"])
        media: FileStorage = S3FileStorage(client, prefix=app.config["S3_MEDIA_PREFIX"])
    else:
        guides = LocalFileStorage(app.config["GUIDE_STORAGE_DIR"])
        media = LocalFileStorage(app.config["MEDIA_STORAGE_DIR"])
    app.extensions["guide_storage"] = guides
    app.extensions["media_storage"] = media


def guide_storage() -> FileStorage:
    return current_app.extensions["guide_storage"]


def media_storage() -> FileStorage:
    return current_app.extensions["media_storage"]


def copy_missing(source: FileStorage, target: FileStorage) -> tuple[int, int]:
    """Copy every file of `source` that `target` lacks (or holds at another size); returns (copied,
    already there). For moving a host's folders into a bucket once."""
    copied = present = 0
    for key in source.keys():
        if target.exists(key) and target.size(key) == source.size(key):
            present += 1
            continue
        target.save(key, source.read(key))
        copied += 1
    return copied, present
