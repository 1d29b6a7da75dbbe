"""Turning the features of a file into rows of one layer, with an error for every bad feature.

Each :class:`FeatureError` names the file, the feature (its number in the file and its code), the
field, the value and what was expected. Checks here need no database; the references to other
rows (parent units, villages) are checked by :mod:`etl.importing` against the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from etl.fields import LayerSpec, match_columns
from etl.geometry import BadGeometry, Conversion, check_shape, repair
from etl.sources import Feature, Source
from etl.values import BadValue, parse
from geo.errors import DataError

_LEVEL_OF_DIGITS = {6: "county", 9: "township", 12: "village"}
_PARENT_DIGITS = {"township": 6, "village": 9}


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


@dataclass(frozen=True)
class RowRules:
    """How rows are read: ``columns`` maps fields to the file's columns, ``constants`` fills a field
    the file lacks (``--set field=value``); ``zone`` is the zone of times without one."""

    spec: LayerSpec
    columns: dict[str, str]
    constants: dict[str, str]
    conversion: Conversion
    zone: dt.tzinfo


def _derive_codes(spec: LayerSpec, row: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """Fill and check the fields a code implies (level, parent, village); return the problems."""
    code = row.get("code") or ""
    if spec.name == "admin":
        level = _LEVEL_OF_DIGITS.get(len(code)) if code.isdigit() else None
        if level is None:
            return [("code", code, "6 digits (county), 9 (township) or 12 (village)")]
        if row.get("level") not in (None, level):
            return [("level", row["level"], f"{level}, as the {len(code)}-digit code says")]
        row["level"] = level
        parent = code[:_PARENT_DIGITS[level]] if level in _PARENT_DIGITS else None
        if row.get("parent_code") not in (None, parent):
            return [("parent_code", row["parent_code"], f"{parent or 'none'}, the start of the code")]
        row["parent_code"] = parent
    elif spec.name == "grids":
        if not (code.isdigit() and len(code) == 15):
            return [("code", code, "15 digits: the village's 12-digit code and 3 more")]
        if row.get("village_code") not in (None, code[:12]):
            return [("village_code", row["village_code"], f"{code[:12]}, the first 12 digits of the code")]
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


def check(source: Source, rules: RowRules, progress: Callable[[str, int, int], None] | None = None) -> Checked:
    """Every feature of ``source`` read by ``rules``: good rows and one error per problem.
    ``progress(stage, done, total)`` is called as features are checked."""
    checked = Checked()
    total = len(source.features)
    seen: dict[tuple[Any, ...], int] = {}
    geometries = _geometries(source, rules)
    code_column = rules.columns.get("code")
    for done, (feature, (geom, geom_problem)) in enumerate(zip(source.features, geometries, strict=True)):
        if progress is not None and done % 500 == 0:
            progress("checking", done, total)
        raw_code = feature.props.get(code_column) if code_column else None
        code = None if raw_code is None else str(raw_code).strip()

        def fail(fname: str, value: Any, expected: str, kind: str, feature: Feature = feature,
                 code: str | None = code) -> None:
            checked.errors.append(FeatureError(source.name, source.where, feature.number, code, fname, value,
                                               expected, kind))

        row: dict[str, Any] = {}
        bad = False
        for spec_field in rules.spec.fields:
            column = rules.columns.get(spec_field.name)
            value = feature.props.get(column) if column else rules.constants.get(spec_field.name)
            try:
                row[spec_field.name] = parse(spec_field, value, rules.zone)
            except BadValue as exc:
                name = spec_field.name
                missing = value is None or (isinstance(value, str) and not value.strip())
                fail(name if column in (None, name) else f"{name} (column {column!r})", value, str(exc),
                     "missing" if missing else spec_field.kind)
                bad = True
        for fname, value, expected in ([] if bad else _derive_codes(rules.spec, row)):
            fail(fname, value, expected, "derived")
            bad = True
        label = f"{source.name}: {source.where} {feature.number}" + (f" (code {code})" if code else "")
        try:
            if geom_problem:
                raise BadGeometry(geom_problem)
            row["geom"], note = repair(geom, rules.conversion)
            if note:
                checked.repaired.append(f"{label}: {note}")
        except BadGeometry as exc:
            fail("geometry", None, str(exc), "geometry")
            bad = True
        if bad:
            continue
        key = tuple(row[k] for k in rules.spec.key)
        if key in seen:
            shown = " / ".join(str(k) for k in key)
            fail(" + ".join(rules.spec.key), shown, f"a value not repeated in the file (also {source.where} "
                                                    f"{seen[key]})", "duplicate")
            continue
        seen[key] = feature.number
        checked.rows.append(row)
        checked.numbers.append(feature.number)
    if progress is not None:
        progress("checking", total, total)
    return checked


def rules_for(spec: LayerSpec, source: Source, overrides: dict[str, str], constants: dict[str, str],
              conversion: Conversion, zone: dt.tzinfo) -> RowRules:
    """The rules for ``source``: its columns matched to the layer's fields (see ``match_columns``)."""
    columns = match_columns(spec, source.columns, overrides, source.name)
    unknown = [k for k in constants if k not in {f.name for f in spec.fields}]
    if unknown:
        raise DataError(f"--set {unknown[0]}=...: layer '{spec.name}' has no field {unknown[0]!r}")
    return RowRules(spec, columns, {k: v for k, v in constants.items() if k not in columns}, conversion, zone)
