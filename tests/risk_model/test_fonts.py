"""risk_model.fonts: Chinese through a CJK fallback font, and matplotlib's own fonts found even
when its font cache does not list them (no ``findfont`` warning for STIX or Computer Modern)."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import matplotlib
import pytest
from matplotlib import font_manager
from matplotlib.figure import Figure

from risk_model.fonts import register_bundled_fonts, use_cjk_font
from tests.risk_model.helpers import font_cache_without_bundled_fonts


def _log_axis_png() -> None:
    """A log axis: its tick labels (10³, 10⁴) are mathtext, which loads STIX and cmr10."""
    fig = Figure(figsize=(3, 2))
    ax = fig.subplots()
    ax.plot([1, 10, 100], [5e3, 2e4, 1e6])
    ax.set_yscale("log")
    ax.set_title("objective")
    fig.savefig(io.BytesIO(), format="png", dpi=40)


def _findfont_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "findfont" in r.getMessage()]


def test_a_stale_font_cache_warns_without_the_fix(caplog: pytest.LogCaptureFixture) -> None:
    """The situation fixed below, reproduced: mathtext without its fonts logs findfont."""
    with font_cache_without_bundled_fonts() as left_out, caplog.at_level(logging.WARNING):
        assert {"STIXGeneral", "cmr10"} <= set(left_out)
        _log_axis_png()
    assert any("STIXGeneral" in m for m in _findfont_warnings(caplog))


def test_use_cjk_font_registers_matplotlibs_own_fonts(caplog: pytest.LogCaptureFixture) -> None:
    with font_cache_without_bundled_fonts() as left_out, caplog.at_level(logging.WARNING):
        family = use_cjk_font()
        known = {f.name for f in font_manager.fontManager.ttflist}
        assert set(left_out) <= known
        _log_axis_png()
        assert register_bundled_fonts() == []  # a second call adds nothing
    assert family is not None, "no CJK font: install fonts-noto-cjk (CI does)"
    assert _findfont_warnings(caplog) == []


def test_every_style_of_a_missing_family_is_registered() -> None:
    """STIXGeneral comes in four files (regular, bold, italic, bold italic): all go in, so bold
    mathtext does not fall back either."""
    bundled = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    with font_cache_without_bundled_fonts():
        added = register_bundled_fonts()
        stix = {
            Path(f.fname).name
            for f in font_manager.fontManager.ttflist
            if f.name == "STIXGeneral" and Path(f.fname).parent == bundled
        }
    assert "STIXGeneral" in added and "cmr10" in added
    assert stix == {p.name for p in bundled.glob("STIXGeneral*.ttf")}
