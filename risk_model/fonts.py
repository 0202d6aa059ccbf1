"""A CJK font for matplotlib, so that Chinese labels render (not as empty boxes).

matplotlib's font cache is built once per user; a font installed later (Debian's
``fonts-noto-cjk``, which CI installs) is not in it. :func:`use_cjk_font` registers such a
font file with the running font manager and puts it after matplotlib's default font in the
family list: Latin text keeps DejaVu Sans, and matplotlib falls back glyph by glyph to the CJK
font for Chinese. Without any CJK font it says so (returns None) and changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import matplotlib
from matplotlib import font_manager

CJK_FAMILIES: Final = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "PingFang SC",
)
"""CJK font families, preferred first (Simplified Chinese forms)."""

FONT_DIRS: Final = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))


def _known_families() -> set[str]:
    return {f.name for f in font_manager.fontManager.ttflist}


def find_cjk_family() -> str | None:
    """The first of :data:`CJK_FAMILIES` matplotlib can use, registering installed font files
    (``*CJK*``, ``*SC*``, ``wqy*``) that its cache does not list yet; None if there is none."""
    known = _known_families()
    for family in CJK_FAMILIES:
        if family in known:
            return family
    for root in FONT_DIRS:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            name = path.name.lower()
            if path.suffix.lower() in {".ttc", ".otf", ".ttf"} and (
                "cjk" in name or "wqy" in name or "sourcehansans" in name
            ):
                try:
                    font_manager.fontManager.addfont(str(path))
                except (OSError, RuntimeError, ValueError):
                    continue  # an unreadable file: try the next one
    known = _known_families()
    return next((f for f in CJK_FAMILIES if f in known), None)


def register_bundled_fonts() -> list[str]:
    """Register the fonts shipped with matplotlib (``mpl-data/fonts/ttf``) whose family its font
    cache does not list, so that mathtext finds STIX and Computer Modern instead of warning
    ``findfont: ... not found`` for each; returns the families added (none with a sound cache).
    A family the cache knows from another file (e.g. the system's DejaVu Sans) is left alone."""
    bundled = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    known = _known_families()  # before adding: every style file of a missing family goes in
    added: list[str] = []
    for path in sorted(bundled.glob("*.ttf")):
        try:
            family = font_manager.ttfFontProperty(font_manager.get_font(path)).name
            if family not in known:
                font_manager.fontManager.addfont(str(path))
                if family not in added:
                    added.append(family)
        except (OSError, RuntimeError, ValueError):
            continue  # an unreadable file: matplotlib falls back as before
    return added


def use_cjk_font() -> str | None:
    """Make matplotlib draw Chinese with a CJK font (fallback after its default); returns the
    family used, or None when no CJK font is installed (labels keep their English). Registers
    matplotlib's own fonts first where the font cache lacks them (:func:`register_bundled_fonts`),
    CJK font or not."""
    register_bundled_fonts()
    family = find_cjk_family()
    if family is None:
        return None
    # An explicit list (not the generic "sans-serif"): matplotlib falls back glyph by glyph
    # only along the families named in ``font.family``.
    matplotlib.rcParams["font.family"] = ["DejaVu Sans", family]
    matplotlib.rcParams["axes.unicode_minus"] = False
    return family
