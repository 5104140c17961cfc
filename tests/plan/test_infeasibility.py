"""Infeasibility findings against shortfalls computed by hand.

Defaults (tests/builders.py): one node ``n``, one site ``s`` (100 MW, PUE 1), one supply ``g``
(1,000 MW, no CO2), one chip ``a`` of 1 MW IT and 1 EFLOP/s per unit (1e6 USD, 1,000 units a year),
one modelled year 2026 of 1,000 hours at load factor 1, ceiling 1,000 MW, single demand pool
(region ``all``). Every scenario below demands 15 EFLOP/s = 15 units = 15 MW of facility power.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from builders import SCENARIOS, chip, link, scenario, site, supply

import gigawatt as gw
from gigawatt.errors import InfeasibleScenario
from gigawatt.matrix.compile import CompiledModel, compile_model
from gigawatt.plan.infeasibility import COLUMNS, LP_NOTE, MIP_NOTE, Verdict, _amount, audit, explain, relaxed, summary
from gigawatt.solvers import highs
from gigawatt.solvers.base import SolveOptions

DEMAND_15 = [{"year": 2026, "eflops": 15.0}]
TWO_NODES = [{"node_id": "n", "lat": 40.0, "lon": -80.0}, {"node_id": "m", "lat": 41.0, "lon": -80.0}]


def findings(scn: gw.Scenario) -> pd.DataFrame:
    m = gw.build_model(scn)
    return explain(compile_model(m), m.data)


def shortfall(table: pd.DataFrame, requirement: str, entity: str, year: int = 2026) -> float:
    rows = table[(table.requirement == requirement) & (table.entity == entity) & (table.year == year)]
    assert len(rows) == 1, table
    return float(rows.shortfall.iloc[0])


def message(table: pd.DataFrame, requirement: str) -> str:
    return str(table[table.requirement == requirement].change.iloc[0])


def feasible(compiled: CompiledModel, changes: pd.DataFrame) -> bool:
    """Whether the MIP with ``changes`` applied (:func:`relaxed`) has a solution (costs dropped): one thread, 60 s at most."""
    form = relaxed(compiled, changes)
    form = dataclasses.replace(form, c=np.zeros(form.shape[1]))
    result = highs.solve(compiled.scaling.apply(form), SolveOptions(time_limit=60.0, threads=1))
    assert result.has_solution or result.termination.value == "infeasible", result.termination
    return result.has_solution


def test_ceiling_too_low_for_demand():
    """Ceiling 10 MW, 15 EFLOP/s at 1 EFLOP/s per MW: 15 - 10 = 5 EFLOP/s unserved, or the ceiling at 15 MW (5 over)."""
    table = findings(scenario({"ceiling_mw": 10.0}, demand=DEMAND_15))
    assert list(table.columns) == COLUMNS
    assert shortfall(table, "demand", "region all") == pytest.approx(5.0)
    assert shortfall(table, "ceiling", "all sites") == pytest.approx(5.0)
    assert set(table.requirement) == {"demand", "ceiling"}
    assert message(table, "demand") == "2026, region all: 5.0 EFLOP/s of 15.0 cannot be served under the 10.0 MW ceiling"
    assert message(table, "ceiling") == "2026: the ceiling would need 15.0 MW (5.0 MW over 10.0 MW)"
    assert list(table.option) == ["demand_first", "caps"]  # two options, each of one change
    assert (table.message == table.change + " (this change alone suffices, checked)").all()
    assert set(table.check) == {"checked: feasible with this change"}
    assert table.attrs["note"] == LP_NOTE


def test_chip_supply_cap_too_low():
    """10 units a year of 1 EFLOP/s each: 15 - 10 = 5 EFLOP/s unserved, or chip a 5 units over its cap of 10."""
    table = findings(scenario(chips=[chip("a", max_units_per_year=10.0)], demand=DEMAND_15))
    assert shortfall(table, "demand", "region all") == pytest.approx(5.0)
    assert shortfall(table, "chip supply", "chip a") == pytest.approx(5.0)
    assert "ceiling" not in set(table.requirement)


def test_budget_too_small():
    """Budget 1e7 USD buys 10 units at 1e6 USD: 5 EFLOP/s unserved, or 15e6 - 10e6 = 5e6 USD over the budget."""
    table = findings(scenario({"budget_usd_per_year": 1e7}, demand=DEMAND_15))
    assert shortfall(table, "demand", "region all") == pytest.approx(5.0)
    assert shortfall(table, "budget", "capital") == pytest.approx(5e6)
    assert "5,000,000 USD over the budget of 10,000,000 USD" in message(table, "budget")


def test_total_budget_too_small():
    """budget_usd 1e7 USD (discounted, one year at rate 0) buys 10 units at 1e6 USD: 5 EFLOP/s of strict demand
    unserved, or 15e6 - 10e6 = 5e6 USD over budget_usd."""
    table = findings(scenario({"budget_usd": 1e7}, demand=DEMAND_15))
    assert shortfall(table, "demand", "region all") == pytest.approx(5.0)
    assert shortfall(table, "total budget", "all costs") == pytest.approx(5e6)
    assert "5,000,000 USD over budget_usd of 10,000,000 USD" in message(table, "total budget")


def test_valued_demand_is_never_short():
    """The same 15 EFLOP/s under a 10 MW ceiling, valued at 2e6 USD per EFLOP/s-year: nothing to explain (5 go unserved),
    and the audit, which counts strict demand only, proves nothing."""
    scn = scenario({"ceiling_mw": 10.0}, demand=[{"year": 2026, "eflops": 15.0, "value_usd_per_eflops_yr": 2e6}])
    assert findings(scn).empty
    assert audit(gw.build_model(scn).data).empty


def test_emission_cap_too_tight():
    """0.5 t/MWh x 1,000 h: 500 t per MW. Cap 5,000 t allows 10 MW: 5 EFLOP/s unserved, or 7,500 - 5,000 = 2,500 t over."""
    scn = scenario({"emissions_cap_t_per_year": 5000.0}, supplies=[supply("g", co2_t_per_mwh=0.5)], demand=DEMAND_15)
    table = findings(scn)
    assert shortfall(table, "demand", "region all") == pytest.approx(5.0)
    assert shortfall(table, "emissions", "all supplies") == pytest.approx(2500.0)
    assert "supply" not in set(table.requirement)  # power from nowhere is the last resort


def test_supply_too_small_at_the_node():
    """Supply g of 10 MW at node n, 15 MW needed: 5 EFLOP/s unserved, node n 5 MW short."""
    table = findings(scenario(supplies=[supply("g", capacity_mw=10.0)], demand=DEMAND_15))
    assert shortfall(table, "demand", "region all") == pytest.approx(5.0)
    assert shortfall(table, "supply", "node n") == pytest.approx(5.0)
    assert "supply g at its 10.0 MW" in message(table, "demand")


def test_many_supplies_at_their_limits_are_counted():
    """Four supplies of 2.5 MW at node n (10 MW), 15 MW needed: 5 EFLOP/s unserved under "4 supplies at their MW"
    (more than AT_UPPER_LISTED = 3 of one kind are counted, not named). Three supplies of 2 MW: 15 - 6 = 9 unserved,
    each supply named."""
    four = [supply(f"g{i}", capacity_mw=2.5) for i in range(4)]
    table = findings(scenario(supplies=four, demand=DEMAND_15))
    assert shortfall(table, "demand", "region all") == pytest.approx(5.0)
    assert message(table, "demand").endswith("cannot be served under 4 supplies at their MW")
    three = findings(scenario(supplies=[supply(f"g{i}", capacity_mw=2.0) for i in range(3)], demand=DEMAND_15))
    assert shortfall(three, "demand", "region all") == pytest.approx(9.0)
    assert all(f"supply g{i} at its 2.0 MW" in message(three, "demand") for i in range(3))


def test_link_too_small_to_remote_supply():
    """Supply at node m, site at n, link m->n of 10 MW without loss: 5 EFLOP/s unserved, link 5 MW over (forward)."""
    scn = scenario(nodes=TWO_NODES, supplies=[supply("g", node_id="m")], links=[link("l", "m", "n", capacity_mw=10.0)], demand=DEMAND_15)
    table = findings(scn)
    assert shortfall(table, "demand", "region all") == pytest.approx(5.0)
    assert shortfall(table, "link capacity", "link l fwd") == pytest.approx(5.0)
    assert "supply" not in set(table.requirement)


def test_construction_ramp_too_slow():
    """Site s of 1 MW blocks adds at most 10 MW a year: 15 - 10 = 5 EFLOP/s unserved, or the ramp 5 MW short."""
    table = findings(scenario(sites=[site("s", block_mw=1.0, ramp_mw_per_year=10.0)], demand=DEMAND_15))
    assert shortfall(table, "demand", "region all") == pytest.approx(5.0)
    assert shortfall(table, "construction ramp", "site s") == pytest.approx(5.0)
    assert message(table, "construction ramp") == (
        "2026, site s: 15.0 MW of capacity would be added, 5.0 MW more than its ramp_mw_per_year allows since the "
        "modelled year before (10.0 MW)"
    )
    assert "under the 10.0 MW construction ramp (site s)" in message(table, "demand")


def test_national_construction_ramp_too_slow():
    """All sites together add at most 12 MW a year: 15 - 12 = 3 EFLOP/s unserved, or the national ramp 3 MW short."""
    sites = [site("s", block_mw=1.0), site("t", block_mw=1.0)]
    table = findings(scenario({"national_ramp_mw_per_year": 12.0}, sites=sites, demand=DEMAND_15))
    assert shortfall(table, "demand", "region all") == pytest.approx(3.0)
    assert shortfall(table, "construction ramp", "all sites") == pytest.approx(3.0)


def test_whole_units_fall_back_to_the_mip():
    """Ceiling 10.5 MW, 10.5 EFLOP/s: the LP fits 10.5 units, whole units need 11 (11 MW): 0.5 EFLOP/s short, 0.5 MW over."""
    table = findings(scenario({"ceiling_mw": 10.5}, demand=[{"year": 2026, "eflops": 10.5}]))
    assert table.attrs["note"] == MIP_NOTE
    assert shortfall(table, "demand", "region all") == pytest.approx(0.5)
    assert shortfall(table, "ceiling", "all sites") == pytest.approx(0.5)


def test_feasible_model_has_no_findings():
    table = findings(scenario(demand=DEMAND_15))
    assert table.empty


def test_each_scenario_is_infeasible_for_the_solver():
    """The scenarios above really have no plan (so the findings explain a real infeasibility)."""
    with pytest.raises(InfeasibleScenario):
        gw.solve(scenario({"ceiling_mw": 10.0}, demand=DEMAND_15))


def test_summary_counts_the_rest():
    """Per option its heading and the first changes: the caps option of the joint case lists 1 of its 2 changes."""
    table = findings(scenario({"ceiling_mw": 12.0}, chips=[chip("a", max_units_per_year=10.0)], demand=DEMAND_15))
    text = summary(table, limit=1)
    assert text.startswith("either serve less demand, this change alone (checked: feasible with this change): 2026, region all")
    caps = "or meet all demand and raise caps, these 2 changes together (checked: feasible with these changes): "
    assert caps + "2026, chip a: 15.0 units would be needed (5.0 over the supply cap of 10.0); and 1 more" in text


def test_two_caps_binding_jointly():
    """Chip a capped at 10 units, ceiling 12 MW, 15 EFLOP/s at 1 EFLOP/s and 1 MW per unit.

    Meeting demand needs 15 units (5 over the cap) drawing 15 MW (3 over the ceiling): the caps option
    is both changes together. The ceiling at 15 MW alone still caps units at 10 (10 EFLOP/s); the cap
    at 15 units alone still caps power at 12 MW (12 EFLOP/s): neither alone suffices, both together do.
    Serving less: 10 units fit both caps, so 15 - 10 = 5 EFLOP/s unserved suffices alone.
    """
    scn = scenario({"ceiling_mw": 12.0}, chips=[chip("a", max_units_per_year=10.0)], demand=DEMAND_15)
    m = gw.build_model(scn)
    compiled = compile_model(m)
    table = explain(compiled, m.data)
    caps = table[table.option == "caps"]
    assert shortfall(caps, "chip supply", "chip a") == pytest.approx(5.0)
    assert shortfall(caps, "ceiling", "all sites") == pytest.approx(3.0)
    assert len(caps) == 2
    together = " (one of 2 changes needed together; checked: feasible with these changes)"
    assert list(caps.message) == [
        "2026, chip a: 15.0 units would be needed (5.0 over the supply cap of 10.0)" + together,
        "2026: the ceiling would need 15.0 MW (3.0 MW over 12.0 MW)" + together,
    ]
    demand = table[table.option == "demand_first"]
    assert shortfall(demand, "demand", "region all") == pytest.approx(5.0)
    assert demand.message.iloc[0].endswith("(this change alone suffices, checked)")
    assert feasible(compiled, caps)
    assert not feasible(compiled, caps[caps.requirement == "ceiling"])
    assert not feasible(compiled, caps[caps.requirement == "chip supply"])
    assert feasible(compiled, demand)
    # the same through the scenario: both caps raised solve, either alone does not
    gw.solve(scn.with_overrides({"ceiling_mw": 15.0, "chips[a].max_units_per_year": 15.0}), threads=1)
    for alone in ({"ceiling_mw": 15.0}, {"chips[a].max_units_per_year": 15.0}):
        with pytest.raises(InfeasibleScenario):
            gw.solve(scn.with_overrides(alone), threads=1)


def test_whole_units_need_more_than_the_lp_amounts():
    """Ceiling 10.2 MW, 10.7 EFLOP/s: the LP needs 0.5 MW more (10.7 MW), but 11 whole units draw 11 MW.

    The MIP re-solve with +0.5 MW is infeasible, so the elastic MIP's +0.8 MW (11.0 MW) is reported and
    confirmed; serving less likewise becomes 10.7 - 10 = 0.7 EFLOP/s (10 units under 10.2 MW), not 0.5.
    """
    table = findings(scenario({"ceiling_mw": 10.2}, demand=[{"year": 2026, "eflops": 10.7}]))
    assert table.attrs["note"] == LP_NOTE
    assert shortfall(table, "ceiling", "all sites") == pytest.approx(0.8)
    assert shortfall(table, "demand", "region all") == pytest.approx(0.7)
    assert set(table.check) == {Verdict.ROUNDED.text(10.0, 1)}
    assert message(table, "ceiling") == "2026: the ceiling would need 11.0 MW (0.8 MW over 10.2 MW)"


def test_amounts_are_rounded_up_to_the_figures_shown():
    """0.1 below 100 (of the amount and of the eased bound), 1 from there; solver noise does not round up a step."""
    assert _amount(22.1, 4000.0, -1.0) == 23.0  # the ceiling from 4,000 to 4,023 MW, shown as such
    assert _amount(5.0000001, 10.0, -1.0) == 5.0
    assert _amount(0.04, 10.0, -1.0) == 0.1
    assert _amount(227.6, 8153.7, 1.0) == 228.0  # 228 EFLOP/s of 8,154 unserved


def test_pool_at_4gw_joint_change_is_feasible():
    """The pool scenario (strict demand) at 4 GW: the ceiling alone is not enough (chip supply caps bind with it); the caps option,
    applied to the model as reported, has a MIP solution, and the ceiling change alone does not even in the LP."""
    m = gw.build_model(gw.load_scenario(SCENARIOS / "pool").with_overrides(ceiling_mw=4000))
    compiled = compile_model(m)
    table = explain(compiled, m.data, time_limit=30.0, threads=1)
    caps = table[table.option == "caps"]
    assert set(caps.requirement) == {"ceiling", "chip supply"}
    assert set(caps.check) == {"checked: feasible with these changes"}
    assert caps.message.str.contains(f"one of {len(caps)} changes needed together").all()
    assert feasible(compiled, caps)
    ceiling = caps[caps.requirement == "ceiling"]
    lp = highs.solve(compiled.scaling.apply(relaxed(compiled, ceiling)), SolveOptions(threads=1), relax=True)
    assert lp.termination.value == "infeasible"


def test_audit_ceiling_and_chip_supply():
    """Best chip 1 EFLOP/s per MW at PUE 1: ceiling 10 MW caps 10 EFLOP/s (5 short); 12 units cap 12 EFLOP/s (3 short)."""
    scn = scenario({"ceiling_mw": 10.0}, chips=[chip("a", max_units_per_year=12.0)], demand=DEMAND_15)
    table = audit(gw.build_model(scn).data)
    assert shortfall(table, "ceiling", "all sites") == pytest.approx(5.0)
    assert shortfall(table, "chip supply", "all chips") == pytest.approx(3.0)
    assert "the 10.0 MW ceiling delivers at most 10.0 EFLOP/s" in message(table, "ceiling")


def test_audit_uses_the_best_chip_and_pue():
    """Chip b gives 2 EFLOP/s per MW IT: 10 MW x 2 = 20 EFLOP/s >= 15, so nothing is proved."""
    scn = scenario({"ceiling_mw": 10.0}, chips=[chip("a"), chip("b", it_kw_per_unit=500.0)], demand=DEMAND_15)
    assert audit(gw.build_model(scn).data).empty


def test_audit_names_a_life_shorter_than_the_modelled_year():
    """Years 2026 and 2029 each stand for 3 calendar years; a chip of life 2 is active in neither (its life ends inside
    the period it is bought in), so the demand of 2029 has no chip, and the message names the period it must last."""
    scn = scenario({"years": [2026, 2029]}, chips=[chip("a", lifetime_years=2)], demand=[{"year": 2029, "eflops": 1.0}])
    table = audit(gw.build_model(scn).data)
    assert list(table.year) == [2029]
    assert "no chip on sale by then, with a life lasting through 2029-2031, fits" in table.message.iloc[0]


def test_solver_infeasibility_carries_the_lp_conflict():
    """10 MW of supply for 15 MW of load: the IIS of the LP names the node balance, demand and the compute link."""
    scn = scenario(supplies=[supply("g", capacity_mw=10.0)], demand=[{"year": 2026, "eflops": 15.0}])
    with pytest.raises(InfeasibleScenario) as info:
        gw.solve(scn)
    names = set(info.value.conflict["constraint"])
    assert {"c_node_balance", "c_demand"} <= names
    assert set(info.value.findings["requirement"]) >= {"demand"}
