"""Hand-solved instances, each isolating one mechanism of the model.

Each docstring derives the optimum by hand; the test asserts the solver's objective (USD) and the
decision that produces it. Defaults (tests/builders.py): one node, free site and power, a chip of
1 MW IT and 1 EFLOP/s per unit costing 1e6 USD, discount rate 0, 1,000 hours a year at load factor 1.
"""

from __future__ import annotations

import pytest
from builders import chip, link, scenario, site, solve_verified, supply

import gigawatt as gw


def installs(plan, chip_id: str) -> dict[int, int]:
    rows = plan.chips[(plan.chips.chip_id == chip_id) & (plan.chips.installed_units > 0)]
    return rows.groupby("year")["installed_units"].sum().to_dict()


def test_ceiling_binding_forces_the_efficient_chip():
    """Demand 15 EFLOP/s under a 10 MW ceiling.

    Chip a: 1 MW, 1e6 USD per EFLOP/s; chip b: 0.5 MW, 3e6 USD per EFLOP/s (life 1, one year).
    min 1e6 a + 3e6 b  s.t.  a + b >= 15,  a + 0.5 b <= 10  ->  a = 5, b = 10, cost 35e6 USD.
    Without the ceiling: 15 units of a, 15e6 USD.
    """
    chips = [chip("a"), chip("b", it_kw_per_unit=500.0, capex_usd_per_unit=3e6)]
    demand = [{"year": 2026, "eflops": 15.0}]
    plan = solve_verified(scenario({"ceiling_mw": 10.0}, chips=chips, demand=demand))
    assert plan.objective == pytest.approx(35e6, rel=1e-9)
    assert installs(plan, "a") == {2026: 5} and installs(plan, "b") == {2026: 10}
    assert plan.power.facility_mw.iloc[0] == pytest.approx(10.0)
    loose = solve_verified(scenario({"ceiling_mw": 100.0}, chips=chips, demand=demand))
    assert loose.objective == pytest.approx(15e6, rel=1e-9)


def test_cheaper_chip_not_yet_on_sale():
    """Years 2026-2027, demand 10 EFLOP/s each year, lives 5 (annuity 1/5 per year, 2 years in horizon).

    Chip a (on sale from 2026) costs 1e6; chip b (from 2027) 0.5e6 per unit. Units of a bought in
    2026 serve both years: 10 x 1e6 x 2/5 = 4e6 USD. Buying b in 2026 would cost 2e6 but b is not on sale.
    """
    chips = [chip("a", lifetime_years=5), chip("b", first_year=2027, capex_usd_per_unit=0.5e6, lifetime_years=5)]
    demand = [{"year": 2026, "eflops": 10.0}, {"year": 2027, "eflops": 10.0}]
    plan = solve_verified(scenario({"years": [2026, 2027]}, chips=chips, demand=demand, sites=[site("s", lifetime_years=5)]))
    assert plan.objective == pytest.approx(4e6, rel=1e-9)
    assert installs(plan, "a") == {2026: 10}
    assert installs(plan, "b") == {}


@pytest.mark.parametrize(("loss", "expected", "remote_draw"), [(0.6, 1e6 + 100_000, 0.0), (0.4, 1e6 + 50_000 / 0.6, 1 / 0.6)])
def test_link_losses_force_a_local_supply(loss, expected, remote_draw):
    """A 1 MW load at node x; local power at 100 USD/MWh, remote power at 50 USD/MWh over a lossy link.

    1,000 h/yr: local energy costs 1 MW x 1,000 h x 100 = 100,000 USD. Remote needs 1/(1-loss) MW:
    at loss 0.6 that is 2.5 MW x 1,000 x 50 = 125,000 (local wins); at loss 0.4, 1/0.6 x 50,000 = 83,333 (remote wins).
    """
    nodes = [{"node_id": "x", "lat": 40.0, "lon": -80.0}, {"node_id": "y", "lat": 41.0, "lon": -81.0}]
    supplies = [supply("local", node_id="x", energy_price_usd_per_mwh=100.0), supply("remote", node_id="y", energy_price_usd_per_mwh=50.0)]
    plan = solve_verified(
        scenario(nodes=nodes, sites=[site("s", node_id="x")], supplies=supplies, links=[link("l", "y", "x", loss_frac=loss)])
    )
    assert plan.objective == pytest.approx(expected, rel=1e-9)
    draw = plan.supplies.set_index("supply_id")["draw_mw"]
    assert draw["remote"] == pytest.approx(remote_draw, abs=1e-9)


def test_latency_excludes_the_cheap_far_site():
    """A region at (40, -75) with a 10 ms bound. The near site (40, -75.5, ~43 km) costs 2e6 to open;
    the far site (35, -120, ~3,900 km, ~50 ms round trip) opens for free but cannot serve.
    Cost: open 2e6 + one unit 1e6 = 3e6 USD. With a 100 ms bound, the far site: 1e6 USD.
    """
    sites = [site("near", lat=40.0, lon=-75.5, open_cost_usd=2e6), site("far", lat=35.0, lon=-120.0)]
    regions = [{"region_id": "east", "lat": 40.0, "lon": -75.0, "max_latency_ms": 10.0}]
    demand = [{"year": 2026, "region_id": "east", "eflops": 1.0}]
    plan = solve_verified(scenario(sites=sites, regions=regions, demand=demand))
    assert plan.objective == pytest.approx(3e6, rel=1e-9)
    assert set(plan.serving.site_id) == {"near"}
    regions[0]["max_latency_ms"] = 100.0
    far = solve_verified(scenario(sites=sites, regions=regions, demand=demand))
    assert far.objective == pytest.approx(1e6, rel=1e-9)


def test_lifetime_forces_a_reinstall():
    """Years 2026-2028, 1 EFLOP/s each year, chip life 2 (annuity 1e6/2 per year).

    The 2026 unit serves 2026-2027 and pays 2 x 0.5e6; it retires before 2028, so a unit bought in 2028
    pays 0.5e6 (one year left in the horizon). Total 1.5e6 USD.
    """
    demand = [{"year": y, "eflops": 1.0} for y in (2026, 2027, 2028)]
    plan = solve_verified(scenario({"years": [2026, 2027, 2028]}, chips=[chip("a", lifetime_years=2)], demand=demand))
    assert plan.objective == pytest.approx(1.5e6, rel=1e-9)
    assert installs(plan, "a") == {2026: 1, 2028: 1}


def test_supply_cap_forces_a_second_chip():
    """Demand 5 EFLOP/s; chip a (1e6) is capped at 3 units a year, so 2 units of b (2e6): 7e6 USD."""
    chips = [chip("a", max_units_per_year=3), chip("b", capex_usd_per_unit=2e6)]
    plan = solve_verified(scenario(chips=chips, demand=[{"year": 2026, "eflops": 5.0}]))
    assert plan.objective == pytest.approx(7e6, rel=1e-9)
    assert installs(plan, "a") == {2026: 3} and installs(plan, "b") == {2026: 2}


@pytest.mark.parametrize(("rate", "expected", "chip_used"), [(0.0, 1e6, "early"), (0.1, 1.05e6 / 1.1**2, "late")])
def test_discounting_moves_the_build_later(rate, expected, chip_used):
    """Years 2026-2028, 1 EFLOP/s needed in 2028 only.

    'early' is on sale in 2026 only (1e6, life 3: its annuity spans 2026-2028 and discounts to exactly
    1e6 in 2026); 'late' in 2028 only (1.05e6, life 1, discounted by (1+r)^2). At r = 0: early, 1e6.
    At r = 0.1: late, 1.05e6 / 1.21 = 867,768.6 USD.
    """
    chips = [chip("early", last_year=2026, lifetime_years=3), chip("late", first_year=2028, capex_usd_per_unit=1.05e6)]
    demand = [{"year": 2028, "eflops": 1.0}]
    plan = solve_verified(scenario({"years": [2026, 2027, 2028], "discount_rate": rate}, chips=chips, demand=demand))
    assert plan.objective == pytest.approx(expected, rel=1e-9)
    assert set(plan.chips.loc[plan.chips.installed_units > 0, "chip_id"]) == {chip_used}


def test_budget_cap_buys_a_cheaper_less_efficient_chip():
    """Years 2026-2027, 2 EFLOP/s both years; energy 200 USD/MWh, 1,000 h: 0.2e6 USD per MW-year.

    Chip a: 1e6, 1 MW -> 2 years cost 1e6 + 0.4e6 = 1.4e6. Chip b: 0.7e6, 2 MW -> 0.7e6 + 0.8e6 = 1.5e6.
    Unconstrained: two of a, 2.8e6 (2e6 spent in 2026). With a 1.7e6 yearly budget: one of each
    (1.7e6 spent), 2.9e6 USD.
    """
    chips = [chip("a", lifetime_years=2), chip("b", it_kw_per_unit=2000.0, capex_usd_per_unit=0.7e6, lifetime_years=2)]
    demand = [{"year": y, "eflops": 2.0} for y in (2026, 2027)]
    supplies = [supply("g", energy_price_usd_per_mwh=200.0)]
    settings = {"years": [2026, 2027]}
    free = solve_verified(scenario(settings, chips=chips, demand=demand, supplies=supplies))
    assert free.objective == pytest.approx(2.8e6, rel=1e-9)
    capped = solve_verified(scenario(settings | {"budget_usd_per_year": 1.7e6}, chips=chips, demand=demand, supplies=supplies))
    assert capped.objective == pytest.approx(2.9e6, rel=1e-9)
    assert installs(capped, "a") == {2026: 1} and installs(capped, "b") == {2026: 1}


def test_region_without_reachable_site_is_explained():
    """A region whose only site is beyond its latency bound: infeasible before any solve, with the shortfall."""
    regions = [{"region_id": "west", "lat": 35.0, "lon": -120.0, "max_latency_ms": 5.0}]
    demand = [{"year": 2026, "region_id": "west", "eflops": 2.0}]
    with pytest.raises(gw.InfeasibleScenario) as info:
        gw.solve(scenario(regions=regions, demand=demand))
    finding = info.value.findings.iloc[0]
    assert (finding.requirement, finding.entity, finding.year, finding.shortfall) == ("demand", "region west", 2026, 2.0)
