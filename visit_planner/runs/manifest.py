"""The manifest of a run: identity, provenance, headline metrics and the hash of every file.

Stored as ``manifest.json`` at the top of a run directory. It holds no names or ID numbers of
people: ids of households and workers stay in the Parquet files, paths and hashes here.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from visit_planner.errors import PlanFileError
from visit_planner.hashing import file_sha256, text_sha256

__all__ = ["FORMAT", "MANIFEST", "RunManifest", "file_sha256", "plan_sha256", "text_sha256"]

FORMAT = "visit-planner run 1"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class RunManifest:
    """What a run is and where it came from.

    ``plan_sha256`` is the content hash of the plan: the SHA-256 of the township plan files'
    hashes in township order, so that it is identical for identical plans and changes when any
    township's plan changes. ``files`` maps every file of the run (relative path) to its hash.

    An amendment (``plan --amend``, a published what-if) names the run it amends, the month's
    version it was made from, by ``parent_run_id`` and that run's ``plan_sha256``
    (``parent_plan_sha256``), so that its directory says which published plan it replaced
    without the store (copied off the machine, read by ``check-plan``), and the townships
    it re-solved (``amended_townships``; the others are the parent's, byte for byte).
    They are None for a
    monthly plan, an ``assign`` output and a manifest written before they were recorded:
    fields a manifest lacks take their defaults and fields it has that this version does not
    know are ignored (:meth:`read`), so manifests of either age read with either version.
    """

    run_id: str
    created_at: str
    created_by: str
    code_version: str
    policy_sha256: str
    plan_sha256: str
    month: str | None = None
    model_version: str | None = None
    previous_run_id: str | None = None  # the run whose plan was the previous assignment
    parent_run_id: str | None = None  # an amendment's: the run it amends
    parent_plan_sha256: str | None = None  # ... and that run's plan hash
    amended_townships: list[str] | None = None  # an amendment's: the townships it re-solved
    inputs: dict[str, dict[str, str]] = field(default_factory=dict)  # name -> {path, sha256}
    metrics: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    format: str = FORMAT

    def to_json(self) -> str:
        """The manifest as indented JSON (stable key order)."""
        return json.dumps(asdict(self), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def read(cls, root: Path) -> RunManifest:
        """Read ``root/manifest.json``; a clear error when it is missing or not a run's."""
        path = root / MANIFEST
        if not path.is_file():
            raise PlanFileError(
                f"{root}: 不是方案目录 (not a run directory: no {MANIFEST}; pass the --out "
                "directory of `visit-planner assign`)"
            )
        try:
            raw = json.loads(path.read_text("utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise PlanFileError(
                f"{path}: 无法读取方案清单 (cannot read the run manifest: {exc})"
            ) from None
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise PlanFileError(f"{path}: 方案清单格式无效 (not a manifest of format {FORMAT!r})")
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in raw.items() if k in known})


def plan_sha256(township_hashes: dict[str, str]) -> str:
    """The plan's content hash from its township plan files' hashes (see :class:`RunManifest`)."""
    joined = "\n".join(f"{tw}:{township_hashes[tw]}" for tw in sorted(township_hashes))
    return text_sha256(joined)
