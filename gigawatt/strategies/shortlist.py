"""The ``shortlist`` strategy for large models, where the LP alone takes a minute.

It runs :func:`~gigawatt.strategies.phased.phased_solve` (quick mode) on the model with every entity
outside a shortlist closed (the shortlists come from the model's data, :mod:`gigawatt.model.shortlist`,
ever longer, tried in turn until one has a plan). Closing openings only removes options, so those plans
are plans of the full model ``P``. Then the LP of ``P`` (:func:`~gigawatt.strategies.phased.solve_lp`: by
interior point when it is large and dual simplex does not finish it quickly) gives a bound, and two
neighbourhoods of the plan improve it: a relaxation-induced one (RINS: every integer column on which the
plan and the LP agree fixed there, the rest a small MIP), then a local search over openings
(:mod:`~gigawatt.strategies.local_search`). Then ``P`` itself is solved warm-started from the best plan
with the time left. Only bounds of ``P`` (its LP, its own dual bound) are reported. Ctrl-C
(:mod:`gigawatt.solvers.stop`) ends the solve under way and returns the best plan so far with those
bounds, ``interrupted``.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from gigawatt.solvers import highs, progress, stop
from gigawatt.solvers.base import SolveOptions, SolveResult, StandardForm, TerminationCondition
from gigawatt.strategies.columns import Columns
from gigawatt.strategies.local_search import local_search
from gigawatt.strategies.phased import (
    StrategyReport,
    _combine,
    _gap,
    _largest,
    _options,
    _timed,
    out_of_time,
    phased_solve,
    solve_lp,
    stopped,
)

#: Share of the time limit the shortlisted models may use (a cap: they end once solved to their gap), and that gap. A
#: bound without a plan is worth little: at 5,000 campuses the shortlisted model's LP alone takes 67-89 s and its first
#: plan comes about 130 s into a 300 s solve, after which the full model's LP no longer fits in either case.
SHORTLIST_SHARE = 0.75
SHORTLIST_GAP = 5e-3
#: Share of the time left after the LP that the neighbourhood MIP (RINS) may use.
RINS_SHARE = 0.5
#: Share of the time left after the neighbourhood that the local search over openings may use.
LOCAL_SHARE = 0.5
#: An integer column whose LP value is within this of the plan's is fixed in the neighbourhood.
AGREE_TOL = 1e-6


def neighbourhood(form: StandardForm, plan: np.ndarray, lp: np.ndarray) -> tuple[StandardForm, int]:
    """``form`` with every integer column on which ``plan`` and the LP solution ``lp`` agree fixed at the plan's
    value, and how many were fixed (RINS). A restriction of ``form``: its plans are plans of ``form``, its
    bounds are not bounds of it."""
    integer = np.flatnonzero(form.integrality)
    whole = np.round(plan[integer])
    agree = np.abs(lp[integer] - whole) <= AGREE_TOL
    lower, upper = form.col_lower.copy(), form.col_upper.copy()
    lower[integer[agree]] = upper[integer[agree]] = whole[agree]
    return replace(form, col_lower=lower, col_upper=upper), int(agree.sum())


def shortlist_solve(
    form: StandardForm, groups: Columns, options: SolveOptions, shortlists: list[set[str]]
) -> tuple[SolveResult, StrategyReport]:
    """Large instances: a plan from ``form`` restricted to each shortlist in turn (phased) until one has a
    plan, the LP of ``form`` for a bound, then ``form`` warm-started from the plan with the time left.

    A restricted model only removes options, so its plans are plans of ``form``; its bounds are not
    bounds of ``form`` and are never used. The bound reported is the larger of the LP's and HiGHS's dual
    bound on ``form`` itself.
    """
    t_start = time.perf_counter()
    limit = options.time_limit if options.time_limit is not None else float("inf")
    target = options.mip_gap
    report = StrategyReport("shortlist")
    rr = None
    for sites in shortlists:
        closed = np.array([col for s, col in zip(groups.open_entity, groups.opens, strict=True) if s not in sites], dtype=np.int64)
        upper = form.col_upper.copy()
        upper[closed] = 0.0
        budget = SHORTLIST_SHARE * limit - (time.perf_counter() - t_start)
        if budget <= 1.0:
            break
        restricted = replace(form, col_upper=upper)
        with progress.scope(plans=True, bounds=False, phase="shortlist"):
            rr, inner = phased_solve(restricted, groups, _options(options, budget, max(target, SHORTLIST_GAP)), quick=True)
        report.add("shortlist", rr, sites=len(sites), phases=inner.phases)
        if rr.has_solution or stop.requested():
            break
    plan = rr if rr is not None and rr.has_solution else None
    if rr is not None and stop.requested():
        return _timed(stopped([plan], [], rr, target), t_start), report
    # the LP of the full model: a bound that does not wait for the MIP's root
    with progress.scope(plans=False, bounds=True, phase="LP relaxation"):
        lp = solve_lp(form, groups, options, limit - (time.perf_counter() - t_start), target)
    report.add("lp", lp)
    if lp.termination in (TerminationCondition.INFEASIBLE, TerminationCondition.INFEASIBLE_OR_UNBOUNDED):
        return _timed(lp, t_start), report
    lp_bound = lp.bound if lp.termination is TerminationCondition.OPTIMAL else None
    if stop.requested():
        return _timed(stopped([plan], [lp_bound], lp, target), t_start), report
    left = limit - (time.perf_counter() - t_start)
    if plan is None and left < 1.0:
        return _timed(out_of_time([lp_bound], lp, target), t_start), report
    if plan is not None and (_gap(plan.objective, lp_bound) <= target or left < 1.0):
        return _timed(_combine(plan, lp_bound, target), t_start), report
    for phase, improve in (("neighbourhood", _rins), ("local search", _search)):
        if plan is None:
            break
        with progress.scope(plans=True, bounds=False, phase=phase):
            plan = improve(form, groups, plan, lp, options, left, report)
        if stop.requested():
            return _timed(stopped([plan], [lp_bound], plan, target), t_start), report
        left = limit - (time.perf_counter() - t_start)
        if _gap(plan.objective, lp_bound) <= target or left < 1.0:
            return _timed(_combine(plan, lp_bound, target), t_start), report
    with progress.scope(plans=True, bounds=True, phase="full MIP"):
        p = highs.solve(form, _options(options, left, target), start=plan.x if plan is not None else None)
    report.add("full", p)
    if stop.requested():
        return _timed(stopped([plan, p], [lp_bound, p.bound], p, target), t_start), report
    bound = _largest([lp_bound, p.bound])
    if p.has_solution and (plan is None or (p.objective is not None and p.objective <= plan.objective)):  # type: ignore[operator]
        return _timed(_combine(p, bound, target) if p.termination is not TerminationCondition.OPTIMAL else p, t_start), report
    return _timed(_combine(plan, bound, target) if plan is not None else p, t_start), report


def _rins(
    form: StandardForm, groups: Columns, plan: SolveResult, lp: SolveResult, options: SolveOptions, left: float, report: StrategyReport
) -> SolveResult:
    """The better of ``plan`` and the best plan of its :func:`neighbourhood` found in :data:`RINS_SHARE` of ``left``
    seconds (``plan`` when the LP has no solution)."""
    if plan.x is None or lp.x is None:
        return plan
    fixed_form, fixed = neighbourhood(form, plan.x, lp.x)
    rins = highs.solve(fixed_form, _options(options, RINS_SHARE * left, options.mip_gap), start=plan.x)
    report.add("rins", rins, fixed=fixed)
    better = rins.has_solution and rins.objective is not None and rins.objective < plan.objective  # type: ignore[operator]
    return rins if better else plan


def _search(
    form: StandardForm, groups: Columns, plan: SolveResult, lp: SolveResult, options: SolveOptions, left: float, report: StrategyReport
) -> SolveResult:
    """The best plan the :func:`~gigawatt.strategies.local_search.local_search` from ``plan`` finds in
    :data:`LOCAL_SHARE` of ``left`` seconds."""
    searched, moved = local_search(form, groups, plan, options, LOCAL_SHARE * left)
    report.add("local_search", replace(searched, seconds=moved.seconds), **moved.as_dict())
    return searched
