"""Packing improvement: re-pack small groups of full workers to cover more households.

Where workers are full and households they could serve are left uncovered (the cadres of a
cadre-short township, the grid workers of a tight one), a plan can often cover one more
household by *exchanging*: a worker gives up a household that costs it many hours (to a
neighbouring worker, or to the uncovered pool when it is worth less) and takes one or two
uncovered households that fit better. The LP-guided repair and the single ejections of
:mod:`assignment.solver.repair` do not find such multi-worker exchanges.

The search, in stages (``PackingOptions.stages``), each seeded by every *hot* worker (one with
an arc to an uncovered household that covering would help):

* ``1`` - single worker: its held households plus its most promising uncovered ones, re-solved
  as an exact knapsack (hours and count) with CP-SAT;
* ``0`` - pairwise swaps: for a worker and each of its closest partners (workers good for the
  same households), every "move h to the partner; take one of the partner's households g
  back, or drop g, or neither; then cover the best uncovered household that fits on each side"
  is priced at once in numpy, and the best one applied;
* ``2`` - pairs re-solved exactly with CP-SAT (used when effort remains: small townships).

CP-SAT runs with one worker, a fixed seed and a deterministic-time limit, never a wall-clock
one, so results never depend on machine load. Every step is kept only when the whole plan's
objective strictly drops as judged by :meth:`ArcArrays.objective_of` (so any extra term there,
such as a workload-balance cost, is respected) and the touched workers' capacities hold in
floats: the result is feasible and never worse.

With a tier-1 *floor* (after the coverage stage; the rule is
:func:`assignment.solver.priority.keeps_top_floor`) no step leaves fewer than ``floor`` tier-1
households covered: the penalties alone would let packing trade one tier-1 household for
several tier-2 ones, which the lexicographic promise (tier-1 coverage first) forbids.
Exchanges among tier-1 households (a riskier one in, a less risky one out) and everything
else stay free.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assignment.constraints import CAPACITY_TOL, fits_capacity
from assignment.problem import ArcArrays
from assignment.solver import cpsat as cp_model
from assignment.solver.priority import top_mask

HOURS_SCALE = 100_000  # CP-SAT needs integers: hours in units of 1e-5 h, rounded safely
COST_SCALE = 100.0  # objective in hundredths
GROUP_UNITS = 3  # a group of k >= 2 workers costs GROUP_UNITS * k**2 work units
SWAPS_PER_UNIT = 8  # pair evaluations of the swap search per work unit (one single solve)
OBJ_TOL = 1e-10  # relative: a step must lower the objective by more than float noise


@dataclass(frozen=True)
class PackingOptions:
    """Tuning of the packing search (the defaults; their effect as a whole, packing on vs off
    in the cadre-short townships, is measured by ``bench/bench_packing.py``).

    ``stages``: searched in turn; a group size for exact CP-SAT re-solves (1 single workers,
    2 pairs) or 0 for the pairwise swap search. ``pool_per_worker`` (singles) and
    ``group_pool_per_worker`` (larger groups): uncovered households offered to each worker,
    half the most valuable per hour, half the fewest hours.
    Deterministic-time limits are CP-SAT's work units (never wall clock).
    """

    stages: tuple[int, ...] = (1, 0, 1, 2)
    pool_per_worker: int = 24
    group_pool_per_worker: int = 16
    good_arcs_per_item: int = 4
    single_deterministic_time: float = 0.05
    group_deterministic_time: float = 0.01
    seed: int = 7
    swap_partners: int = 12
    swap_passes: int = 10
    cp_params: tuple[tuple[str, float | int | bool], ...] = (("cp_model_presolve", False),)


@dataclass
class _State:
    """The plan being improved, with per-worker loads kept in step with it."""

    arr: ArcArrays
    choice: np.ndarray
    agent_of: np.ndarray  # worker holding each household, -1 if uncovered
    hours: np.ndarray
    count: np.ndarray
    is_top: np.ndarray  # per household: tier 1
    n_top: int  # tier-1 households covered
    version: int = 0  # bumped whenever a household is covered or uncovered

    @classmethod
    def of(cls, arr: ArcArrays, choice: np.ndarray) -> _State:
        choice = np.asarray(choice, dtype=np.int64).copy()
        agent_of = np.where(choice >= 0, arr.arc_agent[np.maximum(choice, 0)], -1)
        hours, count = arr.loads(choice)
        is_top = top_mask(arr)
        n_top = int(((choice >= 0) & is_top).sum())
        return cls(
            arr, choice, agent_of, hours.astype(float), count.astype(np.int64), is_top, n_top
        )

    def fits(self, a: int) -> bool:
        w = int(self.arr.arc_agent[a])
        return bool(
            fits_capacity(
                self.hours[w] + self.arr.arc_hours[a],
                self.arr.cap_hours[w],
                self.count[w] + 1,
                self.arr.cap_count[w],
            )
        )

    def set(self, i: int, a: int) -> None:
        old = int(self.choice[i])
        if (old < 0) != (a < 0):
            self.version += 1
            if self.is_top[i]:
                self.n_top += 1 if a >= 0 else -1
        if old >= 0:
            w0 = int(self.arr.arc_agent[old])
            self.hours[w0] -= self.arr.arc_hours[old]
            self.count[w0] -= 1
        self.choice[i] = a
        self.agent_of[i] = -1 if a < 0 else int(self.arr.arc_agent[a])
        if a >= 0:
            self.hours[self.agent_of[i]] += self.arr.arc_hours[a]
            self.count[self.agent_of[i]] += 1


@dataclass(frozen=True)
class _Context:
    """Facts of the problem that the search does not change."""

    gain: np.ndarray  # per arc: covering its household by it beats leaving it uncovered
    pinned_item: np.ndarray  # per household: it has a pinned arc (and so never moves)
    by_agent: np.ndarray  # arcs ordered by worker ...
    agent_starts: np.ndarray  # ... worker w's at by_agent[agent_starts[w] : agent_starts[w + 1]]
    opts: PackingOptions
    floor: int = 0  # tier-1 households that must stay covered (the tier-1 floor rule)


def _by_key(keys: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices grouped by ``keys`` (stable): group k is ``order[starts[k] : starts[k + 1]]``."""
    order = np.argsort(keys, kind="stable")
    return order, np.searchsorted(keys[order], np.arange(n + 1))


def improve_packing(
    arr: ArcArrays,
    choice: np.ndarray,
    *,
    effort: int = 600,
    options: PackingOptions | None = None,
    floor: int = 0,
) -> tuple[np.ndarray, int]:
    """A plan at least as good as ``choice``, found by re-packing groups of full workers.

    ``choice[i]`` is the arc index of household ``i`` or -1; the input must be feasible and the
    output is feasible, keeps every pinned arc, and has ``arr.objective_of(new)`` no higher
    (each accepted step strictly lowers it). ``floor``: no step leaves fewer tier-1 households
    covered than that (the tier-1 floor rule; ``choice`` must meet it). ``effort`` caps the
    work, in units of about one single-worker solve (~3 ms): a pair solve costs 12, eight swap
    evaluations cost 1.
    Returns the new plan and the number of households whose arc changed. Deterministic; returns
    at once when no uncovered household has a worker it could go to.
    """
    opts = options or PackingOptions()
    state = _State.of(arr, choice)
    start = state.choice.copy()
    gain = arr.arc_cost < arr.penalty[arr.arc_item]  # covering by this arc helps
    pinned_item = np.zeros(arr.n_items, dtype=bool)
    pinned_item[arr.arc_item[arr.arc_pinned]] = True
    _insert_fitting(state, gain)
    hot = _hot_workers(state, gain, pinned_item)
    if len(hot) and effort > 0:
        by_agent, agent_starts = _by_key(arr.arc_agent, arr.n_agents)
        ctx = _Context(gain, pinned_item, by_agent, agent_starts, opts, floor)
        _group_search(state, ctx, hot, effort)
    return state.choice, int((state.choice != start).sum())


def _insert_fitting(state: _State, gain: np.ndarray) -> None:
    """Cover uncovered households with their cheapest arc that fits (highest penalty first).

    Each insertion is kept only if the objective drops.
    """
    arr = state.arr
    arcs = np.flatnonzero(gain & (state.choice[arr.arc_item] < 0))
    if len(arcs) == 0:
        return
    room_h = arr.cap_hours - state.hours
    room_n = arr.cap_count - state.count
    arcs = arcs[
        (arr.arc_hours[arcs] <= room_h[arr.arc_agent[arcs]] + CAPACITY_TOL)
        & (room_n[arr.arc_agent[arcs]] > 0)
    ]
    order = np.lexsort((arcs, arr.arc_cost[arcs], -arr.penalty[arr.arc_item[arcs]]))
    objective = arr.objective_of(state.choice)
    for a in arcs[order].tolist():
        i = int(arr.arc_item[a])
        if state.choice[i] < 0 and state.fits(a):
            state.set(i, a)
            # Judged by the whole objective (it may hold more than costs and penalties).
            new_objective = arr.objective_of(state.choice)
            if new_objective < objective - OBJ_TOL * max(1.0, abs(objective)):
                objective = new_objective
            else:
                state.set(i, -1)


def _hot_workers(state: _State, gain: np.ndarray, pinned_item: np.ndarray) -> np.ndarray:
    """Workers with an arc to an uncovered household that covering would help.

    Ordered by the largest such penalty (tier 1 first), then by index: when the effort runs
    out, the most valuable households have been tried first.
    """
    arr = state.arr
    hot_arc = np.flatnonzero(gain & (state.choice[arr.arc_item] < 0) & ~pinned_item[arr.arc_item])
    top = np.zeros(arr.n_agents)
    np.maximum.at(top, arr.arc_agent[hot_arc], arr.penalty[arr.arc_item[hot_arc]])
    workers = np.unique(arr.arc_agent[hot_arc])
    return workers[np.lexsort((workers, -top[workers]))]


def _affinity(state: _State, opts: PackingOptions) -> dict[int, dict[int, float]]:
    """How much two workers could exchange: households cheap in hours for both of them.

    For each household (held, or uncovered), take its ``good_arcs_per_item`` lowest-hour
    workers, plus its holder: every pair among them gains the household's penalty (the value
    at stake when the household moves between them).
    """
    arr = state.arr
    k = opts.good_arcs_per_item
    order = np.lexsort((np.arange(arr.n_arcs), arr.arc_hours, arr.arc_item))
    starts = np.searchsorted(arr.arc_item[order], np.arange(arr.n_items + 1))
    rank = np.arange(arr.n_arcs) - np.repeat(starts[:-1], np.diff(starts))
    good = order[rank < k]
    g_items = arr.arc_item[good]
    g_starts = np.searchsorted(g_items, np.arange(arr.n_items + 1))
    # Column j of `members`: the j-th good worker of each household; the last: its holder.
    members = np.full((arr.n_items, k + 1), -1, dtype=np.int64)
    for j in range(k):
        pos = g_starts[:-1] + j
        ok = pos < g_starts[1:]
        members[ok, j] = arr.arc_agent[good[pos[ok]]]
    members[:, k] = state.agent_of
    m = arr.n_agents
    codes: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    for r in range(k + 1):
        for s in range(r + 1, k + 1):
            a_, b_ = members[:, r], members[:, s]
            ok = (a_ >= 0) & (b_ >= 0) & (a_ != b_)
            lo, hi = np.minimum(a_[ok], b_[ok]), np.maximum(a_[ok], b_[ok])
            codes.append(lo * m + hi)
            vals.append(arr.penalty[ok])
    code = np.concatenate(codes)
    uniq, inv = np.unique(code, return_inverse=True)
    weight = np.bincount(inv, np.concatenate(vals), len(uniq))
    aff: dict[int, dict[int, float]] = {}
    for c, v in zip(uniq.tolist(), weight.tolist(), strict=True):
        a_, b_ = divmod(c, m)
        aff.setdefault(a_, {})[b_] = v
        aff.setdefault(b_, {})[a_] = v
    return aff


def _group_of(seed: int, aff: dict[int, dict[int, float]], size: int) -> tuple[int, ...]:
    """``seed`` and the workers with the strongest summed affinity to the group so far."""
    group = [seed]
    score: dict[int, float] = {}
    while len(group) < size:
        for w, v in aff.get(group[-1], {}).items():
            score[w] = score.get(w, 0.0) + v
        cands = [(-v, w) for w, v in score.items() if w not in group]
        if not cands:
            break
        group.append(min(cands)[1])
    return tuple(sorted(group))


def _group_search(state: _State, ctx: _Context, hot: np.ndarray, effort: int) -> None:
    """Solve the groups seeded by each hot worker, stage by stage, until no step improves."""
    aff = _affinity(state, ctx.opts)
    solved: dict[tuple[int, ...], bytes] = {}
    solves = 0
    # Single workers first (cheap: a better knapsack per worker), then larger groups.
    for size in ctx.opts.stages:
        if size == 0:
            solves += _swap_search(state, ctx, hot, aff, effort - solves)
            continue
        improved = True
        while improved and solves < effort:
            improved = False
            for seed in hot.tolist():
                if solves >= effort:
                    break
                group = _group_of(int(seed), aff, size)
                hood = _neighbourhood(state, ctx, group)
                if hood is None:
                    continue
                key = state.choice[hood[0]].tobytes() + hood[0].tobytes()
                if solved.get(group) == key:
                    continue  # the same model as when this group was last solved
                solved[group] = key
                # Work units, measured: a single solve ~3 ms, a pair ~40 ms.
                solves += 1 if len(group) == 1 else GROUP_UNITS * len(group) ** 2
                if _solve_group(state, ctx, group, hood):
                    improved = True


@dataclass
class _Caches:
    """Per-worker lookups of the swap search."""

    arcs: dict[int, dict[int, int]]
    inserts: dict[int, tuple[int, tuple[np.ndarray, ...]]]


def _arc_map(
    ctx: _Context, arr: ArcArrays, w: int, cache: dict[int, dict[int, int]]
) -> dict[int, int]:
    """Household -> arc index of worker ``w`` (cached)."""
    if w not in cache:
        arcs = ctx.by_agent[ctx.agent_starts[w] : ctx.agent_starts[w + 1]]
        cache[w] = dict(zip(arr.arc_item[arcs].tolist(), arcs.tolist(), strict=True))
    return cache[w]


def _insert_table(
    state: _State, ctx: _Context, w: int, cache: dict[int, tuple[int, tuple[np.ndarray, ...]]]
) -> tuple[np.ndarray, ...]:
    """Uncovered arcs of ``w`` by hours, with the running best and second best (cached)."""
    hit = cache.get(w)
    if hit is not None and hit[0] == state.version:
        return hit[1]
    arr = state.arr
    arcs = ctx.by_agent[ctx.agent_starts[w] : ctx.agent_starts[w + 1]]
    arcs = arcs[ctx.gain[arcs] & (state.choice[arr.arc_item[arcs]] < 0)]
    arcs = arcs[~ctx.pinned_item[arr.arc_item[arcs]]]
    arcs = arcs[np.lexsort((arcs, arr.arc_hours[arcs]))]
    delta = arr.arc_cost[arcs] - arr.penalty[arr.arc_item[arcs]]
    best_i = np.zeros(len(arcs), dtype=np.int64)
    second_i = np.full(len(arcs), -1, dtype=np.int64)
    b, s2 = 0, -1
    for j, d in enumerate(delta.tolist()):
        if j and d < delta[b]:
            b, s2 = j, b
        elif j and (s2 < 0 or d < delta[s2]):
            s2 = j
        best_i[j], second_i[j] = b, s2
    table = (arcs, arr.arc_hours[arcs], delta, best_i, second_i)
    cache[w] = (state.version, table)
    return table


def _best_inserts(
    table: tuple[np.ndarray, ...], room: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For each free-hours value in ``room``: the best and second-best uncovered arc.

    Returns (best arc, its delta, second arc, its delta); delta = cost - penalty (< 0), arc -1
    and delta 0 where nothing fits.
    """
    arcs, hours, delta, best_i, second_i = table
    k = len(room)
    if len(arcs) == 0:
        none = np.full(k, -1, dtype=np.int64)
        return none, np.zeros(k), none.copy(), np.zeros(k)
    pos = np.searchsorted(hours - CAPACITY_TOL, room, side="right") - 1
    ok = pos >= 0
    b_idx = best_i[np.maximum(pos, 0)]
    b_arc = np.where(ok, arcs[b_idx], -1)
    b_del = np.where(ok, delta[b_idx], 0.0)
    s_idx = second_i[np.maximum(pos, 0)]
    ok2 = ok & (s_idx >= 0)
    s_arc = np.where(ok2, arcs[np.maximum(s_idx, 0)], -1)
    s_del = np.where(ok2, delta[np.maximum(s_idx, 0)], 0.0)
    return b_arc, b_del, s_arc, s_del


def _swap_pair(state: _State, ctx: _Context, a: int, b: int, cache: _Caches) -> bool:
    """Best move "h: a -> b; g: b -> a, or g dropped, or no g; cover one uncovered on each".

    Every (h, g) pair is priced at once; the best is applied if the objective drops.
    """
    arr = state.arr
    map_a, map_b = _arc_map(ctx, arr, a, cache.arcs), _arc_map(ctx, arr, b, cache.arcs)
    held_a = [i for i in np.flatnonzero(state.agent_of == a).tolist() if not ctx.pinned_item[i]]
    held_b = [i for i in np.flatnonzero(state.agent_of == b).tolist() if not ctx.pinned_item[i]]
    hs = [(i, map_b[i]) for i in held_a if i in map_b]
    if not hs:
        return False
    # Columns: nothing back; g back to a (a swap); g dropped from b (worth it when what the
    # room covers has a higher penalty). (Passing g on to a third worker with room was
    # measured too: it found nothing on the test townships and cost ~50 % more time.)
    gs = [(-1, -1, False)] + [(i, map_a[i], True) for i in held_b if i in map_a]
    gs += [(i, -1, False) for i in held_b]
    h_item = np.array([t[0] for t in hs])
    h_to = np.array([t[1] for t in hs])
    g_item = np.array([t[0] for t in gs])
    g_to = np.array([t[1] for t in gs])
    g_to_a = np.array([t[2] for t in gs])
    h_cur = state.choice[h_item]
    g_cur = np.where(g_item >= 0, state.choice[np.maximum(g_item, 0)], -1)
    # Grid over (h, g): hours and counts of a and b after the exchange.
    has_g = (g_item >= 0)[None, :]
    back = g_to_a[None, :]
    hours_a = (
        state.hours[a]
        - arr.arc_hours[h_cur][:, None]
        + np.where(back, arr.arc_hours[np.maximum(g_to, 0)][None, :], 0.0)
    )
    hours_b = (
        state.hours[b]
        + arr.arc_hours[h_to][:, None]
        - np.where(has_g, arr.arc_hours[np.maximum(g_cur, 0)][None, :], 0.0)
    )
    count_a = state.count[a] - 1 + back
    count_b = state.count[b] + 1 - has_g
    ok = (hours_b <= arr.cap_hours[b] + CAPACITY_TOL) & (count_b <= arr.cap_count[b])
    ok &= hours_a <= arr.cap_hours[a] + CAPACITY_TOL
    if not ok.any():
        return False
    move = arr.arc_cost[h_to] - arr.arc_cost[h_cur]
    g_new = np.where(
        g_to >= 0, arr.arc_cost[np.maximum(g_to, 0)], arr.penalty[np.maximum(g_item, 0)]
    )
    move = move[:, None] + np.where(
        has_g, (g_new - arr.arc_cost[np.maximum(g_cur, 0)])[None, :], 0.0
    )
    shape = ok.shape
    room_a = np.where(count_a < arr.cap_count[a], arr.cap_hours[a] - hours_a, -1.0).ravel()
    room_b = np.where(count_b < arr.cap_count[b], arr.cap_hours[b] - hours_b, -1.0).ravel()
    ua, da, ua2, da2 = _best_inserts(_insert_table(state, ctx, a, cache.inserts), room_a)
    vb, db, vb2, db2 = _best_inserts(_insert_table(state, ctx, b, cache.inserts), room_b)
    same = (
        (ua >= 0) & (vb >= 0) & (arr.arc_item[np.maximum(ua, 0)] == arr.arc_item[np.maximum(vb, 0)])
    )
    # When both would cover the same household, the better of (best, second) combinations.
    alt1 = da + db2
    alt2 = da2 + db
    ins = np.where(same, np.minimum(alt1, alt2), da + db)
    pick_a = np.where(same & (alt2 < alt1), ua2, ua)
    pick_b = np.where(same & (alt2 >= alt1), vb2, vb)
    total = np.where(ok.ravel(), move.ravel() + ins, np.inf)
    if ctx.floor > 0:
        # The floor rule: a dropped g of tier 1 must be made up by the insertions.
        top = state.is_top
        lost = ((g_to < 0) & (g_item >= 0) & top[np.maximum(g_item, 0)]).astype(np.int64)
        won = ((pick_a >= 0) & top[arr.arc_item[np.maximum(pick_a, 0)]]).astype(np.int64)
        won += (pick_b >= 0) & top[arr.arc_item[np.maximum(pick_b, 0)]]
        n_top = state.n_top - np.broadcast_to(lost[None, :], shape).ravel() + won
        total = np.where(n_top >= ctx.floor, total, np.inf)
    j = int(np.argmin(total))
    if not total[j] < -1e-9:
        return False
    hi, gi = np.unravel_index(j, shape)
    new = state.choice.copy()
    new[h_item[hi]] = h_to[hi]
    if g_item[gi] >= 0:
        new[g_item[gi]] = g_to[gi]
    for arc in (int(pick_a[j]), int(pick_b[j])):
        if arc >= 0:
            new[arr.arc_item[arc]] = arc
    return _commit(state, new, ctx.floor)


def _swap_search(
    state: _State, ctx: _Context, hot: np.ndarray, aff: dict[int, dict[int, float]], budget: int
) -> int:
    """Pairwise exchange moves between each hot worker and its closest partners, to a fixpoint.

    Returns the work units used (eight pair evaluations make one unit, about one single solve).
    """
    cache = _Caches({}, {})
    partners = {
        w: [
            v
            for _, v in sorted((-s, v) for v, s in aff.get(w, {}).items())[: ctx.opts.swap_partners]
        ]
        for w in hot.tolist()
    }
    calls = 0
    for _ in range(ctx.opts.swap_passes):
        improved = False
        for a in hot.tolist():
            for b in partners[a]:
                while calls < SWAPS_PER_UNIT * budget:
                    calls += 1
                    if not _swap_pair(state, ctx, a, b, cache):
                        break
                    improved = True
        if not improved or calls >= SWAPS_PER_UNIT * budget:
            break
    return -(-calls // SWAPS_PER_UNIT)


def _neighbourhood(
    state: _State, ctx: _Context, group: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The group's model: (free households, their arcs to the group, pinned households held).

    Free households are those the group holds (unpinned) and, per worker, a pool of the
    uncovered ones it could take. None if there is no uncovered one.
    """
    arr, opts, gain, pinned_item = state.arr, ctx.opts, ctx.gain, ctx.pinned_item
    arcs = np.concatenate(
        [ctx.by_agent[ctx.agent_starts[w] : ctx.agent_starts[w + 1]] for w in group]
    )
    held = np.flatnonzero(np.isin(state.agent_of, group))
    unc = arcs[gain[arcs] & (state.choice[arr.arc_item[arcs]] < 0)]
    unc = unc[~pinned_item[arr.arc_item[unc]]]
    if len(unc) == 0:
        return None
    keep = opts.pool_per_worker if len(group) == 1 else opts.group_pool_per_worker
    pool: list[np.ndarray] = []
    for w in group:
        a_w = unc[arr.arc_agent[unc] == w]
        value = arr.penalty[arr.arc_item[a_w]] - arr.arc_cost[a_w]
        dens = value / np.maximum(arr.arc_hours[a_w], 1e-9)
        pool.append(arr.arc_item[a_w[np.lexsort((a_w, -dens))[: keep - keep // 2]]])
        pool.append(arr.arc_item[a_w[np.lexsort((a_w, -value, arr.arc_hours[a_w]))[: keep // 2]]])
    items = np.concatenate([held[~pinned_item[held]], np.unique(np.concatenate(pool))])
    in_model = np.zeros(arr.n_items, dtype=bool)
    in_model[items] = True
    var_arcs = arcs[in_model[arr.arc_item[arcs]]]
    # Uncovered households enter only through helpful arcs; held ones keep all their arcs here.
    is_unc = state.choice[arr.arc_item[var_arcs]] < 0
    var_arcs = var_arcs[~is_unc | gain[var_arcs]]
    return items, np.sort(var_arcs), held[pinned_item[held]]


def _solve_group(
    state: _State,
    ctx: _Context,
    group: tuple[int, ...],
    hood: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> bool:
    """Re-solve ``group`` exactly over its neighbourhood; keep the result if it is better."""
    arr, opts = state.arr, ctx.opts
    items, var_arcs, fixed = hood
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{a}") for a in var_arcs.tolist()]
    item_of = arr.arc_item[var_arcs]
    order = np.argsort(item_of, kind="stable")
    bounds = np.flatnonzero(np.r_[True, np.diff(item_of[order]) != 0, True])
    for s, e in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        model.add_at_most_one([x[j] for j in order[s:e].tolist()])
    # Hours rounded up and capacity rounded down: every model-feasible plan is truly feasible.
    weights = np.ceil(arr.arc_hours[var_arcs] * HOURS_SCALE - 1e-6).astype(np.int64)
    agent = arr.arc_agent[var_arcs]
    for w in group:
        sel = np.flatnonzero(agent == w).tolist()
        f_h = float(arr.arc_hours[state.choice[fixed[state.agent_of[fixed] == w]]].sum())
        f_n = int((state.agent_of[fixed] == w).sum())
        cap_h = int(np.floor((arr.cap_hours[w] - f_h) * HOURS_SCALE + 1e-6))
        cap_n = int(arr.cap_count[w]) - f_n
        xs = [x[j] for j in sel]
        model.add(cp_model.LinearExpr.weighted_sum(xs, weights[sel].tolist()) <= max(cap_h, 0))
        model.add(sum(xs) <= max(cap_n, 0))
    coef = np.round(
        (arr.arc_cost[var_arcs] - arr.penalty[arr.arc_item[var_arcs]]) * COST_SCALE
    ).astype(np.int64)
    model.minimize(cp_model.LinearExpr.weighted_sum(x, coef.tolist()))
    current = state.choice[item_of]
    if ctx.floor > 0:
        # The floor rule: the group's tier-1 households may lose at most the plan's margin.
        held_top = int(((state.choice[items] >= 0) & state.is_top[items]).sum())
        need = held_top - (state.n_top - ctx.floor)
        if need > 0:
            top_vars = [x[j] for j in np.flatnonzero(state.is_top[item_of]).tolist()]
            model.add(sum(top_vars) >= need)
    for j, a in enumerate(var_arcs.tolist()):
        model.add_hint(x[j], bool(current[j] == a))

    solver = cp_model.new_solver(
        seed=opts.seed,
        work=opts.single_deterministic_time if len(group) == 1 else opts.group_deterministic_time,
        params=opts.cp_params,
    )
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False
    values = np.array([solver.boolean_value(v) for v in x], dtype=bool)
    current = current == var_arcs
    if int(coef[values].sum()) >= int(coef[current].sum()):
        return False  # not better in the model: no need to price it exactly
    new = state.choice.copy()
    new[items] = -1
    picked = var_arcs[values]
    new[arr.arc_item[picked]] = picked
    return _commit(state, new, ctx.floor)


def _commit(state: _State, new: np.ndarray, floor: int = 0) -> bool:
    """Apply ``new`` when it strictly lowers the whole objective, stays feasible and keeps
    at least ``floor`` tier-1 households covered (the tier-1 floor rule)."""
    arr = state.arr
    if floor > 0 and int(((new >= 0) & state.is_top).sum()) < floor:
        return False
    old_obj = arr.objective_of(state.choice)
    if arr.objective_of(new) >= old_obj - OBJ_TOL * max(1.0, abs(old_obj)):
        return False
    if not _feasible_on(state, new):
        return False
    for i in np.flatnonzero(new != state.choice).tolist():
        state.set(i, int(new[i]))
    return True


def _feasible_on(state: _State, new: np.ndarray) -> bool:
    """Capacity check, in floats, of every worker whose load differs in ``new``."""
    arr = state.arr
    changed = np.flatnonzero(new != state.choice)
    hours = state.hours.copy()
    count = state.count.copy()
    old_arcs = state.choice[changed]
    old_arcs = old_arcs[old_arcs >= 0]
    np.subtract.at(hours, arr.arc_agent[old_arcs], arr.arc_hours[old_arcs])
    np.subtract.at(count, arr.arc_agent[old_arcs], 1)
    new_arcs = new[changed]
    new_arcs = new_arcs[new_arcs >= 0]
    np.add.at(hours, arr.arc_agent[new_arcs], arr.arc_hours[new_arcs])
    np.add.at(count, arr.arc_agent[new_arcs], 1)
    g = np.unique(arr.arc_agent[new_arcs])
    return bool(np.all(fits_capacity(hours[g], arr.cap_hours[g], count[g], arr.cap_count[g])))
