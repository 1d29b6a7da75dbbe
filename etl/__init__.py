"""Importers and exporters of GIS files, and the demo county."""

import geo  # noqa: F401  (first: GDAL is restricted before anything here loads pyogrio, geo/_gdal.py)
