"""``train``, ``promote``, ``score`` and ``models``: the data scientist's loop on the CLI.

visit-planner train   --data DIR_OR_FILE [--spec SPEC.toml] [--truth truth.parquet]
                      [--corrections FILE]
visit-planner promote --version N --data DIR_OR_FILE [--corrections FILE]
                      [--force --reason TEXT]
visit-planner score   --data DIR_OR_FILE --out scores.parquet [--overrides FILE]
visit-planner models
"""

from __future__ import annotations

import math
import shlex
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.cells import cell_len
from rich.table import Table

from visit_planner import clock
from visit_planner.cli._app import HomeOption, PolicyOption, app, console, err_console
from visit_planner.cli.assign import ExecutorKind, ExecutorOption, SchedulerOption
from visit_planner.cli.summary_text import print_hanging, print_wrapped
from visit_planner.vocabulary import SEVERITY, TIER_TERMS

if TYPE_CHECKING:
    from rich.console import Console

    from risk_model import TrainResult
    from risk_model.promote import GateDecision

MlflowOption = Annotated[
    str | None,
    typer.Option(
        "--mlflow-uri",
        help="MLflow 地址 — MLflow tracking URI (default: SQLite in the workspace).",
        show_default=False,
    ),
]
DataOption = Annotated[
    Path,
    typer.Option(
        "--data", help="数据文件 — Data file (.parquet/.csv) or a directory with households.*"
    ),
]


EXIT_GATE_REFUSED = 4
"""``promote``'s exit when the gate refuses the version (nothing moved, the refusal recorded):
4, as every command whose check refuses (``check-plan``'s violations, ``plan``'s independent
check), not 2, a file or option that cannot be used: a retraining script tells "not better
than the champion" from "broken input" by it."""


def _f(v: float | None, digits: int = 3) -> str:
    return "—" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{digits}f}"


@app.command("train")
def train_cmd(  # noqa: PLR0917  (Typer options)
    data: DataOption,
    spec: Annotated[
        Path | None,
        typer.Option(
            "--spec",
            help="特征规格文件 — Feature spec TOML (default: the built-in household spec).",
        ),
    ] = None,
    truth: Annotated[
        Path | None,
        typer.Option(
            "--truth",
            help="贝叶斯概率 — Bayes probabilities (default: truth.parquet beside the data, if "
            "any).",
        ),
    ] = None,
    corrections: Annotated[
        Path | None,
        typer.Option(
            "--corrections",
            help="数据更正 — Supervisors' data corrections (overrides export-corrections): "
            "applied to the households before training; each one not applied is named.",
        ),
    ] = None,
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help="模型类型 — hgb | logistic | scorecard: the candidate that gets --max-iter and "
            "--class-weight; all three are fitted and the best on held-out log-loss registered.",
        ),
    ] = "hgb",
    no_select: Annotated[
        bool,
        typer.Option(
            "--no-select",
            help="不择优 — Register --kind even when another candidate has a lower held-out "
            "log-loss.",
        ),
    ] = False,
    tree_reasons: Annotated[
        str,
        typer.Option(
            "--tree-reasons",
            help="原因算法 — How a boosted-tree model's reasons are computed: shapley (TreeSHAP, "
            "the default) or path (Saabas path attribution, several times cheaper); both add up "
            "exactly to the model's score.",
        ),
    ] = "shapley",
    seed: Annotated[int, typer.Option("--seed", help="随机种子 — Split and model seed.")] = 0,
    test_fraction: Annotated[
        float,
        typer.Option(
            "--test-fraction", min=0.05, max=0.5, help="留出比例 — Share of the rows held out."
        ),
    ] = 0.2,
    max_iter: Annotated[
        int | None,
        typer.Option(
            "--max-iter",
            min=1,
            help="迭代上限 — Boosting iterations cap (hgb; default 300, early stopping).",
        ),
    ] = None,
    class_weight: Annotated[
        str,
        typer.Option(
            "--class-weight",
            help="类别权重 — hgb class weighting: none | sqrt_balanced | balanced (prior shift "
            "undone).",
        ),
    ] = "none",
    fit_threads: Annotated[
        int,
        typer.Option(
            "--fit-threads",
            min=0,
            help="训练线程数 — OpenMP threads for fitting hgb (0 = all; 1 is fastest on a busy "
            "machine).",
        ),
    ] = 1,
    home: HomeOption = None,
    policy: PolicyOption = None,
    mlflow_uri: MlflowOption = None,
) -> None:
    """训练并登记模型 — Train a risk model and register a new version.

    Trains three candidates (boosted trees, logistic regression, points scorecard) on the
    labelled rows, evaluates them on a group-wise held-out split (and against the Bayes limit
    when a truth file exists), registers the one with the lowest held-out log-loss as a new
    version of household-risk, and logs everything (with the choice) to MLflow.
    """
    from visit_planner.contracts.input_paths import check_found

    # At once, before the job brings scikit-learn and MLflow (seconds on a busy machine).
    check_found([("--data", data), ("--spec", spec), ("--truth", truth),
                 ("--corrections", corrections)])  # fmt: skip
    from risk_model import TrainConfig
    from risk_model.model import MODEL_KINDS
    from visit_planner.risk_job import RiskJobError, households_model_problem, train_from_file

    if kind not in MODEL_KINDS:
        raise RiskJobError(
            f"模型类型须为 {' 或 '.join(MODEL_KINDS)} (--kind must be one of "
            f"{', '.join(MODEL_KINDS)}, got {kind!r})"
        )
    if class_weight not in ("none", "sqrt_balanced", "balanced"):
        raise RiskJobError(
            "类别权重须为 none、sqrt_balanced 或 balanced (--class-weight must be none, "
            f"sqrt_balanced or balanced, got {class_weight!r})"
        )
    params: dict[str, object] = {}
    if kind == "hgb":
        params["class_weight"] = None if class_weight == "none" else class_weight
        if max_iter is not None:
            params["max_iter"] = max_iter
    config = TrainConfig(
        kind=kind,
        seed=seed,
        test_fraction=test_fraction,
        params=params,
        fit_threads=fit_threads,
        baselines=tuple(k for k in MODEL_KINDS if k != kind),
        select=not no_select,
        tree_reasons=tree_reasons,
    )
    with console.status("训练中 / training…"):
        out = train_from_file(
            data,
            spec_path=spec,
            truth=truth,
            home=home,
            policy_path=policy,
            config=config,
            mlflow_uri=mlflow_uri,
            corrections=corrections,
        )
    for w in out.warnings or ():
        print_hanging(f"{SEVERITY['warning']}: {w}", style="yellow")
    if out.corrections is not None:
        print_corrections(out.corrections.notes())
    _print_training(out.result, out.seconds)
    if out.version is not None:
        console.print(
            f"已登记版本 {out.version.version} / registered household-risk version "
            f"[bold]{out.version.version}[/] ({out.result.chosen})"
        )
        console.print(f"MLflow 运行 run {out.version.run_id}", highlight=False)
        console.print("下一步 / next:", highlight=False)
        # Only a households model can be the champion: a spec's table's is scored by version.
        step = (
            "promote"
            if households_model_problem(out.result.spec) is None
            else "score --out scores.parquet"
        )
        fix = (
            "" if corrections is None else f" \\\n    --corrections {shlex.quote(str(corrections))}"
        )
        console.print(
            f"  visit-planner {step} --version {out.version.version} \\\n"
            f"    --data {shlex.quote(str(data))}{fix}",
            highlight=False,
            soft_wrap=True,
            markup=False,  # a path may hold "[...]"
        )


def _evaluation_table(r: TrainResult, width: int) -> Table:
    """The held-out comparison, fitted to ``width`` columns (least useful columns go first);
    the recall and precision of the spec's highest-risk class (``tier-1`` for the
    households, e.g. ``class 'high'`` for a spec's table)."""
    top = r.spec.top_class_names()[0]
    columns = [  # (header, right-aligned, droppable rank: higher is dropped first)
        ("模型 / model", False, 0),
        ("log-loss", True, 0),
        ("macro-F1", True, 0),
        (f"{top} recall", True, 1),
        (f"{top} prec.", True, 2),
        ("ECE", True, 4),
        ("group gap", True, 3),
    ]
    rows: list[list[str]] = []
    evals = [(r.chosen, r.evaluation), *r.baseline_evaluations.items()]
    for name, ev in sorted(evals, key=lambda kv: kv[1].metrics.log_loss):
        m = ev.metrics
        mark = " ✓" if name == r.chosen else ""
        rows.append(
            [
                f"{name}{mark}",
                _f(m.log_loss, 4),
                _f(m.macro_f1),
                _f(m.tier1_recall_shown),  # "—" when none of the class is held out
                _f(m.tier1_precision),
                _f(m.ece, 4),
                _f(ev.fairness.largest_gap),
            ]
        )
    b = r.evaluation.bayes
    if b is not None:
        bm = b.bayes
        rows.append(
            [
                "贝叶斯 / Bayes",
                _f(bm.log_loss, 4),
                _f(bm.macro_f1),
                _f(bm.tier1_recall),
                _f(bm.tier1_precision),
                _f(bm.ece, 4),
                "",
            ]
        )
    keep = list(range(len(columns)))

    def needed(cols: list[int]) -> int:
        widths = [max(cell_len(columns[c][0]), *(cell_len(row[c]) for row in rows)) for c in cols]
        return sum(widths) + 3 * len(cols) + 1  # padding 1 each side + separators

    for rank in (4, 3, 2, 1):
        if needed(keep) <= width:
            break
        keep = [c for c in keep if columns[c][2] != rank]
    table = Table(
        title=f"留出集评估 / held-out evaluation ({r.n_test:,} rows)",
        box=box.SIMPLE_HEAD,
        title_justify="left",
    )
    for c in keep:
        header, right, _ = columns[c]
        table.add_column(header, justify="right" if right else "left", no_wrap=True)
    for row in rows:
        table.add_row(*(row[c] for c in keep))
    return table


def _print_training(r: TrainResult, seconds: float) -> None:
    """What `train` tells the user: the comparison, the choice, notes, the check by group,
    fidelity, timing."""
    from risk_model.fairness_text import group_check_lines
    from visit_planner.risk_job import group_words

    for note in r.notes:
        print_hanging(f"提示 note: {note}")
    console.print(_evaluation_table(r, console.width))
    split = (
        f"按组留出 / held out: whole {r.spec.group_column} groups"
        if r.spec.group_column
        else "随机留出 / held out: random rows"
    )
    console.print(split, highlight=False)
    ranking = r.ranking
    runner = r.runner_up
    if r.config.select and ranking:
        console.print(
            f"选用 / chosen: [bold]{r.chosen}[/], lowest held-out log-loss"
            + (f" (runner-up: {runner[0]} {runner[1]:.4f})" if runner else ""),
            highlight=False,
        )
    elif ranking:  # --no-select: the requested kind, whatever its rank; say when it lost
        console.print(
            f"选用 / chosen: [bold]{r.chosen}[/] (--no-select: 按指定类型 / the requested kind)",
            highlight=False,
        )
        if runner is not None and r.best_not_chosen:
            print_hanging(
                f"注意 / note: {runner[0]} 的留出对数损失更低 / has a lower held-out "
                f"log-loss ({runner[1]:.4f} < {r.chosen_log_loss:.4f})",
                console,
            )
    b = r.evaluation.bayes
    if b is not None:
        console.print(
            f"与贝叶斯极限之差 / vs the Bayes limit: log-loss {b.log_loss_gap_pct:+.2f} %, "
            f"macro-F1 {-b.macro_f1_gap:+.3f}",
            highlight=False,
        )
    m = r.evaluation.metrics
    lo, hi = m.tier1_recall_ci
    en, zh = r.spec.top_class_names()
    ci = (  # no row of the class held out (a tiny table): no interval, said so
        f"{_f(lo)}–{_f(hi)}"
        if not (math.isnan(lo) or math.isnan(hi))
        else "— (留出集中无此类 / none held out)"
    )
    print_hanging(f"{zh}召回率置信区间 / {en} recall 95% CI: {ci}", console)
    print_indented(
        group_check_lines(
            r.evaluation.fairness, n_rows=r.n_test, words=group_words(), top=(en, zh)
        ),
        console,
    )
    t = r.reason_tables
    tree = {"shapley": ", TreeSHAP", "path": ", path / 路径归因"}.get(
        str(t.reference.get("tree_method")), ""
    )
    # Two short lines rather than one that wraps mid-figure at 80 columns.
    console.print(
        f"原因 / reasons: exact {t.unit} contributions{tree}"
        if t.method == "exact"
        else "原因 / reasons: partial dependence",
        highlight=False,
    )
    console.print(
        f"  保真度 / fidelity: max |error| {t.fidelity_max_error:.1e}, R² {_f(t.fidelity_r2)}"
        if t.method == "exact"
        else f"  保真度 / fidelity: R² {_f(t.fidelity_r2)}",
        highlight=False,
    )
    console.print(
        # Two decimals under a second: a small table's fit would read "0.0 s".
        f"拟合与总用时 / fit {r.fit_seconds:.{2 if r.fit_seconds < 1 else 1}f} s, "
        f"total {seconds:.1f} s",
        highlight=False,
    )


FORCE_HINT = (
    '如需强制晋升 (记入审计日志), 请加 / to override (audited), use: --force --reason "..."'
)
"""After a refused promotion: the options said once, after both halves, so that a stream
without Chinese reads ``to override (audited), use: --force --reason "..."`` (the options in
each half read ``--force --reason "..." (use --force --reason "..." to override``)."""


@app.command("promote")
def promote_cmd(  # noqa: PLR0917  (Typer options)
    version: Annotated[
        int, typer.Option("--version", help="模型版本 — Registered version to promote.")
    ],
    data: DataOption,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="强制晋升 — Promote even if the gate refuses (needs --reason; audited)."
        ),
    ] = False,
    reason: Annotated[
        str | None, typer.Option("--reason", help="原因 — Why (required with --force).")
    ] = None,
    corrections: Annotated[
        Path | None,
        typer.Option(
            "--corrections",
            help="数据更正 — The corrections file the version was trained with: applied to "
            "the data before both models are evaluated.",
        ),
    ] = None,
    home: HomeOption = None,
    policy: PolicyOption = None,
    mlflow_uri: MlflowOption = None,
) -> None:
    """晋升冠军模型 — Make a version the champion, through the gate.

    Candidate and current champion are evaluated on the same held-out rows of DATA; the gate
    requires tier-1 recall and macro-F1 not worse beyond the policy's tolerances and the
    largest group gap not wider; a refusal exits 4, nothing moved. --force --reason "..."
    overrides a refusal and is audited.
    Only a households model (assessed_tier from the households columns) can be the champion,
    which plan and score use; a spec's table's model is scored with score --version N.
    """
    from visit_planner.contracts.input_paths import check_found

    # At once, before the job brings scikit-learn and MLflow (seconds on a busy machine).
    check_found([("--data", data), ("--corrections", corrections)])
    from risk_model.errors import PromotionRefusedError
    from visit_planner.risk_job import RiskJobError, promote_version

    try:
        res = promote_version(
            version,
            data,
            force=force,
            reason=reason,
            home=home,
            policy_path=policy,
            mlflow_uri=mlflow_uri,
            corrections=corrections,
        )
    except RiskJobError as exc:
        if isinstance(exc.__cause__, PromotionRefusedError):
            heading, *checks = str(exc).splitlines()
            print_wrapped([heading], err_console)
            print_indented([f"  {line}" for line in checks], err_console)
            print_hanging(FORCE_HINT)
            raise typer.Exit(EXIT_GATE_REFUSED) from None
        raise
    print_gate(res.decision, console)
    if res.already_champion:
        return
    for line in promoted_lines(res.version, res.forced, res.n_heldout, res.previous_champion):
        console.print(line, highlight=False)


def promoted_lines(version: int, forced: bool, n_heldout: int, previous: int | None) -> list[str]:
    """What ``promote`` says of a new champion, Chinese then English, each line in its own
    language (a forced one was tagged ``(强制 / FORCED)`` on both, and a stream without
    Chinese printed ``(FORCED)`` alone above the English line)."""
    return [
        f"版本 {version} 已成为冠军模型" + (" (强制)" if forced else ""),
        f"version {version} is now the champion" + (" (FORCED)" if forced else ""),
        f"(留出样本 / held-out rows: {n_heldout:,}; 上一冠军 / previous: {previous or '—'})",
    ]


def print_corrections(notes: list[str]) -> None:
    """The corrections' counts, then each correction not applied, as a warning."""
    head, *rest = notes
    print_hanging(head)
    for line in rest:
        print_hanging(f"{SEVERITY['warning']}: {line}", style="yellow")


def _corrections_lines(params: dict[str, str], width: int) -> list[str]:
    """``更正 corrections: F (sha256 1a2b3c4d), 已应用 applied 3, 未应用 not applied 1`` of a
    version trained with ``--corrections`` (the counts on a line of their own where they
    would not fit ``width``); none for one trained without."""
    digest = params.get("corrections_sha256", "")
    if not digest:
        return []
    file = f"      更正 corrections: {params.get('corrections_file', '')} (sha256 {digest[:8]})"
    counts = (
        f"已应用 applied {params.get('corrections_applied', '?')}, "
        f"未应用 not applied {params.get('corrections_not_applied', '?')}"
    )
    joined = f"{file}, {counts}"
    return [joined] if cell_len(joined) <= width else [f"{file},", f"        {counts}"]


def _data_digest(params: dict[str, str]) -> str:
    """`` (sha256 1a2b3c4d)`` (the first 8 hex digits of the training file's digest, as
    ``train`` logged it) or nothing: versions trained on different files of the same name
    (every month's ``households.parquet``) are told apart."""
    digest = params.get("data_sha256", "")
    return f" (sha256 {digest[:8]})" if digest else ""


def print_gate(decision: GateDecision, out: Console) -> None:
    """The gate's note and checks, one per line, each wrapped at ``out``'s width with its
    continuation indented (at 80 columns a check is longer than a line)."""
    print_indented(decision.summary().splitlines(), out)


def print_indented(lines: list[str], out: Console) -> None:
    """Each line wrapped at ``out``'s width, its continuation indented two spaces past its
    own indentation (the check by group's groups under their attribute)."""
    for line in lines:
        body = line.lstrip(" ")
        pad = " " * (len(line) - len(body))
        print_hanging(body, out, first=pad, rest=pad + "  ")


@app.command("score")
def score_cmd(  # noqa: PLR0917  (Typer options)
    data: DataOption,
    out: Annotated[Path, typer.Option("--out", help="评分文件 — Scores file (.parquet or .csv).")],
    overrides: Annotated[
        Path | None,
        typer.Option(
            "--overrides", help="类别调整 — Supervisor tier overrides: household_id, tier, reason."
        ),
    ] = None,
    version: Annotated[
        int | None,
        typer.Option(
            "--version", help="模型版本 — Score with this version instead of the champion."
        ),
    ] = None,
    unseen: Annotated[
        str | None,
        typer.Option(
            "--unseen",
            help="未见类别 — Unseen categories: error | missing (default: the policy's).",
        ),
    ] = None,
    home: HomeOption = None,
    policy: PolicyOption = None,
    mlflow_uri: MlflowOption = None,
    executor: ExecutorOption = ExecutorKind.LOCAL,
    scheduler: SchedulerOption = None,
) -> None:
    """计算农户风险类别 — Score households with the champion model.

    Writes per household p_tier1..3, model_tier, final_tier, tier_source (model | rule |
    override), reasons and model_version, plus a drift report (PSI per feature) beside it.
    """
    from visit_planner.contracts.input_paths import check_found
    from visit_planner.data_files import check_output_file, resolve_data
    from visit_planner.errors import RiskJobError

    if unseen not in (None, "error", "missing"):
        raise RiskJobError(
            f"未见类别的处理须为 error 或 missing (--unseen must be 'error' or 'missing', "
            f"got {unseen!r})"
        )
    # The job checks these too; checked here first, a wrong --out or --data is refused
    # before the modelling stack is imported (seconds on a busy machine), not after.
    check_found([("--data", data), ("--overrides", overrides)])
    check_output_file(out)
    resolve_data(data)
    with console.status("评分中 / scoring…"), ExitStack() as stack:
        runner = None
        if executor is ExecutorKind.DASK or scheduler is not None:  # partitions on Dask
            from visit_planner.job_executor import job_executor

            # Opened before the job is imported: a wrong --scheduler is refused at once.
            runner = stack.enter_context(job_executor(executor.value, scheduler))
        from visit_planner.risk_job import score_file

        res = score_file(
            data,
            out,
            overrides=overrides,
            version=version,
            home=home,
            policy_path=policy,
            on_unseen=unseen,  # type: ignore[arg-type]  # checked above
            mlflow_uri=mlflow_uri,
            executor=runner,  # None: scored here, whole
        )
    from visit_planner.export.labels import TIER_SOURCE

    s = res.scores
    console.print(f"评分 scores: {res.scores_file}", highlight=False, soft_wrap=True)
    table = Table(title=f"模型版本 model version {res.model_version}")
    table.add_column("最终类别\nfinal tier")
    for src in ("model", "rule", "override"):  # how the tier came about, the dashboard's words
        table.add_column(f"{TIER_SOURCE[src][0]}\n{src}", justify="right")
    counts = s.group_by("final_tier", "tier_source").len()
    order = {str(c): i for i, c in enumerate(res.classes)}  # the spec's order, highest risk first
    households = [str(c) for c in res.classes] == ["1", "2", "3"]
    for tier in sorted(s["final_tier"].unique().to_list(), key=lambda t: order.get(str(t), 99)):
        row = [" ".join(TIER_TERMS[int(tier)]) if households else str(tier)]
        for src in ("model", "rule", "override"):
            n = counts.filter((counts["final_tier"] == tier) & (counts["tier_source"] == src))
            row.append(f"{int(n['len'].sum()):,}")
        table.add_row(*row)
    console.print(table)
    for w in res.warnings:
        print_hanging(f"{SEVERITY['warning']}: {w}", style="yellow")
    flagged = res.drift.filter(res.drift["flagged"])
    if flagged.height:
        print_hanging(
            "数据漂移 / drift: PSI 超过阈值 over threshold for "
            + ", ".join(f"{f} ({p:.2f})" for f, p in flagged.select("feature", "psi").iter_rows()),
            style="yellow",
        )
    if res.fidelity is not None:
        console.print(
            f"原因 / reasons: exact (max |error| {res.fidelity.max_abs_error:.1e} over "
            f"{res.fidelity.rows:,} {'households' if households else 'rows'})",
            highlight=False,
        )
    console.print(f"漂移报告 / drift report: {res.drift_file}", highlight=False, soft_wrap=True)
    unit = "户 households" if households else "行 rows"  # a spec's table need not be households
    console.print(
        f"已评分 scored {s.height:,} {unit}, 用时 in {res.seconds:.1f} s", highlight=False
    )


def _recall_name(params: dict[str, str]) -> str:
    """The English name of a version's highest-risk class, as ``train`` worded its recall:
    from the ``classes`` param logged at training (``class 'high'`` for a spec's table,
    ``tier-1`` for the household tiers); ``tier-1`` for a version without a readable one."""
    from risk_model.spec import logged_top_class_names

    return logged_top_class_names(params)[0]


def _promoted_at(tag: str) -> str:
    """The time of a version's last promotion in Beijing time and a space, or nothing for a
    tag that is no ISO 8601 time (set by hand in MLflow)."""
    try:
        return clock.shown(tag) + " "
    except ValueError:
        return ""


# A failed check's name in ``refused_checks`` as the list of versions words its metrics.
_CHECK_NAMES = {"macro_f1": "macro-F1", "largest_group_gap": "largest group gap"}


def promotion_lines(tags: dict[str, str], recall_name: str) -> list[str]:
    """What ``models`` says of a version's promotions (pure): its last promotion (when, by
    the gate or forced with its reason, so that a rollback's order reads from the list),
    and its last refused attempt when that came after it (when, against which champion,
    each failed check on a line of its own: each line well within 80 columns).
    ``recall_name``: the version's highest-risk class, as ``train`` words its recall."""
    lines: list[str] = []
    promoted = tags.get("promoted_at", "")
    if promoted:
        lines.append(
            "      promotion / 晋升: "
            + _promoted_at(promoted)
            + (
                "强制 forced: " + tags.get("promotion_reason", "")
                if tags.get("promotion_forced") == "true"
                else "通过检验 gate passed"
            )
        )
    refused = tags.get("refused_at", "")
    if refused and refused > promoted:  # both ISO 8601 in UTC: text order is time order
        against = tags.get("refused_against", "")
        lines.append(
            f"      refused / 未获晋升: {_promoted_at(refused)}"
            + (f"对比冠军 against champion v{against}" if against else "").rstrip()
        )
        for check in filter(None, tags.get("refused_checks", "").split("; ")):
            name, _, rest = check.partition(" ")
            shown = (
                f"{recall_name} recall" if name == "tier1_recall" else _CHECK_NAMES.get(name, name)
            )
            lines.append(f"        未通过 FAIL {shown} {rest}")
    return lines


@app.command("models")
def models_cmd(home: HomeOption = None, mlflow_uri: MlflowOption = None) -> None:
    """模型版本 — List model versions with aliases and key metrics.

    The registered versions of household-risk.
    """
    from visit_planner.model_registry import list_models

    versions = list_models(home, mlflow_uri)
    if not versions:
        console.print("尚无登记的模型版本 / no registered versions yet — run visit-planner train")
        return
    console.print(f"模型版本 / household-risk versions (newest first; {clock.ZONE}):")
    for v in versions:
        m = v.metrics
        created = clock.shown(v.created_ms)  # the zone is in the heading above
        aliases = f" [{','.join(v.aliases)}]" if v.aliases else ""
        gap = m.get("log_loss_gap_pct")
        bayes = f"  Bayes gap {_f(gap, 2)} %" if gap is not None and not math.isnan(gap) else ""
        metrics = f"      log-loss {_f(m.get('log_loss'), 4)}  macro-F1 {_f(m.get('macro_f1'))}"
        recall = f"{_recall_name(v.params)} recall {_f(m.get('tier1_recall'))}{bayes}"
        # Four short lines per version (each under 80 columns), not one 150-column line;
        # the recall on a line of its own when a long class name would not fit beside.
        joined = f"{metrics}  {recall}"
        fits = cell_len(joined) <= console.width
        for line in (
            f"  v{v.version}{aliases}  {created}  {v.params.get('kind', '')}",
            f"      数据 data: {v.params.get('data_file', '')}{_data_digest(v.params)}",
            *_corrections_lines(v.params, console.width),
            *((joined,) if fits else (metrics, f"      {recall}")),
            *promotion_lines(v.tags, _recall_name(v.params)),
        ):
            if line:
                console.print(line, highlight=False, soft_wrap=True, markup=False)
    print_promotion_mismatch(home, champion_of(versions))


def champion_of(versions: list[Any]) -> int | None:
    """The version the registry's champion alias is on (None: on none)."""
    return next((int(v.version) for v in versions if "champion" in v.aliases), None)


def print_promotion_mismatch(
    home: Path | None, champion: int | None, store_url: str | None = None
) -> None:
    """A warning when the audit log's last promotion is not the champion: a ``promote``
    killed between its audit entry and the alias move (``models`` shows the alias, which is
    the truth; the log's entry stays and this says it did not take effect)."""
    from risk_model.tracking import Tracking
    from visit_planner.cli.promotion_truth import store_mismatch

    said = store_mismatch(home, store_url, Tracking.model_name, champion)
    if said is not None:
        print_hanging(f"{SEVERITY['warning']}: {said}", err_console, style="yellow")
