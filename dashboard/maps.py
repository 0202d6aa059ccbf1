"""Maps without a base map: Vega-Lite (Altair) charts drawn from the run's own points, nothing
fetched.

Households are dots coloured by tier (uncovered ones ringed in black), worker bases blue
squares with a white rim, a township's outline the convex hull of its points. The tier-1 and
the uncovered households are drawn above the worker bases, the other households beneath them:
in a township of 10 k households the 500 bases' squares hid every tier-1 household of the
village centres, where the workers live. Streamlit's
frontend draws the chart with the Vega it bundles, on a 2-D canvas: no tile server, no CDN, and
no WebGL (the earlier deck.gl maps cost a laptop without a GPU - and headless Chromium - several
CPU seconds per paint in software rendering).

The pure functions here build the frames of a map (:class:`MapFrames`); :func:`chart` turns
them into the one chart the pages pass to ``st.altair_chart``. The projection is Mercator,
fitted to the points: conformal, so a township is not stretched (the deck.gl maps used the
same projection). No Streamlit here.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import altair as alt
import numpy as np
import polars as pl
from scipy.spatial import ConvexHull, QhullError

from dashboard import i18n
from dashboard.i18n import Lang, t

TIER_RGB: Final = {1: (255, 75, 75), 2: (255, 164, 33), 3: (33, 195, 84)}
"""Streamlit's red, orange and green: the same colours as the legend's ``:red[■]`` ..."""
BASE_RGB: Final = (28, 131, 225)  # Streamlit's blue
OTHER_RGB: Final = (150, 150, 150)  # a tier the run does not know
HULL_FILL: Final = "#787878"
HULL_OPACITY: Final = 0.16
MAX_LABELS: Final = 30
MAX_POINTS: Final = 4000
MAX_CELLS: Final = 1500  # dots of a grouped map (households per cell and tier)
"""More households than this are drawn as one dot per ~100 m cell and tier (sized by count)."""
BASE_SIZE: Final = 70  # a worker base's square, in square pixels
MANY_BASES: Final = 100
"""More worker bases than this are drawn smaller (their squares' area shrinks with the count,
to half at most): a township's hundreds of bases otherwise cover its village centres."""


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _swatch(
    rgb: tuple[int, int, int], ring: tuple[int, int, int] = (255, 255, 255), radius: str = "50%"
) -> str:
    return (
        '<span style="display:inline-block;width:0.8em;height:0.8em;'
        f"border-radius:{radius};"
        f"background:rgb{rgb};border:2px solid rgb{ring};vertical-align:-0.1em;"
        'margin-right:0.3em"></span>'
    )


def _legend_words(lang: Lang) -> dict[str, str]:
    """Each kind of mark's words in ``lang`` (:attr:`MapFrames.keys` -> text)."""
    return {
        "tier1": i18n.tier(1, lang),
        "tier2": i18n.tier(2, lang),
        "tier3": i18n.tier(3, lang),
        "uncovered": t("legend_unassigned", lang),
        "bases": t("legend_bases", lang),
        "trips": t("legend_trips", lang),
        "town_short": t("legend_town_short", lang),
        "town_covered": t("legend_town_covered", lang),
        "outline": t("legend_outline", lang),
    }


def legend(frames: MapFrames, lang: Lang) -> str:
    """The map's legend as HTML, with the map's own colours (pass ``unsafe_allow_html``): one
    entry for each kind of mark the map draws (:attr:`MapFrames.keys`), nothing it does not
    draw (a viewer's township map has worker bases, no households)."""
    swatches = {
        "tier1": _swatch(TIER_RGB[1]),
        "tier2": _swatch(TIER_RGB[2]),
        "tier3": _swatch(TIER_RGB[3]),
        "uncovered": _swatch((255, 255, 255), (0, 0, 0)),
        "bases": _swatch(BASE_RGB, radius="0"),  # a square
        "trips": _line(BASE_RGB),
        "town_short": _swatch(TIER_RGB[1]),
        "town_covered": _swatch(BASE_RGB),
        "outline": _swatch((200, 200, 200), (90, 90, 90), radius="0"),
    }
    words = _legend_words(lang)
    return "&nbsp;&nbsp;&nbsp;".join(swatches[k] + words[k] for k in frames.keys)


def description(frames: MapFrames, title: str, lang: Lang) -> str:
    """What a screen reader says of the map (its accessible name, :func:`chart`'s
    ``description``): its title, that it has no base map, and the kinds of mark it draws in
    the legend's words. Without it the map was announced as hundreds of unnamed points, each
    read out as 'lon: 104.19; lat: 23.26; fill: #1c83e1; stroke: #ffffff; size: 615.8'."""
    words = _legend_words(lang)
    marks = ("、" if lang == "zh" else ", ").join(words[k] for k in frames.keys)
    return t("map_description", lang, title=title, marks=marks)


def _line(rgb: tuple[int, int, int]) -> str:
    return (
        '<span style="display:inline-block;width:1.2em;height:0;'
        f'border-top:2px solid rgb{rgb};vertical-align:0.3em;margin-right:0.3em"></span>'
    )


@dataclass(frozen=True)
class MapFrames:
    """What one map draws, each a frame with ``lon, lat`` (degrees) and ``tip`` (the tooltip's
    text) unless said otherwise; an empty frame draws nothing.

    * ``outline``: the closed hull ring's vertices in drawing order (``order``);
    * ``trips``: lines ``lon, lat`` to ``lon2, lat2`` (no tooltip);
    * ``dots``: ``fill, stroke`` (CSS colours) and ``size`` (area in square pixels);
    * ``bases``: worker bases, drawn as squares;
    * ``labels``: ``text`` written above the point;
    * ``keys``: what the legend lists (:func:`legend`), in its order: the kinds of mark drawn.
    """

    outline: pl.DataFrame
    trips: pl.DataFrame
    dots: pl.DataFrame
    bases: pl.DataFrame
    labels: pl.DataFrame
    keys: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """Nothing to draw."""
        return not (self.dots.height or self.bases.height)


_EMPTY: Final = pl.DataFrame(schema={"lon": pl.Float64, "lat": pl.Float64, "tip": pl.String})


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


def _outline(lon: np.ndarray, lat: np.ndarray) -> pl.DataFrame:
    ring = hull(lon, lat)
    if ring is None:
        return pl.DataFrame(schema={"lon": pl.Float64, "lat": pl.Float64, "order": pl.Int64})
    return pl.DataFrame(
        {
            "lon": [p[0] for p in ring],
            "lat": [p[1] for p in ring],
            "order": list(range(len(ring))),
        }
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


def _dot(
    lon: float, lat: float, *, tier: int, ring: bool, radius: float, tip: str
) -> dict[str, Any]:
    return {
        "lon": lon,
        "lat": lat,
        "fill": _hex(TIER_RGB.get(tier, OTHER_RGB)),
        "stroke": "#000000" if ring else "#ffffff",
        "size": round(math.pi * radius * radius, 1),
        "tip": tip,
    }


def _household_rows(households: pl.DataFrame, lang: Lang) -> list[dict[str, Any]]:
    """One dot per household, or per square cell and tier when there are many; tier 3 first
    so that tier 1 is drawn on top (a cell's three tiers share one centre)."""
    frame = households.drop_nulls(["lon", "lat"]).sort("tier", descending=True, maintain_order=True)
    if frame.height > MAX_POINTS:
        cells = _cells(frame).sort("tier", descending=True, maintain_order=True)
        return [
            _dot(
                r["lon"],
                r["lat"],
                tier=r["tier"],
                ring=r["uncovered"] > 0,
                radius=min(11.0, 3.5 + 0.8 * math.sqrt(r["n"])),
                tip=f"{i18n.tier(r['tier'], lang)} × {r['n']}",
            )
            for r in cells.iter_rows(named=True)
        ]
    # the household's worker is its visitor, as the household page says (走访人员 W…):
    # the tooltip said 已覆盖 W… / covered W…
    visitor = t("assigned_worker", lang)
    uncovered = t("uncovered", lang)
    return [
        _dot(
            r["lon"],
            r["lat"],
            tier=r["tier"],
            ring=r["worker_id"] is None,
            radius=4.0,
            tip=f"{r['household_id']} · {i18n.tier(r['tier'], lang)} · "
            + (f"{i18n.place(r['village_id'], lang)} · " if r.get("village_id") else "")
            + (f"{visitor} {r['worker_id']}" if r["worker_id"] else uncovered),
        )
        for r in frame.iter_rows(named=True)
    ]


def _dots(rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema = {
        "lon": pl.Float64,
        "lat": pl.Float64,
        "fill": pl.String,
        "stroke": pl.String,
        "size": pl.Float64,
        "tip": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


def _bases(workers: pl.DataFrame | None, lang: Lang) -> pl.DataFrame:
    if workers is None or workers.height == 0:
        return _EMPTY
    rows = [
        {
            "lon": r["lon"],
            "lat": r["lat"],
            "tip": f"{r['worker_id']} · {i18n.role(r['role'], lang)}"
            + ("" if r.get("active", True) else f" · {t('inactive', lang)}"),
        }
        for r in workers.drop_nulls(["lon", "lat"]).iter_rows(named=True)
    ]
    return pl.DataFrame(rows, schema=_EMPTY.schema)


def _coords(*frames: pl.DataFrame | None) -> tuple[np.ndarray, np.ndarray]:
    parts = [f.drop_nulls(["lon", "lat"]) for f in frames if f is not None and f.height]
    if not parts:
        return np.array([]), np.array([])
    return (
        np.concatenate([p["lon"].to_numpy() for p in parts]),
        np.concatenate([p["lat"].to_numpy() for p in parts]),
    )


_NO_TRIPS: Final = pl.DataFrame(
    schema={"lon": pl.Float64, "lat": pl.Float64, "lon2": pl.Float64, "lat2": pl.Float64}
)
_NO_LABELS: Final = pl.DataFrame(
    schema={"lon": pl.Float64, "lat": pl.Float64, "text": pl.String, "side": pl.String,
            "offset": pl.Int64}
)  # fmt: skip

LABEL_FONT: Final = 11  # px
LABEL_GAP: Final = 3
"""Pixels between a dot's edge and its label."""
LABEL_SIDES: Final = ("above", "below", "right", "left")
"""Where a label may go beside its dot, in the order tried."""
NARROWEST_MAP: Final = 700
"""Pixels of the narrowest map whose labels are laid out not to overlap (the overview's map is
about 1,076 px wide at 1,366 px, 1,630 at 1,920): labels placed for it are further apart on a
wider one, whose projection is fitted to its height."""


def label_px(text: str) -> float:
    """About how wide ``text`` is in the labels' font: a Chinese character a full em, any
    other character a little over half of one."""
    return sum(
        LABEL_FONT if unicodedata.east_asian_width(ch) in "WF" else LABEL_FONT * 0.58 for ch in text
    )


def _mercator(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mercator's x and y (radians; y grows northwards), the projection of :func:`chart`."""
    return np.radians(lon), np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))


def _pixels(
    lon: np.ndarray, lat: np.ndarray, frame: pl.DataFrame, height: int
) -> tuple[np.ndarray, np.ndarray]:
    """Where points fall on a map ``height`` pixels high and :data:`NARROWEST_MAP` wide whose
    Mercator projection is fitted to the corners ``frame`` (:func:`extent`), as Vega fits it:
    one scale, the smaller of the two sides' (y grows downwards)."""
    fx, fy = _mercator(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    x, y = _mercator(lon, lat)
    span_x, span_y = max(float(fx.max() - fx.min()), 1e-12), max(float(fy.max() - fy.min()), 1e-12)
    scale = min(NARROWEST_MAP / span_x, height / span_y)
    return (x - fx.min()) * scale, (fy.max() - y) * scale


def _box(x: float, y: float, width: float, side: str, offset: float) -> tuple[float, ...]:
    """The box (left, top, right, bottom) of a label ``width`` wide on ``side`` of a dot at
    ``x, y``, ``offset`` pixels from its centre."""
    h = LABEL_FONT + 2
    if side == "above":
        return x - width / 2, y - offset - h, x + width / 2, y - offset
    if side == "below":
        return x - width / 2, y + offset, x + width / 2, y + offset + h
    if side == "right":
        return x + offset, y - h / 2, x + offset + width, y + h / 2
    return x - offset - width, y - h / 2, x - offset, y + h / 2


def _overlaps(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_labels(
    labels: pl.DataFrame, dots: pl.DataFrame, height: int, min_span: float
) -> pl.DataFrame:
    """Each label (``lon, lat, text``, its dot's ``radius`` in pixels, ``first``: placed
    before the others) on the first side of its dot (:data:`LABEL_SIDES`) where it overlaps
    no label placed before it and no dot (``lon, lat, radius``) but its own, on a map
    ``height`` pixels high (:func:`_pixels`); where every side covers a dot, on the first
    that overlaps no label (labels are drawn above the dots); a label with no such side is
    left out, its dot's tooltip naming it. The labels kept, in their order, with ``side``
    and ``offset`` (pixels from the dot's centre) for :func:`chart`. Jiangna and Xisa, 15 km
    apart, wrote their names over each other in English when every label went above its
    dot."""
    if labels.height == 0:
        return _NO_LABELS
    lon, lat = labels["lon"].to_numpy(), labels["lat"].to_numpy()
    corners = extent(
        MapFrames(_EMPTY, _NO_TRIPS, dots.select("lon", "lat"), _EMPTY, _EMPTY), min_span
    )
    x, y = _pixels(lon, lat, corners, height)
    dx, dy = _pixels(dots["lon"].to_numpy(), dots["lat"].to_numpy(), corners, height)
    dot_boxes = [
        (a - r, b - r, a + r, b + r)
        for a, b, r in zip(dx, dy, dots["radius"].to_list(), strict=True)
    ]
    order = sorted(range(labels.height), key=lambda i: (not labels["first"][i], i))
    placed: dict[int, tuple[str, int]] = {}
    boxes: list[tuple[float, ...]] = []
    for i in order:
        offset = round(float(labels["radius"][i])) + LABEL_GAP
        width = label_px(str(labels["text"][i]))
        others = [b for b, a, c in zip(dot_boxes, dx, dy, strict=True) if (a, c) != (x[i], y[i])]
        for avoided, side in [(a, side) for a in (others, []) for side in LABEL_SIDES]:
            box = _box(float(x[i]), float(y[i]), width, side, offset)
            if not any(_overlaps(box, b) for b in (*boxes, *avoided)):
                placed[i] = (side, offset)
                boxes.append(box)
                break
    kept = sorted(placed)
    return pl.DataFrame(
        {
            "lon": [float(lon[i]) for i in kept],
            "lat": [float(lat[i]) for i in kept],
            "text": [str(labels["text"][i]) for i in kept],
            "side": [placed[i][0] for i in kept],
            "offset": [placed[i][1] for i in kept],
        },
        schema=_NO_LABELS.schema,
    )


def township_frames(points: Mapping[str, pl.DataFrame], lang: Lang) -> MapFrames | None:
    """One township: its outline, households by tier (when the role sees them) and worker
    bases; None when there is nothing to draw."""
    households = points.get("households")
    workers = points.get("workers")
    lon, lat = _coords(households, workers)
    if lon.size == 0:
        return None
    drawn = households if households is not None and households.height else None
    dots = _dots(_household_rows(drawn, lang)) if drawn is not None else _dots([])
    outline, bases = _outline(lon, lat), _bases(workers, lang)
    return MapFrames(
        outline, _NO_TRIPS, dots, bases, _NO_LABELS, _keys(drawn, bases, outline, _NO_TRIPS)
    )


def _keys(
    households: pl.DataFrame | None,
    bases: pl.DataFrame,
    outline: pl.DataFrame,
    trips: pl.DataFrame,
) -> tuple[str, ...]:
    """The legend of a township's or a worker's map: the tiers of the households drawn,
    the ring of uncovered ones if any, bases, the lines from the base, the outline."""
    keys: list[str] = []
    if households is not None:
        plotted = households.drop_nulls(["lon", "lat"])
        keys += [f"tier{k}" for k in (1, 2, 3) if (plotted["tier"] == k).any()]
        if plotted["worker_id"].null_count():
            keys.append("uncovered")
    if bases.height:
        keys.append("bases")
    if trips.height:
        keys.append("trips")
    if outline.height:
        keys.append("outline")
    return tuple(keys)


def worker_frames(
    load: Mapping[str, Any], base: pl.DataFrame | None, households: pl.DataFrame, lang: Lang
) -> MapFrames | None:
    """One worker's visits: the households on the list, the base, a line from the base to
    each household; None when there is nothing to draw."""
    lon, lat = _coords(households, base)
    if lon.size == 0:
        return None
    trips = _NO_TRIPS
    if base is not None and base.height:
        b = base.row(0, named=True)
        if b["lon"] is not None:
            to = households.drop_nulls(["lon", "lat"])
            trips = pl.DataFrame(
                {
                    "lon": [float(b["lon"])] * to.height,
                    "lat": [float(b["lat"])] * to.height,
                    "lon2": to["lon"].cast(pl.Float64),
                    "lat2": to["lat"].cast(pl.Float64),
                },
                schema=_NO_TRIPS.schema,
            )
    plotted = households.with_columns(pl.lit(str(load["worker_id"])).alias("worker_id"))
    outline, bases = _outline(lon, lat), _bases(base, lang)
    return MapFrames(
        outline,
        trips,
        _dots(_household_rows(plotted, lang)),
        bases,
        _NO_LABELS,
        _keys(plotted if plotted.height else None, bases, outline, trips),
    )


def _town_radius(households: int, biggest: int) -> float:
    """A township's dot's radius in pixels: 5, and up to 9 more for the most households."""
    return 5 + 9 * math.sqrt(households / biggest)


def townships_frames(
    towns: pl.DataFrame,
    centres: pl.DataFrame,
    lang: Lang,
    *,
    height: int = 420,
    min_span: float = 0.5,
) -> MapFrames | None:
    """Townships as dots sized by households (red: tier-1 households uncovered), labelled by
    name and code (``开化街道 (532601001)``, :func:`dashboard.i18n.place`; only the red ones
    when there are more than :data:`MAX_LABELS`: a prefecture's labels would write over each
    other; the tooltip names every township), each label beside its dot where it overlaps no
    other label or dot on a map ``height`` pixels high framed with ``min_span``
    (:func:`place_labels`); None when no township has a position."""
    frame = towns.join(centres, on="township_id", how="inner").drop_nulls(["lon", "lat"])
    if frame.height == 0:
        return None
    biggest = max(int(frame["households"].max() or 1), 1)  # type: ignore[arg-type]
    rows = [
        {
            "lon": float(r["lon"]),
            "lat": float(r["lat"]),
            "fill": _hex(TIER_RGB[1] if r["unassigned_tier1"] else BASE_RGB),
            "stroke": "#ffffff",
            "size": round(math.pi * _town_radius(r["households"], biggest) ** 2, 1),
            "tip": f"{i18n.township(r['township_id'], lang)} · "
            f"{i18n.label('households', lang)} {r['households']:,} · "
            f"{i18n.label('unassigned_tier1', lang)} {r['unassigned_tier1']:,}",
        }
        for r in frame.iter_rows(named=True)
    ]
    placed = frame.with_columns(
        pl.Series("radius", [_town_radius(n, biggest) for n in frame["households"]]),
        pl.Series("text", [i18n.place(str(code), lang) for code in frame["township_id"]]),
        (pl.col("unassigned_tier1") > 0).alias("first"),
    ).select(pl.col("lon", "lat").cast(pl.Float64), "radius", "text", "first")
    named = placed if placed.height <= MAX_LABELS else placed.filter("first")
    labels = place_labels(named, placed, height, min_span)
    short = frame["unassigned_tier1"] > 0
    keys = (("town_short",) if short.any() else ()) + (("town_covered",) if not short.all() else ())
    return MapFrames(
        _outline(np.array([]), np.array([])), _NO_TRIPS, _dots(rows), _EMPTY, labels, keys
    )


def extent(frames: MapFrames, min_span: float) -> pl.DataFrame:
    """Two corners (``lon, lat``) of the area the map frames: every point with a margin, each
    span at least ``min_span`` degrees so that a single point is not zoomed into."""
    lon, lat = _coords(frames.dots, frames.bases, frames.labels)
    if lon.size == 0:
        return pl.DataFrame({"lon": [104.2, 105.2], "lat": [23.0, 24.0]})
    half_lon = max(float(lon.max() - lon.min()), min_span) * 1.15 / 2
    half_lat = max(float(lat.max() - lat.min()), min_span) * 1.15 / 2
    mid_lon = float(lon.max() + lon.min()) / 2
    mid_lat = float(lat.max() + lat.min()) / 2
    return pl.DataFrame(
        {"lon": [mid_lon - half_lon, mid_lon + half_lon], "lat": [mid_lat - half_lat,
         mid_lat + half_lat]}
    )  # fmt: skip


def _side(side: str, offset: int) -> dict[str, Any]:
    """A label's text mark properties for ``side`` of its dot, ``offset`` pixels out."""
    return {
        "above": {"dy": -offset, "baseline": "bottom", "align": "center"},
        "below": {"dy": offset, "baseline": "top", "align": "center"},
        "right": {"dx": offset, "baseline": "middle", "align": "left"},
        "left": {"dx": -offset, "baseline": "middle", "align": "right"},
    }[side]


def on_top(dots: pl.DataFrame) -> pl.Series:
    """Which dots are drawn above the worker bases: tier 1 (red) and the uncovered ones
    (ringed in black), what a supervisor looks for on the map."""
    return (dots["fill"] == _hex(TIER_RGB[1])) | (dots["stroke"] == "#000000")


def base_size(bases: int) -> float:
    """The area of a worker base's square: :data:`BASE_SIZE`, less for more than
    :data:`MANY_BASES` bases (half of it from 200)."""
    return BASE_SIZE * max(0.5, min(1.0, MANY_BASES / max(bases, 1)))


def _dot_layer(dots: pl.DataFrame, at: dict[str, str], tip: alt.Tooltip) -> alt.Chart:
    return (
        alt.Chart(dots)
        .mark_circle(opacity=0.9, strokeWidth=1, aria=False)
        .encode(
            **at,
            fill=alt.Fill("fill:N", scale=None),
            stroke=alt.Stroke("stroke:N", scale=None),
            size=alt.Size("size:Q", scale=None),
            tooltip=tip,
        )
    )


def chart(
    frames: MapFrames, height: int, min_span: float = 0.005, *, description: str = ""
) -> alt.LayerChart:
    """The map as one layered Altair chart, ``height`` pixels high and as wide as the page,
    every layer in the same Mercator projection fitted to :func:`extent` (no axes, no grid):
    the outline, the lines from a base, the households of tiers 2 and 3, the worker bases,
    then the tier-1 and uncovered households (:func:`on_top`).

    The map is one image to a screen reader, named ``description`` (:func:`description`):
    every mark is left out of the accessibility tree (``aria=False``), which Vega otherwise
    fills with one item per point read out as its coordinates and colours."""
    at = {"longitude": "lon:Q", "latitude": "lat:Q"}
    tip = alt.Tooltip("tip:N")  # a single field: the tooltip is the text alone, no key
    top = on_top(frames.dots)
    layers: list[alt.Chart] = [  # invisible: what the projection is fitted to
        alt.Chart(extent(frames, min_span)).mark_point(opacity=0, size=1, aria=False).encode(**at)
    ]
    if frames.outline.height:
        layers.append(
            alt.Chart(frames.outline)
            .mark_line(
                filled=True,
                fill=HULL_FILL,
                fillOpacity=HULL_OPACITY,
                stroke="#5a5a5a",
                strokeWidth=1,
                interpolate="linear-closed",
                aria=False,
            )
            .encode(**at, order="order:Q")
        )
    if frames.trips.height:
        layers.append(
            alt.Chart(frames.trips)
            .mark_rule(color=_hex(BASE_RGB), opacity=0.35, strokeWidth=1, aria=False)
            .encode(**at, longitude2="lon2:Q", latitude2="lat2:Q")
        )
    beneath = frames.dots.filter(~top)
    if beneath.height:
        layers.append(_dot_layer(beneath, at, tip))
    if frames.bases.height:
        layers.append(
            alt.Chart(frames.bases)
            .mark_square(
                size=base_size(frames.bases.height),
                fill=_hex(BASE_RGB),
                stroke="#ffffff",
                strokeWidth=1.5,
                opacity=1,
                aria=False,
            )
            .encode(**at, tooltip=tip)
        )
    above = frames.dots.filter(top)
    if above.height:
        layers.append(_dot_layer(above, at, tip))
    for (side, offset), group in frames.labels.group_by("side", "offset", maintain_order=True):
        # one layer for each side of the dot and distance from it: dx and dy are the mark's
        layers.append(
            alt.Chart(group.select("lon", "lat", "text"))
            .mark_text(
                fontSize=LABEL_FONT, color="#282828", aria=False, **_side(str(side), int(offset))
            )
            .encode(**at, text="text:N")
        )
    return (
        alt.layer(*layers)
        .project(type="mercator")
        .properties(height=height, width="container", description=description)
        .configure_view(stroke=None)
    )
