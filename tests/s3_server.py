"""A real S3-compatible HTTP server for the tests of the S3 backend: the one at S3_TEST_ENDPOINT_URL (CI's
.ci/run starts moto_server and sets it), or else moto's ThreadedMotoServer in this test process on a free
port. Each test gets a bucket of its own, so parallel test processes never share one."""

import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import boto3

REGION = "us-east-1"
# moto accepts any credentials; fixed ones keep boto3 from looking for real ones on the machine.
CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}


@contextmanager
def threaded_moto_server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@cache
def client_for(endpoint: str) -> Any:
    return boto3.client("s3", endpoint_url=endpoint, region_name=REGION, **CREDENTIALS)


def new_bucket(endpoint: str) -> str:
    name = f"shop-test-{uuid.uuid4().hex[:20]}"
    client_for(endpoint).create_bucket(Bucket=name)
    return name


def s3_settings(endpoint: str, bucket: str, **overrides: Any) -> dict[str, Any]:
    """Config overrides for `make_app` that select the S3 backend on `bucket`."""
    return {
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": endpoint,
        "S3_REGION": REGION,
        "S3_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
        "S3_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
        **overrides,
    }


def objects(endpoint: str, bucket: str) -> dict[str, bytes]:
    """Every object in the bucket by key, read straight from the server."""
    client = client_for(endpoint)
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {item["Key"]: client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read() for item in listed}


def refusing_endpoint() -> str:
    """An address where nothing listens: every connection is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@contextmanager
def silent_endpoint() -> Iterator[str]:
    """An address that accepts connections and never answers: every request times out."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
