"""Interconnection: hand-solved cases where a site draws from the grid only what its energised tranches give.

Builders' defaults (tests/builders.py): a free 100 MW site of PUE 1, free power, a chip of 1 MW and
1 EFLOP/s a unit at 1e6 USD with a one-year life (a unit bought every year), discount rate 0, 1,000
hours a year at load factor 1. Each EFLOP/s of demand is one unit, so 1 MW at the site serving it.
"""

from __future__ import annotations

import pandas as pd
import pyomo.environ as pyo
import pytest
from builders import scenario, site, solve_verified, supply

import gigawatt as gw
from gigawatt.matrix.compile import compile_model
from gigawatt.model.families import families
from gigawatt.model.ledger import Ledger
from gigawatt.plan.infeasibility import explain
from gigawatt.plan.start import start_values
from gigawatt.plan.tables import PLAN_TABLES
from gigawatt.plan.verify import verify

TWO_NODES = [{"node_id": "n", "lat": 40.0, "lon": -80.0}, {"node_id": "m", "lat": 41.0, "lon": -80.0}]
#: near: free power at node n; far: power at 100 USD/MWh at node m (no link), so 1 MW there costs 1e5 USD a year.
SITES = [site("near"), site("far", node_id="m")]
SUPPLIES = [supply("g"), supply("h", node_id="m", energy_price_usd_per_mwh=100.0)]
THREE_YEARS = {"years": [2026, 2027, 2028]}
ONE_A_YEAR = [{"year": y, "eflops": 1.0} for y in (2026, 2027, 2028)]


def tranche(tranche_id: str, **kw: object) -> dict:
    row = dict(tranche_id=tranche_id, site_id="near", firm_mw=5.0, earliest_year=2028, cost_usd_per_mw=1e4, lifetime_years=1)
    return row | kw


def two_sites(tranches: list[dict] | None = None) -> gw.Scenario:
    extra = {} if tranches is None else {"interconnection": tranches}
    return scenario(THREE_YEARS, nodes=TWO_NODES, sites=SITES, supplies=SUPPLIES, demand=ONE_A_YEAR, **extra)


def test_a_site_waits_for_its_only_tranche():
    """near's only tranche (5 MW at 1e4 USD/MW, life 1) can be energised in 2028, the third year.

    Without the table near serves all three years on free power: 3 units = 3.0e6 USD.
    With it near can host nothing in 2026-2027: far serves them, 1 MW x 1,000 h x 100 USD/MWh = 1e5 USD
    a year; in 2028 the tranche (5 x 1e4 = 5e4 USD, paid in 2028 over its one-year life) beats a third
    year at far (1e5). Total 3e6 + 2e5 + 5e4 = 3.25e6 USD: 2.5e5 more than without it.
    """
    free = solve_verified(two_sites())
    assert free.objective == pytest.approx(3.0e6, rel=1e-9)
    assert free.interconnection.empty
    plan = solve_verified(two_sites([tranche("t1")]))
    assert plan.objective == pytest.approx(3.25e6, rel=1e-9)
    assert plan.objective - free.objective == pytest.approx(2.5e5, rel=1e-9)
    power = plan.sites.set_index(["site_id", "year"])["facility_mw"]
    assert [power["near", y] for y in (2026, 2027, 2028)] == pytest.approx([0.0, 0.0, 1.0])
    assert [power["far", y] for y in (2026, 2027)] == pytest.approx([1.0, 1.0])
    table = plan.interconnection
    assert table[["tranche_id", "site_id", "year", "taken"]].values.tolist() == [["t1", "near", 2028, True]]
    assert table[["firm_mw", "site_firm_mw", "grid_draw_mw", "capital_usd"]].values.tolist() == [[5.0, 5.0, 1.0, 5e4]]
    costs = plan.costs.set_index(["category", "year"])["discounted_usd"]
    assert costs["interconnection", 2028] == pytest.approx(5e4)
    assert costs["energy", 2026] == costs["energy", 2027] == pytest.approx(1e5)


def two_tranches(demand_2027: float) -> gw.Scenario:
    """One site, years 2026-2027, two-year lives (r = 0: each tranche's whole price is paid inside the horizon if
    taken in 2026, half of it if taken in 2027). early: 1 MW from 2026 at 2e4 USD/MW; late: 10 MW from 2027 at
    1e3 USD/MW (1e4 USD in all, cheaper per MW and in total)."""
    tranches = [
        tranche("early", site_id="s", firm_mw=1.0, earliest_year=2026, cost_usd_per_mw=2e4, lifetime_years=2),
        tranche("late", site_id="s", firm_mw=10.0, earliest_year=2027, cost_usd_per_mw=1e3, lifetime_years=2),
    ]
    demand = [{"year": 2026, "eflops": 1.0}, {"year": 2027, "eflops": demand_2027}]
    return scenario({"years": [2026, 2027]}, demand=demand, interconnection=tranches)


def test_the_cheaper_later_tranche_is_declined_when_not_needed():
    """1 MW in both years: 2026 needs early (2e4 USD); it stays energised in 2027 and covers the 1 MW, so late is
    declined and costs nothing. Total 1e6 + 1e6 + 2e4 = 2.02e6 USD."""
    plan = solve_verified(two_tranches(1.0))
    assert plan.objective == pytest.approx(2.02e6, rel=1e-9)
    taken = plan.interconnection.set_index(["tranche_id", "year"])["taken"]
    assert taken.to_dict() == {("early", 2026): True, ("early", 2027): True, ("late", 2027): False}
    assert plan.interconnection["capital_usd"].tolist() == [2e4, 0.0, 0.0]


def test_the_later_tranche_is_taken_when_needed():
    """2 MW in 2027: early gives 1 MW, so late is taken in 2027, paying 1e4 x 1/2 for the one year of its
    two-year life inside the horizon (5e3). Total 1e6 + 2e6 + 2e4 + 5e3 = 3.025e6 USD."""
    plan = solve_verified(two_tranches(2.0))
    assert plan.objective == pytest.approx(3.025e6, rel=1e-9)
    rows = plan.interconnection.set_index(["tranche_id", "year"])
    assert rows.loc[("late", 2027), ["taken", "capital_usd"]].tolist() == [True, 1e4]
    assert rows.loc[("late", 2027), "site_firm_mw"] == pytest.approx(11.0)
    assert plan.costs.set_index(["category", "year"])["discounted_usd"]["interconnection", 2027] == pytest.approx(5e3)


def test_the_dual_is_what_one_more_mw_of_connection_saves():
    """near has 1 MW energised from 2026 (life 1, 1e4 USD) and demand is 2 EFLOP/s: near hosts 1 MW, far the other
    at 1e5 USD a year. One more MW of connection at near moves a unit there and saves far's 1e5 USD/MW-yr."""
    scn = scenario(
        {"years": [2026]},
        nodes=TWO_NODES,
        sites=SITES,
        supplies=SUPPLIES,
        demand=[{"year": 2026, "eflops": 2.0}],
        interconnection=[tranche("t1", firm_mw=1.0, earliest_year=2026)],
    )
    plan = solve_verified(scn)
    assert plan.objective == pytest.approx(2e6 + 1e4 + 1e5, rel=1e-9)
    duals = plan.duals[plan.duals.constraint == "interconnection"].set_index(["entity", "year"])["value"]
    assert duals["site near", 2026] == pytest.approx(1e5, rel=1e-6)


def test_the_verifier_flags_a_draw_beyond_the_energised_tranches():
    """The plan of the first case with its tranche declined (and its columns kept consistent) still draws 1 MW at near
    in 2028 with nothing energised: ``interconnection``, off by 1 MW. A plan made without the table drew 1 MW at near
    in 2026 and 2027, before the tranche could be energised."""
    scn = two_sites([tranche("t1")])
    plan = solve_verified(scn)
    tables = dict(plan.tables)
    declined = tables["interconnection"].assign(taken=False, firm_mw=0.0, site_firm_mw=0.0, capital_usd=0.0)
    tables["interconnection"] = declined
    found = [v for v in verify(scn, tables, columns=PLAN_TABLES) if v.constraint == "interconnection"]
    assert [(v.entity, v.year, v.amount) for v in found] == [("site near", 2028, pytest.approx(1.0))]
    free = solve_verified(two_sites())
    found = [v for v in verify(scn, free.tables, columns=PLAN_TABLES) if v.constraint == "interconnection"]
    assert [(v.entity, v.year) for v in found] == [("site near", 2026), ("site near", 2027), ("site near", 2028)]


@pytest.mark.parametrize(
    ("tranche_id", "year", "column", "value", "rule"),
    [
        ("early", 2027, "taken", False, "interconnection_monotone"),
        ("late", 2027, "capital_usd", 0.0, "interconnection_capital_usd"),
        ("late", 2027, "site_firm_mw", 12.0, "interconnection_site_firm_mw"),
        ("early", 2026, "firm_mw", 0.5, "interconnection_firm_mw"),
        ("early", 2026, "grid_draw_mw", 3.0, "interconnection_grid_draw_mw"),
        ("early", 2026, "site_id", "elsewhere", "unknown_key"),
    ],
)
def test_the_verifier_catches_a_bad_tranche_row(tranche_id, year, column, value, rule):
    """A tranche table broken by hand is named by its rule (the plan of 2 MW in 2027: early taken in 2026, late in 2027)."""
    plan = solve_verified(two_tranches(2.0))
    tables = dict(plan.tables)
    broken = tables["interconnection"].copy()
    broken.loc[(broken.tranche_id == tranche_id) & (broken.year == year), column] = value
    tables["interconnection"] = broken
    found = {v.constraint for v in verify(plan.scenario, tables, plan.objective, columns=PLAN_TABLES)}
    assert rule in found


def test_the_verifier_catches_a_tranche_taken_before_its_earliest_year():
    """A row of late in 2026, taken, is before its earliest year 2027."""
    plan = solve_verified(two_tranches(2.0))
    tables = dict(plan.tables)
    frame = tables["interconnection"]
    early_row = frame[frame.tranche_id == "late"].assign(year=2026, capital_usd=0.0)
    tables["interconnection"] = pd.concat([frame, early_row], ignore_index=True)
    found = {v.constraint for v in verify(plan.scenario, tables, columns=PLAN_TABLES)}
    assert "interconnection_earliest_year" in found


def test_a_missing_connection_is_explained_in_domain_terms():
    """10 EFLOP/s in 2026 at a site whose only tranche gives 4 MW: 6 MW more grid connection needed by 2026."""
    scn = scenario(demand=[{"year": 2026, "eflops": 10.0}], interconnection=[tranche("t1", site_id="s", firm_mw=4.0, earliest_year=2026)])
    m = gw.build_model(scn)
    table = explain(compile_model(m), m.data)
    rows = table[(table.requirement == "grid connection") & (table.option == "caps")]
    assert rows.shortfall.tolist() == pytest.approx([6.0])
    assert (
        rows.change.iloc[0]
        == "site s needs 6.0 MW more grid connection by 2026 than its interconnection tranches can give, or on-site generation"
    )


def test_without_the_table_nothing_is_added():
    """A scenario without tranches builds no tranche column or interconnection row."""
    model = gw.build_model(two_sites())
    assert not hasattr(model, "v_tranche")
    assert not hasattr(model, "c_interconnection")


def test_a_site_without_rows_is_unconstrained_beside_one_with_rows():
    """near listed, far not: far's rows are not built, near's are built for every year it registers power (even
    2026-2027, before its tranche can be energised, where it may draw nothing). Every component built is declared."""
    model = gw.build_model(two_sites([tranche("t1")]))
    assert list(model.c_interconnection) == [("near", 2026), ("near", 2027), ("near", 2028)]
    assert list(model.v_tranche) == [("near", "t1", 2028)]
    declared = {name for family in families() for name in family.components}
    built = {c.local_name for c in model.component_objects((pyo.Var, pyo.Constraint)) if c.local_name.startswith(("c_", "v_"))}
    assert {"v_tranche", "c_interconnection"} <= built <= declared


def test_onsite_supply_lowers_the_grid_draw_and_the_withdrawal():
    """2.5 MW of facility power and 1 MW on site: the grid draw is 2.5 - 1, withdrawn at the site's node on close."""
    ledger = Ledger(gw.build_model(two_sites()).data.horizon, {"s": "n"})
    x, g = object(), object()
    ledger.power("s", 2026, 2.5, 2.0, x)
    ledger.onsite("s", 2026, 1.0, g)
    assert ledger.grid_draw("s", 2026) == [(2.5, x), (-1.0, g)]
    ledger.close()
    assert ledger.injection_mw["n", 2026] == [(-2.5, x), (1.0, g)]
    assert ledger.facility_mw["s", 2026] == [(2.5, x)]


def test_the_summary_names_the_tranches_taken():
    """The first case takes its one tranche: 5 MW firm by 2028."""
    assert "grid connection 1 of 1 tranches taken, 5 MW firm by 2028" in solve_verified(two_sites([tranche("t1")])).summary()


@pytest.mark.parametrize("strategy", ["phased", "shortlist"])
def test_the_strategies_treat_tranches_as_openings(strategy):
    """Tranches are openings of their site: phased fixes them with the openings, shortlist closes them with their site.
    Both reach the 3.25e6 USD of the first case."""
    plan = gw.solve(two_sites([tranche("t1")]), strategy=strategy, mip_gap=0.0)
    assert plan.verify() == []
    assert plan.objective == pytest.approx(3.25e6, rel=1e-9)


def test_a_warm_start_carries_the_tranches():
    """The plan's tranche decisions are part of its MIP start, and the warm-started solve ends where it began."""
    scn = two_sites([tranche("t1")])
    first = solve_verified(scn)
    assert start_values(first.tables)["v_tranche"] == {("near", "t1", 2028): 1.0}
    again = gw.solve(scn, start=first, mip_gap=0.0)
    assert again.verify() == []
    assert again.objective == pytest.approx(first.objective, rel=1e-9)


def test_twins_are_not_ordered_when_one_has_a_tranche():
    """Sites a and b are identical (a 1 MW block at 1e7 USD per MW, life 1) but a alone has a tranche (1 MW from 2026
    at 1e6 USD per MW); b's grid draw is unlimited. 1 EFLOP/s: the unit goes to b, 1e7 + 1e6 (chip) = 1.1e7 USD.
    Ordering the twins (a built before b) would force a's block too (2.1e7) or the unit to a with its tranche (1.2e7)."""
    twin = {"max_mw": 1.0, "block_mw": 1.0, "capex_usd_per_mw": 1e7}
    scn = scenario(
        sites=[site("a", **twin), site("b", **twin)],
        interconnection=[tranche("t", site_id="a", firm_mw=1.0, earliest_year=2026, cost_usd_per_mw=1e6)],
    )
    assert gw.build_model(scn).data.symmetric_site_pairs == []
    plan = solve_verified(scn)
    assert plan.objective == pytest.approx(1.1e7, rel=1e-9)
    assert plan.sites.set_index("site_id")["blocks"].to_dict() == {"a": 0.0, "b": 1.0}
