"""A tabu search that covers more tier-1 households by re-packing the cadres.

The tier-1 count (how many tier-1 households the township's cadres can cover) is a
max-cardinality assignment with one knapsack per cadre. In the cadre-short townships its
bound, the floor of its LP, is nearly always the true maximum; what is hard is a plan that
reaches it, because the cadres are full and one more household fits only after many others
moved so that the free hours come together on one cadre. A branch-and-bound search (the
count MIP, CP-SAT) finds such plans slowly; moves that consolidate free hours find them fast:

* *insert* an uncovered household where it fits (the count grows);
* *shift* a covered household to another cadre;
* *replace* a covered household by an uncovered one on the same cadre;
* *swap* two covered households between their cadres.

Between insertions the search maximises the sum of squared free hours over the cadres, which
rewards moves that gather the slack in a few cadres until an uncovered household fits (the
classic objective of bin-packing local search), takes the best non-tabu move even when it
is worse (a tabu search: a household just moved off a cadre may not return for a few
iterations), and stops after :data:`STALL` iterations without a larger cover or
:data:`WORK` cells evaluated. Both are work limits, and the tenure's randomness is seeded:
the result depends neither on the machine's load nor on the number of processes.

At scale 1 (seeds 1-3, default policy) the searches proved the count in all but one or
two townships a run, where the node-limited MIP had left three to six open (532628012:
295, the bound, where the MIP stopped at 292), and a run's CPU seconds fell from
479 / 263 / 376 to 196 / 179 / 202 (`bench/bench_assign.py --scale 1 --seed N
--processes 2 --skip-greedy --solver-only`, against commit 7a8edbd's runs).

Each iteration builds covered x covered arrays (the swaps), up to 800 x 800 in the
largest cadre-short townships. They are taken as rows of the cadre x covered arrays and
computed in place where that gives the same values: on this machine a fresh array of a few
MB costs more than the arithmetic on it. Same moves, same plans; on seed 1 (default policy),
run right after the code before on the same instance, the tier-1 stage took 79 instead of
107 CPU s and the run 134.5 instead of 156.7 s (`bench/bench_assign.py --scale 1
--processes 2 --skip-greedy --solver-only`; `bench/results/assign_scale1_solver_default.md`
and `..._default_7127e90.md`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

STALL = 400  # iterations without a larger cover before the search stops
WORK = 1_000_000_000  # cells evaluated (move candidates), over the whole search
TENURE = 7  # iterations a household may not return to the cadre it left (plus 0-2)
SEED = 11
# The cost search's weight on gathering free hours (``consolidate``), per squared hour, as a
# share of the least penalty of a household in the search: 0.1 puts a gain of 1 squared
# hour at a tenth of a household's penalty (chosen among 0.01, 0.1, 0.3 and 1.0 on the
# published covers of seed 1's cadre-short townships at scale 1). In the tier-1 stage
# (:func:`~assignment.solver.coverage.cheapest_cover`, alternating with the
# large-neighbourhood search) it took the cost gap with coverage fixed of seeds 1-3 from
# 2.05 / 2.00 / 1.33 % to 1.55 / 1.65 / 1.08 % (`bench/bench_assign.py --scale 1 --seed N
# --processes 2 --skip-greedy --solver-only`).
CONSOLIDATE = 0.1
_EPS = 1e-9  # hours: what "fits" allows above a cadre's free hours, against rounding
_FAR = 1e9  # hours of a household on a cadre it has no arc to (never fits)

Found = list[tuple[float, str, int, int]]  # (score, kind, household, cadre or household)


@dataclass
class _State:
    """A search's assignment and what follows from it, updated move by move."""

    h: np.ndarray  # hours, cadres x households (_FAR where no arc)
    asg: np.ndarray  # cadre per household, -1 uncovered
    load: np.ndarray  # hours per cadre
    cnt: np.ndarray  # households per cadre
    room: np.ndarray  # household limit per cadre
    movable: np.ndarray  # per household: not pinned
    tabu: np.ndarray  # (cadre, household): barred until that iteration
    rng: np.random.Generator

    def covered(self) -> int:
        return int((self.asg >= 0).sum())


def _state(
    hours: np.ndarray, cap_count: np.ndarray, start: np.ndarray, fixed: np.ndarray
) -> _State:
    m, n = hours.shape
    h = np.where(np.isfinite(hours), hours, _FAR)
    asg = start.astype(np.int64).copy()
    on = np.flatnonzero(asg >= 0)
    return _State(
        h=h,
        asg=asg,
        load=np.bincount(asg[on], h[asg[on], on], m).astype(float),  # float also when empty
        cnt=np.bincount(asg[on], minlength=m),
        room=cap_count.astype(np.int64),
        movable=~fixed.astype(bool),
        tabu=np.full((m, n), -1, dtype=np.int64),
        rng=np.random.default_rng(SEED),
    )


def search_count(
    hours: np.ndarray,
    cap_hours: np.ndarray,
    cap_count: np.ndarray,
    start: np.ndarray,
    fixed: np.ndarray,
    *,
    target: int,
    effort: float = 1.0,
    lightest: bool = False,
) -> np.ndarray:
    """The largest cover found: a cadre per household (-1 uncovered) that fits.

    ``hours`` (cadres x households, ``inf`` where the cadre cannot take the household),
    ``cap_hours`` and ``cap_count`` per cadre, ``start`` a fitting assignment (cadre index
    per household, -1 uncovered); ``fixed`` households (pinned) keep their cadre. Stops at
    ``target`` households covered (a proven bound: nothing more to find). ``effort``
    multiplies both work limits. An uncovered household that fits somewhere goes where it
    leaves the fewest free hours (best fit), or with ``lightest`` on its lightest fitting
    arc: two searches that close different townships. Never returns fewer covered than
    ``start``.
    """
    st = _state(hours, cap_count, start, fixed)
    m = len(cap_hours)
    best, best_n = st.asg.copy(), st.covered()
    if best_n >= target or m == 0:
        return best
    budget = effort * WORK
    stall = int(effort * STALL)
    it = last = 0
    while it - last <= stall and budget > 0:
        it += 1
        s = cap_hours - st.load
        unc = np.flatnonzero(st.asg < 0)
        fits = (st.h[:, unc] <= s[:, None] + _EPS) & (st.cnt < st.room)[:, None]
        budget -= m * len(unc)
        if fits.any():  # insert: best fit (the least free hours left) or the lightest arc
            hu = st.h[:, unc]
            left = np.where(fits, hu if lightest else s[:, None] - hu, np.inf)
            w, k = np.unravel_index(int(np.argmin(left)), left.shape)
            _apply(st, ("insert", int(unc[k]), int(w)), it)
            if st.covered() > best_n:
                best, best_n, last = st.asg.copy(), st.covered(), it
                if best_n >= target:
                    break
            continue
        cells, move = _best_move(st, s, unc, it)
        budget -= cells
        if move is None:
            break
        _apply(st, move, it)
    return best


class _Moves(NamedTuple):
    """The moves of the covered movable households ``cov`` that fit and are not tabu."""

    wi: np.ndarray  # their cadres
    freed: np.ndarray  # free hours of each one's cadre once it leaves
    hk: np.ndarray  # cadre x covered: hours of each on every cadre
    shift: np.ndarray  # cadre x covered: it may move there
    hu: np.ndarray  # covered x uncovered: hours of the uncovered on the covered one's cadre
    replace: np.ndarray  # covered x uncovered: the uncovered may take its place
    new_k: np.ndarray  # covered x covered [k, l]: k's cadre's free hours, k out and l in
    swap: np.ndarray  # covered x covered: k and l may exchange cadres


def _moves(st: _State, s: np.ndarray, cov: np.ndarray, unc: np.ndarray, it: int) -> _Moves:
    # The covered x covered arrays are rows of the cadre x covered ones taken at each
    # household's cadre (a row copy per household, several times faster than indexing both
    # axes at once); the values, and so every move chosen, are the same.
    wi = st.asg[cov]
    own = np.arange(len(cov))
    hk = st.h[:, cov]
    tk = st.tabu[:, cov] < it  # [w, l]: l may go to cadre w
    freed = s[wi] + hk[wi, own]
    shift = (hk <= s[:, None] + _EPS) & (st.cnt < st.room)[:, None] & tk
    shift[wi, own] = False
    hu = st.h[:, unc].take(wi, axis=0)
    replace = (hu <= freed[:, None] + _EPS) & (st.tabu[:, unc] < it).take(wi, axis=0)
    new_k = hk.take(wi, axis=0)
    np.subtract(freed[:, None], new_k, out=new_k)  # in place: a fresh array costs more here
    fit = new_k >= -_EPS
    allowed = tk.take(wi, axis=0)  # [k, l]: l not barred from k's cadre
    swap = fit & fit.T & (wi[:, None] != wi[None, :])
    swap &= allowed & allowed.T
    return _Moves(wi, freed, hk, shift, hu, replace, new_k, swap)


def _best_move(
    st: _State, s: np.ndarray, unc: np.ndarray, it: int
) -> tuple[int, tuple[str, int, int] | None]:
    """(cells evaluated, the non-tabu move of largest gain in the sum of squared free hours
    as (kind, household, cadre or household), or None when no move is allowed)."""
    cov = np.flatnonzero((st.asg >= 0) & st.movable)
    if len(cov) == 0:
        return 0, None
    mv = _moves(st, s, cov, unc, it)
    base = s[mv.wi] ** 2
    found: Found = []
    gain = mv.freed**2 - base + (s[:, None] - mv.hk) ** 2 - (s**2)[:, None]
    _keep_least(found, np.where(mv.shift, -gain, np.inf), "shift", cov, None)
    # The covered x covered and covered x uncovered gains are computed in place (fresh large
    # arrays cost more than the arithmetic on this machine); the values are the same.
    gain = np.subtract(mv.freed[:, None], mv.hu)
    np.square(gain, out=gain)
    gain -= base[:, None]
    np.negative(gain, out=gain)
    gain[~mv.replace] = np.inf
    _keep_least(found, gain, "replace", cov, unc)
    sq = np.square(mv.new_k)
    gain = sq + sq.T
    gain -= base[:, None]
    gain -= base[None, :]
    np.negative(gain, out=gain)
    gain[~mv.swap] = np.inf
    _keep_least(found, gain, "swap", cov, cov)
    cells = mv.hk.size + len(cov) * (len(unc) + len(cov))
    if not found:
        return cells, None
    _, kind, i, j = min(found, key=lambda f: f[0])  # the largest gain
    return cells, (kind, i, j)


def search_cost(
    hours: np.ndarray,
    cost: np.ndarray,
    penalty: np.ndarray,
    *,
    cap_hours: np.ndarray,
    cap_count: np.ndarray,
    start: np.ndarray,
    fixed: np.ndarray,
    floor: int,
    effort: float = 1.0,
    consolidate: float = 0.0,
) -> np.ndarray:
    """The cheapest cover found of at least ``floor`` households, from ``start`` (which
    covers that many): a cadre per household (-1 uncovered) that fits.

    The cost of a cover is ``cost[w, i]`` per covered household on its cadre plus
    ``penalty[i]`` per uncovered one. The same tabu search as :func:`search_count` with
    the cost as its objective: insert, drop (while above ``floor``), replace, shift and
    swap, the best non-tabu move each iteration even when it costs more, stopping after
    :data:`STALL` iterations without a cheaper cover or :data:`WORK` cells.

    With ``consolidate`` > 0 a move is chosen by its cost change less ``consolidate`` times
    its gain in the sum of squared free hours (:func:`search_count`'s objective), while the
    cover kept is still the cheapest: where the cadres are full to minutes, a riskier
    household left out takes the place of a less risky, lighter one only once the free
    hours have come together on one cadre, and the plain cost search never gathers them
    (moving free hours costs nothing). See :data:`CONSOLIDATE`.
    """
    st = _state(hours, cap_count, start, fixed)
    m = len(cap_hours)
    c = np.where(np.isfinite(hours), cost, np.inf)
    on = np.flatnonzero(st.asg >= 0)
    now = float(c[st.asg[on], on].sum() + penalty[st.asg < 0].sum())
    best, best_cost = st.asg.copy(), now
    if m == 0:
        return best
    budget = effort * WORK
    stall = int(effort * STALL)
    it = last = 0
    while it - last <= stall and budget > 0:
        it += 1
        s = cap_hours - st.load
        unc = np.flatnonzero(st.asg < 0)
        cov = np.flatnonzero((st.asg >= 0) & st.movable)
        found: Found = []
        lam = consolidate
        # insert uncovered u on cadre w
        h_unc = st.h[:, unc]
        ok = (h_unc <= s[:, None] + _EPS) & (st.cnt < st.room)[:, None]
        ok &= st.tabu[:, unc] < it
        delta = c[:, unc] - penalty[unc][None, :]
        if lam > 0:  # (s - h)^2 - s^2 = h (h - 2 s), in place: fresh arrays cost here
            gain = np.subtract(h_unc, 2 * s[:, None])
            gain *= h_unc
            gain *= lam
            delta -= gain
        _keep_least(found, np.where(ok, delta, np.inf), "insert", unc, None)
        if len(cov):
            mv = _moves(st, s, cov, unc, it)
            ci = c[mv.wi, cov]
            base = s[mv.wi] ** 2  # each covered one's cadre: its squared free hours
            if st.covered() > floor:  # drop covered k (only above the floor)
                d = penalty[cov] - ci
                if lam > 0:
                    d = d - lam * (mv.freed**2 - base)
                k = int(np.argmin(d))
                found.append((float(d[k]), "drop", int(cov[k]), -1))
            d = c[:, unc].take(mv.wi, axis=0) - penalty[unc][None, :]
            d -= (ci - penalty[cov])[:, None]
            if lam > 0:
                gain = np.subtract(mv.freed[:, None], mv.hu)
                np.square(gain, out=gain)
                gain -= base[:, None]
                gain *= lam
                d -= gain
            _keep_least(found, np.where(mv.replace, d, np.inf), "replace", cov, unc)
            ck = c[:, cov]
            d = ck - ci[None, :]
            if lam > 0:
                gain = np.subtract(mv.hk, 2 * s[:, None])
                gain *= mv.hk
                gain += (mv.freed**2 - base)[None, :]
                gain *= lam
                d -= gain
            _keep_least(found, np.where(mv.shift, d, np.inf), "shift", cov, None)
            ckl = ck.take(mv.wi, axis=0)  # [k, l]: cost of l on k's cadre
            d = ckl + ckl.T
            d -= ci[:, None]
            d -= ci[None, :]
            if lam > 0:
                sq = np.square(mv.new_k)
                gain = sq + sq.T
                gain -= base[:, None]
                gain -= base[None, :]
                gain *= lam
                d -= gain
            d[~mv.swap] = np.inf
            _keep_least(found, d, "swap", cov, cov)
            budget -= len(cov) * (len(cov) + len(unc))
        budget -= m * (len(unc) + len(cov))
        if not found:
            break
        step, kind, i, j = min(found, key=lambda f: f[0])
        if lam > 0:  # the score was not the cost change: take the move's own
            step = _cost_change(st, c, penalty, (kind, i, j))
        _apply(st, (kind, i, j), it)
        now += step
        if now < best_cost - 1e-6 and st.covered() >= floor:
            best, best_cost, last = st.asg.copy(), now, it
    return best


def _cost_change(
    st: _State, c: np.ndarray, penalty: np.ndarray, move: tuple[str, int, int]
) -> float:
    """What ``move`` (kind, household, cadre or household) changes in the cover's cost
    (``c`` per covered household on its cadre, ``penalty`` per uncovered one), before it
    is carried out."""
    kind, i, j = move
    w = int(st.asg[i])
    if kind == "insert":  # uncovered i onto cadre j
        return float(c[j, i] - penalty[i])
    if kind == "drop":
        return float(penalty[i] - c[w, i])
    if kind == "replace":  # uncovered j takes i's place on w
        return float(c[w, j] - penalty[j] - c[w, i] + penalty[i])
    if kind == "shift":  # i: w -> cadre j
        return float(c[j, i] - c[w, i])
    v = int(st.asg[j])  # swap: i (on w) and j (on v) exchange cadres
    return float(c[w, j] + c[v, i] - c[w, i] - c[v, j])


def _apply(st: _State, move: tuple[str, int, int], it: int) -> None:
    """Carry out ``move`` (kind, household, cadre or household) on the search's state; a
    household that leaves a cadre may not return to it for :data:`TENURE` (+0-2)
    iterations."""
    kind, i, j = move
    h, asg, load, cnt = st.h, st.asg, st.load, st.cnt
    w1 = int(asg[i])
    if kind == "insert":  # uncovered i onto cadre j
        asg[i], load[j], cnt[j] = j, load[j] + h[j, i], cnt[j] + 1
        return
    if kind == "drop":
        asg[i], load[w1], cnt[w1] = -1, load[w1] - h[w1, i], cnt[w1] - 1
    elif kind == "shift":  # i: w1 -> cadre j
        load[w1] -= h[w1, i]
        load[j] += h[j, i]
        cnt[w1] -= 1
        cnt[j] += 1
        asg[i] = j
    elif kind == "replace":  # uncovered j takes i's place on w1
        load[w1] += h[w1, j] - h[w1, i]
        asg[j], asg[i] = w1, -1
    st.tabu[w1, i] = it + TENURE + st.rng.integers(0, 3)
    if kind == "swap":  # i (on w1) and j (on w2) exchange cadres
        w2 = int(asg[j])
        load[w1] += h[w1, j] - h[w1, i]
        load[w2] += h[w2, i] - h[w2, j]
        asg[i], asg[j] = w2, w1
        st.tabu[w2, j] = it + TENURE + st.rng.integers(0, 3)


def _keep_least(
    found: Found,
    delta: np.ndarray,
    kind: str,
    rows: np.ndarray,
    cols: np.ndarray | None,
) -> None:
    """Append the smallest finite ``delta`` as (delta, kind, household, cadre or household):
    with ``cols`` None the array is cadre x household (inserts, shifts), else household x
    household."""
    if delta.size == 0:
        return
    r, k = np.unravel_index(int(np.argmin(delta)), delta.shape)
    d = float(delta[r, k])
    if not np.isfinite(d):
        return
    if cols is None:  # cadre x household
        found.append((d, kind, int(rows[k]), int(r)))
    else:
        found.append((d, kind, int(rows[r]), int(cols[k])))
