"""Every backend in the registry on hand-solved instances (copied from the family modules in tests/model/).

Unavailable backends are skipped with the reason. Each solve's ``x`` goes through the normal
extraction and the independent verifier, which checks that Pyomo backends return it in the
compiled column order.
"""

from __future__ import annotations

import numpy as np
import pytest
from builders import chip, link, scenario, site, supply

import gigawatt as gw
from gigawatt.matrix.compile import compile_model
from gigawatt.plan.tables import PLAN_TABLES
from gigawatt.plan.verify import verify
from gigawatt.solvers import pyomo_generic, registry
from gigawatt.solvers.base import SolveOptions, TerminationCondition


def backend_params() -> list:
    out = []
    for name in registry.names():
        ok, why = registry.available(name)
        out.append(pytest.param(name, id=name, marks=() if ok else pytest.mark.skip(reason=why)))
    return out


BACKENDS = backend_params()


def ceiling_binding() -> gw.Scenario:
    """Demand 15 under a 10 MW ceiling; chip a 1 MW/1e6, chip b 0.5 MW/3e6: a = 5, b = 10, 35e6 USD."""
    chips = [chip("a"), chip("b", it_kw_per_unit=500.0, capex_usd_per_unit=3e6)]
    return scenario({"ceiling_mw": 10.0}, chips=chips, demand=[{"year": 2026, "eflops": 15.0}])


def supply_cap() -> gw.Scenario:
    """Demand 5; chip a (1e6) capped at 3 units a year, so 2 units of b (2e6): 7e6 USD."""
    chips = [chip("a", max_units_per_year=3), chip("b", capex_usd_per_unit=2e6)]
    return scenario(chips=chips, demand=[{"year": 2026, "eflops": 5.0}])


def lifetime_reinstall() -> gw.Scenario:
    """1 EFLOP/s in 2026-2028, chip life 2: 2 x 0.5e6 for the 2026 unit + 0.5e6 in 2028 = 1.5e6 USD."""
    demand = [{"year": y, "eflops": 1.0} for y in (2026, 2027, 2028)]
    return scenario({"years": [2026, 2027, 2028]}, chips=[chip("a", lifetime_years=2)], demand=demand)


def budget_cap() -> gw.Scenario:
    """2 EFLOP/s in 2026-2027, energy 0.2e6 USD per MW-year; a budget of 1.7e6 buys one a and one b: 2.9e6 USD."""
    chips = [chip("a", lifetime_years=2), chip("b", it_kw_per_unit=2000.0, capex_usd_per_unit=0.7e6, lifetime_years=2)]
    demand = [{"year": y, "eflops": 2.0} for y in (2026, 2027)]
    settings = {"years": [2026, 2027], "budget_usd_per_year": 1.7e6}
    return scenario(settings, chips=chips, demand=demand, supplies=[supply("g", energy_price_usd_per_mwh=200.0)])


def lossy_link() -> gw.Scenario:
    """1 MW load at x; local 100 USD/MWh beats remote 50 USD/MWh over a 60 % loss link: 1e6 + 100,000 USD."""
    nodes = [{"node_id": "x", "lat": 40.0, "lon": -80.0}, {"node_id": "y", "lat": 41.0, "lon": -81.0}]
    supplies = [supply("local", node_id="x", energy_price_usd_per_mwh=100.0), supply("remote", node_id="y", energy_price_usd_per_mwh=50.0)]
    return scenario(nodes=nodes, sites=[site("s", node_id="x")], supplies=supplies, links=[link("l", "y", "x", loss_frac=0.6)])


CASES = [
    pytest.param(ceiling_binding, 35e6, id="ceiling-35e6"),
    pytest.param(supply_cap, 7e6, id="supply-cap-7e6"),
    pytest.param(lifetime_reinstall, 1.5e6, id="lifetime-1.5e6"),
    pytest.param(budget_cap, 2.9e6, id="budget-2.9e6"),
    pytest.param(lossy_link, 1.1e6, id="lossy-link-1.1e6"),
]


def solve_with(backend: str, scn: gw.Scenario, **options: object) -> gw.Plan:
    """One call of ``backend`` (no strategy), no duals."""
    return gw.solve(scn, solver=backend, strategy="single", duals=False, **options)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("make", "expected"), CASES)
def test_known_answers_on_every_backend(backend, make, expected):
    scn = make()
    plan = solve_with(backend, scn, mip_gap=0.0)
    assert plan.status == TerminationCondition.OPTIMAL.value
    assert plan.metadata["solver"] == backend
    assert plan.objective == pytest.approx(expected, rel=1e-6)
    assert verify(scn, plan.tables, plan.objective, columns=PLAN_TABLES) == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_ceiling_case_builds_the_hand_solved_mix(backend):
    plan = solve_with(backend, ceiling_binding(), mip_gap=0.0)
    installs = plan.chips.groupby("chip_id")["installed_units"].sum()
    assert installs[installs > 0].to_dict() == {"a": 5, "b": 10}


@pytest.mark.parametrize("backend", BACKENDS)
def test_infeasible_ceiling_raises_on_every_backend(backend):
    """15 EFLOP/s needs at least 7.5 MW (all chip b): a 5 MW ceiling has no plan."""
    with pytest.raises(gw.InfeasibleScenario):
        solve_with(backend, ceiling_binding().with_overrides(ceiling_mw=5.0), mip_gap=0.0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_relaxation_matches_highs(backend):
    """The LP relaxation of the lifetime case (fractional blocks and openings) has one optimum on every backend."""
    reference = solve_with("highs", lifetime_reinstall(), relax=True)
    plan = solve_with(backend, lifetime_reinstall(), relax=True)
    assert plan.objective == pytest.approx(reference.objective, rel=1e-6)


def test_flat_model_is_the_standard_form():
    """The Pyomo backends' model has one variable per column with its bounds and integrality, one row per row."""
    form = compile_model(gw.build_model(lifetime_reinstall())).form
    m = pyomo_generic.flat_model(form)
    assert len(m.x) == form.shape[1] and len(m.rows) == form.shape[0]
    assert [m.x[j].is_integer() for j in range(form.shape[1])] == form.integrality.astype(bool).tolist()
    assert not any(v.is_integer() for v in pyomo_generic.flat_model(form, relax=True).x.values())
    j = int(np.flatnonzero(form.integrality)[0])
    assert m.x[j].bounds == (form.col_lower[j], form.col_upper[j])


def test_portable_options_use_each_solvers_names():
    options = SolveOptions(time_limit=2.5, mip_gap=0.01, threads=2, solver_options={"ratioGap": 0.02})
    cbc, dropped = pyomo_generic.solver_options("cbc", options)
    assert cbc == {"seconds": 2.5, "ratioGap": 0.02, "threads": 2} and dropped == []
    glpk, dropped = pyomo_generic.solver_options("glpk", options)
    assert glpk == {"tmlim": 3, "mipgap": 0.01, "ratioGap": 0.02} and dropped == ["threads"]
    _, dropped = pyomo_generic.solver_options("someothersolver", SolveOptions(mip_gap=0.0))
    assert dropped == ["mip_gap"]


def test_registry_names_and_reasons():
    assert registry.available("highs")[0]
    ok, why = registry.available("gurobi")
    assert not ok and "pyomo:<name>" in why
    ok, why = registry.available("pyomo:no_such_solver")
    assert not ok and "no solver plugin" in why
    with pytest.raises(ValueError, match="not available"):
        gw.solve(supply_cap(), solver="pyomo:no_such_solver")


def test_highs_backend_matches_gigawatt_solve():
    plan = gw.solve(budget_cap(), mip_gap=0.0)
    form = compile_model(gw.build_model(budget_cap())).form
    result = registry.backend("highs")(form, SolveOptions(mip_gap=0.0))
    assert result.objective * 1e6 == pytest.approx(plan.objective, rel=1e-12)
    assert plan.metadata["model_size"]["columns"] == form.shape[1]


def test_solve_result_prints_in_a_notebook():
    from gigawatt.matrix.compile import compile_model
    from gigawatt.solvers.base import SolveOptions
    from gigawatt.solvers.highs import solve

    result = solve(compile_model(gw.build_model(ceiling_binding())).form, SolveOptions(mip_gap=0.0))
    html = result._repr_html_()
    assert "optimal" in html and "35" in html and "highs" in html
    assert "optimal" in repr(result)
