"""Serving: hand-solved cases of latency bounds.

Each docstring derives the optimum by hand; the test asserts the solver's objective (USD) and the
decision that produces it. Defaults (tests/builders.py): one node, free site and power, a chip of
1 MW IT and 1 EFLOP/s per unit costing 1e6 USD, discount rate 0, 1,000 hours a year at load factor 1.
"""

from __future__ import annotations

import pytest
from builders import scenario, site, solve_verified

import gigawatt as gw


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


def test_region_without_reachable_site_is_explained():
    """A region whose only site is beyond its latency bound: infeasible before any solve, with the shortfall."""
    regions = [{"region_id": "west", "lat": 35.0, "lon": -120.0, "max_latency_ms": 5.0}]
    demand = [{"year": 2026, "region_id": "west", "eflops": 2.0}]
    with pytest.raises(gw.InfeasibleScenario) as info:
        gw.solve(scenario(regions=regions, demand=demand))
    finding = info.value.findings.iloc[0]
    assert (finding.requirement, finding.entity, finding.year, finding.shortfall) == ("demand", "region west", 2026, 2.0)
