"""Untrusted archives (zipped Shapefiles, KMZ): every member checked before anything is extracted.

Refused: absolute paths, ``..`` components, drive letters and backslash paths, symbolic links and
other special members, more than ``MAX_MEMBERS`` members, and a total declared decompressed size
over the limit (zip bombs). Extraction then streams each member with a byte count, so a member whose
data is larger than its header declares is stopped too.
"""

from __future__ import annotations

import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from geo.errors import DataError

MAX_MEMBERS = 1000
_CHUNK = 1 << 20


def _check_name(archive: Path, name: str) -> None:
    path = PurePosixPath(name)
    if name.startswith(("/", "\\")) or "\\" in name or (len(name) > 1 and name[1] == ":"):
        raise DataError(
            f"{archive.name}: member {name!r} has an absolute or Windows path; refused "
            "(archive members must be relative paths)"
        )
    if ".." in path.parts:
        raise DataError(
            f"{archive.name}: member {name!r} climbs out of the archive with '..'; refused"
        )


def _check_member(archive: Path, info: zipfile.ZipInfo) -> None:
    _check_name(archive, info.filename)
    kind_bits = stat.S_IFMT(info.external_attr >> 16)  # 0 when the archiver recorded no file type
    if kind_bits not in (0, stat.S_IFREG, stat.S_IFDIR):
        kind = "a symbolic link" if kind_bits == stat.S_IFLNK else "not a regular file"
        raise DataError(f"{archive.name}: member {info.filename!r} is {kind}; refused")


def safe_extract(archive: Path, target: Path, max_bytes: int) -> list[Path]:
    """Check every member of the zip ``archive``, then extract it into ``target``; return the files.

    Raises
    ------
    DataError
        When the file is not a zip archive, or a member or the whole archive breaks a rule above;
        ``max_bytes`` is the largest total decompressed size allowed.
    """
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataError(f"{archive.name}: not a readable zip archive ({exc})") from None
    with zf:
        members = zf.infolist()
        if len(members) > MAX_MEMBERS:
            raise DataError(
                f"{archive.name}: {len(members)} members; at most {MAX_MEMBERS} are allowed"
            )
        for info in members:
            _check_member(archive, info)
        declared = sum(info.file_size for info in members)
        if declared > max_bytes:
            raise DataError(
                f"{archive.name}: decompresses to {declared:,} bytes; at most {max_bytes:,} "
                "are allowed (setting GRIDSIGHT_MAX_UPLOAD_MB)"
            )
        written = 0
        files: list[Path] = []
        for info in members:
            if info.is_dir():
                continue
            out = target / PurePosixPath(info.filename)
            out.parent.mkdir(parents=True, exist_ok=True)
            try:
                written = _copy(zf, info, out, written, max_bytes, archive)
            except (
                zipfile.BadZipFile,
                EOFError,
                zlib.error,
                NotImplementedError,
                RuntimeError,
                ValueError,
            ) as exc:
                # a size or CRC that does not match the data, a truncated member, an unknown
                # compression method, encryption
                raise DataError(
                    f"{archive.name}: member {info.filename!r} cannot be extracted ({exc}); "
                    "refused: expected an intact, unencrypted zip archive"
                ) from None
            files.append(out)
    return files


def _copy(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    out: Path,
    written: int,
    max_bytes: int,
    archive: Path,
) -> int:
    """Extract one member to ``out``, counting bytes against ``max_bytes``; return the new total."""
    with zf.open(info) as src, out.open("wb") as dst:
        while chunk := src.read(_CHUNK):
            written += len(chunk)
            if written > max_bytes:
                raise DataError(
                    f"{archive.name}: decompresses to more than {max_bytes:,} bytes; "
                    "refused (setting GRIDSIGHT_MAX_UPLOAD_MB)"
                )
            dst.write(chunk)
    return written
