"""Widgets the pages share: choices that follow the language switch, a row of figures that
wraps on a narrow window, a map with its legend.

Choice widgets (select boxes, multiselects) that follow the language switch.

A page's choice widget keeps language-independent values (a tier number, a role or worker
code) and shows them through ``format_func`` with the labels of :mod:`dashboard.i18n`. A widget
with a ``key`` keeps its identity when its labels change, which is what keeps the user's choice
through a switch of language; but the browser holds the chosen option *by its label*, so after
the switch it went on showing the old language's label (``二类户`` on an English page) and
would send that label back, which no longer names an option (the choice was then lost).
:func:`keep_choices` hands each such widget its own value again on the run after a switch, so
that Streamlit sends the browser the label in the new language.
"""

from __future__ import annotations

import re

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from dashboard import maps
from dashboard.i18n import Lang, t

_SHOWN_IN = "_choice_lang."  # + widget key: the language the widget's labels were last sent in


def keep_choices(lang: Lang, *keys: str) -> None:
    """Call before the widgets ``keys`` are drawn: after a language switch, set each one's
    value to itself (the value, not its label, is what the widget keeps), so that the browser
    gets the label of the chosen option in ``lang``."""
    for key in keys:
        mark = _SHOWN_IN + key
        if st.session_state.get(mark, lang) != lang and key in st.session_state:
            st.session_state[key] = st.session_state[key]
        st.session_state[mark] = lang


def metric_row() -> DeltaGenerator:
    """A row for a page's headline figures (``row.metric(...)``): they wrap onto the next
    line when the window is too narrow for them side by side. In ``st.columns`` each figure
    kept a fixed share of the width and was cut instead: at 800 px the model page read
    ``45…  44…  0.…`` and the runs comparison ``922 …`` (``922 → 905`` travel hours)."""
    return st.container(horizontal=True, gap="medium")


MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]<>~|:$])")
"""What would format text inside a line (emphasis, code, links, HTML, tables, Streamlit's
:name[...] directives and emoji, LaTeX); the rest only counts at a line's start, which the
pages' own words hold."""


def md(text: str) -> str:
    """``text`` as literal Markdown: ids and reasons come from the offices' files and the
    supervisors, and a ``*``, ``_`` or ``[`` in one must not turn the line into emphasis or a
    link."""
    return MARKDOWN_INLINE.sub(r"\\\1", text)


def map_with_legend(
    frames: maps.MapFrames | None, height: int, title: str, lang: Lang, **kw: float
) -> None:
    """A map (:func:`dashboard.maps.chart`, ``kw`` its options) as wide as the page, named
    ``title`` for a screen reader, with its legend and the no-base-map note under it; a note
    that there is nothing to draw when ``frames`` is None."""
    if frames is None:
        st.info(t("no_points", lang))
        return
    st.altair_chart(
        maps.chart(frames, height, description=maps.description(frames, title, lang), **kw),
        width="stretch",
    )
    st.markdown(maps.legend(frames, lang), unsafe_allow_html=True)
    st.caption(t("map_caption", lang))
