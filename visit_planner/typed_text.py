"""Text as people type or paste it, read as meant: the forms one id can take.

A Chinese input method writes ``Ｈ０００００５`` in its full-width mode; a cell or a message
copied from a web page brings a no-break space or a zero-width one along. The contracts read
such cells in Unicode compatibility form (NFKC) without the characters that show as nothing
(:mod:`visit_planner.contracts.cells`); an id given on the command line is read the same way
(:func:`typed_id`). No heavy import: the CLI's options use it.
"""

from __future__ import annotations

import re
import unicodedata

INVISIBLE = "[\u200b\u200c\u200d\u2060\ufeff]"
"""Characters that show as nothing (zero-width space, joiners, word joiner, a byte-order
mark inside the text): an id holding one looks like an id it is not."""


def meant_text(text: str) -> str:
    """``text`` as meant: in Unicode compatibility form (``Ｈ０００００５`` is H0000005),
    without characters that show as nothing, stripped (`` H0000005 `` copied with its
    spaces). A CSV header's names are read so too."""
    return re.sub(INVISIBLE, "", unicodedata.normalize("NFKC", text)).strip()


def typed_id(text: str | None) -> str | None:
    """An id typed or pasted on the command line as the files read it (:func:`meant_text`);
    None stays None (an option not given)."""
    return None if text is None else meant_text(text)
