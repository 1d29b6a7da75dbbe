"""Files uploaded through the dashboard: stored under the data folder, one folder per upload.

Uploads are untrusted: the size is limited (``GRIDSIGHT_MAX_UPLOAD_MB``), only the base name of a
file name is kept, with characters outside letters, digits, CJK, ``.``, ``-`` and ``_`` replaced;
the extension must be one the importer reads (or a Shapefile sibling). The folder name is a random
token, so every server worker on the machine finds the upload by the token alone.
"""

from __future__ import annotations

import re
import secrets
import shutil
import time
from pathlib import Path, PurePosixPath, PureWindowsPath

from geo.errors import DataError
from geo.settings import Settings

MAIN = (".geojson", ".json", ".zip", ".shp", ".gpkg", ".csv", ".gpx", ".kml", ".kmz")
SIBLINGS = (".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx")
MAX_AGE_S = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _root(settings: Settings) -> Path:
    return settings.data_dir / "uploads"


def safe_name(raw: str) -> str:
    """The base name of ``raw`` with unusual characters replaced by ``_``."""
    base = PureWindowsPath(PurePosixPath(raw).name).name
    cleaned = re.sub(r"[^\w.\-]", "_", base).lstrip(".")
    if not cleaned or Path(cleaned).suffix.lower() not in MAIN + SIBLINGS:
        raise DataError(f"{raw!r}: not a file the importer reads; expected one of {' '.join(MAIN)} "
                        "(a Shapefile with its .shx, .dbf, .prj, .cpg, or zipped)")
    return cleaned


def save(files: list[tuple[str, bytes]], settings: Settings) -> tuple[str, Path]:
    """Store the uploaded ``(name, content)`` files; return the upload's token and its main file.

    Raises
    ------
    DataError
        When a file is too large or of an unknown kind, or there is not exactly one main file.
    """
    limit = settings.max_upload_mb * 2**20
    total = sum(len(data) for _, data in files)
    if total > limit:
        raise DataError(f"the upload is {total:,} bytes; at most {limit:,} are allowed (GRIDSIGHT_MAX_UPLOAD_MB)")
    names = [safe_name(name) for name, _ in files]
    main = [n for n in names if Path(n).suffix.lower() in MAIN]
    if len(main) != 1:
        raise DataError(f"upload one file to import (or a .shp with its siblings); got {', '.join(names)}")
    _expire(settings)
    token = secrets.token_urlsafe(18)
    folder = _root(settings) / token
    folder.mkdir(parents=True)
    for name, (_, data) in zip(names, files, strict=True):
        (folder / name).write_bytes(data)
    return token, folder / main[0]


def find(token: str, settings: Settings) -> Path:
    """The main file of the upload ``token``."""
    folder = _root(settings) / token
    if not _TOKEN.match(token) or not folder.is_dir():
        raise DataError("the upload is gone (it expires after a day, or after its import); upload the file again")
    return next(p for p in folder.iterdir() if p.suffix.lower() in MAIN)


def discard(token: str, settings: Settings) -> None:
    """Delete the upload ``token`` (after its import)."""
    if _TOKEN.match(token):
        shutil.rmtree(_root(settings) / token, ignore_errors=True)


def _expire(settings: Settings) -> None:
    root = _root(settings)
    if not root.is_dir():
        return
    cutoff = time.time() - MAX_AGE_S
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
