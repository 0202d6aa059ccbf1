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
"""

from __future__ import annotations

import numpy as np

STALL = 400  # iterations without a larger cover before the search stops
WORK = 1_000_000_000  # cells evaluated (move candidates), over the whole search
TENURE = 7  # iterations a household may not return to the cadre it left (plus 0-2)
SEED = 11
_EPS = 1e-9  # hours: what "fits" allows above a cadre's free hours, against rounding
_FAR = 1e9  # hours of a household on a cadre it has no arc to (never fits)


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
    m, n = hours.shape
    h = np.where(np.isfinite(hours), hours, _FAR)
    asg = start.astype(np.int64).copy()
    on = np.flatnonzero(asg >= 0)
    load = np.bincount(asg[on], h[asg[on], on], m).astype(float)  # float also when empty
    cnt = np.bincount(asg[asg >= 0], minlength=m)
    room = cap_count.astype(np.int64)
    best, best_n = asg.copy(), int((asg >= 0).sum())
    if best_n >= target or m == 0:
        return best
    rng = np.random.default_rng(SEED)
    tabu = np.full((m, n), -1, dtype=np.int64)  # (cadre, household): barred until then
    movable = ~fixed.astype(bool)
    budget = effort * WORK
    stall = int(effort * STALL)
    it = last = 0
    while it - last <= stall and budget > 0:
        it += 1
        s = cap_hours - load
        unc = np.flatnonzero(asg < 0)
        fits = (h[:, unc] <= s[:, None] + _EPS) & (cnt < room)[:, None]
        budget -= m * len(unc)
        if fits.any():  # insert: best fit (the least free hours left) or the lightest arc
            left = np.where(fits, h[:, unc] if lightest else s[:, None] - h[:, unc], np.inf)
            w, k = np.unravel_index(int(np.argmin(left)), left.shape)
            i = unc[k]
            _apply(
                ("insert", int(i), int(w)),
                h=h,
                asg=asg,
                load=load,
                cnt=cnt,
                tabu=tabu,
                it=it,
                rng=rng,
            )
            if int((asg >= 0).sum()) > best_n:
                best, best_n, last = asg.copy(), int((asg >= 0).sum()), it
                if best_n >= target:
                    break
            continue
        move = _best_move(h, s, cnt, room, asg, unc, movable, tabu, it)
        budget -= move[0]
        if move[1] is None:
            break
        _apply(move[1], h=h, asg=asg, load=load, cnt=cnt, tabu=tabu, it=it, rng=rng)
    return best


def _best_move(  # noqa: PLR0917  (the search's state)
    h: np.ndarray,
    s: np.ndarray,
    cnt: np.ndarray,
    room: np.ndarray,
    asg: np.ndarray,
    unc: np.ndarray,
    movable: np.ndarray,
    tabu: np.ndarray,
    it: int,
) -> tuple[int, tuple[str, int, int] | None]:
    """(cells evaluated, the non-tabu move of largest gain in the sum of squared free hours
    as (kind, household, cadre or household), or None when no move is allowed)."""
    cov = np.flatnonzero((asg >= 0) & movable)
    if len(cov) == 0:
        return 0, None
    wi = asg[cov]
    hi = h[wi, cov]
    freed = s[wi] + hi  # free hours of each one's cadre once it leaves
    base = s[wi] ** 2
    found: list[tuple[float, str, int, int]] = []
    # shift: household k of cov to cadre w
    hk = h[:, cov]
    ok = (hk <= s[:, None] + _EPS) & (cnt < room)[:, None] & (tabu[:, cov] < it)
    ok[wi, np.arange(len(cov))] = False
    gain = freed**2 - base + (s[:, None] - hk) ** 2 - (s**2)[:, None]
    _keep_least(found, np.where(ok, -gain, np.inf), "shift", cov, None)
    # replace: covered k out, uncovered u in, on k's cadre
    if len(unc):
        hu = h[wi[:, None], unc[None, :]]
        ok = (hu <= freed[:, None] + _EPS) & (tabu[wi[:, None], unc[None, :]] < it)
        gain = (freed[:, None] - hu) ** 2 - base[:, None]
        _keep_least(found, np.where(ok, -gain, np.inf), "replace", cov, unc)
    # swap: k goes to l's cadre, l to k's
    hkl = h[wi[:, None], cov[None, :]]  # [k, l]: hours of l on k's cadre
    new_k = freed[:, None] - hkl  # k's cadre after k out, l in
    new_l = new_k.T  # l's cadre after l out, k in (same formula, roles exchanged)
    t = tabu[wi[:, None], cov[None, :]]  # [k, l]: l barred from k's cadre
    ok = (new_k >= -_EPS) & (new_l >= -_EPS) & (wi[:, None] != wi[None, :])
    ok &= (t < it) & (it > t.T)
    gain = new_k**2 + new_l**2 - base[:, None] - base[None, :]
    _keep_least(found, np.where(ok, -gain, np.inf), "swap", cov, cov)
    cells = hk.size + len(cov) * (len(unc) + len(cov))
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
) -> np.ndarray:
    """The cheapest cover found of at least ``floor`` households, from ``start`` (which
    covers that many): a cadre per household (-1 uncovered) that fits.

    The cost of a cover is ``cost[w, i]`` per covered household on its cadre plus
    ``penalty[i]`` per uncovered one. The same tabu search as :func:`search_count` with
    the cost as its objective: insert, drop (while above ``floor``), replace, shift and
    swap, the best non-tabu move each iteration even when it costs more, stopping after
    :data:`STALL` iterations without a cheaper cover or :data:`WORK` cells.
    """
    m, n = hours.shape
    h = np.where(np.isfinite(hours), hours, _FAR)
    c = np.where(np.isfinite(hours), cost, np.inf)
    asg = start.astype(np.int64).copy()
    on = np.flatnonzero(asg >= 0)
    load = np.bincount(asg[on], h[asg[on], on], m).astype(float)  # float also when empty
    cnt = np.bincount(asg[on], minlength=m)
    room = cap_count.astype(np.int64)

    def total(a: np.ndarray) -> float:
        got = np.flatnonzero(a >= 0)
        return float(c[a[got], got].sum() + penalty[a < 0].sum())

    best, best_cost = asg.copy(), total(asg)
    if m == 0:
        return best
    rng = np.random.default_rng(SEED)
    tabu = np.full((m, n), -1, dtype=np.int64)
    movable = ~fixed.astype(bool)
    budget = effort * WORK
    stall = int(effort * STALL)
    it = last = 0
    now = best_cost
    while it - last <= stall and budget > 0:
        it += 1
        s = cap_hours - load
        unc = np.flatnonzero(asg < 0)
        cov = np.flatnonzero((asg >= 0) & movable)
        wi = asg[cov]
        found: list[tuple[float, str, int, int]] = []
        # insert uncovered u on cadre w
        hu = h[:, unc]
        ok = (hu <= s[:, None] + _EPS) & (cnt < room)[:, None] & (tabu[:, unc] < it)
        delta = c[:, unc] - penalty[unc][None, :]
        _keep_least(found, np.where(ok, delta, np.inf), "insert", unc, None)
        if len(cov):
            hi = h[wi, cov]
            ci = c[wi, cov]
            freed = s[wi] + hi
            # drop covered k (only above the floor)
            if len(cov) + int((~movable & (asg >= 0)).sum()) > floor:
                d = penalty[cov] - ci
                k = int(np.argmin(d))
                found.append((float(d[k]), "drop", int(cov[k]), -1))
            # replace covered k by uncovered u on k's cadre
            if len(unc):
                ok = (h[wi[:, None], unc[None, :]] <= freed[:, None] + _EPS) & (
                    tabu[wi[:, None], unc[None, :]] < it
                )
                d = (
                    c[wi[:, None], unc[None, :]]
                    - penalty[unc][None, :]
                    - (ci - penalty[cov])[:, None]
                )
                _keep_least(found, np.where(ok, d, np.inf), "replace", cov, unc)
            # shift k to cadre w
            hk = h[:, cov]
            ok = (hk <= s[:, None] + _EPS) & (cnt < room)[:, None] & (tabu[:, cov] < it)
            ok[wi, np.arange(len(cov))] = False
            shift = np.where(ok, c[:, cov] - ci[None, :], np.inf)
            _keep_least(found, shift, "shift", cov, None)
            # swap k and l between their cadres
            hkl = h[wi[:, None], cov[None, :]]
            new_k = freed[:, None] - hkl
            t = tabu[wi[:, None], cov[None, :]]
            ok = (new_k >= -_EPS) & (new_k.T >= -_EPS) & (wi[:, None] != wi[None, :])
            ok &= (t < it) & (t.T < it)  # noqa: SIM300  (both the same way round)
            ckl = c[wi[:, None], cov[None, :]]  # [k, l]: cost of l on k's cadre
            d = ckl + ckl.T - ci[:, None] - ci[None, :]
            _keep_least(found, np.where(ok, d, np.inf), "swap", cov, cov)
            budget -= len(cov) * (len(cov) + len(unc))
        budget -= m * (len(unc) + len(cov))
        if not found:
            break
        step, kind, i, j = min(found, key=lambda f: f[0])
        _apply((kind, i, j), h=h, asg=asg, load=load, cnt=cnt, tabu=tabu, it=it, rng=rng)
        now += step
        if now < best_cost - 1e-6 and int((asg >= 0).sum()) >= floor:
            best, best_cost, last = asg.copy(), now, it
    return best


def _apply(
    move: tuple[str, int, int],
    *,
    h: np.ndarray,
    asg: np.ndarray,
    load: np.ndarray,
    cnt: np.ndarray,
    tabu: np.ndarray,
    it: int,
    rng: np.random.Generator,
) -> None:
    """Carry out ``move`` (kind, household, cadre or household) on the search's state; a
    household that leaves a cadre may not return to it for :data:`TENURE` (+0-2)
    iterations."""
    kind, i, j = move
    w1 = int(asg[i])
    if kind == "insert":  # uncovered i onto cadre j
        asg[i], load[j], cnt[j] = j, load[j] + h[j, i], cnt[j] + 1
    elif kind == "drop":
        asg[i], load[w1], cnt[w1] = -1, load[w1] - h[w1, i], cnt[w1] - 1
        tabu[w1, i] = it + TENURE + rng.integers(0, 3)
    elif kind == "shift":  # i: w1 -> cadre j
        load[w1] -= h[w1, i]
        load[j] += h[j, i]
        cnt[w1] -= 1
        cnt[j] += 1
        asg[i] = j
        tabu[w1, i] = it + TENURE + rng.integers(0, 3)
    elif kind == "replace":  # uncovered j takes i's place on w1
        load[w1] += h[w1, j] - h[w1, i]
        asg[j], asg[i] = w1, -1
        tabu[w1, i] = it + TENURE + rng.integers(0, 3)
    else:  # swap i (on w1) and j (on w2)
        w2 = int(asg[j])
        load[w1] += h[w1, j] - h[w1, i]
        load[w2] += h[w2, i] - h[w2, j]
        asg[i], asg[j] = w2, w1
        tabu[w1, i] = it + TENURE + rng.integers(0, 3)
        tabu[w2, j] = it + TENURE + rng.integers(0, 3)


def _keep_least(
    found: list[tuple[float, str, int, int]],
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
