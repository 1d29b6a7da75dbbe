"""Turning the features of a file into rows of one layer, with an error for every bad feature.

Each :class:`FeatureError` names the file, the feature (its number in the file and its code), the
field, the value and what was expected. Checks here need no database; the references to other
rows (parent units, villages) are checked by :mod:`etl.importing` against the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import shapely

from etl.fields import LayerSpec, match_columns
from etl.geometry import BadGeometry, Conversion, check_shape, repair
from etl.sources import Feature, Source
from etl.values import BadValue, parse
from geo.errors import DataError

_PARENT_DIGITS = {"township": 6, "village": 9}
_NO_PARENT = ("100000", "000000")  # the country, as DataV files give a province's parent


def level_of_code(code: str) -> str | None:
    """Return the level a statistical division code implies (GB/T 2260), or None when it is none.

    >>> codes = ("440000", "440300", "440305", "440305001", "440305001001", "4403")
    >>> [level_of_code(c) for c in codes]
    ['province', 'city', 'county', 'township', 'village', None]
    """
    if not code.isdigit():
        return None
    if len(code) == 6:
        return "province" if code.endswith("0000") else "city" if code.endswith("00") else "county"
    return {9: "township", 12: "village"}.get(len(code))


def possible_parents(code: str, level: str) -> tuple[str, ...]:
    """Return the codes a unit's parent may have.

    These are a county's city or province, a city's province, none for a province, the code's first
    6 or 9 digits for a township or village.

    >>> (
    ...     possible_parents("110105", "county"),
    ...     possible_parents("440300", "city"),
    ...     possible_parents("110000", "province"),
    ... )
    (('110100', '110000'), ('440000',), ())
    """
    if level == "county":
        return (code[:4] + "00", code[:2] + "0000")
    if level == "city":
        return (code[:2] + "0000",)
    if level in _PARENT_DIGITS:
        return (code[: _PARENT_DIGITS[level]],)
    return ()


@dataclass(frozen=True)
class FeatureError:
    """One reason a feature cannot be imported."""

    source: str
    where: str
    number: int
    code: str | None
    field: str
    value: Any
    expected: str
    # What went wrong, for messages in other languages (``etl/messages.py``): missing, text, code,
    # int, float, enum, date, datetime (a value of that kind could not be read or is out of range),
    # derived (a value the code implies differs), geometry, duplicate, reference.
    kind: str = "other"

    def __str__(self) -> str:
        """Describe the problem: where, the field and value, what was expected."""
        code = f" (code {self.code})" if self.code else ""
        value = self.value if isinstance(self.value, (int, float)) else repr(self.value)
        shown = f" = {value}" if self.value is not None else ""
        problem = self.expected if self.field == "geometry" else f"expected {self.expected}"
        return f"{self.source}: {self.where} {self.number}{code}: {self.field}{shown}: {problem}"


@dataclass
class Checked:
    """Rows ready to write (geometry in EPSG:4326), the errors and the repair notes."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    errors: list[FeatureError] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # "class = footway" -> features skipped
    repeats: int = 0  # exact repeats of an earlier feature (same key, values and geometry), dropped


@dataclass(frozen=True)
class RowRules:
    """How rows are read.

    ``columns`` maps fields to the file's columns, ``constants`` gives a field one value for every
    feature (``--set field=value``, over the file's column), ``values`` maps a field's values as
    read to others (``--values field=a:b,c:d``; lower case keys; an empty target skips the feature);
    ``zone`` is the zone of times without one.
    """

    spec: LayerSpec
    columns: dict[str, str]
    constants: dict[str, str]
    conversion: Conversion
    zone: dt.tzinfo
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    code_from: tuple[str, ...] = ()  # columns whose values, joined by '-', make the code
    code_prefix: str | None = (
        None  # codes made of this prefix and a digest of the feature's content
    )


def _derive_codes(spec: LayerSpec, row: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """Fill and check the fields a code implies (level, parent, village); return the problems."""
    code = row.get("code") or ""
    if spec.name == "admin":
        level = level_of_code(code)
        if level is None:
            return [
                (
                    "code",
                    code,
                    "a statistical division code: 6 digits (province xx0000, city xxxx00, "
                    "county), 9 (township) or 12 (village)",
                )
            ]
        if row.get("level") not in (None, level):
            return [("level", row["level"], f"{level}, as the code {code} says")]
        row["level"] = level
        parents = possible_parents(code, level)
        given = row.get("parent_code")
        if level == "province" and given in _NO_PARENT:
            given = row["parent_code"] = None
        if given is not None and given not in parents:
            return [
                ("parent_code", given, f"{' or '.join(parents) or 'none'}, as the code {code} says")
            ]
        if level in _PARENT_DIGITS:
            row["parent_code"] = parents[0]
    elif spec.name == "grids":
        if not (code.isdigit() and len(code) == 15):
            return [("code", code, "15 digits: the village's 12-digit code and 3 more")]
        if row.get("village_code") not in (None, code[:12]):
            return [
                (
                    "village_code",
                    row["village_code"],
                    f"{code[:12]}, the first 12 digits of the code",
                )
            ]
        row["village_code"] = code[:12]
    return []


def _geometries(source: Source, rules: RowRules) -> list[tuple[Any, str]]:
    """Per feature: its geometry in EPSG:4326 (or None) and the problem with it ('' when none)."""
    shaped: list[Any] = []
    problems: list[str] = []
    for feature in source.features:
        try:
            if feature.geom_problem:
                raise BadGeometry(feature.geom_problem)
            shaped.append(check_shape(feature.geom, rules.spec.geometry))
            problems.append("")
        except BadGeometry as exc:
            shaped.append(None)
            problems.append(str(exc))
    good = [i for i, p in enumerate(problems) if not p]
    converted, conversion_problems = rules.conversion.to_wgs84([shaped[i] for i in good])
    for i, geom, problem in zip(good, converted, conversion_problems, strict=True):
        shaped[i], problems[i] = (None, problem) if problem else (geom, "")
    return list(zip(shaped, problems, strict=True))


def _raw_value(rules: RowRules, name: str, props: dict[str, Any]) -> tuple[Any, str | None]:
    """Return the value of field ``name`` before parsing and the column it came from.

    The column is None for a constant.
    """
    if name in rules.constants:
        return rules.constants[name], None
    column = rules.columns.get(name)
    value = props.get(column) if column else None
    mapping = rules.values.get(name)
    if mapping and value is not None:
        value = mapping.get(str(value).strip().lower(), value)
    return value, column


def _read_row(
    rules: RowRules, props: dict[str, Any], fail: Callable[[str, Any, str, str], None]
) -> tuple[dict[str, Any] | None, str]:
    """Parse the feature's fields.

    Returns the fields as parsed, or None (errors reported through ``fail``); and why the feature is
    skipped ('' when it is not).
    """
    row: dict[str, Any] = {}
    bad = False
    for spec_field in rules.spec.fields:
        value, column = _raw_value(rules, spec_field.name, props)
        if isinstance(value, str) and value == "" and spec_field.name in rules.values:
            return None, f"{spec_field.name} mapped to nothing by --values"
        if spec_field.skip and value is not None and str(value).strip().lower() in spec_field.skip:
            return None, f"{spec_field.name} = {str(value).strip().lower()}"
        try:
            row[spec_field.name] = parse(spec_field, value, rules.zone)
        except BadValue as exc:
            name = spec_field.name
            missing = value is None or (isinstance(value, str) and not value.strip())
            fail(
                name if column in (None, name) else f"{name} (column {column!r})",
                value,
                str(exc),
                "missing" if missing else spec_field.kind,
            )
            bad = True
    code = row.get("code")
    if isinstance(code, str) and len(code) > MAX_CODE:
        fail(
            "code",
            code[:80] + ("..." if len(code) > 80 else ""),
            f"at most {MAX_CODE} characters, not {len(code)} "
            "(a code is a key: a Shapefile cuts text at "
            "254 and a re-import would then add duplicates); "
            "use --code-from with shorter columns or "
            "--code-prefix P for codes made from the content",
            "other",
        )
        bad = True
    as_read = row.get("level")
    for fname, value, expected in [] if bad else _derive_codes(rules.spec, row):
        if (
            fname == "level"
        ):  # the file's own word (district), not the level it was read as (county)
            value = _raw_value(rules, "level", props)[0] or as_read
        fail(fname, value, expected, "derived")
        bad = True
    return (None if bad else row), ""


def check(
    source: Source, rules: RowRules, progress: Callable[[str, int, int], None] | None = None
) -> Checked:
    """Check every feature of ``source`` read by ``rules``: good rows and one error per problem.

    A feature whose key (code; tracks: unit and time) repeats an earlier one's is an error, except a
    GPS fix that exactly repeats an earlier one (same unit, time and position): that is dropped and
    counted (loggers repeat fixes). Features whose value a field skips (OSM footways) are counted in
    ``skipped``. ``progress(stage, done, total)`` is called as features are checked.
    """
    checked = Checked()
    total = len(source.features)
    seen: dict[tuple[Any, ...], tuple[int, dict[str, Any]]] = {}
    geometries = _geometries(source, rules)
    code_column = rules.columns.get("code")
    for done, (feature, (geom, geom_problem)) in enumerate(
        zip(source.features, geometries, strict=True)
    ):
        if progress is not None and done % 500 == 0:
            progress("checking", done, total)
        props = feature.props
        if rules.code_from or rules.code_prefix is not None:
            props = {**props, DERIVED_CODE: derived_code(rules, feature)}
        raw_code = rules.constants.get("code") or (props.get(code_column) if code_column else None)
        code = None if raw_code is None else str(raw_code).strip()[:80]

        def fail(
            fname: str,
            value: Any,
            expected: str,
            kind: str,
            feature: Feature = feature,
            code: str | None = code,
        ) -> None:
            checked.errors.append(
                FeatureError(
                    source.name, source.where, feature.number, code, fname, value, expected, kind
                )
            )

        row, skip = _read_row(rules, props, fail)
        if skip:
            checked.skipped[skip] = checked.skipped.get(skip, 0) + 1
            continue
        label = f"{source.name}: {source.where} {feature.number}" + (
            f" (code {code})" if code else ""
        )
        try:
            if geom_problem:
                raise BadGeometry(geom_problem)
            fixed, note = repair(geom, rules.conversion)
        except BadGeometry as exc:
            fail("geometry", None, str(exc), "geometry")
            continue
        if row is None:
            continue
        row["geom"] = fixed
        if note:
            checked.repaired.append(f"{label}: {note}")
        key = tuple(row[k] for k in rules.spec.key)
        if key in seen:
            number, earlier = seen[key]
            if rules.spec.name == "tracks" and _same(earlier, row):
                checked.repeats += 1
                continue
            shown = " / ".join(str(k) for k in key)
            fail(
                " + ".join(rules.spec.key),
                shown,
                f"a value not repeated in the file with other values or "
                f"another position (also {source.where} {number})",
                "duplicate",
            )
            continue
        seen[key] = (feature.number, row)
        checked.rows.append(row)
        checked.numbers.append(feature.number)
    if progress is not None:
        progress("checking", total, total)
    return checked


DERIVED_CODE = "\0code"  # the column a derived code is read from
MAX_CODE = 64


def derived_code(rules: RowRules, feature: Feature) -> str | None:
    """Return the code ``--code-from`` or ``--code-prefix`` gives a feature.

    It is its columns' values joined by '-', or the prefix and the first 16 hex digits of a SHA-1 of
    its attributes and geometry (as read, coordinates rounded to 1e-7), so that the same feature
    always gets the same code.
    """
    if rules.code_from:
        parts = [feature.props.get(c) for c in rules.code_from]
        if any(p is None or str(p).strip() == "" for p in parts):
            return None
        return "-".join(_plain(p) for p in parts)
    content = json.dumps(
        {k: _plain(v) for k, v in sorted(feature.props.items()) if v is not None},
        ensure_ascii=False,
        sort_keys=True,
    )
    shape = (
        b"" if feature.geom is None else shapely.to_wkb(shapely.set_precision(feature.geom, 1e-7))
    )
    digest = hashlib.sha1(content.encode() + shape, usedforsecurity=False).hexdigest()[:16]
    return f"{rules.code_prefix}{digest}"


def _plain(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Return whether two rows are exact repeats.

    They are when their values are equal and their geometry the same (vertex for vertex).
    """
    return all(a[k] == b[k] for k in a if k != "geom") and bool(
        a["geom"].equals_exact(b["geom"], 0.0)
    )


def rules_for(
    spec: LayerSpec,
    source: Source,
    overrides: dict[str, str],
    constants: dict[str, str],
    conversion: Conversion,
    zone: dt.tzinfo,
    ignore: tuple[str, ...] = (),
    values: dict[str, dict[str, str]] | None = None,
    notes: list[str] | None = None,
    code_from: tuple[str, ...] = (),
    code_prefix: str | None = None,
) -> RowRules:
    """Build the rules for ``source``.

    Its columns are matched to the layer's fields (see ``match_columns``); a ``--set`` over a column
    the file has is noted in ``notes``; ``code_from``/``code_prefix`` derive the codes
    (:func:`derived_code`).
    """
    columns = match_columns(spec, source.columns, overrides, source.name, ignore)
    if code_from or code_prefix is not None:
        if "code" not in {f.name for f in spec.fields}:
            raise DataError(f"--code-from/--code-prefix: layer '{spec.name}' has no code field")
        if code_from and code_prefix is not None:
            raise DataError("--code-from and --code-prefix: give one of them, not both")
        missing = [c for c in code_from if c not in source.columns]
        if missing:
            raise DataError(
                f"--code-from {','.join(code_from)}: {source.name} has no column {missing[0]!r}; "
                f"its columns are {', '.join(source.columns)}"
            )
        columns["code"] = DERIVED_CODE
    names = {f.name for f in spec.fields}
    for what, given in (("--set", constants), ("--values", values or {})):
        unknown = [k for k in given if k not in names]
        if unknown:
            raise DataError(
                f"{what} {unknown[0]}=...: layer '{spec.name}' has no field {unknown[0]!r}; "
                f"its fields are {', '.join(sorted(names))}"
            )
    for name in constants:
        if name in columns and notes is not None:
            notes.append(
                f"--set {name}={constants[name]} overrides the file's column {columns[name]!r}"
            )
    return RowRules(
        spec,
        columns,
        dict(constants),
        conversion,
        zone,
        dict(values or {}),
        tuple(code_from),
        code_prefix,
    )
