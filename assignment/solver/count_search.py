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

The swaps are a covered x covered table (up to 800 x 800 in the largest cadre-short
townships). Each search keeps it from one iteration to the next (:class:`_SwapTable`): a
move changes the rows and columns of the few households on the cadres it touched, and only
those are recomputed, cell by cell with the same arithmetic, so the moves and covers are the
same as with the table rebuilt every iteration. On seed 1's tight run (`bench/bench_assign.py
--scale 1 --processes 2 --tight --skip-greedy --solver-only`, run right after the code
before on the same instance, every plan identical) the tier-1 stage took 55 instead of
63 CPU s and the run 157 instead of 166. The other moves' arrays (shifts, replacements)
are rows of the cadre x household ones taken at each household's cadre, computed in place
where that gives the same values (a fresh array of a few MB costs more than the arithmetic).
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
# (:func:`~assignment.solver.cheapest_cover.cheapest_cover`, alternating with the
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
    swaps = _SwapTable(len(st.asg))
    no_cost = np.zeros_like(st.h)  # the swap table's scores are then the gains alone
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
            _applied(st, ("insert", int(unc[k]), int(w)), it, swaps)
            if st.covered() > best_n:
                best, best_n, last = st.asg.copy(), st.covered(), it
                if best_n >= target:
                    break
            continue
        cells, move = _best_move(st, s, unc, it, swaps, no_cost)
        budget -= cells
        if move is None:
            break
        _applied(st, move, it, swaps)
    return best


class _Moves(NamedTuple):
    """The moves of the covered movable households ``cov`` that fit and are not tabu."""

    wi: np.ndarray  # their cadres
    freed: np.ndarray  # free hours of each one's cadre once it leaves
    hk: np.ndarray  # cadre x covered: hours of each on every cadre
    shift: np.ndarray  # cadre x covered: it may move there
    hu: np.ndarray  # covered x uncovered: hours of the uncovered on the covered one's cadre
    replace: np.ndarray  # covered x uncovered: the uncovered may take its place


def _moves(st: _State, s: np.ndarray, cov: np.ndarray, unc: np.ndarray, it: int) -> _Moves:
    """The shift and replace moves of ``cov`` (the swaps are kept in a :class:`_SwapTable`).
    The covered x uncovered arrays are rows of the cadre x uncovered ones taken at each
    household's cadre (a row copy per household, faster than indexing both axes at once)."""
    wi = st.asg[cov]
    own = np.arange(len(cov))
    hk = st.h[:, cov]
    tk = st.tabu[:, cov] < it  # [w, l]: l may go to cadre w
    freed = s[wi] + hk[wi, own]
    shift = (hk <= s[:, None] + _EPS) & (st.cnt < st.room)[:, None] & tk
    shift[wi, own] = False
    hu = st.h[:, unc].take(wi, axis=0)
    replace = (hu <= freed[:, None] + _EPS) & (st.tabu[:, unc] < it).take(wi, axis=0)
    return _Moves(wi, freed, hk, shift, hu, replace)


def _best_move(  # noqa: PLR0917  (the search's state and the iteration's figures)
    st: _State,
    s: np.ndarray,
    unc: np.ndarray,
    it: int,
    swaps: _SwapTable,
    no_cost: np.ndarray,
) -> tuple[int, tuple[str, int, int] | None]:
    """(cells evaluated, the non-tabu move of largest gain in the sum of squared free hours
    as (kind, household, cadre or household), or None when no move is allowed).
    ``swaps`` holds the swaps' scores with ``no_cost`` (zeros) as the cost: minus their
    gains."""
    cov = np.flatnonzero((st.asg >= 0) & st.movable)
    if len(cov) == 0:
        return 0, None
    mv = _moves(st, s, cov, unc, it)
    base = s[mv.wi] ** 2
    found: Found = []
    gain = mv.freed**2 - base + (s[:, None] - mv.hk) ** 2 - (s**2)[:, None]
    _keep_least(found, np.where(mv.shift, -gain, np.inf), "shift", cov, None)
    # The covered x uncovered gains are computed in place (fresh large arrays cost more
    # than the arithmetic on this machine); the values are the same.
    gain = np.subtract(mv.freed[:, None], mv.hu)
    np.square(gain, out=gain)
    gain -= base[:, None]
    np.negative(gain, out=gain)
    gain[~mv.replace] = np.inf
    _keep_least(found, gain, "replace", cov, unc)
    swaps.refresh(st, no_cost, s, cov, it=it, lam=1.0)
    _keep_least(found, swaps.score, "swap", swaps.ids, swaps.ids)
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
    swaps = _SwapTable(len(st.asg))
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
            swaps.refresh(st, c, s, cov, it=it, lam=lam)
            _keep_least(found, swaps.score, "swap", swaps.ids, swaps.ids)
            budget -= len(cov) * (len(cov) + len(unc))
        budget -= m * (len(unc) + len(cov))
        if not found:
            break
        step, kind, i, j = min(found, key=lambda f: f[0])
        if lam > 0:  # the score was not the cost change: take the move's own
            step = _cost_change(st, c, penalty, (kind, i, j))
        _applied(st, (kind, i, j), it, swaps)
        now += step
        if now < best_cost - 1e-6 and st.covered() >= floor:
            best, best_cost, last = st.asg.copy(), now, it
    return best


class _Changed(NamedTuple):
    """What a move changed: its households, the cadres whose load changed, and the
    (household, cadre) pairs it made tabu."""

    households: list[int]
    cadres: list[int]
    barred: list[tuple[int, int]]


class _SwapTable:
    """A search's swap scores, household x household (inf where no swap is allowed), kept
    from one iteration to the next: the cost search's (cost change less the weighted gain in
    free hours) or, with zero costs and a weight of 1, the count search's (minus the gain).

    A swap's score depends only on the two households' cadres, those cadres' free hours
    and the tabu entries between them, so after a move only the rows and columns of the
    households it moved, of every household on a cadre whose load it changed, and of a
    household whose tabu entry has just expired change. Only those are recomputed, each
    cell by the same arithmetic as the whole table (:func:`_swap_blocks`): the same scores,
    the same moves, the same covers, for a fraction of the work where hundreds of
    households are covered (the table's least entry is still searched in full, in the
    order of the covered x covered array it replaces, so ties fall the same way).
    """

    def __init__(self, n: int) -> None:
        self.ids = np.arange(n)
        self.score = np.full((n, n), np.inf)
        self.dirty = np.ones(n, dtype=bool)  # rows and columns to recompute
        self.expiring: dict[int, list[int]] = {}  # iteration -> households whose tabu ends

    def refresh(
        self, st: _State, c: np.ndarray, s: np.ndarray, cov: np.ndarray, *, it: int, lam: float
    ) -> None:
        """Bring the rows and columns that changed up to date for iteration ``it``."""
        for t in [t for t in self.expiring if t <= it]:  # also of iterations not refreshed
            self.dirty[self.expiring.pop(t)] = True
        rows = np.flatnonzero(self.dirty)
        if len(rows) == 0:
            return
        self.dirty[rows] = False
        self.score[rows, :] = np.inf
        self.score[:, rows] = np.inf
        in_cov = np.zeros(len(self.ids), dtype=bool)
        in_cov[cov] = True
        rows = rows[in_cov[rows]]
        if len(rows) == 0:
            return
        out, back = _swap_blocks(st, c, s, rows, cov, it, lam)
        self.score[np.ix_(rows, cov)] = out
        self.score[np.ix_(cov, rows)] = back

    def moved(self, st: _State, changed: _Changed) -> None:
        """After a move: mark what it changed and when the tabu entries it set end."""
        self.dirty[changed.households] = True
        self.dirty[np.isin(st.asg, changed.cadres)] = True
        for i, w in changed.barred:
            # tabu[w, i] = v bars i from w while the iteration is at most v.
            self.expiring.setdefault(int(st.tabu[w, i]) + 1, []).append(i)


def _swap_blocks(  # noqa: PLR0917  (the search's state and the iteration's figures)
    st: _State,
    c: np.ndarray,
    s: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    it: int,
    lam: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Swap scores of covered households ``rows`` x ``cols`` and of ``cols`` x ``rows``.

    The score of k (on cadre w) and l (on cadre v) exchanging cadres is the cost change,
    less ``lam`` times the gain in the sum of squared free hours; inf where the two share a
    cadre, either does not fit in what the other frees, or either is tabu on the other's
    cadre. Every cell is computed as the whole covered x covered table was, operation by
    operation, so the floats are the same: the sums of the two sides are shared by a pair's
    two cells (a float sum does not depend on the order of its two terms), the
    subtractions after them are not.
    """
    w, v = st.asg[rows], st.asg[cols]
    ck = c[w, rows]  # each one's cost on its own cadre
    cl = c[v, cols]
    pair = c[np.ix_(w, cols)] + c[np.ix_(v, rows)].T  # [k, l]: l on k's cadre, k on l's
    d = pair - ck[:, None]
    d -= cl[None, :]
    e = pair.T - cl[:, None]
    e -= ck[None, :]
    new_k = (s[w] + st.h[w, rows])[:, None] - st.h[np.ix_(w, cols)]  # k's cadre: k out, l in
    new_l = ((s[v] + st.h[v, cols])[:, None] - st.h[np.ix_(v, rows)]).T
    if lam > 0:
        sq = np.square(new_k) + np.square(new_l)
        base_k, base_l = s[w] ** 2, s[v] ** 2
        gain = sq - base_k[:, None]
        gain -= base_l[None, :]
        gain *= lam
        d -= gain
        gain = sq.T - base_l[:, None]
        gain -= base_k[None, :]
        gain *= lam
        e -= gain
    ok = (new_k >= -_EPS) & (new_l >= -_EPS) & (w[:, None] != v[None, :])
    ok &= st.tabu[np.ix_(w, cols)] < it
    ok &= (st.tabu[np.ix_(v, rows)] < it).T
    d[~ok] = np.inf
    e[~ok.T] = np.inf
    return d, e


def _applied(st: _State, move: tuple[str, int, int], it: int, swaps: _SwapTable) -> None:
    """Carry out ``move`` (:func:`_apply`) and mark in ``swaps`` what it changed."""
    swaps.moved(st, _apply(st, move, it))


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


def _apply(st: _State, move: tuple[str, int, int], it: int) -> _Changed:
    """Carry out ``move`` (kind, household, cadre or household) on the search's state; a
    household that leaves a cadre may not return to it for :data:`TENURE` (+0-2)
    iterations. Returns what it changed (for :class:`_SwapTable`)."""
    kind, i, j = move
    h, asg, load, cnt = st.h, st.asg, st.load, st.cnt
    w1 = int(asg[i])
    if kind == "insert":  # uncovered i onto cadre j
        asg[i], load[j], cnt[j] = j, load[j] + h[j, i], cnt[j] + 1
        return _Changed([i], [j], [])
    if kind == "drop":
        asg[i], load[w1], cnt[w1] = -1, load[w1] - h[w1, i], cnt[w1] - 1
        changed = _Changed([i], [w1], [(i, w1)])
    elif kind == "shift":  # i: w1 -> cadre j
        load[w1] -= h[w1, i]
        load[j] += h[j, i]
        cnt[w1] -= 1
        cnt[j] += 1
        asg[i] = j
        changed = _Changed([i], [w1, j], [(i, w1)])
    elif kind == "replace":  # uncovered j takes i's place on w1
        load[w1] += h[w1, j] - h[w1, i]
        asg[j], asg[i] = w1, -1
        changed = _Changed([i, j], [w1], [(i, w1)])
    st.tabu[w1, i] = it + TENURE + st.rng.integers(0, 3)
    if kind == "swap":  # i (on w1) and j (on w2) exchange cadres
        w2 = int(asg[j])
        load[w1] += h[w1, j] - h[w1, i]
        load[w2] += h[w2, i] - h[w2, j]
        asg[i], asg[j] = w2, w1
        st.tabu[w2, j] = it + TENURE + st.rng.integers(0, 3)
        changed = _Changed([i, j], [w1, w2], [(i, w1), (j, w2)])
    return changed


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
