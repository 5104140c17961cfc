"""Shadow prices against hand-derived duals and finite differences of re-solves.

Defaults (tests/builders.py): one node, free site and power, chip of 1 MW and 1 EFLOP/s per unit
costing 1e6 USD (life 1), discount rate 0, 1,000 hours a year at load factor 1. Chip units are
continuous (``integer_units=False``) unless a test says otherwise, so the LP left once the site
blocks are fixed is the whole problem and its duals are exact marginal values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from builders import chip, link, scenario, site, supply

from gigawatt.analysis.ceiling import ceiling_dual_usd_per_gw, ceiling_value
from gigawatt.matrix.compile import CompiledModel, compile_model
from gigawatt.model import ModelOptions, build_model
from gigawatt.model.data import ModelData
from gigawatt.plan.duals import COLUMNS, shadow_prices
from gigawatt.solvers import highs
from gigawatt.solvers.base import SolveOptions, StandardForm

TWO_CHIPS = [chip("a"), chip("b", it_kw_per_unit=500.0, capex_usd_per_unit=3e6)]


@dataclass(frozen=True)
class Solved:
    """A scenario solved to optimality in one HiGHS call: the compiled model, its data and the solution."""

    compiled: CompiledModel
    data: ModelData
    x: np.ndarray
    objective_usd: float


def solved(scn, integer_units: bool = False) -> Solved:
    model = build_model(scn, ModelOptions(integer_units=integer_units))
    compiled = compile_model(model)
    result = highs.solve(compiled.form, SolveOptions(mip_gap=0.0))
    assert result.termination.value == "optimal"
    return Solved(compiled, model.data, result.x, result.objective * 1e6)


def prices(sol: Solved) -> pd.DataFrame:
    return shadow_prices(sol.compiled, sol.data, sol.x, SolveOptions())


def value(table: pd.DataFrame, constraint: str, entity: str | None = None, year: int | None = None) -> float:
    rows = table[table.constraint == constraint]
    if entity is not None:
        rows = rows[rows.entity == entity]
    if year is not None:
        rows = rows[rows.year == year]
    assert len(rows) == 1, rows
    return float(rows.value.iloc[0])


def test_highs_row_duals_are_the_objective_derivative_in_the_bound():
    """min a + 3b  s.t.  a + b >= 15,  a + 0.5 b <= 10  ->  a = 5, b = 10, objective 35.

    Stationarity with λ for the requirement and μ >= 0 for the cap: 1 = λ - μ, 3 = λ - 0.5 μ, so
    μ = 4, λ = 5. HiGHS reports d(objective)/d(bound): +5 on the >= row, -4 on the <= row.
    """
    a = sp.csc_array(np.array([[1.0, 1.0], [1.0, 0.5]]))
    lp = StandardForm(
        np.array([1.0, 3.0]),
        0.0,
        a,
        np.array([15.0, -np.inf]),
        np.array([np.inf, 10.0]),
        np.zeros(2),
        np.full(2, np.inf),
        np.zeros(2, np.int8),
    )
    result = highs.solve(lp, SolveOptions(), relax=True)
    assert result.objective == pytest.approx(35.0)
    assert result.row_duals == pytest.approx([5.0, -4.0])


@pytest.mark.parametrize("rate", [0.0, 0.1])
def test_binding_ceiling_with_two_chips(rate):
    """Demand 15 EFLOP/s in 2027 under a 10 MW ceiling (years 2026-2027, nothing needed in 2026).

    Chip a: 1 MW, 1e6 USD per EFLOP/s; chip b: 0.5 MW, 3e6 USD. Optimum a = 5, b = 10 (35e6 USD in
    2027 money). One more MW swaps 2 units of b for 2 of a (a + b = 15, a + 0.5 b = 11: a = 7, b = 8),
    saving 2 x (3e6 - 1e6) = 4e6: the ceiling is worth 4e6 USD per MW-year. One more EFLOP/s costs
    (a + b = 16, a + 0.5 b = 10: a = 4, b = 12) 40e6 - 35e6 = 5e6 USD per EFLOP/s-year. Discounting
    shrinks the present-value dual by 1/(1 + rate); the report undiscounts it (divides by the
    2027 op_weight, 1/(1 + rate)), so both values hold at any rate. Nothing else binds.
    """
    demand = [{"year": 2026, "eflops": 0.0}, {"year": 2027, "eflops": 15.0}]
    table = prices(solved(scenario({"years": [2026, 2027], "ceiling_mw": 10.0, "discount_rate": rate}, chips=TWO_CHIPS, demand=demand)))
    assert list(table.columns) == COLUMNS
    assert value(table, "power_ceiling", "all sites", 2027) == pytest.approx(4e6, rel=1e-9)
    assert value(table, "power_ceiling", "all sites", 2026) == 0.0
    assert value(table, "demand", "all regions", 2027) == pytest.approx(5e6, rel=1e-9)
    assert (table[table.constraint == "power_ceiling"].unit == "USD/MW-yr").all()
    assert table.note.str.contains("conditional on the fixed build").all()


def test_integer_units_are_repriced_with_the_build_fixed():
    """With whole chip units the plan is a = 5, b = 10. The dual re-solve fixes the build (openings,
    blocks, links) but lets units move continuously, so one more MW is still worth 4e6 USD per MW-year,
    and the re-solved LP reproduces the plan's 35e6 USD.
    """
    sol = solved(scenario({"ceiling_mw": 10.0}, chips=TWO_CHIPS, demand=[{"year": 2026, "eflops": 15.0}]), integer_units=True)
    table = prices(sol)
    assert value(table, "power_ceiling") == pytest.approx(4e6, rel=1e-9)
    assert table.attrs["lp_objective_usd"] == pytest.approx(35e6, rel=1e-9)
    assert table.note.str.contains("MILP dual").all()


def random_instance(seed: int):
    """Three years, a random discount rate and energy price, three chips of random power and cost.

    Chip a is the cheapest per EFLOP/s and the most power-hungry; the ceiling sits between the power
    the peak year needs with the leanest chip and with chip a, so it binds at the peak and the plan mixes chips.
    """
    rng = np.random.default_rng(seed)
    mw = {"a": rng.uniform(0.8, 1.2), "b": rng.uniform(0.3, 0.6), "c": rng.uniform(0.6, 0.8)}
    usd = {"a": rng.uniform(0.8e6, 1.2e6), "b": rng.uniform(2e6, 4e6), "c": rng.uniform(1.5e6, 2e6)}
    chips = [chip(c, it_kw_per_unit=1000.0 * mw[c], capex_usd_per_unit=usd[c]) for c in mw]
    demand = {y: rng.uniform(10.0, 20.0) for y in (2026, 2027, 2028)}
    peak = max(demand.values())
    ceiling = peak * (min(mw.values()) + rng.uniform(0.3, 0.7) * (mw["a"] - min(mw.values())))
    settings = {"years": list(demand), "ceiling_mw": ceiling, "discount_rate": rng.uniform(0.0, 0.08)}
    return scenario(
        settings,
        chips=chips,
        demand=[{"year": y, "eflops": e} for y, e in demand.items()],
        supplies=[supply("g", energy_price_usd_per_mwh=rng.uniform(20.0, 80.0))],
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ceiling_dual_matches_finite_difference(seed):
    """The ceiling raised by δ MW in every year saves sum_y value_y x op_weight(y) x δ (discounted USD).

    With continuous units the fixed-integer LP is the problem (the free site's one block cannot
    change), so the dual is exact for a small δ that keeps the optimal basis.
    """
    scn = random_instance(seed)
    base = solved(scn)
    table = prices(base)
    per_gw = ceiling_dual_usd_per_gw(table, base.data.horizon)
    assert per_gw > 0
    delta_mw = 1e-3 * scn.settings.ceiling_mw
    raised = solved(scn.with_overrides(ceiling_mw=scn.settings.ceiling_mw + delta_mw))
    finite = (base.objective_usd - raised.objective_usd) / delta_mw * 1000.0
    assert finite == pytest.approx(per_gw, rel=0.01)


@pytest.mark.parametrize("rate", [0.0, 0.1])
def test_demand_dual_is_the_cost_of_one_more_eflops(rate):
    """The binding-ceiling case: 5e6 USD per EFLOP/s-year, in 2027 money.

    Re-solving with demand 16 instead of 15 in 2027 raises the discounted objective by
    5e6 x op_weight(2027) = 5e6 / (1 + rate): the dual times the year's weight.
    """
    settings = {"years": [2026, 2027], "ceiling_mw": 10.0, "discount_rate": rate}
    base = solved(scenario(settings, chips=TWO_CHIPS, demand=[{"year": 2027, "eflops": 15.0}]))
    more = solved(scenario(settings, chips=TWO_CHIPS, demand=[{"year": 2027, "eflops": 16.0}]))
    dual = value(prices(base), "demand", "all regions", 2027)
    weight = base.data.horizon.op_weight(2027)
    assert dual == pytest.approx(5e6, rel=1e-9)
    assert more.objective_usd - base.objective_usd == pytest.approx(dual * weight, rel=1e-9)


def test_non_binding_caps_have_zero_dual_and_binding_supply_cap_its_saving():
    """Demand 5; chip a (1e6) capped at 3 units, so 2 units of b (2e6). Loose ceiling (1,000 MW).

    One more unit of a replaces one of b: the cap on a is worth 2e6 - 1e6 = 1e6 USD per unit. The cap
    on b (1,000 units), the ceiling and the site's 100 MW are slack: 0. Marginal EFLOP/s: one more b, 2e6.
    """
    chips = [chip("a", max_units_per_year=3), chip("b", capex_usd_per_unit=2e6)]
    table = prices(solved(scenario(chips=chips, demand=[{"year": 2026, "eflops": 5.0}])))
    assert value(table, "chip_supply", "chip a") == pytest.approx(1e6, rel=1e-9)
    assert value(table, "chip_supply", "chip b") == 0.0
    assert value(table, "power_ceiling") == 0.0
    assert value(table, "site_capacity", "site s") == 0.0
    assert value(table, "demand") == pytest.approx(2e6, rel=1e-9)
    assert (table[table.constraint == "chip_supply"].unit == "USD/unit").all()


def test_site_capacity_binds_like_a_ceiling():
    """The two-chip case with the 10 MW limit on the site (one 10 MW block) and a loose ceiling:
    the site's capacity is worth 4e6 USD per MW-year, the ceiling 0.
    """
    scn = scenario(
        {"ceiling_mw": 100.0}, chips=TWO_CHIPS, demand=[{"year": 2026, "eflops": 15.0}], sites=[site("s", max_mw=10.0, block_mw=10.0)]
    )
    table = prices(solved(scn))
    assert value(table, "site_capacity", "site s") == pytest.approx(4e6, rel=1e-9)
    assert value(table, "power_ceiling") == 0.0


def test_node_prices_and_link_capacity():
    """A 1 MW load at node x; local power 100 USD/MWh, remote (node y) 50 USD/MWh over a 0.4 MW link.

    1,000 h at load factor 0.5: 500 MWh per MW-year. The link carries 0.4 MW (forward, y to x) and local
    power the rest, so x's price is 100 USD/MWh and y's 50; one more MW of link saves 500 x (100 - 50)
    = 25,000 USD per MW-year; the unused backward direction is worth 0.
    """
    nodes = [{"node_id": "x", "lat": 40.0, "lon": -80.0}, {"node_id": "y", "lat": 41.0, "lon": -81.0}]
    supplies = [supply("local", node_id="x", energy_price_usd_per_mwh=100.0), supply("remote", node_id="y", energy_price_usd_per_mwh=50.0)]
    scn = scenario(
        {"load_factor": 0.5},
        nodes=nodes,
        sites=[site("s", node_id="x")],
        supplies=supplies,
        links=[link("l", "y", "x", capacity_mw=0.4)],
    )
    table = prices(solved(scn))
    assert value(table, "node_balance", "node x") == pytest.approx(100.0, rel=1e-9)
    assert value(table, "node_balance", "node y") == pytest.approx(50.0, rel=1e-9)
    assert value(table, "link_capacity", "link l fwd") == pytest.approx(25_000.0, rel=1e-9)
    assert value(table, "link_capacity", "link l bwd") == 0.0
    assert (table[table.constraint == "node_balance"].unit == "USD/MWh").all()


def test_ceiling_value_sweeps_and_reports_infeasible_ceilings():
    """The two-chip case at 4, 10, 11 and 20 MW (continuous units). 4 MW cannot host 15 EFLOP/s
    (at least 7.5 MW). Between 10 and 11 MW the objective falls 35e6 -> 31e6: 4e9 USD per GW,
    as the duals say. From 11 to 20 MW: a alone (15 MW, 15e6) is reached at 15 MW, so
    (31e6 - 15e6) / 9 MW; at 20 MW the ceiling is slack.
    """
    scn = scenario({"ceiling_mw": 10.0}, chips=TWO_CHIPS, demand=[{"year": 2026, "eflops": 15.0}])
    sweep = ceiling_value(scn, [20.0, 4.0, 10.0, 11.0], mip_gap=0.0, integer_units=False).set_index("ceiling_mw")
    assert sweep.loc[4.0, "status"] == "infeasible" and np.isnan(sweep.loc[4.0, "objective_usd"])
    assert sweep.loc[10.0, "status"] == "optimal"
    assert sweep.loc[10.0, "objective_usd"] == pytest.approx(35e6, rel=1e-9)
    assert sweep.loc[11.0, "marginal_usd_per_gw"] == pytest.approx(4e9, rel=1e-9)
    assert sweep.loc[11.0, "dual_usd_per_gw"] == pytest.approx(4e9, rel=1e-9)
    assert sweep.loc[10.0, "mean_ceiling_dual_usd_per_mw_yr"] == pytest.approx(4e6, rel=1e-9)
    assert sweep.loc[20.0, "marginal_usd_per_gw"] == pytest.approx(16e6 / 9 * 1000, rel=1e-9)
    assert sweep.loc[20.0, "dual_usd_per_gw"] == 0.0


def test_policy_caps():
    """Budget: one year, demand 2; with energy at 400 USD/MWh (0.4e6 per MW-year) chip a costs
    1e6 + 0.4e6 = 1.4e6 per EFLOP/s and b (0.7e6, 2 MW) 0.7e6 + 0.8e6 = 1.5e6. A 1.7e6 budget
    (a + b = 2, 1e6 a + 0.7e6 b <= 1.7e6) buys a = b = 1. One more USD swaps 1/0.3e6 units of b for a,
    saving 0.1e6 each: 1/3 USD per USD of budget.

    Emissions: the two-chip ceiling case with a loose ceiling, power at 0.5 t/MWh (500 t per MW-year)
    and a 5,000 t cap: the cap is the 10 MW ceiling in disguise, worth 4e6 / 500 = 8,000 USD per t.
    """
    budget_chips = [chip("a"), chip("b", it_kw_per_unit=2000.0, capex_usd_per_unit=0.7e6)]
    scn = scenario(
        {"budget_usd_per_year": 1.7e6},
        chips=budget_chips,
        demand=[{"year": 2026, "eflops": 2.0}],
        supplies=[supply("g", energy_price_usd_per_mwh=400.0)],
    )
    table = prices(solved(scn))
    assert value(table, "budget", "capital budget") == pytest.approx(1 / 3, rel=1e-9)
    scn = scenario(
        {"emissions_cap_t_per_year": 5000.0},
        chips=TWO_CHIPS,
        demand=[{"year": 2026, "eflops": 15.0}],
        supplies=[supply("g", co2_t_per_mwh=0.5)],
    )
    table = prices(solved(scn))
    assert value(table, "emissions", "all supplies") == pytest.approx(8000.0, rel=1e-9)
    assert value(table, "power_ceiling") == 0.0
