"""Input files that cannot be read as tables at all (a directory in a file's place, a file
that is not what its name says, a CSV that does not parse): each is refused with a message
naming the file and what is wrong with it, in Chinese and English, by ``validate`` and by
``plan``'s streamed reader alike, and nothing of the directory is silently left out."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.visit_planner.helpers import flat
from visit_planner.contracts.stream import stream_inputs
from visit_planner.errors import ContractError


@pytest.fixture
def inputs_dir(small_prefecture_dir: Path, tmp_path: Path) -> Path:
    out = tmp_path / "inputs"
    shutil.copytree(small_prefecture_dir, out)
    return out


def _directory_instead(table: str) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        (d / f"{table}.parquet").unlink()
        (d / f"{table}.parquet").mkdir()
        return d / f"{table}.parquet"

    return make


BROKEN: dict[str, tuple[Callable[[Path], Path], tuple[str, ...]]] = {
    # An optional table's name taken by a directory used to read as "no conflicts": the
    # conflicts of interest silently left out of the plan.
    "optional_table_is_a_directory": (_directory_instead("conflicts"), ("是目录", "a directory")),
    # A required one's read as "required table is missing", beside the directory of that name.
    "required_table_is_a_directory": (_directory_instead("households"), ("是目录", "a directory")),
}


def _refusal(
    make: Callable[[Path], Path], inputs_dir: Path, tmp_path: Path, cli
) -> tuple[Path, str, str]:
    """The broken file, ``validate``'s message (flattened) and the streamed reader's."""
    broken = make(inputs_dir)
    code, out, err = cli("validate", str(inputs_dir))
    assert code == 2, out
    assert "Traceback" not in out + err
    with pytest.raises(ContractError) as exc:  # plan's reader: the same refusal
        stream_inputs(inputs_dir, tmp_path / "chunks", 1_000)
    return broken, flat(err), " ".join(exc.value.problems)


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_file_that_cannot_be_read_is_named_with_why(
    case: str, inputs_dir: Path, tmp_path: Path, cli
) -> None:
    make, words = BROKEN[case]
    broken, said, streamed = _refusal(make, inputs_dir, tmp_path, cli)
    for text in (said, streamed):
        assert f"{broken}:" in text, text
        for word in words:
            assert word in text, (word, text)
    assert "required table is missing" not in said
