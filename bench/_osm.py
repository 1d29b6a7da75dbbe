"""Time importing OpenStreetMap roads.

The real export in ``tests/data/real/`` (``ninghua_map.osm``, a county town's centre), or a larger
file given with ``--osm-file``, into a database of its own that starts empty, as ``python -m etl
import roads FILE`` does it (without starting Python: see ``tests/data/real/README.md``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from etl.importing import ImportOptions, import_file
from geo.db import database_url, make_engine, recreate_database, upgrade
from geo.settings import PROJECT_DIR, Settings

NINGHUA = PROJECT_DIR / "tests" / "data" / "real" / "ninghua_map.osm"


def run(
    settings: Settings, report: Callable[[str, float, str], None], path: Path = NINGHUA
) -> None:
    """Import ``path`` twice (new roads, then all unchanged) and report both times.

    Times in seconds, and the roads per second of the first. A file outside China needs a
    database that measures there, which this bench does not make: use a Chinese extract.
    """
    engine = make_engine(recreate_database(database_url(settings), "gridsight_bench_osm"))
    upgrade(engine)
    name = path.name.split(".")[0]
    times = []
    for _ in range(2):
        started = time.perf_counter()
        result = import_file(engine, "roads", path, ImportOptions(), settings)
        times.append(time.perf_counter() - started)
    report(f"osm_import_roads_{name}", times[0], "s")
    report(f"osm_reimport_unchanged_{name}", times[1], "s")
    report(f"osm_import_roads_per_s_{name}", result.total / times[0], "ways/s")
    engine.dispose()
