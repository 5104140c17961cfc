"""Solving options: warm starts from a plan, and a clean stop on Ctrl-C."""

from __future__ import annotations

import _thread
import threading
import time

import pandas as pd
import pytest
from builders import SCENARIOS, chip, scenario, solve_verified

import gigawatt as gw

TWO_CHIPS = [chip("a"), chip("b", it_kw_per_unit=500.0, capex_usd_per_unit=3e6)]


def test_warm_start_from_a_previous_plan():
    scn = scenario({"ceiling_mw": 10.0}, chips=TWO_CHIPS, demand=[{"year": 2026, "eflops": 15.0}])
    first = solve_verified(scn)
    again = gw.solve(scn, start=first, mip_gap=0.0)
    assert again.objective == pytest.approx(first.objective)
    assert again.metadata["strategy"]["start"].endswith("integer decisions from a plan")
    assert again.verify() == []


def test_warm_start_from_a_partial_plan():
    """Only the chips are given (5 of a, 10 of b: the optimum); HiGHS completes sites and the rest."""
    scn = scenario({"ceiling_mw": 10.0}, chips=TWO_CHIPS, demand=[{"year": 2026, "eflops": 15.0}])
    partial = {"chips": pd.DataFrame({"chip_id": ["a", "b"], "site_id": ["s", "s"], "year": [2026, 2026], "installed_units": [5, 10]})}
    plan = gw.solve(scn, start=partial, mip_gap=0.0)
    assert plan.objective == pytest.approx(35e6)
    assert plan.verify() == []


def test_ctrl_c_stops_cleanly_with_the_incumbent():
    """A KeyboardInterrupt during a long solve ends it as 'interrupted', returning the best plan found so far."""
    pool = gw.load_scenario(SCENARIOS / "pool")
    timer = threading.Timer(6.0, _thread.interrupt_main)
    timer.start()
    try:
        plan = gw.solve(pool, strategy="single", time_limit=120, mip_gap=0.0, duals=False)
    except gw.NoPlan as error:  # interrupted before HiGHS had a plan
        assert error.termination == "interrupted"
        return
    finally:
        timer.cancel()
    assert plan.status == "interrupted"
    assert plan.solution == "feasible" and plan.bound <= plan.objective
    assert plan.verify() == []


def test_time_limited_solve_returns_its_incumbent_with_bound_and_gap():
    """The pool scenario asked for a proof (gap 0) and stopped after 20 s: a normal result, not an exception.

    The default strategy has its first plan from the shortlist within seconds, so the limit ends the search
    with that plan (or a better one) and the full form's bound, not with nothing.
    """
    plan = gw.solve(gw.load_scenario(SCENARIOS / "pool"), time_limit=20, mip_gap=0.0, duals=False)  # margin for a loaded machine
    assert plan.status == "time_limit" and plan.solution == "feasible"
    assert plan.bound < plan.objective and plan.gap == pytest.approx((plan.objective - plan.bound) / plan.objective, rel=1e-3)
    assert plan.verify() == []


def test_the_time_limit_counts_from_the_call(monkeypatch):
    """What building and handing off the model took is taken off the solver's limit: asked for 50 s, the solver
    gets at most 50 s less the build and hand-off seconds the plan reports, and at least 50 s less the whole
    call; the plan records the 50 s asked for."""
    from gigawatt.solvers import registry

    given, original = [], registry.backend

    def backend(name):
        inner = original(name)

        def solve(form, options, **kw):
            given.append(options.time_limit)
            return inner(form, options, **kw)

        return solve

    monkeypatch.setattr(registry, "backend", backend)
    tiny = gw.load_scenario(SCENARIOS / "tiny")
    t0 = time.perf_counter()
    plan = gw.solve(tiny, strategy="single", time_limit=50, duals=False)
    call_s = time.perf_counter() - t0
    assert len(given) == 1 and 50 - call_s <= given[0] <= 50 - plan.timings["build"] - plan.timings["handoff"]
    assert plan.options["time_limit"] == 50


def test_ceiling_value_is_exported():
    scn = scenario(chips=TWO_CHIPS, demand=[{"year": 2026, "eflops": 15.0}])
    table = gw.ceiling_value(scn, [10.0, 11.0], integer_units=False, mip_gap=0.0)
    assert table.marginal_usd_per_gw.iloc[1] == pytest.approx(4e6 * 1000, rel=1e-6)


@pytest.mark.parametrize(("option", "value"), [("threads", 5000), ("threads", 0), ("time_limit", 0), ("mip_gap", 1.5)])
def test_call_time_solver_options_are_checked_before_solving(option: str, value: float) -> None:
    with pytest.raises(ValueError, match=option):
        gw.solve(gw.load_scenario(SCENARIOS / "tiny"), **{option: value})


def test_keywords_add_to_a_request_without_resetting_it() -> None:
    """A request's own values stay when keywords change others; an unknown keyword names the nearest one."""
    from gigawatt.solving import SolveRequest, UnknownOption

    plan = gw.solve(gw.load_scenario(SCENARIOS / "tiny"), SolveRequest(mip_gap=0.25, strategy="single"), duals=False)
    assert plan.options["mip_gap"] == 0.25 and plan.duals is None
    with pytest.raises(UnknownOption, match="did you mean 'time_limit'"):
        gw.solve(gw.load_scenario(SCENARIOS / "tiny"), time_limt=5)


def test_explain_false_raises_infeasible_without_working_out_why():
    """A constraint added by hand keeps the only campus shut, so 1 EFLOP/s has nowhere to run: infeasible at solve time
    (no check before the solve sees it). explain=False skips the explanation's solves and the conflict."""
    import pyomo.environ as pyo

    def shut() -> object:
        m = gw.build_model(scenario())
        m.c_shut = pyo.Constraint(expr=m.v_open["s", 2026] <= 0)
        return m

    with pytest.raises(gw.InfeasibleScenario) as explained:
        gw.solve_model(shut())
    with pytest.raises(gw.InfeasibleScenario) as bare:
        gw.solve_model(shut(), explain=False)
    assert len(explained.value.findings) > 0 and len(explained.value.conflict) > 0
    assert len(bare.value.findings) == 0 and len(bare.value.conflict) == 0
    assert "solver stopped with 'infeasible'" in str(bare.value)
