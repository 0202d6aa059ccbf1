"""Whether the audit log's last promotion is the champion the registry holds.

``promote`` writes its audit entry before it moves the champion alias, so that a store that
cannot record the promotion moves nothing (never a champion without its entry); an alias move
that then fails is followed by a ``promote.failed`` entry. A process killed between the two
(``kill -9``, a power loss) writes neither the alias nor that follow-up: the log then says a
version was promoted that never became the champion. ``models`` and ``audit verify`` compare
the log's last promotion with the alias and say so when they differ (:func:`mismatch_line`),
with what to do; the entry itself stays, as every entry of a hash-chained log does.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path

from visit_planner import clock
from visit_planner.store.rows import AuditEntry

PROMOTIONS = ("promote", "promote.forced", "promote.failed")
"""The audit actions of a promotion: by the gate, forced, and the follow-up of a failed one."""


def claimed_version(entry: AuditEntry, model_name: str) -> int | None:
    """The version a promotion entry of ``model_name`` names (subject ``NAME vN``), else None."""
    name, _, version = entry.subject.rpartition(" v")
    if name != model_name or not version.isdigit():
        return None
    return int(version)


def mismatch_line(
    entries: Sequence[AuditEntry], model_name: str, champion: int | None
) -> str | None:
    """What to say when the last of the promotion ``entries`` (oldest first, any of
    :data:`PROMOTIONS`) says a version of ``model_name`` became the champion and the
    registry's champion alias is on another version (``champion``; None: on none); None when
    they agree, when the last entry is a ``promote.failed`` (which says itself where the
    champion stayed) or when there is no promotion of the model."""
    mine = [e for e in entries if claimed_version(e, model_name) is not None]
    if not mine or mine[-1].action == "promote.failed":
        return None
    last = mine[-1]
    version = claimed_version(last, model_name)
    if version == champion:
        return None
    zh_at, en_at = (clock.shown_in(last.at, lang, seconds=True) for lang in ("zh", "en"))
    now_zh = "无冠军" if champion is None else f"冠军为版本 {champion}"
    now_en = (
        "no version is the champion" if champion is None else f"the champion is version {champion}"
    )
    return (
        f"审计日志第 {last.seq} 条记载版本 {version} 于{zh_at}晋升为冠军, 但{now_zh}: 该次晋升"
        f"可能在移动冠军别名前中断; 请再次运行 promote --version {version}, 或晋升应为冠军的版本 "
        f"(the audit log's entry {last.seq} says model version {version} was promoted at "
        f"{en_at}, but {now_en}: that promotion was probably stopped before the champion "
        f"alias moved; run visit-planner promote --version {version} again, or promote the "
        "version that should be the champion)"
    )


def store_mismatch(
    home: Path | None, store_url: str | None, model_name: str, champion: int | None
) -> str | None:
    """:func:`mismatch_line` against the workspace's store (``--store-url``, the
    environment's, else the workspace's): None when there is no store to read (``models``
    on a workspace without one) or the log holds no promotion."""
    from visit_planner.errors import StoreError
    from visit_planner.paths import resolve_workspace
    from visit_planner.store import Store

    with suppress(StoreError):
        with Store.for_workspace(resolve_workspace(home), store_url, create=False) as store:
            found, _, _ = store.audit_listing(1, actions=PROMOTIONS)
        return mismatch_line(found, model_name, champion)
    return None
