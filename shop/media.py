"""Product images: the shipped ones under static/, uploaded ones in MEDIA_STORAGE_DIR behind /media/<name>."""

import secrets

from flask import Blueprint, Flask, Response, abort, current_app, send_file, url_for

from shop.storage import LocalFileStorage

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


def media_storage() -> LocalFileStorage:
    return current_app.extensions["media_storage"]


def save_image(data: bytes) -> str:
    """Store an uploaded image under a fresh random name; returns the product's image_path."""
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
    storage = media_storage()
    extension = name.rsplit(".", 1)[-1]
    if extension not in MIMETYPES or not storage.exists(name):
        abort(404, description="That image does not exist.")
    response = send_file(storage.path_for(name), mimetype=MIMETYPES[extension], max_age=31_536_000)
    response.cache_control.immutable = True  # names are random and never reused
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


def init_app(app: Flask) -> None:
    app.extensions["media_storage"] = LocalFileStorage(app.config["MEDIA_STORAGE_DIR"])
    app.register_blueprint(bp)
    app.add_template_filter(image_url, "image_url")
