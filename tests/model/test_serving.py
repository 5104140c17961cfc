"""Serving: hand-solved cases of latency bounds.

Each docstring derives the optimum by hand; the test asserts the solver's objective (USD) and the
decision that produces it. Defaults (tests/builders.py): one node, free site and power, a chip of
1 MW IT and 1 EFLOP/s per unit costing 1e6 USD, discount rate 0, 1,000 hours a year at load factor 1.
"""

from __future__ import annotations

import pytest
from builders import chip, scenario, site, solve_verified

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


# -- the outside option: demand with a value may go unserved ---------------------------------------------------------

NEAR = [{"region_id": "east", "lat": 40.0, "lon": -80.0, "max_latency_ms": 10.0}]


def test_demand_is_partly_unserved_where_building_costs_more_than_its_value():
    """3 EFLOP/s valued at 1.5e6 USD per EFLOP/s-year (one year, discount 0: op weight 1). Site s (free) holds 2 MW;
    site t opens for 1e6 USD. Serving 2 at s costs 2 x 1e6 = 2e6; the third EFLOP/s costs 1e6 (chip) + 1e6 (opening t)
    = 2e6 > 1.5e6, so it goes unserved. Cost 2e6 + 1.5e6 = 3.5e6 USD, against 4e6 serving all.
    """
    sites = [site("s", max_mw=2.0, block_mw=1.0), site("t", open_cost_usd=1e6)]
    demand = [{"year": 2026, "eflops": 3.0, "value_usd_per_eflops_yr": 1.5e6}]
    plan = solve_verified(scenario(sites=sites, demand=demand))
    assert plan.objective == pytest.approx(3.5e6, rel=1e-9)
    assert plan.serving.groupby("site_id")["eflops"].sum().to_dict() == pytest.approx({"s": 2.0})
    assert plan.unserved.to_dict("records") == [{"workload": "inference", "id": "all", "year": 2026, "eflops": pytest.approx(1.0)}]
    costs = plan.costs.set_index("category")["discounted_usd"]
    assert costs["unserved_inference"] == pytest.approx(1.5e6, rel=1e-9)
    assert plan.kpis["forgone_usd"] == pytest.approx(1.5e6, rel=1e-9)
    assert plan.kpis["usd_per_eflops_yr"] == pytest.approx(2e6 / 2.0, rel=1e-9)  # the cost of what was delivered


def test_value_below_the_cost_of_building_buys_nothing():
    """Years 2026 and 2028 at 5 %: op weights 1 + 1/1.05 = 1.952381 and 1.05^-2 + 1.05^-3 = 1.770867. A chip of life 2
    costs 1e6, an annuity of 0.512195 x 1e6 a year for the two years it serves, 1e6 discounted: 512,195 USD per
    discounted EFLOP/s-year, above the value of 4e5. Nothing is bought; the demand (2 then 3 EFLOP/s) is unserved at
    4e5 x (2 x 1.952381 + 3 x 1.770867) = 4e5 x 9.217364 = 3,686,945.6 USD.
    """
    settings = {"years": [2026, 2028], "discount_rate": 0.05}
    demand = [{"year": y, "eflops": e, "value_usd_per_eflops_yr": 4e5} for y, e in ((2026, 2.0), (2028, 3.0))]
    plan = solve_verified(scenario(settings, chips=[chip("a", lifetime_years=2)], demand=demand))
    w26, w28 = 1 + 1 / 1.05, 1.05**-2 + 1.05**-3
    assert plan.objective == pytest.approx(4e5 * (2 * w26 + 3 * w28), rel=1e-9)
    assert plan.objective == pytest.approx(3_686_945.6, rel=1e-7)
    assert plan.chips.installed_units.sum() == 0 and plan.serving.empty
    assert plan.unserved.set_index("year")["eflops"].to_dict() == pytest.approx({2026: 2.0, 2028: 3.0})
    costs = plan.costs[plan.costs.category == "unserved_inference"].set_index("year")["discounted_usd"]
    assert costs.to_dict() == pytest.approx({2026: 8e5 * w26, 2028: 1.2e6 * w28}, rel=1e-9)


def test_a_valued_region_no_site_can_reach_is_unserved_not_infeasible():
    """West's only site is ~3,900 km away (5 ms bound): with a value of 3e6, its 2 EFLOP/s are unserved at 6e6 USD, while
    east, strict and 0 km from the free site, is served for 1e6 USD. Total 7e6 USD."""
    regions = [*NEAR, {"region_id": "west", "lat": 35.0, "lon": -120.0, "max_latency_ms": 5.0}]
    demand = [
        {"year": 2026, "region_id": "east", "eflops": 1.0},
        {"year": 2026, "region_id": "west", "eflops": 2.0, "value_usd_per_eflops_yr": 3e6},
    ]
    plan = solve_verified(scenario(regions=regions, demand=demand))
    assert plan.objective == pytest.approx(7e6, rel=1e-9)
    assert plan.unserved[["id", "eflops"]].to_dict("records") == [{"id": "west", "eflops": pytest.approx(2.0)}]
    assert set(plan.serving.region_id) == {"east"}


def test_a_strict_region_no_site_can_reach_is_still_infeasible():
    """The same two regions with the value on east instead: west is strict and unreachable, so the scenario has no plan,
    explained as before (west's 2 EFLOP/s), and east (valued) is not named."""
    regions = [*NEAR, {"region_id": "west", "lat": 35.0, "lon": -120.0, "max_latency_ms": 5.0}]
    demand = [
        {"year": 2026, "region_id": "east", "eflops": 1.0, "value_usd_per_eflops_yr": 3e6},
        {"year": 2026, "region_id": "west", "eflops": 2.0},
    ]
    with pytest.raises(gw.InfeasibleScenario) as info:
        gw.solve(scenario(regions=regions, demand=demand))
    findings = info.value.findings
    assert list(findings.entity) == ["region west"]
    assert findings.message.iloc[0] == "2026, region west: no site within its latency bound can open by then; 2.0 EFLOP/s unserved"


def test_the_ceiling_leaves_valued_demand_unserved_and_strict_demand_served():
    """Ceiling 2 MW (2 EFLOP/s): east's 1 EFLOP/s is strict, west's 5 are valued at 1e7. Both regions reach the site.
    Served: east 1 and west 1 (2e6 USD of chips); west's other 4 are unserved at 4e7. Total 4.2e7 USD.
    With a ceiling of 0.5 MW the strict EFLOP/s cannot be served: the audit proves it before any solve (1.0 EFLOP/s
    demanded, not 6: valued demand is never a proof)."""
    regions = [*NEAR, {"region_id": "west", "lat": 40.0, "lon": -80.0, "max_latency_ms": 10.0}]
    demand = [
        {"year": 2026, "region_id": "east", "eflops": 1.0},
        {"year": 2026, "region_id": "west", "eflops": 5.0, "value_usd_per_eflops_yr": 1e7},
    ]
    plan = solve_verified(scenario({"ceiling_mw": 2.0}, regions=regions, demand=demand))
    assert plan.objective == pytest.approx(4.2e7, rel=1e-9)
    assert plan.serving.groupby("region_id")["eflops"].sum().to_dict() == pytest.approx({"east": 1.0, "west": 1.0})
    assert plan.unserved.set_index("id")["eflops"].to_dict() == pytest.approx({"west": 4.0})
    with pytest.raises(gw.InfeasibleScenario) as info:
        gw.solve(scenario({"ceiling_mw": 0.5}, regions=regions, demand=demand))
    assert info.value.findings.message.iloc[0].startswith("2026: 1.0 EFLOP/s demanded but the 0.5 MW ceiling delivers at most 0.5")
