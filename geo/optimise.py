"""Where should the next N cameras go: a maximal covering location problem (MCLP).

Candidates
    Sites every ``spacing_m`` metres along the roads (metric CRS), rounded to 7 decimals of a
    degree (1 cm) so that a printed proposal is exactly the camera the model evaluated. Each site
    offers one camera of ``fov_deg`` and ``range_m`` looking in each of ``directions`` azimuths
    (0°, 360°/directions, ...). Only sites within ``range_m`` of a demand point are kept.
Demand
    The window's *blind* incidents (outside every working camera's view, as in incident
    coverage), one unit of weight each. Existing working cameras are kept, so incidents they see
    are covered already and do not count.
Model
    Maximise the weight of demand covered by the chosen candidates, with at most ``count`` of
    them and at most one per site (the MCLP of Church & ReVelle, solved exactly by CBC through
    PuLP). A candidate covers an incident inside its view region (the engine's
    ``gs_camera_view``).

:func:`greedy` is the baseline the benchmark compares with: it adds, ``count`` times, the
candidate that covers the most still-uncovered demand.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, text

from geo import limits
from geo._sql import fill_all, incident_window, window_params
from geo.coverage import metric_srid
from geo.errors import DataError
from geo.figures import Window, figures
from geo.metrics import INCIDENT_COVERAGE_PCT
from geo.whatif import Camera, what_if

# The blind incidents go to an indexed temporary table first: joined as a CTE, every candidate
# view would test every incident, without an index.
_BLIND = fill_all(
    (
        "DROP TABLE IF EXISTS gs_blind_incidents",
        """
CREATE TEMP TABLE gs_blind_incidents ON COMMIT DROP AS
    SELECT i.code, i.geom, ST_Transform(i.geom, :srid) AS p FROM incident i
    WHERE $window
      AND NOT i.watched""",
        "CREATE INDEX ON gs_blind_incidents USING gist (geom)",
        "CREATE INDEX ON gs_blind_incidents USING gist (p)",
        "ANALYZE gs_blind_incidents",
    ),
    window=incident_window("i"),
)
_CANDIDATES = """
WITH line AS (SELECT (ST_Dump(ST_Transform(geom, :srid))).geom AS g FROM road
              WHERE class = ANY(CAST(:classes AS text[]))),
point AS (SELECT (ST_Dump(ST_LineInterpolatePoints(g, least(1.0, :spacing / ST_Length(g)),
                                                   true))).geom AS q
          FROM line WHERE ST_Length(g) > 0),
site AS MATERIALIZED (
    SELECT DISTINCT round(ST_X(w)::numeric, 7)::float8 AS lon,
                    round(ST_Y(w)::numeric, 7)::float8 AS lat
    FROM (SELECT q, ST_Transform(q, 4326) AS w FROM point) x
    WHERE EXISTS (SELECT 1 FROM gs_blind_incidents b WHERE ST_DWithin(b.p, x.q, :range))),
cand AS MATERIALIZED (
    SELECT s.lon, s.lat, d.az,
           gs_camera_view(ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326), d.az, :fov, :range,
                          :srid) AS v
    FROM site s, unnest(CAST(:azimuths AS float8[])) AS d(az))
SELECT c.lon, c.lat, c.az, array_agg(b.code ORDER BY b.code)
FROM cand c JOIN gs_blind_incidents b ON ST_Intersects(c.v, b.geom)
GROUP BY c.lon, c.lat, c.az ORDER BY c.lon, c.lat, c.az
"""
ROAD_CLASSES = ("highway", "main", "local")


@dataclass(frozen=True)
class Candidate:
    """A possible camera: its site, azimuth, and the demand it covers.

    The site is in EPSG:4326 degrees, rounded to 7 decimals.
    """

    lon: float
    lat: float
    azimuth_deg: float
    covers: frozenset[str]


@dataclass(frozen=True)
class Proposal:
    """A proposed camera and the incidents it newly covers.

    They are counted in the order of the list, so the counts add up to the plan's gain.
    """

    camera: Camera
    incidents_newly_covered: int


@dataclass(frozen=True)
class Result:
    """The proposals, and the county's incident coverage before and after them, with timings.

    The coverage after is the engine's what-if.
    """

    proposals: tuple[Proposal, ...]
    coverage_before_pct: float | None
    coverage_after_pct: float | None
    incidents_newly_covered: int
    candidates: int
    demand: int
    seconds: float


def candidates(
    conn: Connection,
    window: Window,
    fov_deg: float = 90.0,
    range_m: float = 100.0,
    spacing_m: float = 100.0,
    directions: int = 8,
    classes: Sequence[str] = ROAD_CLASSES,
) -> list[Candidate]:
    """List every candidate camera that would see at least one blind incident of ``window``.

    Candidates stand on the roads of ``classes``, every ``spacing_m`` metres along them, and look
    in ``directions`` azimuths (one for a full circle).

    Parameters
    ----------
    conn
        Connection to the Gridsight database.
    window
        The incident window whose blind incidents are the demand.
    fov_deg
        Field of view of a candidate, in degrees (0-360].
    range_m
        Range of a candidate, in metres (up to 2,000).
    spacing_m
        Distance between candidate sites along a road, in metres of the metric CRS (10-5,000).
    directions
        Number of azimuths tried at each site (1-36), evenly spread from north.
    classes
        Road classes candidates may stand on.

    Returns
    -------
    list of Candidate
        Sites in EPSG:4326 degrees with their azimuth and the blind incidents they would see.

    Raises
    ------
    DataError
        For settings outside the ranges above.
    """
    if (
        not 0 < fov_deg <= 360
        or not 0 < range_m <= 2000
        or not 10 <= spacing_m <= 5000
        or not 1 <= directions <= 36
    ):
        raise DataError(
            f"candidate settings fov {fov_deg}°, range {range_m} m, spacing {spacing_m} m, "
            f"{directions} directions: expected fov in (0, 360], range up to 2,000 m, "
            "spacing 10-5,000 m, 1-36 directions"
        )
    azimuths = [0.0] if fov_deg >= 360 else [360.0 * k / directions for k in range(directions)]
    params = {
        "srid": metric_srid(conn),
        **window_params(window),
        "classes": list(classes),
        "spacing": spacing_m,
        "range": range_m,
        "fov": fov_deg,
        "azimuths": azimuths,
    }
    for statement in _BLIND:
        used = {k: v for k, v in params.items() if f":{k}" in statement}
        conn.execute(text(statement), used)
    return [
        Candidate(lon, lat, az, frozenset(codes))
        for lon, lat, az, codes in conn.execute(text(_CANDIDATES), params)
    ]


def solve(cands: Sequence[Candidate], count: int, seconds: float = 25.0) -> list[int]:
    """Return the indices of the candidates of an optimal MCLP solution.

    At most ``count`` cameras, one per site, maximising the demand covered (each demand code
    weighs 1). Solved by CBC with a time limit of ``seconds`` (the best solution found so far when
    it is reached).
    """
    import pulp

    if count < 1:
        raise DataError(f"count {count} is not allowed: expected at least 1 camera")
    useful = [i for i, c in enumerate(cands) if c.covers]
    if not useful:
        return []
    demand = sorted({d for i in useful for d in cands[i].covers})
    model = pulp.LpProblem("mclp", pulp.LpMaximize)
    x = {i: model.add_variable(f"x{i}", cat="Binary") for i in useful}
    y = {d: model.add_variable(f"y{n}", lowBound=0, upBound=1) for n, d in enumerate(demand)}
    model += pulp.lpSum(y.values())
    covering: dict[str, list[int]] = {d: [] for d in demand}
    sites: dict[tuple[float, float], list[int]] = {}
    for i in useful:
        for d in cands[i].covers:
            covering[d].append(i)
        sites.setdefault((cands[i].lon, cands[i].lat), []).append(i)
    for d in demand:
        model += y[d] <= pulp.lpSum(x[i] for i in covering[d])
    model += pulp.lpSum(x.values()) <= count
    for options in sites.values():
        if len(options) > 1:
            model += pulp.lpSum(x[i] for i in options) <= 1
    with warnings.catch_warnings():
        # PuLP 3.3 (pinned) bundles CBC as PULP_CBC_CMD and warns that 4.0 moves it to the cbcbox
        # extra
        warnings.simplefilter("ignore", DeprecationWarning)
        model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=seconds, threads=2))
    chosen = [i for i in useful if (x[i].value() or 0) > 0.5]
    return _in_gain_order(cands, chosen)


def greedy(cands: Sequence[Candidate], count: int) -> list[int]:
    """Choose candidates greedily: the baseline.

    ``count`` times, the candidate (on a site not used yet) covering the most uncovered demand;
    stops early when nothing adds coverage.
    """
    covered: set[str] = set()
    used: set[tuple[float, float]] = set()
    chosen: list[int] = []
    for _ in range(count):
        best, gain = -1, 0
        for i, c in enumerate(cands):
            if (c.lon, c.lat) in used:
                continue
            g = len(c.covers - covered)
            if g > gain:
                best, gain = i, g
        if best < 0:
            break
        chosen.append(best)
        covered |= cands[best].covers
        used.add((cands[best].lon, cands[best].lat))
    return chosen


def covered(cands: Sequence[Candidate], chosen: Sequence[int]) -> int:
    """Demand covered by the candidates ``chosen``."""
    return len(set().union(*(cands[i].covers for i in chosen))) if chosen else 0


def _in_gain_order(cands: Sequence[Candidate], chosen: list[int]) -> list[int]:
    """Reorder ``chosen``: each next the one adding the most demand to those before it."""
    rest, order, seen = list(chosen), [], set[str]()
    while rest:
        best = max(rest, key=lambda i: (len(cands[i].covers - seen), -i))
        order.append(best)
        seen |= cands[best].covers
        rest.remove(best)
    return order


def plan_cameras(
    conn: Connection,
    count: int,
    window: Window,
    patrol_buffer_m: float,
    fov_deg: float = 90.0,
    range_m: float = 100.0,
    spacing_m: float = 100.0,
    directions: int = 8,
) -> Result:
    """Propose the best ``count`` new cameras for ``window``'s blind incidents.

    Also returns the county's incident coverage before and after them (the engine's what-if on the
    proposals, written nowhere).

    Parameters
    ----------
    conn
        Connection to the Gridsight database.
    count
        How many cameras to propose.
    window
        The incident window whose blind incidents are to be covered.
    patrol_buffer_m
        Half-width of a patrol route's coverage in metres, for the what-if.
    fov_deg, range_m
        Field of view (degrees) and range (metres) of every proposed camera.
    spacing_m, directions
        Candidate sites every ``spacing_m`` metres along the roads, each with ``directions``
        azimuths (see :func:`candidates`).

    Returns
    -------
    Result
        The proposals in the order of their gain, the coverage before and after (percent), the
        incidents newly covered, the number of candidates and of coverable blind incidents, and
        the seconds taken.

    Raises
    ------
    DataError
        For a count, field of view or range outside :mod:`geo.limits`.
    """
    count = limits.whole("count", count, *limits.OPTIMISE_COUNT)
    limits.number("fov_deg", fov_deg, 0, 360, low_open=True)
    limits.number("range_m", range_m, 0, limits.MAX_CAMERA_RANGE_M, low_open=True)
    started = time.perf_counter()
    cands = candidates(conn, window, fov_deg, range_m, spacing_m, directions)
    chosen = solve(cands, count)
    proposals, seen = [], set[str]()
    for i in chosen:
        c = cands[i]
        proposals.append(
            Proposal(Camera(c.lon, c.lat, c.azimuth_deg, fov_deg, range_m), len(c.covers - seen))
        )
        seen |= c.covers
    before = _county_coverage(conn, window)
    after = before
    if proposals:
        county = [
            ch
            for ch in what_if(conn, [p.camera for p in proposals], window, patrol_buffer_m)
            if ch.after.level == "county"
        ]
        after = county[0].after.value(INCIDENT_COVERAGE_PCT) if county else before
    demand = len(set().union(*(c.covers for c in cands))) if cands else 0
    return Result(
        tuple(proposals),
        before,
        after,
        len(seen),
        len(cands),
        demand,
        time.perf_counter() - started,
    )


def _county_coverage(conn: Connection, window: Window) -> float | None:
    rows = figures(conn, window, level="county")
    return rows[0].value(INCIDENT_COVERAGE_PCT) if rows else None
