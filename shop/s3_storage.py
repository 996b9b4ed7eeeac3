"""The S3-compatible backend of shop/storage.py (AWS S3, Cloudflare R2, MinIO, Ceph) through boto3.

One bucket holds both stores, each under its own key prefix. The client is made on first use (start-up
opens no connection) with short timeouts and few attempts, so an unreachable store costs a request a few
seconds at most; every failure to reach it is logged and raised as StorageUnavailableError.
"""

import io
import logging
import mimetypes
import threading
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO

from shop.storage import StorageUnavailableError, StoredFile, check_key

log = logging.getLogger(__name__)

NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})

# One boto3 session for the process: it loads S3's service description once for every client it makes.
# A session is not thread-safe, so clients are made under the lock; the clients themselves are.
_session_lock = threading.Lock()
_session: Any = None


def _new_client(**options: Any) -> Any:
    global _session
    with _session_lock:
        if _session is None:
            import boto3

            _session = boto3.session.Session()
        return _session.client("s3", **options)


class S3Client:
    """One boto3 client per app, shared by the guide and media stores (boto3 clients are thread-safe)."""

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None,
        region: str | None,
        access_key_id: str | None,
        secret_access_key: str | None,
        connect_timeout: float,
        read_timeout: float,
        max_attempts: int,
        addressing_style: str,
    ) -> None:
        self.bucket = bucket
        self._options = {
            "endpoint_url": endpoint_url,
            "region_name": region,
            "aws_access_key_id": access_key_id,
            "aws_secret_access_key": secret_access_key,
        }
        self._timeouts = (connect_timeout, read_timeout, max_attempts, addressing_style)
        self._client: Any = None
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "S3Client":
        return cls(
            bucket=config["S3_BUCKET"],
            endpoint_url=config["S3_ENDPOINT_URL"],
            region=config["S3_REGION"],
            access_key_id=config["S3_ACCESS_KEY_ID"],
            secret_access_key=config["S3_SECRET_ACCESS_KEY"],
            connect_timeout=config["S3_CONNECT_TIMEOUT_SECONDS"],
            read_timeout=config["S3_READ_TIMEOUT_SECONDS"],
            max_attempts=config["S3_MAX_ATTEMPTS"],
            addressing_style=config["S3_ADDRESSING_STYLE"]
            or ("path" if config["S3_ENDPOINT_URL"] else "auto"),
        )

    def __repr__(self) -> str:
        return f"S3Client(bucket={self.bucket!r}, endpoint={self._options['endpoint_url']!r})"

    def client(self) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._make_client()
        return self._client

    def _make_client(self) -> Any:
        from botocore.config import Config

        connect_timeout, read_timeout, max_attempts, addressing_style = self._timeouts
        config = Config(
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries={"total_max_attempts": max_attempts, "mode": "standard"},
            s3={"addressing_style": addressing_style},
            # Checksums only where S3 requires them: several S3-compatible stores refuse the newer defaults.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        return _new_client(config=config, **self._options)

    def call(self, operation: str, key: str, **params: Any) -> Any:
        """Call a client method on this bucket; a missing key raises FileNotFoundError, an unreachable or
        failing store StorageUnavailableError (logged)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client(), operation)(Bucket=self.bucket, **params)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code in NOT_FOUND_CODES:
                raise FileNotFoundError(key) from error
            raise self.unavailable(operation, key, f"{code}: {error}") from error
        except BotoCoreError as error:
            raise self.unavailable(operation, key, str(error)) from error

    def unavailable(self, operation: str, key: str, reason: str) -> StorageUnavailableError:
        log.warning(
            "object store unavailable: %s %s in bucket %s failed: %s", operation, key, self.bucket, reason
        )
        return StorageUnavailableError()


def _stored_file(answer: Mapping[str, Any]) -> StoredFile:
    return StoredFile(
        size=int(answer["ContentLength"]),
        etag=str(answer.get("ETag", "")).strip('"'),
        last_modified=answer.get("LastModified"),
    )


class S3FileStorage:
    """Files under one key prefix of the bucket."""

    def __init__(self, client: S3Client, *, prefix: str) -> None:
        self.client = client
        self.prefix = prefix

    def __repr__(self) -> str:
        return f"S3FileStorage({self.client!r}, prefix={self.prefix!r})"

    def object_key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def save(self, key: str, data: bytes) -> None:
        # One PUT: the object appears whole or not at all.
        content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        self.client.call("put_object", key, Key=self.object_key(key), Body=data, ContentType=content_type)

    def read(self, key: str) -> bytes:
        answer = self.client.call("get_object", key, Key=self.object_key(key))
        with _reading(self.client, key):
            return answer["Body"].read()

    def open(self, key: str) -> tuple[BinaryIO, StoredFile]:
        # The GET is made here, before the caller counts anything: a store that fails now fails cleanly.
        answer = self.client.call("get_object", key, Key=self.object_key(key))
        stored = _stored_file(answer)
        return S3ObjectReader(self, key, stored, answer["Body"]), stored  # type: ignore[return-value]

    def stat(self, key: str) -> StoredFile | None:
        try:
            answer = self.client.call("head_object", key, Key=self.object_key(key))
        except FileNotFoundError:
            return None
        return _stored_file(answer)

    def exists(self, key: str) -> bool:
        try:
            check_key(key)
        except ValueError:
            return False
        return self.stat(key) is not None

    def size(self, key: str) -> int:
        stored = self.stat(key)
        if stored is None:
            raise FileNotFoundError(key)
        return stored.size

    def keys(self) -> Iterator[str]:
        token: dict[str, str] = {}
        while True:
            page = self.client.call(
                "list_objects_v2", self.prefix, Prefix=self.prefix, Delimiter="/", **token
            )
            for item in page.get("Contents", []):
                yield item["Key"].removeprefix(self.prefix)
            if not page.get("IsTruncated"):
                return
            token = {"ContinuationToken": page["NextContinuationToken"]}


class _reading:
    """Turns a failure while reading a body into StorageUnavailableError, with its log line."""

    def __init__(self, client: S3Client, key: str) -> None:
        self.client, self.key = client, key

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: Any) -> None:
        from botocore.exceptions import BotoCoreError
        from urllib3.exceptions import HTTPError

        if error is not None and isinstance(error, BotoCoreError | HTTPError | OSError):
            raise self.client.unavailable("read", self.key, str(error)) from error


class S3ObjectReader(io.RawIOBase):
    """A seekable read-only view of one object: reads stream from the open GET; a seek elsewhere (a Range
    request) opens a ranged GET of the same version (If-Match its ETag) when the next read comes."""

    def __init__(self, storage: S3FileStorage, key: str, stored: StoredFile, body: Any) -> None:
        super().__init__()
        self._storage, self._key, self._stored = storage, key, stored
        self._body: Any = body
        self._body_position = 0
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._stored.size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def readinto(self, buffer: Any) -> int:
        if self._position >= self._stored.size or not len(buffer):
            return 0
        if self._body is None or self._body_position != self._position:
            self._close_body()
            answer = self._storage.client.call(
                "get_object",
                self._key,
                Key=self._storage.object_key(self._key),
                Range=f"bytes={self._position}-",
                IfMatch=f'"{self._stored.etag}"',
            )
            self._body, self._body_position = answer["Body"], self._position
        with _reading(self._storage.client, self._key):
            data = self._body.read(len(buffer))
        if not data:
            raise self._storage.client.unavailable("read", self._key, "the object ended early")
        count = len(data)
        buffer[:count] = data
        self._position += count
        self._body_position += count
        return count

    def _close_body(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None

    def close(self) -> None:
        self._close_body()
        super().close()
