"""On-site and bridge generation: hand-solved cases where a campus runs on its own turbines until the grid arrives.

Builders' defaults (tests/builders.py): a free 100 MW site of PUE 1, free power, a chip of 1 MW and
1 EFLOP/s a unit at 1e6 USD with a one-year life (a unit bought every year), discount rate 0, 1,000
hours a year at load factor 1. Each EFLOP/s of demand is one unit, so 1 MW at the site serving it.
"""

from __future__ import annotations

import pandas as pd
import pyomo.environ as pyo
import pytest
from builders import chip, generator, scenario, site, solve_verified, supply, tranche

import gigawatt as gw
from gigawatt.model.families import families
from gigawatt.plan.start import start_values
from gigawatt.plan.tables import PLAN_TABLES
from gigawatt.plan.verify import verify

THREE_YEARS = {"years": [2026, 2027, 2028]}
ONE_A_YEAR = [{"year": y, "eflops": 1.0} for y in (2026, 2027, 2028)]
#: The grid arrives in 2028: 5 MW firm at 1e4 USD/MW, a one-year life (5e4 USD paid in the year it is taken).
LATE_GRID = [tranche("t1", firm_mw=5.0, earliest_year=2028, cost_usd_per_mw=1e4, lifetime_years=1)]


def turbine(**kw: object) -> dict:
    """1 MW units at 100 USD/kW (1e5 USD per MW) with a three-year life (r = 0: a unit built in 2026 pays its whole price
    over 2026-2028), 10 USD/kW-yr fixed O&M (1e4 USD per MW-yr), 10 MMBtu/MWh of gas at 5 USD/MMBtu (50 USD/MWh),
    50 kg CO2/MMBtu (0.5 t/MWh), available 80 % of the time."""
    row = generator(
        "turb",
        capex_usd_per_kw=100.0,
        fixed_om_usd_per_kw_yr=10.0,
        heat_rate_mmbtu_per_mwh=10.0,
        fuel_price_usd_per_mmbtu=5.0,
        co2_kg_per_mmbtu=50.0,
        lifetime_years=3,
        max_mw_per_site=10.0,
        unit_mw=1.0,
        availability_frac=0.8,
    )
    return row | kw


def bridge(**kw: object) -> gw.Scenario:
    return scenario(THREE_YEARS, demand=ONE_A_YEAR, interconnection=LATE_GRID, generators=[turbine(**kw)])


def test_bridge_turbines_run_until_the_grid_arrives_then_retire():
    """The campus needs 1 MW from 2026; its grid tranche is energised in 2028.

    2026-2027: 1 MW generated behind the meter needs 1 / 0.8 = 1.25 MW in service, so 2 units (2 MW, 2e5 USD of capital).
    Energy 1 MW x 1,000 h x 50 USD/MWh = 5e4 USD a year, fixed O&M 2 MW x 1e4 = 2e4 USD a year, CO2 1,000 MWh x 0.5 = 500 t.
    2028: the tranche (5e4 USD) beats running on (5e4 energy + 2e4 fixed); both units are retired, so no fixed O&M
    (their capital stays paid). Total 3e6 (chips) + 5e4 + 2e5 + 2 x (5e4 + 2e4) = 3.39e6 USD.
    """
    plan = solve_verified(bridge())
    assert plan.objective == pytest.approx(3.39e6, rel=1e-9)
    table = plan.tables["onsite"].set_index("year")
    assert table["kind"].tolist() == ["generator"] * 3
    assert table["capacity_mw"].tolist() == [2.0, 2.0, 2.0]
    assert table["units"].tolist() == [2.0, 2.0, 2.0]
    assert table["retired_mw"].tolist() == [0.0, 0.0, 2.0]
    assert table["generation_mw"].tolist() == pytest.approx([1.0, 1.0, 0.0])
    assert table["energy_mwh"].tolist() == pytest.approx([1000.0, 1000.0, 0.0])
    assert table["co2_t"].tolist() == pytest.approx([500.0, 500.0, 0.0])
    assert table["capital_usd"].tolist() == pytest.approx([2e5, 0.0, 0.0])
    assert table["fixed_usd"].tolist() == pytest.approx([2e4, 2e4, 0.0])
    assert table["energy_usd"].tolist() == pytest.approx([5e4, 5e4, 0.0])
    grid = plan.interconnection.set_index("year")
    assert grid.loc[2028, ["taken", "grid_draw_mw"]].tolist() == [True, 1.0]
    costs = plan.costs.set_index(["category", "year"])["discounted_usd"]
    assert costs["onsite_capex", 2026] + costs["onsite_capex", 2027] + costs["onsite_capex", 2028] == pytest.approx(2e5)
    assert costs["onsite_fixed_om", 2028] == pytest.approx(0.0)
    assert costs["onsite_energy", 2026] == pytest.approx(5e4)
    supplied_t = (plan.supplies["co2_t"] * plan.supplies["year"].map(plan.scenario.settings.year_weights)).sum()
    assert plan.kpis["co2_t"] == pytest.approx(supplied_t + 1000.0)  # the turbines' 2 x 500 t count with the supplies'


def test_the_grid_withdrawal_falls_by_the_generation():
    """The node's only supply is drawn for what the site takes from the grid: nothing in 2026-2027, 1 MW in 2028."""
    plan = solve_verified(bridge())
    draws = plan.supplies.set_index("year")["draw_mw"]
    assert draws.tolist() == pytest.approx([0.0, 0.0, 1.0])


def test_without_tranches_the_free_grid_wins():
    """No interconnection table: the site draws free grid power from 2026, the turbines stay unbuilt. 3 units = 3e6 USD."""
    plan = solve_verified(scenario(THREE_YEARS, demand=ONE_A_YEAR, generators=[turbine()]))
    assert plan.objective == pytest.approx(3.0e6, rel=1e-9)
    assert plan.tables["onsite"].empty


def test_a_lead_time_delays_the_bridge():
    """A lead time of 0.5 years rounds up to 2027: the first modelled year a turbine may run."""
    model = gw.build_model(bridge(lead_time_years=0.5))
    assert sorted({y for _, _, y in model.v_onsite_mw}) == [2027, 2028]


def test_generation_stays_behind_the_meter():
    """One year, 2 EFLOP/s of liquid-cooled chips. Free turbines (no capex, fuel or O&M), at most 1 MW per site. Site s is
    air-cooled: it hosts nothing, so its turbines may generate nothing. Site o hosts 2 MW: 1 MW from its own turbines,
    1 MW from the node's supply at 100 USD/MWh (1 MW x 1,000 h x 100 = 1e5 USD). Total 2e6 + 1e5 = 2.1e6 USD (if s's
    turbines could feed the node, 2e6)."""
    free = turbine(capex_usd_per_kw=0.0, fixed_om_usd_per_kw_yr=0.0, fuel_price_usd_per_mmbtu=0.0, unit_mw=0.0, availability_frac=1.0)
    scn = scenario(
        demand=[{"year": 2026, "eflops": 2.0}],
        sites=[site("s", cooling="air"), site("o")],
        chips=[chip("a", cooling="liquid")],
        supplies=[supply("g", energy_price_usd_per_mwh=100.0)],
        generators=[free | {"max_mw_per_site": 1.0}],
    )
    plan = solve_verified(scn)
    assert plan.objective == pytest.approx(2.1e6, rel=1e-9)
    generation = plan.tables["onsite"].groupby("site_id")["generation_mw"].sum()
    assert generation.to_dict() == pytest.approx({"o": 1.0})


def test_a_technology_no_site_may_build_gets_no_columns():
    """max_mw_per_site 0 forbids the technology: the index holds only the turbine's 3 site-years."""
    scn = scenario(THREE_YEARS, demand=ONE_A_YEAR, generators=[turbine(), turbine(tech_id="none", max_mw_per_site=0.0, unit_mw=0.0)])
    assert sorted(gw.build_model(scn).ONSITE_INDEX) == [("s", "turb", y) for y in (2026, 2027, 2028)]


def test_every_component_is_declared_and_units_are_integer():
    model = gw.build_model(bridge())
    assert model.v_onsite_units[("s", "turb", 2026)].domain is pyo.NonNegativeIntegers
    declared = {name for family in families() for name in family.components}
    built = {c.local_name for c in model.component_objects((pyo.Var, pyo.Constraint)) if c.local_name.startswith(("c_", "v_"))}
    assert {"v_onsite_mw", "v_onsite_units", "c_onsite_available", "c_onsite_behind_meter"} <= built <= declared


def test_a_warm_start_carries_the_units():
    """The plan's units built and retired are its MIP start; the warm-started solve ends where it began."""
    first = solve_verified(bridge())
    values = start_values(first.tables)
    assert values["v_onsite_units"][("s", "turb", 2026)] == 2.0
    assert values["v_onsite_retired_units"][("s", "turb", 2028)] == 2.0
    again = gw.solve(bridge(), start=first, mip_gap=0.0)
    assert again.verify() == []
    assert again.objective == pytest.approx(first.objective, rel=1e-9)


def _broken(plan: gw.Plan, year: int, column: str, value: object) -> set[str]:
    tables = dict(plan.tables)
    frame = tables["onsite"].copy()
    frame.loc[frame.year == year, column] = value
    tables["onsite"] = frame
    return {v.constraint for v in verify(plan.scenario, tables, plan.objective, columns=PLAN_TABLES)}


@pytest.mark.parametrize(
    ("year", "column", "value", "rule"),
    [
        (2027, "capacity_mw", 1.0, "onsite_monotone"),
        (2027, "retired_mw", 3.0, "onsite_retired"),
        (2026, "generation_mw", 1.9, "onsite_available"),
        (2026, "units", 1.5, "onsite_units_integer"),
        (2026, "capacity_mw", 12.0, "onsite_max"),
        (2026, "energy_mwh", 900.0, "onsite_energy_mwh"),
        (2026, "capital_usd", 1e5, "onsite_capital_usd"),
        (2027, "fixed_usd", 0.0, "onsite_fixed_usd"),
        (2026, "energy_usd", 0.0, "onsite_energy_usd"),
        (2026, "co2_t", 0.0, "onsite_co2_t"),
        (2026, "kind", "battery", "onsite_kind"),
        (2026, "capacity_mwh", 4.0, "onsite_kind"),
        (2026, "generation_mw", 0.5, "interconnection"),
        (2026, "generation_mw", 0.5, "node_balance"),
    ],
)
def test_the_verifier_catches_a_bad_onsite_row(year, column, value, rule):
    """The bridge plan broken by hand: each broken rule is named (less generation leaves the grid drawing what it may not)."""
    assert rule in _broken(solve_verified(bridge()), year, column, value)


def test_a_capital_a_solver_tolerance_off_is_no_violation():
    """Capital is capex x new MW: a solver's 1e-11 MW of new capacity makes 1e-5 USD, within the cost tolerance
    (1 USD); 2 USD off is caught. (A 200-campus plan once failed on capital_usd 0 against -1.25e-05 USD.)"""
    plan = solve_verified(bridge())
    year = int(plan.onsite.loc[plan.onsite.capital_usd == 0, "year"].iloc[0])  # nothing new: capital 0
    assert "onsite_capital_usd" not in _broken(plan, year, "capital_usd", 1e-5)
    assert "onsite_capital_usd" in _broken(plan, year, "capital_usd", 2.0)


def test_the_verifier_catches_generation_fed_to_the_node():
    """Units available to 1.6 MW generating 1.5 MW for a 1 MW campus, with the extra withdrawn as supply draw: behind_meter."""
    plan = solve_verified(bridge())
    tables = dict(plan.tables)
    tables["onsite"] = tables["onsite"].assign(generation_mw=[1.5, 1.0, 0.0], energy_mwh=[1500.0, 1000.0, 0.0])
    found = {v.constraint for v in verify(plan.scenario, tables, columns=PLAN_TABLES)}
    assert "onsite_behind_meter" in found


def test_the_verifier_catches_a_row_before_the_first_year():
    """A technology with a one-year lead time has its first year in 2027: a 2026 row with capacity breaks it."""
    scn = bridge(lead_time_years=1.0)
    plan = solve_verified(bridge())
    found = {v.constraint for v in verify(scn, plan.tables, columns=PLAN_TABLES)}
    assert "onsite_earliest_year" in found


def test_the_summary_and_costs_without_generators_are_unchanged():
    """A scenario without generators.csv has an empty onsite table with the contract's columns."""
    plan = solve_verified(scenario())
    assert list(plan.tables["onsite"].columns) == list(PLAN_TABLES["onsite"])
    assert plan.tables["onsite"].empty
    assert isinstance(plan.tables["curtailment"], pd.DataFrame) and plan.tables["curtailment"].empty


@pytest.mark.parametrize("strategy", ["phased", "shortlist"])
def test_the_strategies_treat_units_as_blocks(strategy):
    """On-site units are blocks of their site: phased relaxes and repairs them with the site blocks. Both reach 3.39e6."""
    plan = gw.solve(bridge(), strategy=strategy, mip_gap=0.0)
    assert plan.verify() == []
    assert plan.objective == pytest.approx(3.39e6, rel=1e-9)
