"""SQL as named fragments (geo._sql): one templating mechanism, statements refused unfilled."""

from __future__ import annotations

import pytest

from geo import _coverage_sql as sql
from geo import coverage_parallel as parallel
from geo import optimise
from geo._sql import complete, fill, fill_all, incident_window, statement
from layers import _sql as layers_sql


def test_fragments_compose_and_a_statement_must_be_complete() -> None:
    inner = fill("ST_Intersects($u.geom, $g)", g="r.g")
    outer = fill("SELECT 1 FROM unit_coverage u WHERE $cond AND $more", cond=inner)
    assert outer == "SELECT 1 FROM unit_coverage u WHERE ST_Intersects($u.geom, r.g) AND $more"
    with pytest.raises(ValueError, match=r"\$more, \$u"):
        statement(outer)
    done = complete(fill(outer, u="u"), more="true")
    assert done == "SELECT 1 FROM unit_coverage u WHERE ST_Intersects(u.geom, r.g) AND true"


def test_the_incident_window_is_one_fragment_for_geo_and_layers() -> None:
    assert layers_sql.incident_window is incident_window
    aliased, bare = incident_window("i"), incident_window("")
    assert "i.occurred_at > :start AND i.occurred_at <= :end" in aliased
    assert "i.category = ANY(CAST(:categories AS text[]))" in aliased
    assert bare.startswith("occurred_at > :start") and "i." not in bare


@pytest.mark.parametrize(
    "script",
    [
        optimise._BLIND,
        sql.WHOLE_REGION,
        sql.CHANGED_REGION,
        sql.SOURCES_FULL,
        sql.SOURCES_IN_REGION,
        sql.MOSAIC,
        fill_all(sql.UNITS, **sql.LIVE_TABLES),
        fill_all(sql.ROAD_SIDES, near=sql.ROADS_NEAR_REGION),
        fill_all(sql.COVERED_ROADS, table="gs_covered_roads_after", pieces="gs_pieces_after"),
        *(
            fill_all(s, units="coverage_work.unit", roads="coverage_work.road_piece")
            for s in (
                parallel._SOURCES_CHUNK,
                parallel._MOSAIC_CHUNK,
                parallel._COVERED_ROADS_CHUNK,
                parallel._AREAS_CHUNK,
                parallel._CAMERAS_CHUNK,
                parallel._ROADS_CHUNK,
                parallel._ROAD_LENGTHS_CHUNK,
                parallel._TILING_CHUNK,
            )
        ),
    ],
)
def test_every_coverage_script_is_a_tuple_of_complete_statements(script: tuple[str, ...]) -> None:
    assert isinstance(script, tuple) and script
    for statement_sql in script:
        complete(statement_sql)
        assert ";\n" not in statement_sql  # one statement each, never a script to split


def test_temporary_tables_are_named_for_what_they_hold() -> None:
    assert all(len(name) > len("gs_") + 4 for name in sql.TEMP_TABLES)
    assert not {"gs_w", "gs_o", "gs_o2", "gs_p", "gs_wo", "gs_new", "gs_old"} & set(sql.TEMP_TABLES)


def test_the_mosaic_sql_names_its_classes_from_the_table() -> None:
    # no class code is written by hand in the modules that build or read the mosaic: each comes
    # from geo.metrics (MosaicClass, Metric.classes)
    import re
    from pathlib import Path

    from geo.metrics import MosaicClass

    codes = {c.value for c in MosaicClass}
    geo = Path(sql.__file__).parent
    for module in ("_coverage_sql", "coverage", "coverage_parallel", "blindspots", "optimise"):
        code_lines = [
            line
            for line in (geo / f"{module}.py").read_text().splitlines()
            if not line.strip().startswith("#")
        ]
        literals = {q for line in code_lines for q in re.findall(r"'(\w{1,2})'", line)}
        assert not literals & codes, module
    assert {sql.SOURCE_KINDS[k] for k in ("working", "other", "patrol")} == {"w", "o", "p"}
