"""Guide file storage behind one small interface; a local folder outside static/ by default."""

from pathlib import Path
from typing import Protocol

from flask import Flask, current_app


class FileStorage(Protocol):
    def save(self, key: str, data: bytes) -> None: ...
    def exists(self, key: str) -> bool: ...
    def path_for(self, key: str) -> Path: ...
    def size(self, key: str) -> int: ...


class LocalFileStorage:
    """Files in one folder; keys are plain file names, never paths, so no key escapes the folder."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _safe_path(self, key: str) -> Path:
        if not key or "/" in key or "\\" in key or key.startswith(".") or "\x00" in key:
            raise ValueError(f"invalid storage key {key!r}")
        return self.root / key

    def save(self, key: str, data: bytes) -> None:
        path = self._safe_path(key)
        self.root.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(path.suffix + ".part")
        temporary.write_bytes(data)
        temporary.replace(path)  # atomic: a reader never sees half a file

    def exists(self, key: str) -> bool:
        try:
            return self._safe_path(key).is_file()
        except ValueError:
            return False

    def path_for(self, key: str) -> Path:
        return self._safe_path(key)

    def size(self, key: str) -> int:
        return self._safe_path(key).stat().st_size


def init_app(app: Flask) -> None:
    app.extensions["guide_storage"] = LocalFileStorage(app.config["GUIDE_STORAGE_DIR"])


def guide_storage() -> FileStorage:
    return current_app.extensions["guide_storage"]
