"""The offline maps: how many dots a township's map sends to the browser, and how places are
labelled (by name and code)."""

from __future__ import annotations

import numpy as np
import polars as pl

from dashboard import maps
from visit_planner.contracts.places import forget_places, remember_places


def test_a_large_township_is_drawn_in_at_most_max_cells_dots_counting_every_household() -> None:
    rng = np.random.default_rng(1)
    n = 20_000
    frame = pl.DataFrame(
        {
            "household_id": [f"H{i:07d}" for i in range(n)],
            "lon": 104.5 + rng.uniform(0, 0.3, n),  # a township of about 30 x 30 km
            "lat": 23.5 + rng.uniform(0, 0.3, n),
            "tier": rng.integers(1, 4, n),
            "worker_id": [None if u < 0.1 else "W1" for u in rng.uniform(size=n)],
        }
    )
    cells = maps._cells(frame)
    assert cells.height <= maps.MAX_CELLS
    assert cells["n"].sum() == n  # nobody dropped, above all no tier-1 household
    assert cells.filter(pl.col("tier") == 1)["n"].sum() == (frame["tier"] == 1).sum()
    assert cells["uncovered"].sum() == frame["worker_id"].null_count()
    rows = maps._household_rows(frame, "zh")
    assert len(rows) == cells.height


def _township(n: int) -> dict[str, pl.DataFrame]:
    rng = np.random.default_rng(2)
    households = pl.DataFrame(
        {
            "household_id": [f"H{i:07d}" for i in range(n)],
            "lon": 104.5 + rng.uniform(0, 0.1, n),
            "lat": 23.5 + rng.uniform(0, 0.1, n),
            "tier": [1, 2, 3] * (n // 3) + [3] * (n % 3),
            "worker_id": [None if i % 10 == 0 else "W000001" for i in range(n)],
        }
    )
    workers = pl.DataFrame(
        {"worker_id": ["W000001"], "role": ["cadre"], "lon": [104.55], "lat": [23.55]}
    )
    return {"households": households, "workers": workers}


def test_a_township_map_has_tier_colours_rings_bases_and_an_outline_in_one_projection() -> None:
    frames = maps.township_frames(_township(300), "en")
    assert frames is not None
    dots = frames.dots
    assert dots.height == 300
    colours = {maps._hex(rgb) for rgb in maps.TIER_RGB.values()}
    assert set(dots["fill"]) == colours
    assert (dots["stroke"] == "#000000").sum() == 30  # the uncovered ones, ringed in black
    assert frames.bases.height == 1 and "W000001" in frames.bases["tip"][0]
    assert frames.outline.height >= 4  # a closed ring
    assert frames.outline.row(0)[:2] == frames.outline.row(-1)[:2]
    spec = maps.chart(frames, 400).to_dict()
    assert spec["projection"]["type"] == "mercator"
    assert spec["height"] == 400
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    # extent, outline, tiers 2-3, bases, then tier 1 and the uncovered above the bases
    assert marks == ["point", "line", "circle", "square", "circle"]
    assert '"url"' not in maps.chart(frames, 400).to_json()  # nothing to fetch


def _layer_fills(layer: dict[str, object], datasets: dict[str, list[dict[str, object]]]) -> list:
    """The (fill, stroke) of every dot of a dots layer of a chart's spec."""
    rows = datasets[layer["data"]["name"]]  # type: ignore[index]
    return [(r["fill"], r["stroke"]) for r in rows]


def test_tier_1_and_uncovered_households_are_drawn_above_the_worker_bases() -> None:
    """In a township of 10 k households the 500 worker bases' squares, drawn last, hid every
    tier-1 household of the village centres (where the workers live). Tier 1 and the
    uncovered households (ringed) are now a layer above the bases, tiers 2 and 3 beneath;
    every dot is still drawn once."""
    points = _township(300)
    rng = np.random.default_rng(3)
    points["workers"] = pl.DataFrame(
        {
            "worker_id": [f"W{i:06d}" for i in range(500)],
            "role": ["grid_worker"] * 500,
            "lon": 104.5 + rng.uniform(0, 0.1, 500),
            "lat": 23.5 + rng.uniform(0, 0.1, 500),
        }
    )
    frames = maps.township_frames(points, "zh")
    assert frames is not None
    spec = maps.chart(frames, 400).to_dict()
    kinds = [layer["mark"]["type"] for layer in spec["layer"]]
    bases = kinds.index("square")
    beneath = _layer_fills(spec["layer"][bases - 1], spec["datasets"])
    above = _layer_fills(spec["layer"][bases + 1], spec["datasets"])
    red, ring = maps._hex(maps.TIER_RGB[1]), "#000000"
    assert all(fill == red or stroke == ring for fill, stroke in above)
    assert not any(fill == red or stroke == ring for fill, stroke in beneath)
    assert {f for f, _ in above} == {maps._hex(rgb) for rgb in maps.TIER_RGB.values()}
    assert sum(f == red for f, _ in above) == 100  # every tier-1 household, covered or not
    assert len(above) + len(beneath) == 300
    # 500 bases: squares of half the usual area, so that they leave the households visible
    assert spec["layer"][bases]["mark"]["size"] == maps.BASE_SIZE / 2
    few = maps.chart(maps.township_frames(_township(30), "zh"), 400).to_dict()  # type: ignore[arg-type]
    assert [la["mark"].get("size") for la in few["layer"] if la["mark"]["type"] == "square"] == [
        maps.BASE_SIZE
    ]


def test_a_large_township_map_sends_at_most_max_cells_dots() -> None:
    frames = maps.township_frames(_township(9_000), "zh")
    assert frames is not None
    assert frames.dots.height <= maps.MAX_CELLS
    assert all("×" in tip for tip in frames.dots["tip"])  # grouped: tier × count


def test_a_single_point_is_framed_not_zoomed_into() -> None:
    frames = maps.township_frames({"households": _township(1)["households"]}, "zh")
    assert frames is not None and frames.outline.height == 0
    corners = maps.extent(frames, 0.005)
    assert float(corners["lon"][1] - corners["lon"][0]) >= 0.005
    assert float(corners["lat"][1] - corners["lat"][0]) >= 0.005


def test_tier_one_is_drawn_last_so_that_it_is_on_top() -> None:
    for n in (300, 9_000):  # one dot per household, and grouped in cells
        frames = maps.township_frames(_township(n), "zh")
        assert frames is not None
        fills = frames.dots["fill"].to_list()
        order = [maps._hex(maps.TIER_RGB[k]) for k in (3, 2, 1)]
        assert fills == sorted(fills, key=order.index)


def test_a_prefecture_map_labels_only_the_townships_short_of_cover() -> None:
    n = 40
    towns = pl.DataFrame(
        {
            "township_id": [f"5326{i:05d}" for i in range(n)],
            "households": [1000 + i for i in range(n)],
            "unassigned_tier1": [3 if i % 10 == 0 else 0 for i in range(n)],
        }
    )
    centres = pl.DataFrame(
        {
            "township_id": towns["township_id"],
            "lon": [104.0 + 0.05 * i for i in range(n)],
            "lat": [23.0 + 0.02 * i for i in range(n)],
        }
    )
    frames = maps.townships_frames(towns, centres, "en")
    assert frames is not None and frames.dots.height == n
    assert frames.labels["text"].to_list() == ["532600000", "532600010", "532600020", "532600030"]
    few = maps.townships_frames(towns.head(8), centres, "en")
    assert few is not None and few.labels.height == 8


def test_the_prefecture_map_labels_townships_by_name_and_code() -> None:
    # The overview map labelled its townships by code only ("532626001").
    towns = pl.DataFrame(
        {
            "township_id": ["532626001", "532627001"],
            "households": [500, 600],
            "unassigned_tier1": [0, 4],
        }
    )
    centres = pl.DataFrame(
        {"township_id": towns["township_id"], "lon": [104.1, 104.6], "lat": [23.2, 23.9]}
    )
    remember_places(
        pl.DataFrame(
            {
                "code": ["532626001", "532627001"],
                "level": ["township", "township"],
                "name_zh": ["锦屏镇", "莲城镇"],
                "name_en": ["Jinping", None],
            }
        )
    )
    try:
        zh = maps.townships_frames(towns, centres, "zh")
        en = maps.townships_frames(towns, centres, "en")
    finally:
        forget_places()
    assert zh is not None and en is not None
    assert zh.labels["text"].to_list() == ["锦屏镇 (532626001)", "莲城镇 (532627001)"]
    assert en.labels["text"].to_list() == ["Jinping (532626001)", "莲城镇 (532627001)"]
    assert "锦屏镇" in zh.dots["tip"][0]  # the tooltip names it too


def test_a_household_dot_names_its_village() -> None:
    households = _township(3)["households"].with_columns(pl.lit("532601001001").alias("village_id"))
    remember_places(
        pl.DataFrame(
            {"code": ["532601001001"], "level": ["village"], "name_zh": ["茶寨村"],
             "name_en": ["Chazhai"]}
        )
    )  # fmt: skip
    try:
        frames = maps.township_frames({"households": households}, "en")
    finally:
        forget_places()
    assert frames is not None
    assert all("Chazhai (532601001001)" in tip for tip in frames.dots["tip"])


def test_the_legend_lists_what_the_map_draws_and_nothing_else() -> None:
    # A viewer's township map draws worker bases only (no households), yet its legend listed
    # the three tiers and the uncovered ring; the overview's map had no legend at all.
    full = maps.township_frames(_township(300), "zh")
    assert full is not None
    assert full.keys == ("tier1", "tier2", "tier3", "uncovered", "bases", "outline")
    viewer = maps.township_frames({"workers": _township(3)["workers"]}, "zh")
    assert viewer is not None and viewer.dots.height == 0
    assert viewer.keys == ("bases",)  # one base: no outline either
    shown = maps.legend(viewer, "zh")
    assert "人员驻地" in shown and "一类户" not in shown and "未覆盖" not in shown
    covered = _township(6)["households"].with_columns(pl.lit("W000001").alias("worker_id"))
    worker = maps.worker_frames(
        {"worker_id": "W000001"}, _township(1)["workers"], covered.filter(pl.col("tier") > 1), "en"
    )
    assert worker is not None
    assert worker.keys == ("tier2", "tier3", "bases", "trips", "outline")
    assert "tier 1" not in maps.legend(worker, "en") and "base to household" in maps.legend(
        worker, "en"
    )
    towns = pl.DataFrame(
        {"township_id": ["532601001", "532601002"], "households": [10, 20],
         "unassigned_tier1": [0, 3]}
    )  # fmt: skip
    centres = pl.DataFrame(
        {"township_id": ["532601001", "532601002"], "lon": [104.2, 104.4], "lat": [23.3, 23.4]}
    )
    overview = maps.townships_frames(towns, centres, "en")
    assert overview is not None and overview.keys == ("town_short", "town_covered")
    assert "tier-1 households uncovered" in maps.legend(overview, "en")
    none_short = maps.townships_frames(towns.with_columns(unassigned_tier1=0), centres, "zh")
    assert none_short is not None and none_short.keys == ("town_covered",)


def test_a_household_dots_tooltip_names_its_visitor_as_the_household_page_does() -> None:
    # The tooltip said 已覆盖 W000001 / covered W000001; the household page calls that worker
    # its visitor (走访人员), one term for one thing. An uncovered one says so.
    households = _township(20)["households"]
    for lang, visitor, uncovered in (("zh", "走访人员", "未覆盖"), ("en", "Visitor", "uncovered")):
        frames = maps.township_frames({"households": households}, lang)
        assert frames is not None
        tips = dict(zip(frames.dots["tip"].str.split(" · ").list.first(), frames.dots["tip"],
                        strict=True))  # fmt: skip
        assert tips["H0000001"].endswith(f" · {visitor} W000001"), tips["H0000001"]
        assert tips["H0000000"].endswith(f" · {uncovered}"), tips["H0000000"]
        assert not [tip for tip in tips.values() if "covered W" in tip or "已覆盖" in tip]


def test_a_screen_reader_hears_the_map_named_not_its_points() -> None:
    # Vega put every dot, square and label in the accessibility tree, each read out as
    # 'lon: 104.19; lat: 23.26; fill: #1c83e1; stroke: #ffffff; size: 615.8', and the map
    # itself as 'Vega visualization', in English on the Chinese page.
    frames = maps.township_frames(_township(300), "zh")
    assert frames is not None
    named = maps.description(frames, "乡镇地图 开化街道 (532601001)", "zh")
    assert named == (
        "乡镇地图 开化街道 (532601001)（无底图，离线）：标出一类户、二类户、三类户、"
        "未覆盖（黑边）、人员驻地、范围（所有点的凸包）。"
    )
    spec = maps.chart(frames, 400, description=named).to_dict()
    assert spec["description"] == named
    assert all(layer["mark"]["aria"] is False for layer in spec["layer"])
    viewer = maps.township_frames({"workers": _township(3)["workers"]}, "en")
    assert viewer is not None
    assert maps.description(viewer, "Township map", "en") == (
        "Township map (no base map, offline): shows worker base."
    )


# The demo's eight townships (run 2026-12, seed of `visit-planner demo`): Jiangna and Xisa lie
# 15 km apart, their labels side by side at the overview map's scale.
DEMO_TOWNSHIPS = {
    "532601001": (104.1919, 23.2620, 1620, "开化街道", "Kaihua Subdistrict"),
    "532622001": (104.4009, 23.4685, 1345, "江那镇", "Jiangna Town"),
    "532623001": (104.5688, 23.4387, 669, "西洒镇", "Xisa Town"),
    "532624001": (104.8356, 23.1682, 747, "麻栗镇", "Mali Town"),
    "532625001": (104.3156, 23.0547, 1035, "马白镇", "Mabai Town"),
    "532626001": (103.9411, 23.9309, 1327, "锦屏镇", "Jinping Town"),
    "532627001": (105.1444, 23.8497, 2209, "莲城镇", "Liancheng Town"),
    "532628001": (105.7124, 23.8706, 1078, "新华镇", "Xinhua Town"),
}


def _label_boxes(spec: dict, width: float, height: float) -> list[tuple[str, tuple[float, ...]]]:
    """Each label of a map's spec with the box it takes on a ``width`` x ``height`` map: the
    Mercator projection fitted to the spec's first layer (the frame's corners), the text's
    anchor moved by its mark's dx, dy, align and baseline; a Chinese character 11 px wide,
    any other 6.5 px (wider than the dashboard's font draws them), a line 13 px high."""
    datasets = spec["datasets"]

    def project(lon: float, lat: float) -> tuple[float, float]:
        return np.radians(lon), np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))

    corners = [project(r["lon"], r["lat"]) for r in datasets[spec["layer"][0]["data"]["name"]]]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    scale = min(width / (max(xs) - min(xs)), height / (max(ys) - min(ys)))
    boxes = []
    for layer in spec["layer"]:
        mark = layer["mark"]
        if mark.get("type") != "text":
            continue
        for row in datasets[layer["data"]["name"]]:
            x, y = project(row["lon"], row["lat"])
            px = (x - min(xs)) * scale + mark.get("dx", 0)
            py = (max(ys) - y) * scale + mark.get("dy", 0)
            w = sum(11 if "\u4e00" <= ch <= "\u9fff" else 6.5 for ch in row["text"])
            left = {"left": px, "right": px - w}.get(mark.get("align", "center"), px - w / 2)
            top = {"top": py, "bottom": py - 13}.get(mark.get("baseline", "middle"), py - 6.5)
            boxes.append((row["text"], (left, top, left + w, top + 13)))
    return boxes


def test_the_overview_map_writes_no_township_label_over_another() -> None:
    """Every label went 16 px above its dot, and "Jiangna Town (532622001)" and "Xisa Town
    (532623001)" wrote over each other on the overview map (the English names are longer).
    Each label now goes on a side of its dot where it meets no other label: on the demo's
    eight townships, in both languages, at the overview's width at 1,366 px and 1,920 px and
    on a narrower window, every township is labelled and no two labels overlap."""
    codes = list(DEMO_TOWNSHIPS)
    towns = pl.DataFrame(
        {
            "township_id": codes,
            "households": [DEMO_TOWNSHIPS[c][2] for c in codes],
            "unassigned_tier1": [0, 0, 0, 0, 0, 3, 0, 7],
        }
    )
    centres = pl.DataFrame(
        {
            "township_id": codes,
            "lon": [DEMO_TOWNSHIPS[c][0] for c in codes],
            "lat": [DEMO_TOWNSHIPS[c][1] for c in codes],
        }
    )
    remember_places(
        pl.DataFrame(
            {
                "code": codes,
                "level": ["township"] * len(codes),
                "name_zh": [DEMO_TOWNSHIPS[c][3] for c in codes],
                "name_en": [DEMO_TOWNSHIPS[c][4] for c in codes],
            }
        )
    )
    try:
        for lang in ("zh", "en"):
            frames = maps.townships_frames(towns, centres, lang)
            assert frames is not None and frames.labels.height == len(codes)
            spec = maps.chart(frames, 420, min_span=0.5).to_dict()
            for width in (700, 1076, 1630):
                boxes = _label_boxes(spec, width, 420)
                assert len(boxes) == len(codes)
                for i, (a, box_a) in enumerate(boxes):
                    for b, box_b in boxes[i + 1 :]:
                        apart = (
                            box_a[2] <= box_b[0] or box_b[2] <= box_a[0]
                            or box_a[3] <= box_b[1] or box_b[3] <= box_a[1]
                        )  # fmt: skip
                        assert apart, (lang, width, a, b)
    finally:
        forget_places()
