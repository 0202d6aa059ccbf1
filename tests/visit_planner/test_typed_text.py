"""visit_planner.typed_text: ids as people type or paste them."""

from __future__ import annotations

from visit_planner.typed_text import meant_text, typed_id


def test_an_id_typed_in_full_width_or_pasted_with_spaces_reads_as_the_id() -> None:
    assert typed_id("Ｈ００００００５") == "H0000005"  # a Chinese input method's full width
    assert typed_id(" H0000005\u00a0") == "H0000005"  # copied with its spaces
    assert typed_id("H000\u200b0005") == "H0000005"  # a zero-width space inside
    assert typed_id("W000001") == "W000001"
    assert typed_id(None) is None


def test_a_header_name_with_a_zero_width_space_is_one_name_with_the_plain_one() -> None:
    """The reader's header names and its check of names given twice read names alike (the
    check left out the zero-width characters the renames took out)."""
    from visit_planner.contracts.cells import header_names, repeated_columns

    assert meant_text("ｍｅｍｂｅｒｓ\u200b ") == "members"
    columns = ["household_id", "members", "members\u200b"]
    assert repeated_columns(columns) == {"members": [2, 3]}
    assert header_names(columns) == {}  # not renamed onto the other: reported as twice
