"""ORM models of every layer (SQLAlchemy 2 + GeoAlchemy2). Geometries are EPSG:4326.

The schema itself (constraints, indexes, triggers) is owned by the migrations in
``geo/migrations``; these classes mirror it for typed queries, and a test checks they agree.
"""

from __future__ import annotations

import datetime as dt

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    Text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

LEVELS = ("province", "city", "county", "township", "village")
ROAD_CLASSES = ("highway", "main", "local", "track")
CAMERA_STATUSES = ("online", "offline", "fault")
CAMERA_KINDS = ("gun", "dome", "ptz", "checkpoint")
SHIFTS = ("day", "night", "all")
INCIDENT_CATEGORIES = (
    "theft",
    "dispute",
    "assault",
    "traffic",
    "fire",
    "fraud",
    "public_order",
    "other",
)
INCIDENT_STATUSES = ("reported", "dispatched", "handling", "closed")
OPEN_INCIDENT_STATUSES = ("reported", "dispatched", "handling")


def _geom(kind: str) -> Geometry:
    return Geometry(kind, srid=4326, spatial_index=False)


class Base(DeclarativeBase):
    """The declarative base of every model."""


class AdminUnit(Base):
    """County, township or village; ``parent_code`` is the unit one level up."""

    __tablename__ = "admin_unit"
    code: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(Text)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("admin_unit.code"))
    geom: Mapped[object] = mapped_column(_geom("MULTIPOLYGON"))


class GridCell(Base):
    """A grid cell (网格): aggregate facts only, and its grid worker (staff)."""

    __tablename__ = "grid_cell"
    code: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    village_code: Mapped[str] = mapped_column(ForeignKey("admin_unit.code"))
    population: Mapped[int] = mapped_column(Integer, default=0)
    households: Mapped[int] = mapped_column(Integer, default=0)
    grid_worker: Mapped[str | None] = mapped_column(Text)
    grid_worker_phone: Mapped[str | None] = mapped_column(Text)
    geom: Mapped[object] = mapped_column(_geom("MULTIPOLYGON"))


class Road(Base):
    """A road; ``class_`` is one of :data:`ROAD_CLASSES`."""

    __tablename__ = "road"
    code: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text, default="")
    class_: Mapped[str] = mapped_column("class", Text)
    geom: Mapped[object] = mapped_column(_geom("MULTILINESTRING"))
    # every admin unit it touches, for row-level security; set by triggers (migration 0013)
    unit_codes: Mapped[list[str]] = mapped_column(ARRAY(Text(collation="C")), server_default="{}")


class Camera(Base):
    """A surveillance camera; ``view_geom`` is kept by a database trigger (never stale)."""

    __tablename__ = "camera"
    code: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text, default="")
    azimuth_deg: Mapped[float] = mapped_column(Float)
    fov_deg: Mapped[float] = mapped_column(Float)
    range_m: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    installed_on: Mapped[dt.date | None] = mapped_column(Date)
    geom: Mapped[object] = mapped_column(_geom("POINT"))
    view_geom: Mapped[object] = mapped_column(_geom("POLYGON"), server_default="")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default="")
    # the smallest unit holding it, for row-level security; set by triggers (migration 0013)
    unit_code: Mapped[str | None] = mapped_column(Text(collation="C"))


class PatrolRoute(Base):
    """A planned patrol route of the patrol ``unit`` for a ``shift`` (one of :data:`SHIFTS`)."""

    __tablename__ = "patrol_route"
    code: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[str] = mapped_column(Text)
    shift: Mapped[str] = mapped_column(Text)
    geom: Mapped[object] = mapped_column(_geom("MULTILINESTRING"))
    unit_codes: Mapped[list[str]] = mapped_column(
        ARRAY(Text(collation="C")), server_default="{}"
    )  # 0013


class PatrolTrack(Base):
    """One GPS fix of the patrol ``unit`` at ``recorded_at``."""

    __tablename__ = "patrol_track"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    unit: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    geom: Mapped[object] = mapped_column(_geom("POINT"))
    unit_code: Mapped[str | None] = mapped_column(Text(collation="C"))  # set by triggers (0013)


class Incident(Base):
    """An event at a place: no names, ID numbers or other data about citizens."""

    __tablename__ = "incident"
    code: Mapped[str] = mapped_column(Text, primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    category: Mapped[str] = mapped_column(Text)
    severity: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[str] = mapped_column(Text)
    geom: Mapped[object] = mapped_column(_geom("POINT"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default="")
    # inside a working camera's view; set by the database's triggers (migration 0007), never by hand
    watched: Mapped[bool] = mapped_column(Boolean, server_default="false")
    # the smallest unit (cell, else village, township, county) holding it; set by triggers (0008)
    unit_code: Mapped[str | None] = mapped_column(Text(collation="C"))


class Plan(Base):
    """A saved what-if: hypothetical cameras and routes, real only once applied."""

    __tablename__ = "plan"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default="")
    applied_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # the jurisdiction of the account that saved it (None: the whole deployment), migration 0013
    scope_code: Mapped[str | None] = mapped_column(Text(collation="C"))


class PlanItem(Base):
    """A camera (point and angles) or a patrol route (line) of a plan; EPSG:4326."""

    __tablename__ = "plan_item"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(Text)
    azimuth_deg: Mapped[float | None] = mapped_column(Float)
    fov_deg: Mapped[float | None] = mapped_column(Float)
    range_m: Mapped[float | None] = mapped_column(Float)
    geom: Mapped[object] = mapped_column(_geom("GEOMETRY"))
