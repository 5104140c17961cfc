"""The MIP optimum equals the best of all LPs with every binary fixed (brute force over small random instances)."""

from __future__ import annotations

import numpy as np
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
