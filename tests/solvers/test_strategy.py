"""Solve strategies: auto, phased and shortlist return verified plans with true bounds and exact optima."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from builders import chip, scenario, site, training_run

import gigawatt as gw
from gigawatt import strategies as strategy
from gigawatt.model import shortlist as heuristics
from gigawatt.model.data import build_data
from gigawatt.strategies import phased

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))
sys.path.append(str(ROOT / "tests" / "model"))

from test_brute_force import brute_force_optimum, random_instance  # noqa: E402

from benchmarks.generator import synthetic_scenario  # noqa: E402

STRATEGIES = ("auto", "phased", "shortlist", "single")


def whole_units_scenario(**settings: object) -> gw.Scenario:
    """Demand 2.5 EFLOP/s from 1-EFLOP/s units under a 2.2 MW ceiling: chip a (1 MW, 1e6 USD) or b (0.5 MW, 1.5e6 USD).

    Whole units: 3 units, at most one a (2 x 1 MW + 0.5 > 2.2): 1 a + 2 b = 4e6 USD. The LP takes 1.9 a + 0.6 b = 2.8e6.
    """
    return scenario(
        {"ceiling_mw": 2.2, **settings},
        chips=[chip("a"), chip("b", it_kw_per_unit=500.0, capex_usd_per_unit=1.5e6)],
        demand=[{"year": 2026, "eflops": 2.5}],
    )


@pytest.mark.parametrize("name", STRATEGIES)
def test_whole_units_known_answer(name):
    plan = gw.solve(whole_units_scenario(), strategy=name, mip_gap=0.0, duals=False)
    assert plan.verify() == []
    assert plan.objective == pytest.approx(4e6, rel=1e-9)
    assert plan.bound <= plan.objective * (1 + 1e-9) and plan.bound == pytest.approx(4e6, rel=1e-6)
    units = plan.chips.groupby("chip_id")["units_installed"].sum() if "units_installed" in plan.chips else None
    if units is not None:
        assert units.to_dict() == {"a": 1, "b": 2}
    expected = {"auto": "phased"}.get(name, name)
    assert plan.metadata["strategy"]["name"] == expected
    assert plan.metadata["strategy"]["requested"] == name


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("name", ["auto", "shortlist"])
def test_strategies_match_brute_force(seed, name):
    scn = random_instance(seed)
    expected = brute_force_optimum(scn)
    if expected is None:
        with pytest.raises(gw.InfeasibleScenario):
            gw.solve(scn, integer_units=False, mip_gap=0.0, strategy=name)
        return
    plan = gw.solve(scn, integer_units=False, mip_gap=0.0, strategy=name, duals=False)
    assert plan.objective == pytest.approx(expected, rel=1e-6)
    assert plan.bound <= plan.objective * (1 + 1e-9)
    assert plan.verify() == []


@pytest.fixture(scope="module")
def synthetic() -> tuple[gw.Scenario, gw.Plan]:
    scn = synthetic_scenario(sites=10, chips=2, years=3, regions=2, seed=5)
    exact = gw.solve(scn, strategy="single", mip_gap=0.0, duals=False, time_limit=120)
    assert exact.status == "optimal"
    return scn, exact


@pytest.mark.parametrize("name", ["auto", "phased", "shortlist"])
def test_synthetic_plans_verify_with_a_true_bound(name, synthetic):
    scn, exact = synthetic
    plan = gw.solve(scn, strategy=name, mip_gap=1e-4, duals=False, time_limit=120)
    assert plan.verify() == []
    assert plan.bound <= exact.objective * (1 + 1e-7)  # a lower bound of the true optimum
    assert exact.objective <= plan.objective * (1 + 1e-7)
    assert plan.gap == pytest.approx((plan.objective - plan.bound) / plan.objective, abs=1e-9)
    assert plan.gap <= 1e-4 + 1e-9


def test_shortlist_neighbourhood_plan_is_no_worse_than_the_plan_it_starts_from(synthetic):
    """The neighbourhood (RINS) is a restriction of the model that keeps the shortlist's plan: its plan costs at most that
    (phase objectives in solver units, million USD)."""
    from gigawatt.model.objective import OBJECTIVE_SCALE_USD

    scn, exact = synthetic
    plan = gw.solve(scn, strategy="shortlist", mip_gap=0.0, duals=False, time_limit=120)
    phases = {p["phase"]: p for p in plan.metadata["strategy"]["phases"]}
    assert phases["rins"]["fixed"] > 0
    assert phases["rins"]["objective"] <= phases["shortlist"]["objective"] * (1 + 1e-9)
    assert exact.objective <= phases["rins"]["objective"] * OBJECTIVE_SCALE_USD * (1 + 1e-7)
    assert plan.verify() == [] and plan.objective == pytest.approx(exact.objective, rel=1e-6)


def test_shortlist_local_search_takes_the_neighbourhood_plan_to_the_optimum(synthetic):
    """At a zero gap target the neighbourhood's plan is not proven, so the local search over openings runs after it:
    its plan costs at most the neighbourhood's and, on this instance, is the exact optimum (one more campus open)."""
    from gigawatt.model.objective import OBJECTIVE_SCALE_USD

    scn, exact = synthetic
    plan = gw.solve(scn, strategy="shortlist", mip_gap=0.0, duals=False, time_limit=120)
    phases = {p["phase"]: p for p in plan.metadata["strategy"]["phases"]}
    search = phases["local_search"]
    assert search["screened"] > 0 and search["rounds"] >= 1
    assert search["objective"] <= phases["rins"]["objective"] * (1 + 1e-12)
    assert search["objective"] * OBJECTIVE_SCALE_USD == pytest.approx(exact.objective, rel=1e-7)
    assert plan.verify() == [] and plan.objective == pytest.approx(exact.objective, rel=1e-7)


def test_neighbourhood_fixes_the_integer_columns_where_plan_and_lp_agree():
    """Columns: integer (plan 2, LP 2: fixed at 2), integer (plan 1, LP 0.4: free), continuous (plan = LP = 3: free),
    integer (plan 0.9999999 rounds to 1, LP 1: fixed at 1). Two fixed; the others keep their bounds."""
    import numpy as np
    from scipy import sparse

    from gigawatt.matrix.form import StandardForm
    from gigawatt.strategies.shortlist import neighbourhood

    form = StandardForm(
        c=np.ones(4),
        offset=0.0,
        A=sparse.csc_array(np.ones((1, 4))),
        row_lower=np.array([0.0]),
        row_upper=np.array([10.0]),
        col_lower=np.zeros(4),
        col_upper=np.full(4, 5.0),
        integrality=np.array([1, 1, 0, 1]),
    )
    restricted, fixed = neighbourhood(form, np.array([2.0, 1.0, 3.0, 0.9999999]), np.array([2.0, 0.4, 3.0, 1.0]))
    assert fixed == 2
    assert restricted.col_lower.tolist() == [2.0, 0.0, 0.0, 1.0] and restricted.col_upper.tolist() == [2.0, 5.0, 5.0, 1.0]
    assert form.col_upper.tolist() == [5.0] * 4  # the form itself is untouched


def test_shortlist_that_misses_the_only_usable_site_still_finds_the_optimum():
    # site "air" is cheapest and alone covers the shortlist's need, but the only chip needs liquid cooling
    scn = scenario(
        {"ceiling_mw": 10.0},
        sites=[site("air", cooling="air", max_mw=1000.0, block_mw=100.0), site("wet", capex_usd_per_mw=1e4, max_mw=100.0, block_mw=10.0)],
        chips=[chip("a", cooling="liquid")],
        demand=[{"year": 2026, "eflops": 2.0}],
    )
    data = build_data(scn)
    assert heuristics.shortlist(data) == {"air"}
    plan = gw.solve(scn, strategy="shortlist", mip_gap=0.0, duals=False)
    assert plan.verify() == []
    assert plan.objective == pytest.approx(2e6 + 1e4 * 10.0, rel=1e-9)  # two units, one 10 MW block at "wet"
    assert plan.bound == pytest.approx(plan.objective, rel=1e-6)


def test_site_merit_prefers_cheaper_energy_and_lower_pue():
    scn = scenario(
        sites=[site("a", pue=1.1), site("b", pue=1.3), site("c", pue=1.1, capex_usd_per_mw=1e6)],
        demand=[{"year": 2026, "eflops": 1.0}],
    )
    merit = heuristics.site_merit(build_data(scn))
    assert merit["a"] == pytest.approx(0.0) and merit["b"] == pytest.approx(0.0)  # free sites and free energy
    assert merit["c"] == pytest.approx(1.1 * 1e6)  # one-year life at no discount: the whole capex
    assert heuristics.shortlist(build_data(scn), coverage=0.01) == {"a"}  # cheapest (ties by id) covers a tiny need


def test_shortlist_holds_its_coverage_of_the_ceiling_where_regions_share_sites():
    """Two regions with equal demand both reach every site; the ceiling is 100 MW and the coverage 1.

    Each region needs 1 x 100 x 1/2 = 50 MW: cheap site "a" (60 MW) covers each on its own, so the region pass
    picks only "a", which cannot hold the 100 MW the ceiling's share of the total demand asks for; the total
    pass adds the next cheapest, "b" (60 MW, 120 in all), and not "c" (dearer still).
    """
    regions = [{"region_id": r, "lat": 40.0, "lon": -80.0, "max_latency_ms": 50.0} for r in ("east", "west")]
    scn = scenario(
        {"ceiling_mw": 100.0},
        sites=[site(s, max_mw=60.0, block_mw=20.0, capex_usd_per_mw=cost) for s, cost in (("a", 1e3), ("b", 2e3), ("c", 3e3))],
        regions=regions,
        demand=[{"year": 2026, "region_id": r, "eflops": 1.0} for r in ("east", "west")],
    )
    assert heuristics.shortlist(build_data(scn), coverage=1.0) == {"a", "b"}


def test_auto_picks_shortlist_for_large_models():
    small = synthetic_scenario(sites=6, chips=2, years=2, seed=0)
    from gigawatt.matrix.compile import compile_model
    from gigawatt.model import build_model

    form = compile_model(build_model(small)).form
    assert strategy.choose(form) == "phased"
    assert form.shape[1] < strategy.LARGE_COLUMNS
    with pytest.raises(ValueError, match=r"option strategy='fastest': expected one of 'auto', 'phased'"):
        gw.solve(small, strategy="fastest")


def test_phased_without_the_blocks_relaxed_phase_takes_openings_from_the_lp(synthetic, monkeypatch):
    scn, exact = synthetic
    monkeypatch.setattr(phased, "SLOW_LP_S", -1.0)  # as if the LP were slow: openings from its support
    plan = gw.solve(scn, strategy="phased", mip_gap=1e-4, duals=False, time_limit=120)
    phases = {p["phase"]: p for p in plan.metadata["strategy"]["phases"]}
    assert "blocks_relaxed" not in phases and phases["openings_fixed"]["openings"] == "lp"
    assert plan.verify() == []
    assert plan.bound <= exact.objective * (1 + 1e-7) and exact.objective <= plan.objective * (1 + 1e-7)
    assert plan.gap <= 1e-4 + 1e-9


def test_lp_options_take_interior_point_once_the_open_part_of_the_lp_is_large(monkeypatch):
    """4 nonzeros, threshold 3: interior point; with one of the two openings closed the open part is 4 x 1/2 = 2 < 3: HiGHS's
    choice; a solver the caller named is kept."""
    from dataclasses import replace

    import numpy as np
    from scipy import sparse

    from gigawatt.solvers.base import SolveOptions, StandardForm
    from gigawatt.strategies.columns import Columns

    monkeypatch.setattr(phased, "IPM_NONZEROS", 3)
    form = StandardForm(
        c=np.ones(4),
        offset=0.0,
        A=sparse.csc_array(np.eye(4)),
        row_lower=np.zeros(4),
        row_upper=np.ones(4),
        col_lower=np.zeros(4),
        col_upper=np.ones(4),
        integrality=np.array([1, 1, 0, 0]),
    )
    groups = Columns(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.array([0, 1]), ["s1", "s2"], [])
    base = SolveOptions(threads=1, solver_options={"presolve_rule_off": 0})
    assert phased.lp_options(base, form, groups, 10.0, 1e-3).solver_options == {"presolve_rule_off": 0, "solver": "ipm"}
    closed = replace(form, col_upper=np.array([0.0, 1.0, 1.0, 1.0]))
    assert "solver" not in phased.lp_options(base, closed, groups, 10.0, 1e-3).solver_options
    named = SolveOptions(solver_options={"solver": "simplex"})
    assert phased.lp_options(named, form, groups, 10.0, 1e-3).solver_options == {"solver": "simplex"}


def test_shortlist_with_interior_point_lps_reaches_the_exact_optimum(synthetic, monkeypatch):
    """Every LP relaxation by interior point (threshold 0): the same optimum, a true bound, and each LP call was asked for it."""
    from gigawatt.solvers import highs

    scn, exact = synthetic
    monkeypatch.setattr(phased, "IPM_NONZEROS", 0)
    monkeypatch.setattr(phased, "SIMPLEX_PROBE_MAX_S", 0.0)  # no dual simplex probe first
    asked: list[object] = []
    solve = highs.solve

    def spy(form, options, relax=False, *args, **kwargs):
        if relax:
            asked.append(options.solver_options.get("solver"))
        return solve(form, options, relax, *args, **kwargs)

    monkeypatch.setattr(highs, "solve", spy)
    plan = gw.solve(scn, strategy="shortlist", mip_gap=1e-4, duals=False, time_limit=120)
    assert asked and set(asked) == {"ipm"}
    assert plan.verify() == [] and plan.bound <= exact.objective * (1 + 1e-7) and exact.objective <= plan.objective * (1 + 1e-7)
    assert plan.gap <= 1e-4 + 1e-9


@pytest.mark.parametrize("probe_finishes", [True, False])
def test_a_large_lp_goes_to_interior_point_only_when_dual_simplex_does_not_finish_its_probe(monkeypatch, probe_finishes):
    """Threshold 0, so every LP counts as large. Time limit 50 s: the probe gets 0.1 x 50 = 5 s (under the 10 s cap).
    When dual simplex finishes within it, its answer is the LP; when it stops at its limit (made to, here), interior
    point gets the 50 s less the probe's seconds, and the result counts both."""
    from dataclasses import replace

    from gigawatt.matrix.compile import compile_model
    from gigawatt.model import build_model
    from gigawatt.solvers import highs
    from gigawatt.solvers.base import SolveOptions, TerminationCondition
    from gigawatt.solving import column_roles

    compiled = compile_model(build_model(whole_units_scenario()))
    form, groups = compiled.solver_form, column_roles(compiled)
    monkeypatch.setattr(phased, "IPM_NONZEROS", 0)
    calls: list[tuple[object, float]] = []
    solve = highs.solve

    def spy(form, options, relax=False, *args, **kwargs):
        calls.append((options.solver_options.get("solver"), options.time_limit))
        result = solve(form, options, relax, *args, **kwargs)
        if options.solver_options.get("solver") == "simplex" and not probe_finishes:
            return replace(result, termination=TerminationCondition.TIME_LIMIT, x=None, seconds=5.0)
        return result

    monkeypatch.setattr(highs, "solve", spy)
    lp = phased.solve_lp(form, groups, SolveOptions(threads=1), 50.0, 1e-3)
    assert lp.termination is TerminationCondition.OPTIMAL and lp.objective == pytest.approx(2.8)  # million USD: docstring above
    if probe_finishes:
        assert calls == [("simplex", 5.0)]
    else:
        assert calls == [("simplex", 5.0), ("ipm", 45.0)] and lp.seconds >= 5.0


@pytest.mark.parametrize(("mip_gap", "bound_phase"), [(0.35, False), (0.25, True)])
def test_phased_skips_the_bound_phase_when_the_lp_already_proves_the_early_plan(mip_gap, bound_phase):
    """Whole-units case: the early plan 4e6 against the LP's 2.8e6 is a gap of 1.2e6 / 4e6 = 30 %. Asked for 35 %, the LP
    proves it and the bound phase (a MIP with its own root LP) is skipped; asked for 25 %, it runs."""
    plan = gw.solve(whole_units_scenario(), strategy="phased", mip_gap=mip_gap, duals=False)
    phases = [p["phase"] for p in plan.metadata["strategy"]["phases"]]
    assert ("bound" in phases) is bound_phase
    assert plan.objective == pytest.approx(4e6, rel=1e-9) and plan.status == "optimal" and plan.verify() == []
    if not bound_phase:
        assert phases[-1] == "early_repair" and plan.bound == pytest.approx(2.8e6, rel=1e-6)
        assert plan.gap == pytest.approx(0.3, rel=1e-6)


def _stop_after(monkeypatch: pytest.MonkeyPatch, phase: str) -> None:
    """Request a stop (as Ctrl-C does) as soon as the strategy reports ``phase``."""
    from gigawatt.solvers import stop

    add = phased.StrategyReport.add

    def add_then_stop(self, name, result, **extra):
        add(self, name, result, **extra)
        if name == phase:
            stop.request()

    monkeypatch.setattr(phased.StrategyReport, "add", add_then_stop)


def test_a_stop_after_the_early_plan_returns_it_interrupted_with_the_lp_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whole-units case (docstring above): the early repair finds 1 a + 2 b = 4e6 USD; the LP bound is 2.8e6.

    Stopped there, no later phase runs: the plan is 4e6 with bound 2.8e6 (gap 30 %), status interrupted, no duals.
    """
    _stop_after(monkeypatch, "early_repair")
    plan = gw.solve(whole_units_scenario(), strategy="phased", mip_gap=0.0)
    assert plan.status == "interrupted" and plan.solution == "feasible"
    assert plan.objective == pytest.approx(4e6, rel=1e-9) and plan.bound == pytest.approx(2.8e6, rel=1e-6)
    assert plan.gap == pytest.approx(0.3, rel=1e-6)
    assert plan.metadata["strategy"]["phases"][-1]["phase"] == "early_repair" and plan.duals is None
    assert plan.verify() == []


@pytest.mark.parametrize("phase", ["rins", "local_search"])
def test_a_stop_in_the_neighbourhood_keeps_the_best_plan_with_the_lp_bound(monkeypatch: pytest.MonkeyPatch, phase: str) -> None:
    """Whole-units case: the shortlist's plan 4e6, the LP bound 2.8e6; stopped after the neighbourhood or the local search,
    nothing else runs."""
    _stop_after(monkeypatch, phase)
    plan = gw.solve(whole_units_scenario(), strategy="shortlist", mip_gap=0.0)
    assert plan.status == "interrupted" and plan.objective == pytest.approx(4e6, rel=1e-9)
    assert plan.bound == pytest.approx(2.8e6, rel=1e-6)
    assert plan.metadata["strategy"]["phases"][-1]["phase"] == phase and plan.verify() == []


@pytest.mark.parametrize("name", ["phased", "shortlist"])
def test_a_stop_before_any_plan_is_no_plan_interrupted(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Stopped after the first LP (phased) or the first shortlist's LP (shortlist): no plan yet, so NoPlan('interrupted')."""
    _stop_after(monkeypatch, "lp")
    with pytest.raises(gw.NoPlan, match="interrupted") as caught:
        gw.solve(whole_units_scenario(), strategy=name, mip_gap=0.0)
    assert caught.value.termination == "interrupted"


def test_a_bound_phase_stopped_before_its_root_keeps_the_lp_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whole-units case (LP 2.8e6, optimum 4e6), with the bound phase and the full MIP made to stop at once with
    trivial dual bounds (-1e9, -inf), as a large model's do before their root: the plan (4e6) keeps the LP's 2.8e6,
    gap 30 %, not the trivial bound (a 2.8e6 USD model once reported a gap of 121 % that way)."""
    from dataclasses import replace

    from gigawatt.solvers import highs, progress
    from gigawatt.solvers.base import SolutionStatus, TerminationCondition

    solve = highs.solve
    trivial = {"bound": -1e9, "full MIP": float("-inf")}

    def stopped_early(form, options, *args, **kwargs):
        result = solve(form, options, *args, **kwargs)
        if progress.phase() not in trivial:
            return result
        solution = SolutionStatus.FEASIBLE if result.has_solution else SolutionStatus.NONE
        return replace(result, termination=TerminationCondition.TIME_LIMIT, solution=solution, bound=trivial[progress.phase()])

    monkeypatch.setattr(highs, "solve", stopped_early)
    plan = gw.solve(whole_units_scenario(), strategy="phased", mip_gap=0.0, duals=False)
    assert plan.objective == pytest.approx(4e6, rel=1e-9) and plan.status == "time_limit"
    assert 2.8e6 * (1 - 1e-9) <= plan.bound <= 4e6 * (1 + 1e-9)
    assert plan.gap == pytest.approx((plan.objective - plan.bound) / plan.objective, abs=1e-9) and plan.verify() == []


def test_out_of_time_keeps_the_largest_bound_and_no_point_of_a_relaxation():
    """An LP stopped by the limit is no plan: the result has no x, says time_limit, and keeps the best bound."""
    import numpy as np

    from gigawatt.solvers.base import SolutionStatus, SolveResult, TerminationCondition

    lp = SolveResult("highs", "1", TerminationCondition.TIME_LIMIT, SolutionStatus.FEASIBLE, 5.0, 4.0, 0.2, np.ones(3), None, 9.0, {})
    result = phased.out_of_time([3.5, None, 4.0], lp, 1e-3)
    assert result.termination is TerminationCondition.TIME_LIMIT and result.solution is SolutionStatus.NONE
    assert result.x is None and result.objective is None and result.bound == 4.0 and not result.has_solution


def test_the_assignments_phase_proves_the_whole_runs_the_lp_spreads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two co-located runs of 60 EFLOP/s (60 units of chip a each: 1 MW and 1e6 USD a unit) and two 90 MW campuses,
    s1 free to build and s2 at 1e7 USD per MW. Neither campus holds both runs (120 > 90 MW), so one goes to each:
    120 units x 1e6 + 60 MW at s2 x 1e7 = 7.2e8 USD. The LP places 3/4 of each run on s1 (90 MW) and 1/4 on s2
    (30 MW): 1.2e8 + 3e8 = 4.2e8 USD. With only the placements whole and everything else relaxed, the bound is
    7.2e8: it proves the early plan, and no later phase runs. (The blocks-relaxed phase, a MIP over the openings
    and placements, would prove it first on a model this small: it is skipped, as on a model whose LP is slow.)"""
    monkeypatch.setattr(phased, "ASSIGNMENT_MIN_S", 0.0)
    monkeypatch.setattr(phased, "SLOW_LP_S", -1.0)
    integers = []  # of each MIP phased hands HiGHS
    solve = phased.highs.solve

    def counting(form, *args, **kwargs):
        integers.append(form.n_integer)
        return solve(form, *args, **kwargs)

    monkeypatch.setattr(phased.highs, "solve", counting)
    sites = [site("s1", max_mw=90.0, block_mw=10.0), site("s2", max_mw=90.0, block_mw=10.0, capex_usd_per_mw=1e7)]
    runs = [training_run(r, eflops=60.0) for r in ("r1", "r2")]
    scn = scenario(None, sites=sites, demand=[{"year": 2026, "eflops": 0.0}], training_runs=runs)
    plan = gw.solve(scn, strategy="phased", mip_gap=1e-6, duals=False)
    phases = {p["phase"]: p for p in plan.metadata["strategy"]["phases"]}
    assert list(phases) == ["lp", "openings_fixed", "early_repair", "assignments"]
    assert integers[-1] == 4  # the assignments phase: r1 and r2 each on s1 or on s2
    assert plan.objective == pytest.approx(7.2e8, rel=1e-9) and plan.bound == pytest.approx(7.2e8, rel=1e-6)
    assert plan.status == "optimal" and plan.verify() == []
    assert phases["assignments"]["bound"] / phases["lp"]["bound"] == pytest.approx(7.2 / 4.2, rel=1e-6)
    assert set(plan.placements.set_index("run_id")["sites"]) == {"s1", "s2"}
