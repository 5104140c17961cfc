r"""The ``phased`` strategy: an incumbent, a bound on a relaxation, a repair.

HiGHS alone proves the default scenario slowly: the LP gap comes from rounding capacity blocks over
time, and most of the tree is spent before a good plan is found. With a good plan in hand, reduced-cost
fixing prunes the tree quickly. The ``phased`` strategy therefore runs on one standard form ``P``
(column space unchanged throughout, so every start is a full vector in the original columns):

1. **LP** of ``P`` (all integrality dropped; by interior point when it is large and dual simplex does not finish
   it quickly, :func:`solve_lp`).
2. **Blocks relaxed** (``blocks`` columns continuous, units continuous): a MIP over openings only,
   a few seconds at most.
3. **Openings fixed**: ``P`` with units continuous and every opening fixed as in (2) (or, when (2)
   found nothing in time or was skipped because the LP alone took over ``SLOW_LP_S``, open wherever the
   LP opens at all): a MIP over block builds only, solved to
   ``1e-4`` in seconds. When it has no solution, the **restricted MIP** instead:
   units continuous, every site outside the support of (1) and (2) closed.
   Its incumbent ``x_R`` is then **repaired** (3b): openings, blocks and link builds fixed, units
   integer, giving the first plan ``U_0`` of ``P``.

   **Assignments** (3c), when the model places workloads whole (role ``assignment``: a training run on one
   campus group, or left unplaced) and at least :data:`ASSIGNMENT_MIN_S` are left: ``A`` = ``P`` with every
   integer column but the assignments continuous, started from ``U_0``'s assignments, for
   :data:`ASSIGNMENT_SHARE` of the time left, stopping once ``U_0`` is proven. Placing runs whole is bin
   packing: the LP spreads a run over several campuses a fraction each, and the trees of ``P`` and ``Q`` lift
   that bound only slowly under their many other integers, while the tree of ``A`` (the assignment binaries
   over a small LP) closes in minutes. Its bound rises little before it closes, so with less time left the
   bound phase (4) has the time instead. ``A`` is a relaxation of ``P``: :math:`\min P \ge \min A \ge L_A`.
4. **Bound**: ``Q`` = ``P`` with chip units continuous, warm-started from ``x_R``. ``Q`` is a relaxation
   of ``P``, so its dual bound ``L_Q`` is a lower bound of ``P``:

   .. math:: \min P \ge \min Q \ge L_Q

   It stops as soon as ``(U_0 - L_Q) / |U_0|`` reaches the target, and is skipped when the LP's bound (1)
   already proves ``U_0`` within it (a shortlisted model, solved to a loose gap, often is).
5. **Repair** of ``Q``'s incumbent when ``U_0`` is not yet within the target: its objective ``U`` is a plan
   of ``P``; the reported gap is ``(min(U_0, U) - L_Q) / |min(U_0, U)|``.
6. If the gap is still above the target (e.g. a small case where whole units change the buildout), ``P``
   itself is solved with the remaining time, warm-started from the best plan.

The bound reported is the largest any phase proved: a phase stopped before its root node has a trivial
dual bound, and the LP's (1) is then the stronger.

When the model has no chip-unit integers (``integer_units=False``) steps 4-5 are a single solve of ``P``.

Columns are found by the roles the model's families declare (:class:`gigawatt.strategies.Columns`):
``unit`` (chip units), ``block`` (yearly block builds) and ``opening`` (site openings, each with the
site it opens). Every phase runs inside :func:`gigawatt.solvers.progress.scope`, which says whether
its numbers are plans or bounds of ``P``.

Ctrl-C (:mod:`gigawatt.solvers.stop`) ends the phase under way and skips the rest: the result is the
best plan of ``P`` found so far with the best lower bound of ``P`` proven so far, ``interrupted``
(:func:`stopped`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from gigawatt.solvers import highs, progress, stop
from gigawatt.solvers.base import SolutionStatus, SolveOptions, SolveResult, StandardForm, TerminationCondition
from gigawatt.strategies.columns import Columns

#: The bound with only the assignments whole (3c): the least time left for it to run, seconds (its tree closed
#: in 125-233 s on the default scenario with its training runs, and its bound rises little before it closes), and its share of that time.
ASSIGNMENT_MIN_S = 150.0
ASSIGNMENT_SHARE = 0.8
#: Share of the time limit for the incumbent phases (1-3) and the cap on each, seconds.
HEURISTIC_SHARE = 0.3
BLOCKS_RELAXED_MAX_S = 4.0
#: Time kept back for the repair (5), seconds, and its relative gap.
REPAIR_MAX_S = 5.0
REPAIR_GAP = 5e-5
#: Objective minus bound (million USD) at which a gap counts as closed whatever the target: HiGHS's default mip_abs_gap.
ABS_GAP = 1e-6
#: A relaxed unit count within this of a whole number is kept in the first repair.
WHOLE_TOL = 1e-6
#: The bound solve (4) aims a little under the target so the repair's loss still fits.
BOUND_GAP_SHARE = 0.9
#: Caps (2) and (3) grow to this multiple of the LP's seconds on large models, up to this share of the time limit.
LP_MULTIPLE = 3.0
PHASE_SHARE = 0.25
#: An LP slower than this (seconds) skips (2): its openings come from the LP's support instead.
SLOW_LP_S = 10.0
#: Cap on the MIP with openings fixed (3), seconds, and its relative gap.
FIXED_OPENINGS_MAX_S = 6.0
FIXED_OPENINGS_GAP = 1e-4
#: Relative gap of (3) and of the repairs when ``phased`` runs for a quick plan (``quick=True``).
QUICK_GAP = 2e-3
#: Support threshold for a site being "used" in a relaxed solution (blocks).
SUPPORT_TOL = 1e-6
#: An LP relaxation with this many nonzeros or more in its open part goes to HiGHS's interior point method (with
#: crossover) instead of dual simplex (:func:`lp_options`), after a probe by dual simplex of this share of its time,
#: at most this many seconds (:func:`solve_lp`).
IPM_NONZEROS = 500_000
SIMPLEX_PROBE_SHARE = 0.1
SIMPLEX_PROBE_MAX_S = 10.0


@dataclass
class StrategyReport:
    """What each phase did: seconds, objective, bound (solver units), for the Plan's metadata."""

    name: str
    phases: list[dict[str, object]] = field(default_factory=list)

    def add(self, phase: str, result: SolveResult | None, **extra: object) -> None:
        row: dict[str, object] = {"phase": phase, **extra}
        if result is not None:
            row |= {
                "seconds": round(result.seconds, 3),
                "status": result.termination.value,
                "objective": result.objective,
                "bound": result.bound,
            }
        self.phases.append(row)

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "phases": self.phases}


def _with(
    form: StandardForm, *, integer_off: np.ndarray | None = None, upper: np.ndarray | None = None, lower: np.ndarray | None = None
) -> StandardForm:
    """``form`` with the columns ``integer_off`` continuous and, when given, new column bounds."""
    integrality = form.integrality.copy()
    if integer_off is not None and len(integer_off):
        integrality[integer_off] = 0
    return replace(
        form,
        integrality=integrality,
        col_upper=form.col_upper if upper is None else upper,
        col_lower=form.col_lower if lower is None else lower,
    )


def _options(base: SolveOptions, time_limit: float, mip_gap: float, start_allowed: bool = True) -> SolveOptions:
    return replace(base, time_limit=max(time_limit, 0.5), mip_gap=mip_gap, tee=base.tee and start_allowed)


def lp_options(base: SolveOptions, form: StandardForm, groups: Columns, time_limit: float, mip_gap: float) -> SolveOptions:
    """Options for the LP relaxation of ``form``: interior point once its open part is large, else HiGHS's choice.

    The open part is estimated as the nonzeros times the share of openings not closed by their bounds (a
    shortlisted model keeps every column of the closed sites, which presolve removes). Measured at ``threads=1``
    (``benchmarks/RESULTS.md``): dual simplex is quicker on small LPs, interior point on large ones. A ``solver``
    the caller set in ``solver_options`` is kept.
    """
    options = _options(base, time_limit, mip_gap)
    open_share = float(np.mean(form.col_upper[groups.opens] > 0)) if len(groups.opens) else 1.0
    if "solver" in base.solver_options or form.A.nnz * open_share < IPM_NONZEROS:  # type: ignore[attr-defined]
        return options
    return replace(options, solver_options={**base.solver_options, "solver": "ipm"})


def solve_lp(form: StandardForm, groups: Columns, base: SolveOptions, time_limit: float, mip_gap: float) -> SolveResult:
    """The LP relaxation of ``form`` with :func:`lp_options`; one that goes to interior point is first given to dual
    simplex for :data:`SIMPLEX_PROBE_SHARE` of ``time_limit`` (at most :data:`SIMPLEX_PROBE_MAX_S`), and to interior
    point with the time left only when simplex has not finished.

    Which method is quicker depends on the LP's shape more than its size (``benchmarks/RESULTS.md``): a
    facility-location LP of 1.2 M nonzeros takes 3.8 s by dual simplex and over 120 s by interior point, a
    1000-campus buildout of 0.9 M takes 71 s against 47 s. The probe costs the large buildouts its seconds and
    saves the other shape from never finishing. The result's seconds count both.
    """
    options = lp_options(base, form, groups, time_limit, mip_gap)
    probe_s = min(SIMPLEX_PROBE_SHARE * time_limit, SIMPLEX_PROBE_MAX_S)
    if "solver" in base.solver_options or options.solver_options.get("solver") != "ipm" or probe_s <= 0:
        return highs.solve(form, options, relax=True)
    simplex = {**options.solver_options, "solver": "simplex"}
    probe = highs.solve(form, replace(options, time_limit=probe_s, solver_options=simplex), relax=True)
    if probe.termination is not TerminationCondition.TIME_LIMIT or stop.requested():
        return probe
    ipm = highs.solve(form, replace(options, time_limit=max(time_limit - probe.seconds, 0.5)), relax=True)
    return replace(ipm, seconds=probe.seconds + ipm.seconds)


def _used_sites(x: np.ndarray | None, groups: Columns) -> set[str]:
    if x is None:
        return set()
    return {s for s, col in zip(groups.block_entity, groups.blocks, strict=True) if x[col] > SUPPORT_TOL}


def phased_solve(form: StandardForm, groups: Columns, options: SolveOptions, *, quick: bool = False) -> tuple[SolveResult, StrategyReport]:
    """Solve ``form`` with the phases of this module; the result's bound is a true lower bound of ``form``.

    ``quick`` (a shortlisted model, where a first plan matters more than the best one) skips (2) and
    solves (3) and the repairs to :data:`QUICK_GAP` only.
    """
    t_start = time.perf_counter()
    limit = options.time_limit if options.time_limit is not None else float("inf")
    target = options.mip_gap
    report = StrategyReport("phased")
    fixed_gap, repair_gap = (QUICK_GAP, QUICK_GAP) if quick else (FIXED_OPENINGS_GAP, REPAIR_GAP)

    def left() -> float:
        return limit - (time.perf_counter() - t_start)

    heuristic_budget = min(limit * HEURISTIC_SHARE, 60.0)
    plans_of_p: list[SolveResult | None] = []  # what Ctrl-C returns: the best of these,
    bounds_of_p: list[float | None] = []  # with the largest of these

    def interrupted(last: SolveResult) -> tuple[SolveResult, StrategyReport]:
        return _timed(stopped(plans_of_p, bounds_of_p, last, target), t_start), report

    # 1. LP
    with progress.scope(plans=False, bounds=True, phase="LP relaxation"):
        lp = solve_lp(form, groups, options, left(), target)
    report.add("lp", lp)
    if lp.termination in (TerminationCondition.INFEASIBLE, TerminationCondition.INFEASIBLE_OR_UNBOUNDED):
        return lp, report
    bounds_of_p.append(lp.bound)
    if stop.requested():
        return interrupted(lp)
    if left() <= 0:  # the LP took all the time: no phase after it could end within the limit
        return _timed(out_of_time(bounds_of_p, lp, target), t_start), report
    relaxed_units = _with(form, integer_off=groups.units)
    # 2. blocks relaxed
    blocks_relaxed = _with(relaxed_units, integer_off=groups.blocks)
    scale = LP_MULTIPLE * lp.seconds  # larger models need longer for the root LP of each phase
    phase_cap = min(max(BLOCKS_RELAXED_MAX_S, scale), PHASE_SHARE * limit)
    br = replace(lp, x=None)  # stands for "no openings from (2)"
    if lp.seconds <= SLOW_LP_S and not quick:
        with progress.scope(plans=False, bounds=True, phase="openings"):
            br = highs.solve(blocks_relaxed, _options(options, min(phase_cap, left()), 1e-4))
        report.add("blocks_relaxed", br)
        bounds_of_p.append(br.bound)
        if stop.requested():
            return interrupted(br)
    has_unit_integers = _has_unit_integers(form, groups)
    repair_cap = min(max(REPAIR_MAX_S, scale), PHASE_SHARE * limit)
    # 3. the units-relaxed MIP with every opening fixed as in (2): blocks and units only
    fixed = None
    # openings of (2), or where (2) found nothing in time, every site-year the LP opens at all
    openings = np.round(br.x[groups.opens]) if br.x is not None else None
    if openings is None and lp.x is not None:
        openings = (lp.x[groups.opens] > SUPPORT_TOL).astype(float)
    if openings is not None:
        lower, upper = relaxed_units.col_lower.copy(), relaxed_units.col_upper.copy()
        lower[groups.opens] = upper[groups.opens] = openings
        budget = max(min(max(FIXED_OPENINGS_MAX_S, scale), PHASE_SHARE * limit, left()), 1.0)
        with progress.scope(plans=not has_unit_integers, bounds=False, phase="blocks"):
            fixed = highs.solve(_with(relaxed_units, lower=lower, upper=upper), _options(options, budget, fixed_gap))
        report.add("openings_fixed", fixed, openings="blocks_relaxed" if br.x is not None else "lp")
        plans_of_p.append(None if has_unit_integers else fixed)
        if stop.requested():
            return interrupted(fixed)
    rs = fixed
    if fixed is None or not fixed.has_solution:
        # 3'. restricted MIP over the sites the two relaxations use
        sites = _used_sites(lp.x, groups) | _used_sites(br.x, groups)
        upper = relaxed_units.col_upper.copy()
        closed = np.array([col for s, col in zip(groups.open_entity, groups.opens, strict=True) if s not in sites], dtype=np.int64)
        upper[closed] = 0.0
        restricted = replace(relaxed_units, col_upper=upper)
        spent = time.perf_counter() - t_start
        with progress.scope(plans=not has_unit_integers, bounds=False, phase="restricted"):
            budget = min(max(heuristic_budget - spent, phase_cap, 1.0), max(left(), 1.0))
            rs = highs.solve(restricted, _options(options, budget, BOUND_GAP_SHARE * target))
        report.add("restricted", rs, sites=sorted(sites))
        plans_of_p.append(None if has_unit_integers else rs)
        if stop.requested():
            return interrupted(rs)
    start = rs.x if rs.has_solution else None
    early = None
    if has_unit_integers and rs.has_solution and rs.x is not None:
        # 3b. an early plan of P: that build with whole units
        with progress.scope(plans=True, bounds=False, phase="whole units"):
            early = _repair(form, groups, rs.x, options, left, repair_cap, repair_gap)
        report.add("early_repair", early)
        plans_of_p.append(early)
        if stop.requested():
            return interrupted(early)
        early = early if early.has_solution else None
        if early is not None and _gap(early.objective, _largest(bounds_of_p)) <= target:  # the LP already proves it
            return _timed(_combine(early, _largest(bounds_of_p), target), t_start), report
    bound_gap = BOUND_GAP_SHARE * target if has_unit_integers else target
    # phases 3c and 4 stop as soon as the early plan is proven within the target
    proven_at = early.objective - target * abs(early.objective) if early is not None and early.objective is not None else None
    if early is not None and len(groups.assignments) and not quick and left() >= ASSIGNMENT_MIN_S:
        # 3c. bound with only the assignments whole, every other integer column relaxed
        assignments_whole = _with(form, integer_off=np.setdiff1d(np.flatnonzero(form.integrality), groups.assignments))
        with progress.scope(plans=False, bounds=True, phase="assignments"):
            a = highs.solve(
                assignments_whole,
                _options(options, ASSIGNMENT_SHARE * left(), bound_gap),
                start=early.x[groups.assignments] if early.x is not None else None,
                start_columns=groups.assignments,  # HiGHS completes the rest (a full start comes back mispriced)
                stop_bound=proven_at,
            )
        report.add("assignments", a)
        bounds_of_p.append(a.bound)
        if stop.requested():
            return interrupted(a)
        if _gap(early.objective, _largest(bounds_of_p)) <= target:
            return _timed(_combine(early, _largest(bounds_of_p), target), t_start), report
    # 4. bound on the units-relaxed problem (the problem itself when units are continuous)
    reserve = min(repair_cap, 0.1 * limit) if has_unit_integers else 0.0
    with progress.scope(plans=not has_unit_integers, bounds=True, phase="bound"):
        q = highs.solve(relaxed_units, _options(options, left() - reserve, bound_gap), start=start, stop_bound=proven_at)
    report.add("bound", q)
    plans_of_p.append(None if has_unit_integers else q)
    bounds_of_p.append(q.bound)
    if stop.requested():
        return interrupted(q)
    if not has_unit_integers:
        return _timed(_with_bound(q, _largest(bounds_of_p), target), t_start), report
    if not q.has_solution:
        with progress.scope(plans=True, bounds=True, phase="full MIP"):
            p = highs.solve(form, _options(options, left(), target), start=early.x if early is not None else None)
        report.add("fallback", p)
        plans_of_p.append(p)
        bounds_of_p.append(p.bound)
        if stop.requested():
            return interrupted(p)
        return _timed(_best(p, early, _largest(bounds_of_p), target), t_start), report
    # 5. repair: fix openings, blocks and link builds at Q's incumbent, units integer; first with the
    #    units Q already has whole fixed too (a small MIP over the fractional ones), then all units free
    assert q.x is not None
    bound = _largest(bounds_of_p)  # Q's dual bound, or the LP's when Q stopped before its root
    repair = None
    if early is None or _gap(early.objective, bound) > target:
        with progress.scope(plans=True, bounds=False, phase="repair"):
            repair = _repair(form, groups, q.x, options, left, repair_cap, repair_gap)
        report.add("repair", repair)
        plans_of_p.append(repair)
        if stop.requested():
            return interrupted(repair)
    plans = [r for r in (repair, early) if r is not None and r.has_solution]
    best = min(plans, key=lambda r: r.objective if r.objective is not None else float("inf")) if plans else None
    if best is not None and bound is not None and _gap(best.objective, bound) <= target:
        return _timed(_combine(best, bound, target), t_start), report
    # 6. the problem itself, warm-started from the repaired plan
    with progress.scope(plans=True, bounds=True, phase="full MIP"):
        p = highs.solve(form, _options(options, max(left(), 1.0), target), start=best.x if best is not None else None)
    report.add("full", p)
    plans_of_p.append(p)
    bounds_of_p.append(p.bound)
    if stop.requested():
        return interrupted(p)
    candidates = [r for r in (best, p) if r is not None and r.has_solution]
    if not candidates:
        return _timed(p, t_start), report
    winner = min(candidates, key=lambda r: r.objective if r.objective is not None else float("inf"))
    if p.termination is TerminationCondition.OPTIMAL and winner is p:
        return _timed(p, t_start), report
    return _timed(_combine(winner, _largest(bounds_of_p), target), t_start), report


def _largest(bounds: list[float | None]) -> float | None:
    """The largest finite of ``bounds`` (lower bounds of one problem), or None."""
    finite = [b for b in bounds if b is not None and np.isfinite(b)]
    return max(finite) if finite else None


def _with_bound(result: SolveResult, bound: float | None, target: float) -> SolveResult:
    """``result`` with ``bound`` (the largest known) when it is stronger than its own: a stopped solve whose dual bound
    fell short of an earlier relaxation's keeps that relaxation's bound."""
    if result.termination is TerminationCondition.OPTIMAL or bound is None or (result.bound is not None and result.bound >= bound):
        return result
    return _combine(result, bound, target) if result.has_solution else replace(result, bound=bound)


def _best(result: SolveResult, other: SolveResult | None, bound: float | None, target: float) -> SolveResult:
    """``result`` or ``other``, whichever has the better plan, with ``bound`` when it is the stronger."""
    if other is None or not other.has_solution or other.objective is None:
        return _with_bound(result, bound, target)
    if result.has_solution and result.objective is not None and result.objective <= other.objective:
        return _with_bound(result, bound, target)
    return _combine(other, bound, target)


def stopped(plans: list[SolveResult | None], bounds: list[float | None], last: SolveResult, target: float) -> SolveResult:
    """After Ctrl-C: the best of ``plans`` (plans of ``P``) with the largest of ``bounds`` (lower bounds of ``P``).

    ``interrupted`` unless that closes the gap (then ``optimal``: nothing was lost); with no plan,
    ``last`` without its solution (``interrupted``, with that bound).
    """
    bound = _largest(bounds)
    found = [r for r in plans if r is not None and r.has_solution and r.objective is not None]
    if not found:
        nothing = {"objective": None, "gap": None, "x": None, "row_duals": None}
        return replace(last, termination=TerminationCondition.INTERRUPTED, solution=SolutionStatus.NONE, bound=bound, **nothing)
    result = _combine(min(found, key=lambda r: r.objective), bound, target)  # type: ignore[arg-type,return-value]
    if result.termination is TerminationCondition.OPTIMAL:
        return result
    return replace(result, termination=TerminationCondition.INTERRUPTED)


def out_of_time(bounds: list[float | None], last: SolveResult, target: float) -> SolveResult:
    """The time limit reached before any plan: ``last`` without its solution, ``time_limit``, with the largest of ``bounds``."""
    return replace(stopped([], bounds, last, target), termination=TerminationCondition.TIME_LIMIT)


def _has_unit_integers(form: StandardForm, groups: Columns) -> bool:
    return bool(len(groups.units)) and bool(form.integrality[groups.units].any())


def _repair(
    form: StandardForm,
    groups: Columns,
    x: np.ndarray,
    options: SolveOptions,
    left: Callable[[], float],
    cap: float = REPAIR_MAX_S,
    gap: float = REPAIR_GAP,
) -> SolveResult:
    """Best plan of ``form`` with every non-unit integer column fixed at ``x`` (rounded)."""
    others = np.setdiff1d(np.flatnonzero(form.integrality.astype(bool)), groups.units)
    lower, upper = form.col_lower.copy(), form.col_upper.copy()
    lower[others] = upper[others] = np.round(x[others])
    units = groups.units
    whole = units[np.abs(x[units] - np.round(x[units])) <= WHOLE_TOL]
    narrow_lower, narrow_upper = lower.copy(), upper.copy()
    narrow_lower[whole] = narrow_upper[whole] = np.round(x[whole])
    budget = max(min(left(), cap), 1.0)
    narrow = highs.solve(_with(form, lower=narrow_lower, upper=narrow_upper), _options(options, budget, gap))
    if narrow.has_solution:
        return narrow
    return highs.solve(_with(form, lower=lower, upper=upper), _options(options, max(min(left(), cap), 1.0), gap))


def _gap(objective: float | None, bound: float | None) -> float:
    if objective is None or bound is None:
        return float("inf")
    return max(objective - bound, 0.0) / max(abs(objective), 1e-9)


def _combine(primal: SolveResult, bound: float | None, target: float) -> SolveResult:
    """``primal``'s plan with ``bound``; optimal when the gap closes (within ``target``, or :data:`ABS_GAP` as HiGHS stops)."""
    bound = bound if bound is not None and np.isfinite(bound) else None
    gap = _gap(primal.objective, bound)
    closed = gap <= target or (bound is not None and primal.objective is not None and primal.objective - bound <= ABS_GAP)
    termination = TerminationCondition.OPTIMAL if closed else TerminationCondition.TIME_LIMIT
    solution = SolutionStatus.OPTIMAL if closed else SolutionStatus.FEASIBLE
    return replace(primal, termination=termination, solution=solution, bound=bound, gap=gap)


def _timed(result: SolveResult, t_start: float) -> SolveResult:
    return replace(result, seconds=time.perf_counter() - t_start)
