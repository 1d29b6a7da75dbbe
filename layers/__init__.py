"""The layer registry: every map layer, in drawing order (bottom first).

The map, the legend and the layer switcher are built from :data:`REGISTRY`; adding a layer means
writing one module and naming it here.
"""

from __future__ import annotations

from dataclasses import replace

from geo.errors import NotFound
from layers import (
    admin,
    blindspots,
    cameras,
    focus,
    grids,
    hotspots,
    incidents,
    roads,
    routes,
    units,
)
from layers.base import Field, Layer, LegendEntry
from layers.view import View

REGISTRY: tuple[Layer, ...] = tuple(
    replace(layer, z=index)
    for index, layer in enumerate(
        (
            admin.TOWNSHIPS,
            admin.VILLAGES,
            grids.LAYER,
            units.LAYER,
            hotspots.DENSITY,
            hotspots.GI_STAR,
            blindspots.LAYER,
            roads.LAYER,
            routes.LAYER,
            cameras.LAYER,
            incidents.LAYER,
            focus.LAYER,
        )
    )
)
_BY_ID = {layer.id: layer for layer in REGISTRY}


def for_page(page: str) -> tuple[Layer, ...]:
    """Return the layers page ``page`` ('map' or 'plan') draws, in drawing order."""
    return tuple(layer for layer in REGISTRY if page in layer.pages)


def get(layer_id: str) -> Layer:
    """Return the registered layer ``layer_id``; raises :class:`NotFound` for an unknown id."""
    try:
        return _BY_ID[layer_id]
    except KeyError:
        raise NotFound(f"no layer {layer_id!r}; known layers: {', '.join(_BY_ID)}") from None


__all__ = ["REGISTRY", "Field", "Layer", "LegendEntry", "View", "for_page", "get"]
