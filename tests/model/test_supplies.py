"""Supplies: a hand-solved case of a supply with a build cost.

Builders' defaults: one node, free site and power, a chip of 1 MW IT and 1 EFLOP/s per unit costing 1e6 USD
(life 1), discount rate 0, 1,000 hours a year at load factor 1.
"""

from __future__ import annotations

import pytest
from builders import chip, scenario, site, solve_verified, supply

import gigawatt as gw
from gigawatt.matrix.compile import compile_model
from gigawatt.plan.infeasibility import explain


def test_only_the_power_drawn_is_contracted():
    """5 EFLOP/s draw 5 MW; a supply costing 1e5 USD per MW contracts just that: 5 x 1e6 + 5 x 1e5 = 5.5e6 USD."""
    supplies = [supply("g", capacity_mw=10.0, build_cost_usd_per_mw=1e5)]
    plan = solve_verified(scenario(supplies=supplies, demand=[{"year": 2026, "eflops": 5.0}]))
    assert plan.objective == pytest.approx(5.5e6, rel=1e-9)
    row = plan.supplies.iloc[0]
    assert (row.available_mw, row.draw_mw) == pytest.approx((5.0, 5.0))


TWO_CAMPUSES = [
    site("a", max_mw=1.5, block_mw=1.5, pue=1.2, pue_peak=1.2),
    site("b", max_mw=1.5, block_mw=1.5, pue=1.0, pue_peak=1.0),
]


@pytest.mark.parametrize(("owner", "expected", "ppa_draw", "pool_draw"), [(None, 22_000.0, 2.2, 0.0), ("a", 62_000.0, 1.2, 1.0)])
def test_a_dedicated_supply_serves_only_its_campus(owner, expected, ppa_draw, pool_draw):
    """Campuses a (pue 1.2) and b (pue 1) share node n; each holds one 1 MW unit (1.5 MW: two would not fit), and
    2 EFLOP/s of demand needs both. Supplies at n: ppa at 10 USD/MWh, pool at 50 USD/MWh; 1,000 h at load factor 1.

    Open to the node, ppa feeds both: (1.2 + 1) MW x 1,000 h x 10 = 22,000 USD. Dedicated to a, it gives a its
    grid energy, 1 MW IT x 1.2 = 1.2 MW (12,000 USD), and nothing to b, which pays the pool: 1 MW x 1,000 x 50 =
    50,000; in all 62,000 USD. Chips are free.
    """
    supplies = [supply("ppa", energy_price_usd_per_mwh=10.0, site_id=owner), supply("pool", energy_price_usd_per_mwh=50.0)]
    scn = scenario(sites=TWO_CAMPUSES, supplies=supplies, chips=[chip("c", capex_usd_per_unit=0.0)], demand=[{"year": 2026, "eflops": 2.0}])
    plan = solve_verified(scn)
    assert plan.objective == pytest.approx(expected, rel=1e-9)
    table = plan.supplies.set_index("supply_id")
    assert table["draw_mw"].to_dict() == pytest.approx({"ppa": ppa_draw, "pool": pool_draw}, abs=1e-9)
    assert table["site_id"].to_dict() == {"ppa": owner or "", "pool": ""}
    if owner:  # one more MWh of a's room for dedicated power would replace a pool MWh at b: 50 - 10 = 40 USD/MWh
        dual = plan.duals.query("constraint == 'dedicated_supply'").set_index("entity")["value"]
        assert dual.to_dict() == pytest.approx({"site a": 40.0})


def test_power_only_a_dedicated_supply_could_give_is_explained():
    """Campus b needs 1 MW in 2026 (one unit, pue 1); node n's only supply is dedicated to campus a, which opens in
    2027 and draws nothing in 2026. The explanation names a's dedicated supply (rather than power from nowhere at
    the node): it would have to deliver 1 MW more than a draws, and that change alone suffices."""
    sites = [TWO_CAMPUSES[0] | {"earliest_year": 2027}, TWO_CAMPUSES[1]]
    scn = scenario(sites=sites, supplies=[supply("ppa", site_id="a")], demand=[{"year": 2026, "eflops": 1.0}])
    m = gw.build_model(scn)
    table = explain(compile_model(m), m.data)
    rows = table[table.requirement == "dedicated supply"]
    assert rows.shortfall.tolist() == pytest.approx([1.0])
    assert set(table.requirement) == {"dedicated supply"}
    assert rows.change.iloc[0].startswith("2026, site a: its dedicated supplies would have to deliver 1.0 MW more than the site draws")


def test_a_dedicated_supply_delivers_nothing_before_its_campus_draws():
    """Campus a opens in 2027; its dedicated ppa (10 USD/MWh) is available from 2026. 1 EFLOP/s a year at campus b
    (a single 1 MW unit, pue 1) in 2026: ppa cannot feed b, so b pays the pool, 1 MW x 1,000 h x 50 = 50,000 USD.
    In 2027 the unit may sit at a (1.2 MW from ppa: 12,000) or at b (50,000): a wins. Chips are free (life 1)."""
    sites = [TWO_CAMPUSES[0] | {"earliest_year": 2027}, TWO_CAMPUSES[1]]
    supplies = [supply("ppa", energy_price_usd_per_mwh=10.0, site_id="a"), supply("pool", energy_price_usd_per_mwh=50.0)]
    demand = [{"year": y, "eflops": 1.0} for y in (2026, 2027)]
    scn = scenario({"years": [2026, 2027]}, sites=sites, supplies=supplies, chips=[chip("c", capex_usd_per_unit=0.0)], demand=demand)
    plan = solve_verified(scn)
    assert plan.objective == pytest.approx(62_000.0, rel=1e-9)
    draw = plan.supplies.set_index(["supply_id", "year"])["draw_mw"]
    assert [draw["ppa", 2026], draw["pool", 2026], draw["ppa", 2027], draw["pool", 2027]] == pytest.approx([0.0, 1.0, 1.2, 0.0])


@pytest.mark.parametrize(("eflops", "paid", "energy_usd"), [(1.0, 5.0, 100_000.0), (7.0, 7.0, 140_000.0)])
def test_a_minimum_take_is_paid_for_unused(eflops, paid, energy_usd):
    """contract: 10 MW at 20 USD/MWh, 0.5 t CO2/MWh at 10 USD/t, take-or-pay 50 % (5 MW); spot: 30 USD/MWh, no CO2.
    1,000 h at load factor 1; ``eflops`` MW of load.

    1 MW: the contract is paid on max(1, 0.5 x 10) = 5 MW, 5 x 1,000 x 20 = 100,000 USD whatever is drawn, so its
    energy is free at the margin and its 1 MW costs only carbon, 1 x 1,000 x 0.5 x 10 = 5,000 (spot would cost
    30,000): 105,000 USD, 500 t CO2 (the draw, not the 5 MW paid). 7 MW: paid on the draw, 7 x 1,000 x 20 =
    140,000, carbon 7 x 5,000 = 35,000 (spot at 30 costs more than 20 + 5): 175,000 USD.
    """
    supplies = [
        supply("contract", capacity_mw=10.0, energy_price_usd_per_mwh=20.0, co2_t_per_mwh=0.5, min_take_frac=0.5),
        supply("spot", energy_price_usd_per_mwh=30.0),
    ]
    settings = {"carbon_price_usd_per_t": 10.0}
    scn = scenario(settings, supplies=supplies, chips=[chip("c", capex_usd_per_unit=0.0)], demand=[{"year": 2026, "eflops": eflops}])
    plan = solve_verified(scn)
    carbon = eflops * 1000.0 * 0.5 * 10.0
    assert plan.objective == pytest.approx(energy_usd + carbon, rel=1e-9)
    row = plan.supplies.set_index("supply_id").loc["contract"]
    assert (row.draw_mw, row.paid_mw, row.co2_t) == pytest.approx((eflops, paid, eflops * 500.0))
    costs = plan.costs.groupby("category")["discounted_usd"].sum()
    assert (costs["energy"], costs["carbon"]) == pytest.approx((energy_usd, carbon))


def test_a_minimum_take_follows_the_contracted_mw():
    """A supply built at 1e5 USD per MW contracted (life 1), 20 USD/MWh, take-or-pay 50 %; 4 MW of load in 2026, 1 MW
    in 2027 (chips free, life 1). The 4 MW contracted in 2026 stay (4e5 USD, paid in 2026); 2027 pays energy on
    max(1, 0.5 x 4) = 2 MW. Energy: 4 x 1,000 x 20 = 80,000, then 2 x 1,000 x 20 = 40,000. In all 520,000 USD."""
    supplies = [supply("g", capacity_mw=10.0, energy_price_usd_per_mwh=20.0, build_cost_usd_per_mw=1e5, min_take_frac=0.5)]
    demand = [{"year": 2026, "eflops": 4.0}, {"year": 2027, "eflops": 1.0}]
    scn = scenario({"years": [2026, 2027]}, supplies=supplies, chips=[chip("c", capex_usd_per_unit=0.0)], demand=demand)
    plan = solve_verified(scn)
    assert plan.objective == pytest.approx(520_000.0, rel=1e-9)
    table = plan.supplies.set_index("year")
    assert table[["available_mw", "draw_mw", "paid_mw"]].to_numpy().ravel() == pytest.approx([4.0, 4.0, 4.0, 4.0, 1.0, 2.0])


@pytest.mark.parametrize("owner", ["a", "b"])
def test_twins_are_not_ordered_when_one_has_a_dedicated_supply(owner):
    """Campuses a and b are identical (one 1 MW unit each, a block of 1.5 MW at 1e7 USD per MW: 1.5e7 USD, life 1);
    a dedicated ppa at 10 USD/MWh serves ``owner``, the pool costs 50 USD/MWh; 1 EFLOP/s. The unit goes to the
    owner: 1.5e7 + 1 MW x 1,000 h x 10 = 15,010,000 USD, whichever twin it is. Ordering the twins (a built before
    b) would, for owner b, force a second block (30,010,000) or the pool at a (15,050,000)."""
    twin = {"max_mw": 1.5, "block_mw": 1.5, "capex_usd_per_mw": 1e7}
    supplies = [supply("ppa", energy_price_usd_per_mwh=10.0, site_id=owner), supply("pool", energy_price_usd_per_mwh=50.0)]
    scn = scenario(sites=[site("a", **twin), site("b", **twin)], supplies=supplies, chips=[chip("c", capex_usd_per_unit=0.0)])
    plan = solve_verified(scn)
    assert plan.objective == pytest.approx(15_010_000.0, rel=1e-9)
    assert plan.sites.set_index("site_id")["blocks"].to_dict() == {"a": float(owner == "a"), "b": float(owner == "b")}
