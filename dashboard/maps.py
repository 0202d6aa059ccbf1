"""Maps without a base map: pydeck layers drawn from the run's own points, nothing fetched.

Households are dots coloured by tier (uncovered ones ringed in black), worker bases blue
squares' worth of dot with a white rim, a township's outline the convex hull of its points.
The deck has no base map at all: ``map_provider=None`` keeps pydeck from naming a tile
provider, and :data:`NO_BASE_MAP` is the style value with which Streamlit's frontend draws
no map underneath either (it fills an absent style with a Carto base map fetched from the
internet; see ``tests/dashboard/test_browser.py``, which checks that no request leaves
127.0.0.1).

No Streamlit here: pages pass the deck to ``st.pydeck_chart``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final

import numpy as np
import polars as pl
import pydeck as pdk
from scipy.spatial import ConvexHull, QhullError

from dashboard import i18n
from dashboard.i18n import Lang, t

NO_BASE_MAP: Final = "__MAP_STYLE__"
"""pydeck's "no style given" value: with ``map_provider=None`` it reaches the frontend as is,
and Streamlit then draws no base map (``None`` would make it add a Carto one)."""

TIER_RGB: Final = {1: (255, 75, 75), 2: (255, 164, 33), 3: (33, 195, 84)}
"""Streamlit's red, orange and green: the same colours as the legend's ``:red[■]`` ..."""
BASE_RGB: Final = (28, 131, 225)  # Streamlit's blue
HULL_RGBA: Final = (120, 120, 120, 40)
MAX_POINTS: Final = 4000
MAX_CELLS: Final = 1500  # dots of a grouped map (households per cell and tier)
"""More households than this are drawn as one dot per ~100 m cell and tier (sized by count)."""


def _swatch(rgb: tuple[int, int, int], ring: tuple[int, int, int] = (255, 255, 255)) -> str:
    return (
        '<span style="display:inline-block;width:0.8em;height:0.8em;border-radius:50%;'
        f"background:rgb{rgb};border:2px solid rgb{ring};vertical-align:-0.1em;"
        'margin-right:0.3em"></span>'
    )


def legend(lang: Lang, *, bases: bool = True) -> str:
    """The map's legend as HTML, with the map's own colours (pass ``unsafe_allow_html``)."""
    parts = [_swatch(TIER_RGB[k]) + i18n.tier(k, lang) for k in (1, 2, 3)]
    parts.append(_swatch((255, 255, 255), (0, 0, 0)) + t("legend_unassigned", lang))
    if bases:
        parts.append(_swatch(BASE_RGB) + t("legend_bases", lang))
    return "&nbsp;&nbsp;&nbsp;".join(parts)


VIEW_PIXELS: Final = (800, 400)
"""The smallest map the pages draw (width, height in pixels): every point fits in it."""


def view_state(lon: np.ndarray, lat: np.ndarray, min_span: float = 0.005) -> pdk.ViewState:
    """A view that frames every point in :data:`VIEW_PIXELS` (deck.gl's web-Mercator zoom: the
    world is 512 x 2^zoom pixels wide); each span is at least ``min_span`` degrees so that a single
    point is not zoomed into."""
    if lon.size == 0:
        return pdk.ViewState(longitude=104.7, latitude=23.5, zoom=7)
    span_lon = max(float(lon.max() - lon.min()), min_span) * 1.15
    span_lat = max(float(lat.max() - lat.min()), min_span) * 1.15
    mid_lat = math.radians(float(lat.mean()))
    width, height = VIEW_PIXELS
    zoom = min(
        math.log2(width * 360 / (512 * span_lon)),
        math.log2(height * 360 * math.cos(mid_lat) / (512 * span_lat)),
    )
    return pdk.ViewState(
        longitude=float((lon.max() + lon.min()) / 2),
        latitude=float((lat.max() + lat.min()) / 2),
        zoom=max(3.0, min(zoom, 16.0)),
    )


def hull(lon: np.ndarray, lat: np.ndarray) -> list[list[float]] | None:
    """The convex hull of the points as a closed ring, or None for fewer than three points
    that span an area."""
    points = np.column_stack([lon, lat])
    points = points[np.isfinite(points).all(axis=1)]
    if len(np.unique(points, axis=0)) < 3:
        return None
    try:
        shape = ConvexHull(points)
    except QhullError:  # all on one line
        return None
    ring = points[shape.vertices].tolist()
    return [*ring, ring[0]]


def _deck(
    layers: list[pdk.Layer], lon: np.ndarray, lat: np.ndarray, min_span: float = 0.005
) -> pdk.Deck:
    return pdk.Deck(
        layers=layers,
        initial_view_state=view_state(lon, lat, min_span),
        map_provider=None,
        map_style=NO_BASE_MAP,
        tooltip={"text": "{tip}"},
    )


def _cells(frame: pl.DataFrame) -> pl.DataFrame:
    """Households counted per square cell and tier, the cells (from ~100 m, doubled as
    needed) coarse enough that at most ``MAX_CELLS`` dots go to the browser: a township of
    10 k households is then a few hundred KB of map, not 2 MB on a slow connection."""
    size = 0.001  # degrees, about 100 m
    while True:
        cells = (
            frame.with_columns(
                ((pl.col("lon") / size).floor() * size + size / 2).round(5).alias("lon"),
                ((pl.col("lat") / size).floor() * size + size / 2).round(5).alias("lat"),
            )
            .group_by("lon", "lat", "tier")
            .agg(pl.len().alias("n"), pl.col("worker_id").is_null().sum().alias("uncovered"))
            .sort("tier", "lon", "lat")
        )
        if cells.height <= MAX_CELLS or size > 0.1:
            return cells
        size *= 2


def _household_rows(households: pl.DataFrame, lang: Lang) -> list[dict[str, Any]]:
    """One dot per household, or per square cell and tier when there are many."""
    frame = households.drop_nulls(["lon", "lat"])
    if frame.height > MAX_POINTS:
        cells = _cells(frame)
        return [
            {
                "lon": r["lon"],
                "lat": r["lat"],
                "rgb": TIER_RGB.get(r["tier"], (150, 150, 150)),
                "ring": r["uncovered"] > 0,
                "radius": round(20 + 6 * math.sqrt(r["n"])),
                "tip": f"{i18n.tier(r['tier'], lang)} × {r['n']}",
            }
            for r in cells.iter_rows(named=True)
        ]
    covered = t("covered", lang)
    uncovered = t("uncovered", lang)
    return [
        {
            "lon": r["lon"],
            "lat": r["lat"],
            "rgb": TIER_RGB.get(r["tier"], (150, 150, 150)),
            "ring": r["worker_id"] is None,
            "radius": 25,
            "tip": f"{r['household_id']} · {i18n.tier(r['tier'], lang)} · "
            + (f"{covered} {r['worker_id']}" if r["worker_id"] else uncovered),
        }
        for r in frame.iter_rows(named=True)
    ]


def _households_layer(rows: list[dict[str, Any]], layer_id: str) -> pdk.Layer:
    return pdk.Layer(
        "ScatterplotLayer",
        id=layer_id,
        data=[{**r, "line": (0, 0, 0) if r["ring"] else (255, 255, 255)} for r in rows],
        get_position=["lon", "lat"],
        get_fill_color="rgb",
        get_line_color="line",
        get_radius="radius",
        radius_min_pixels=4,
        radius_max_pixels=14,
        stroked=True,
        line_width_min_pixels=1,
        pickable=True,
    )


def _bases_layer(workers: pl.DataFrame, lang: Lang) -> pdk.Layer:
    rows = [
        {
            "lon": r["lon"],
            "lat": r["lat"],
            "tip": f"{r['worker_id']} · {i18n.role(r['role'], lang)}"
            + ("" if r.get("active", True) else f" · {t('inactive', lang)}"),
        }
        for r in workers.drop_nulls(["lon", "lat"]).iter_rows(named=True)
    ]
    return pdk.Layer(
        "ScatterplotLayer",
        id="bases",
        data=rows,
        get_position=["lon", "lat"],
        get_fill_color=BASE_RGB,
        get_line_color=(255, 255, 255),
        get_radius=60,
        radius_min_pixels=6,
        radius_max_pixels=16,
        stroked=True,
        line_width_min_pixels=2,
        pickable=True,
    )


def _hull_layer(lon: np.ndarray, lat: np.ndarray, tip: str) -> pdk.Layer | None:
    ring = hull(lon, lat)
    if ring is None:
        return None
    return pdk.Layer(
        "PolygonLayer",
        id="outline",
        data=[{"polygon": ring, "tip": tip}],
        get_polygon="polygon",
        get_fill_color=HULL_RGBA,
        get_line_color=(90, 90, 90),
        line_width_min_pixels=1,
        stroked=True,
        filled=True,
        pickable=False,
    )


def _coords(*frames: pl.DataFrame | None) -> tuple[np.ndarray, np.ndarray]:
    parts = [f.drop_nulls(["lon", "lat"]) for f in frames if f is not None and f.height]
    if not parts:
        return np.array([]), np.array([])
    return (
        np.concatenate([p["lon"].to_numpy() for p in parts]),
        np.concatenate([p["lat"].to_numpy() for p in parts]),
    )


def township_deck(
    points: Mapping[str, pl.DataFrame], township_id: str, lang: Lang
) -> pdk.Deck | None:
    """One township: its outline, households by tier (when the role sees them) and worker
    bases; None when there is nothing to draw."""
    households = points.get("households")
    workers = points.get("workers")
    lon, lat = _coords(households, workers)
    if lon.size == 0:
        return None
    layers: list[pdk.Layer] = []
    outline = _hull_layer(lon, lat, i18n.township(township_id, lang))
    if outline is not None:
        layers.append(outline)
    if households is not None and households.height:
        layers.append(_households_layer(_household_rows(households, lang), "households"))
    if workers is not None and workers.height:
        layers.append(_bases_layer(workers, lang))
    return _deck(layers, lon, lat)


def worker_deck(
    load: Mapping[str, Any], base: pl.DataFrame | None, households: pl.DataFrame, lang: Lang
) -> pdk.Deck | None:
    """One worker's visits: the households on the list, the base, a line from the base to
    each household; None when there is nothing to draw."""
    lon, lat = _coords(households, base)
    if lon.size == 0:
        return None
    layers: list[pdk.Layer] = []
    outline = _hull_layer(lon, lat, str(load["worker_id"]))
    if outline is not None:
        layers.append(outline)
    if base is not None and base.height:
        b = base.row(0, named=True)
        if b["lon"] is not None:
            trips = [
                {"from": [b["lon"], b["lat"]], "to": [r["lon"], r["lat"]], "tip": ""}
                for r in households.drop_nulls(["lon", "lat"]).iter_rows(named=True)
            ]
            layers.append(
                pdk.Layer(
                    "LineLayer",
                    id="trips",
                    data=trips,
                    get_source_position="from",
                    get_target_position="to",
                    get_color=(*BASE_RGB, 90),
                    get_width=1,
                    width_min_pixels=1,
                )
            )
    plotted = households.with_columns(pl.lit(str(load["worker_id"])).alias("worker_id"))
    layers.append(_households_layer(_household_rows(plotted, lang), "households"))
    if base is not None and base.height:
        layers.append(_bases_layer(base, lang))
    return _deck(layers, lon, lat)


def townships_deck(towns: pl.DataFrame, centres: pl.DataFrame, lang: Lang) -> pdk.Deck | None:
    """Townships as dots sized by households (red: tier-1 households uncovered), labelled by
    their codes; None when no township has a position."""
    frame = towns.join(centres, on="township_id", how="inner")
    if frame.height == 0:
        return None
    biggest = max(int(frame["households"].max() or 1), 1)  # type: ignore[arg-type]
    rows = [
        {
            "lon": r["lon"],
            "lat": r["lat"],
            "id": r["township_id"],
            "radius": 1500 + 6000 * math.sqrt(r["households"] / biggest),
            "rgb": TIER_RGB[1] if r["unassigned_tier1"] else BASE_RGB,
            "tip": f"{i18n.township(r['township_id'], lang)} · "
            f"{i18n.label('households', lang)} {r['households']:,} · "
            f"{i18n.label('unassigned_tier1', lang)} {r['unassigned_tier1']:,}",
        }
        for r in frame.iter_rows(named=True)
    ]
    dots = pdk.Layer(
        "ScatterplotLayer",
        id="townships",
        data=rows,
        get_position=["lon", "lat"],
        get_fill_color="rgb",
        get_line_color=(255, 255, 255),
        get_radius="radius",
        radius_min_pixels=5,
        stroked=True,
        line_width_min_pixels=1,
        opacity=0.8,
        pickable=True,
    )
    names = pdk.Layer(
        "TextLayer",
        id="names",
        data=rows,
        get_position=["lon", "lat"],
        get_text="id",
        get_size=12,
        get_color=(40, 40, 40),
        get_pixel_offset=[0, -18],
        pickable=False,
    )
    lon = frame["lon"].to_numpy()
    lat = frame["lat"].to_numpy()
    return _deck([dots, names], lon, lat, min_span=0.5)
