"""Reading one attribute value of a file into the type its field needs, or saying why not.

Every parser returns the value, or raises :class:`BadValue` whose message completes "expected ...".
Times without a zone are in the configured time zone (the ``GRIDSIGHT_TIMEZONE`` setting).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any
from zoneinfo import ZoneInfo

from etl.fields import CODE, DATE, ENUM, FLOAT, INT, TEXT, TIME, Field

_STAMP = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
    r"(?:[ T]*(\d{1,2})[:时点](\d{1,2})(?:[:分](\d{1,2})(?:\.(\d{1,6})\d*)?秒?|分)?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?$"
)
_EPOCH_SECONDS = (
    1e8,
    1e10,
)  # 1973-03-03 .. 2286-11-20: Unix seconds; the same times x 1000: milliseconds


class BadValue(ValueError):
    """The value cannot be read; the message is what was expected."""


def _zone(raw: str | None, default: dt.tzinfo) -> dt.tzinfo:
    if raw is None:
        return default
    if raw == "Z":
        return dt.UTC
    sign = -1 if raw[0] == "-" else 1
    digits = raw[1:].replace(":", "")
    return dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0)))


def _epoch(value: Any) -> dt.datetime | None:
    """Read a Unix time in seconds or milliseconds (a number, or digits) as a UTC time.

    None if ``value`` is not one.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    text = str(value).strip()
    if not re.fullmatch(r"\d{9,13}(\.\d+)?", text):
        return None
    number = float(text)
    low, high = _EPOCH_SECONDS
    if low <= number < high:
        return dt.datetime.fromtimestamp(number, dt.UTC)
    if low * 1000 <= number < high * 1000:
        return dt.datetime.fromtimestamp(number / 1000, dt.UTC)
    return None


def parse_time(value: Any, zone: dt.tzinfo, date_only: bool = False) -> dt.datetime | dt.date:
    """Parse a date and time, or a date.

    Accepted: ISO 8601 (offsets ``Z``, ``+08``, ``+0800``, ``+08:00``), ``2026/11/01 08:30``,
    ``2026年11月1日 08:30`` or ``8时30分``, Unix seconds or milliseconds (UTC).

    >>> parse_time("2008-12-11 04:47:40+00", dt.UTC).isoformat()
    '2008-12-11T04:47:40+00:00'
    >>> parse_time(1709253000000, dt.UTC).isoformat()
    '2024-03-01T00:30:00+00:00'
    """
    if isinstance(value, dt.datetime):
        return (
            value.date() if date_only else (value if value.tzinfo else value.replace(tzinfo=zone))
        )
    if isinstance(value, dt.date):
        if date_only:
            return value
        raise BadValue("a date and time, not only a date")
    epoch = None if date_only else _epoch(value)
    if epoch is not None:
        return epoch
    match = _STAMP.match(str(value).strip())
    if not match:
        raise BadValue(
            "a date and time such as 2026-11-01 08:30, 2026-11-01T08:30:00+08:00, "
            "2026/11/01 08:30, 2026年11月1日 08:30 or Unix seconds/milliseconds"
        )
    y, mo, d, h, mi, s, frac, tz = match.groups()
    try:
        if date_only:
            return dt.date(int(y), int(mo), int(d))
        if h is None:
            raise BadValue("a date and time, not only a date")
        micro = int((frac or "0").ljust(6, "0"))
        return dt.datetime(
            int(y), int(mo), int(d), int(h), int(mi), int(s or 0), micro, _zone(tz, zone)
        )
    except ValueError as exc:
        if isinstance(exc, BadValue):
            raise
        raise BadValue(f"a real calendar date and time ({exc})") from None


def _number(value: Any, integer: bool) -> float:
    if isinstance(value, bool):
        raise BadValue("a number")
    try:
        number = (
            float(str(value).strip().replace(",", "")) if isinstance(value, str) else float(value)
        )
    except (TypeError, ValueError):
        raise BadValue("a number") from None
    if math.isnan(number) or math.isinf(number):
        raise BadValue("a finite number")
    if integer and not number.is_integer():
        raise BadValue("a whole number")
    return int(number) if integer else number


def _bounded(spec: Field, number: float) -> float:
    too_low = spec.low is not None and (number <= spec.low if spec.low_open else number < spec.low)
    too_high = spec.high is not None and (
        number >= spec.high if spec.high_open else number > spec.high
    )
    if too_low or too_high:
        raise BadValue(spec.expected())
    return number


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a numeric code column (Shapefile, spreadsheet) holding 140724
    text = str(value).strip()
    if text.startswith("{"):
        text = _code_in_object(text)
    if "\x00" in text:
        raise BadValue("text without NUL characters")
    return text


def _code_in_object(text: str) -> str:
    """Return the code inside an object such as DataV's ``parent: {"adcode": 440300}``."""
    try:
        obj = json.loads(text)
    except ValueError:
        return text
    if isinstance(obj, dict):
        for key in ("adcode", "code", "id"):
            if obj.get(key) is not None:
                return _text(obj[key])
        raise BadValue(
            f"a code, or an object with an adcode, code or id member (it has {', '.join(obj)})"
        )
    return text


def parse(spec: Field, value: Any, zone: ZoneInfo | dt.tzinfo) -> Any:
    """``value`` read as field ``spec`` requires; the field's default for a missing optional value.

    Raises
    ------
    BadValue
        With what was expected, when the value is missing but required or cannot be read.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        if spec.required:
            raise BadValue(f"a value ({spec.expected()})")
        return spec.default
    if spec.kind in (TEXT, CODE):
        return _text(value)
    if spec.kind in (INT, FLOAT):
        return _bounded(spec, _number(value, spec.kind == INT))
    if spec.kind == ENUM:
        code = spec.choices.get(_text(value).lower())
        if code is None:
            raise BadValue(spec.expected())
        return code
    if spec.kind in (DATE, TIME):
        return parse_time(value, zone, date_only=spec.kind == DATE)
    raise AssertionError(spec.kind)
