"""Gridsight's domain: settings, database, coverage engine, planning. Never imports Dash."""

from geo import _gdal

_gdal.configure()  # before anything imports pyogrio (GDAL reads its driver list once)
