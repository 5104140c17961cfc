"""The MIP optimum equals the best of all LPs with every binary fixed (brute force over small random instances)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from brute_force import brute_force_optimum
from builders import chip, link, scenario, site, supply

import gigawatt as gw


def random_instance(seed: int) -> gw.Scenario:
    """Two sites (one block each, so every integer is 0/1), two nodes, a link with a fixed build cost, two years."""
    rng = np.random.default_rng(seed)
    u = rng.uniform
    nodes = [{"node_id": "n", "lat": 40.0, "lon": -80.0}, {"node_id": "m", "lat": 41.0, "lon": -82.0}]
    sites = [
        site(f"s{i}", node_id=node, max_mw=mw, block_mw=mw, open_cost_usd=float(u(0, 3e6)), capex_usd_per_mw=float(u(0, 2e5)),
             pue=float(u(1.05, 1.4)), lifetime_years=int(rng.integers(1, 4)))
        for i, (node, mw) in enumerate([("n", float(u(3, 8))), ("m", float(u(3, 8)))])
    ]  # fmt: skip
    supplies = [
        supply("gn", node_id="n", capacity_mw=float(u(2, 6)), energy_price_usd_per_mwh=float(u(20, 120))),
        supply("gm", node_id="m", capacity_mw=20.0, energy_price_usd_per_mwh=float(u(20, 120))),
    ]
    links = [
        link("l", "m", "n", capacity_mw=float(u(0, 2)), expand_max_mw=10.0, expand_cost_usd_per_mw=float(u(0, 1e5)),
             build_cost_usd=float(u(1e5, 1e6)), loss_frac=float(u(0, 0.1)), lifetime_years=3)
    ]  # fmt: skip
    chips = [
        chip("a", it_kw_per_unit=float(u(500, 1500)), capex_usd_per_unit=float(u(5e5, 2e6)), lifetime_years=2),
        chip("b", first_year=2027, it_kw_per_unit=float(u(300, 900)), capex_usd_per_unit=float(u(5e5, 2e6)), lifetime_years=2),
    ]
    demand = [{"year": 2026, "eflops": float(u(1, 4))}, {"year": 2027, "eflops": float(u(3, 8))}]
    settings = {"years": [2026, 2027], "discount_rate": float(u(0, 0.1)), "ceiling_mw": 12.0}
    return scenario(settings, nodes=nodes, sites=sites, supplies=supplies, links=links, chips=chips, demand=demand)


@pytest.mark.parametrize("seed", range(6))
def test_mip_matches_brute_force(seed):
    scn = random_instance(seed)
    expected = brute_force_optimum(scn)
    if expected is None:
        with pytest.raises(gw.InfeasibleScenario):
            gw.solve(scn, integer_units=False, mip_gap=0.0)
        return
    plan = gw.solve(scn, integer_units=False, mip_gap=0.0)
    assert plan.objective == pytest.approx(expected, rel=1e-6)
    assert plan.verify() == []


def power_access_instance(seed: int) -> gw.Scenario:
    """:func:`random_instance` with power access: site s0 has a firm tranche from 2027 that also offers non-firm MW
    from 2026 (curtailed in a random share of hours), a continuous on-site turbine and a battery may serve either
    site, and the link is dropped to keep the enumeration small. Site s1 draws freely; s0 may bridge 2026 on site,
    run on non-firm MW (losing or covering the curtailed share), or wait."""
    base = random_instance(seed)
    rng = np.random.default_rng(1000 + seed)
    u = rng.uniform
    s0 = float(base.tables["sites"].set_index("site_id").at["s0", "max_mw"])
    tranches = [
        {"tranche_id": "t", "site_id": "s0", "firm_mw": s0, "earliest_year": 2027, "cost_usd_per_mw": float(u(0, 5e4)),
         "fixed_cost_usd": float(u(0, 2e5)), "lifetime_years": 40, "nonfirm_mw": float(u(0, s0)), "nonfirm_earliest_year": 2026,
         "curtailment_frac": float(u(0.001, 0.05))},
    ]  # fmt: skip
    common = {"heat_rate_mmbtu_per_mwh": 0.0, "fuel_price_usd_per_mmbtu": 0.0, "co2_kg_per_mmbtu": 0.0, "lifetime_years": 10}
    generators = [
        {"tech_id": "turbine", "kind": "generator", "capex_usd_per_kw": float(u(100, 2000)), "capex_usd_per_kwh": 0.0,
         "fixed_om_usd_per_kw_yr": float(u(0, 30)), **common, "heat_rate_mmbtu_per_mwh": float(u(6, 10)),
         "fuel_price_usd_per_mmbtu": float(u(2, 8)), "variable_om_usd_per_mwh": float(u(0, 10)), "max_mw_per_site": 20.0},
        {"tech_id": "battery", "kind": "battery", "capex_usd_per_kw": float(u(100, 500)), "capex_usd_per_kwh": float(u(100, 400)),
         "fixed_om_usd_per_kw_yr": float(u(0, 20)), **common, "variable_om_usd_per_mwh": 0.0, "max_mw_per_site": 20.0},
    ]  # fmt: skip
    tables = {k: v for k, v in base.tables.items() if k != "links"}
    tables["interconnection"] = pd.DataFrame(tranches)
    tables["generators"] = pd.DataFrame(generators)
    settings = base.settings.model_dump() | {"lost_compute_usd_per_mwh": float(u(100, 3000))}
    return gw.Scenario.from_tables(settings, tables)


@pytest.mark.parametrize("seed", range(6))
def test_mip_matches_brute_force_with_power_access(seed):
    scn = power_access_instance(seed)
    expected = brute_force_optimum(scn)
    assert expected is not None  # the turbine can carry s0 and s1 in any year
    plan = gw.solve(scn, integer_units=False, mip_gap=0.0)
    assert plan.objective == pytest.approx(expected, rel=1e-6)
    assert plan.verify() == []
