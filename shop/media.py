"""Product images: the shipped ones under static/, uploaded ones in the media store (shop/storage.py: a
folder, or the shared bucket) served through the app at /media/<name>."""

import secrets

from flask import Blueprint, Flask, Response, abort, url_for

from shop.storage import media_storage, send_stored_file

MEDIA_PREFIX = "media/"
MAX_IMAGE_BYTES = 2 * 1024 * 1024

# Magic numbers, not file names or browser-sent types, decide what an upload is. SVG is not
# accepted: it can carry script.
IMAGE_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "webp": (b"RIFF",),
}
MIMETYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}

bp = Blueprint("media", __name__)


class InvalidUploadError(ValueError):
    """An upload that is not what it claims, or too large; the message is shown to staff."""


def sniff_image(data: bytes) -> str:
    """The image type ("png", "jpg", "webp") by content, or InvalidUploadError."""
    if len(data) > MAX_IMAGE_BYTES:
        limit = (
            f"{MAX_IMAGE_BYTES // 1024 // 1024} MB"
            if MAX_IMAGE_BYTES >= 1024 * 1024
            else f"{MAX_IMAGE_BYTES} bytes"
        )
        raise InvalidUploadError(f"That image is larger than {limit}. Export it smaller and try again.")
    for extension, signatures in IMAGE_SIGNATURES.items():
        if any(data.startswith(signature) for signature in signatures):
            if extension == "webp" and data[8:12] != b"WEBP":
                continue
            return extension
    raise InvalidUploadError("That file is not a PNG, JPEG or WebP image.")


def save_image(data: bytes) -> str:
    """Store an uploaded image under a fresh random name; returns the product's image_path.
    StorageUnavailableError when the store does not answer (nothing is stored then)."""
    extension = sniff_image(data)
    name = f"{secrets.token_hex(12)}.{extension}"
    media_storage().save(name, data)
    return MEDIA_PREFIX + name


def image_url(image_path: str | None, *, external: bool = False) -> str | None:
    if not image_path:
        return None
    if image_path.startswith(MEDIA_PREFIX):
        return url_for("media.file", name=image_path.removeprefix(MEDIA_PREFIX), _external=external)
    return url_for("static", filename=image_path, _external=external)


@bp.get("/media/<name>")
def file(name: str) -> Response:
    # Served through the app, not redirected to the bucket: the bucket stays private, the URL stays the
    # shop's, and a name is random and never reused, so browsers and CDNs keep the image for a year.
    extension = name.rsplit(".", 1)[-1]
    if extension not in MIMETYPES:
        abort(404, description="That image does not exist.")
    try:
        response = send_stored_file(
            media_storage(), name, mimetype=MIMETYPES[extension], download_name=name, max_age=31_536_000
        )
    except (FileNotFoundError, ValueError):
        abort(404, description="That image does not exist.")
    response.cache_control.immutable = True  # names are random and never reused
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_template_filter(image_url, "image_url")
