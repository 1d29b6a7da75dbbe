"""Files uploaded through the dashboard: streamed to disk under the data folder, one per upload.

Uploads are untrusted: each file and the upload are limited (``GRIDSIGHT_MAX_UPLOAD_MB``), all the
uploads kept at once too (``GRIDSIGHT_UPLOAD_QUOTA_MB``); only the base name of a file name is kept,
with characters outside letters, digits, CJK, ``.``, ``-`` and ``_`` replaced; the extension must be
one the importer reads (or a Shapefile sibling). Folders are created ``0700`` and files ``0600``
(only the service's own user can read them). Each upload records who made it (the account, or the
client's address before sign-in exists) and only that identity can check or import it
(:func:`find`, the one place the owner is checked). An upload is removed after its import, or an
hour after it was made (``UPLOAD_MAX_AGE_S``). The folder name is a random token, so every server
worker on the machine finds the upload by the token alone.
"""

from __future__ import annotations

import hmac
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterable
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import IO

from geo import limits
from geo.errors import DataError
from geo.settings import Settings

MAIN = (
    ".geojson",
    ".json",
    ".zip",
    ".shp",
    ".gpkg",
    ".csv",
    ".gpx",
    ".kml",
    ".kmz",
    ".osm",
    ".pbf",
)
SIBLINGS = (".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx")
MAX_AGE_S = limits.UPLOAD_MAX_AGE_S
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_OWNER = ".owner"
_CHUNK = 1 << 20
_GONE = (
    "the upload is gone (it is removed an hour after upload, or after its import); "
    "upload the file again"
)


def _root(settings: Settings) -> Path:
    root = settings.data_dir / "uploads"
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    root.chmod(0o700)  # also when an older version made it world-readable
    return root


def safe_name(raw: str) -> str:
    """Return the base name of ``raw`` with unusual characters replaced by ``_``.

    >>> safe_name("../../etc/摄像头 (1).csv")
    '摄像头__1_.csv'
    """
    base = PureWindowsPath(PurePosixPath(raw).name).name
    cleaned = re.sub(r"[^\w.\-]", "_", base).lstrip(".")
    if not cleaned or Path(cleaned).suffix.lower() not in MAIN + SIBLINGS:
        raise DataError(
            f"{raw!r}: not a file the importer reads; expected one of {' '.join(MAIN)} "
            "(a Shapefile with its .shx, .dbf, .prj, .cpg, or zipped)"
        )
    return cleaned


def usage(settings: Settings) -> int:
    """Bytes held by every upload kept now."""
    return sum(f.stat().st_size for f in _root(settings).rglob("*") if f.is_file())


def _write(path: Path, stream: IO[bytes], budget: int, what: str) -> int:
    """Copy ``stream`` to a new file ``path`` (mode 0600) in chunks; stop past ``budget`` bytes."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    written = 0
    with os.fdopen(fd, "wb") as out:
        while chunk := stream.read(_CHUNK):
            written += len(chunk)
            if written > budget:
                raise DataError(what)
            out.write(chunk)
    return written


def save(
    files: Iterable[tuple[str, IO[bytes]]], owner: str, settings: Settings
) -> tuple[str, Path]:
    """Stream the uploaded ``(name, stream)`` files to a new upload folder of ``owner``.

    Returns the upload's token and its main file.

    Raises
    ------
    DataError
        When a file is of an unknown kind, there is not exactly one main file, the upload is over
        ``GRIDSIGHT_MAX_UPLOAD_MB`` or the uploads kept would be over ``GRIDSIGHT_UPLOAD_QUOTA_MB``
        (nothing is kept then).
    """
    files = list(files)
    names = [safe_name(name) for name, _ in files]
    main = [n for n in names if Path(n).suffix.lower() in MAIN]
    if len(main) != 1 or len(set(names)) != len(names):
        raise DataError(
            f"upload one file to import (or a .shp with its siblings); got {', '.join(names)}"
        )
    _expire(settings)
    limit = settings.max_upload_mb * 2**20
    room = settings.upload_quota_mb * 2**20 - usage(settings)
    token = secrets.token_urlsafe(18)
    folder = _root(settings) / token
    folder.mkdir(mode=0o700)
    try:
        (folder / _OWNER).write_text(owner, encoding="utf-8")
        (folder / _OWNER).chmod(0o600)
        total = 0
        for name, (_, stream) in zip(names, files, strict=True):
            budget = min(limit - total, room - total)
            too_big = (
                f"{name}: the upload is over {limit:,} bytes (GRIDSIGHT_MAX_UPLOAD_MB)"
                if budget == limit - total
                else f"{name}: the uploads kept would exceed {settings.upload_quota_mb} MB "
                "(GRIDSIGHT_UPLOAD_QUOTA_MB); "
                "import or wait for earlier uploads to expire (an hour)"
            )
            total += _write(folder / name, stream, budget, too_big)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return token, folder / main[0]


def find(token: str, owner: str, settings: Settings) -> Path:
    """Return the main file of the upload ``token``, made by ``owner`` less than an hour ago.

    Raises :class:`DataError` otherwise (the same message whether the upload does not exist, expired
    or belongs to someone else: a token reveals nothing).
    """
    if not isinstance(token, str) or not _TOKEN.match(token):
        raise DataError(_GONE)
    folder = _root(settings) / token
    try:
        made_by = (folder / _OWNER).read_text(encoding="utf-8")
        age = time.time() - folder.stat().st_mtime
    except OSError:
        raise DataError(_GONE) from None
    if age > MAX_AGE_S:
        shutil.rmtree(folder, ignore_errors=True)
        raise DataError(_GONE)
    if not hmac.compare_digest(made_by.encode(), owner.encode()):
        raise DataError(_GONE)
    return next(p for p in folder.iterdir() if p.suffix.lower() in MAIN)


def discard(token: str, settings: Settings) -> None:
    """Delete the upload ``token`` (after its import)."""
    if isinstance(token, str) and _TOKEN.match(token):
        shutil.rmtree(_root(settings) / token, ignore_errors=True)


def _expire(settings: Settings) -> None:
    """Remove the uploads made more than an hour ago."""
    cutoff = time.time() - MAX_AGE_S
    for folder in _root(settings).iterdir():
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
