"""Sites: a hand-solved case of blocks and opening costs.

Builders' defaults: one node, free site and power, a chip of 1 MW IT and 1 EFLOP/s per unit costing 1e6 USD
(life 1), discount rate 0, 1,000 hours a year at load factor 1.
"""

from __future__ import annotations

import pytest
from builders import chip, scenario, site, solve_verified


def test_capacity_is_built_in_whole_blocks():
    """50 EFLOP/s needs 50 MW; blocks of 40 MW round up to 2 blocks (80 MW).

    Cost: chips 50 x 1e6 = 5e7, opening 1e6, blocks 80 MW x 1e4 USD/MW = 8e5: 5.18e7 USD.
    """
    sites = [site("s", max_mw=100.0, block_mw=40.0, open_cost_usd=1e6, capex_usd_per_mw=1e4)]
    plan = solve_verified(scenario(sites=sites, demand=[{"year": 2026, "eflops": 50.0}]))
    assert plan.objective == pytest.approx(5.18e7, rel=1e-9)
    row = plan.sites.iloc[0]
    assert (bool(row.open), int(row.blocks), row.capacity_mw, row.facility_mw) == (True, 2, 80.0, 50.0)


RAMP_SITES = [
    site("cheap", max_mw=10.0, block_mw=1.0, capex_usd_per_mw=1e5),
    site("dear", max_mw=10.0, block_mw=1.0, capex_usd_per_mw=3e5),
]


def _ramp_case(years: list[int], demand: list[float], settings: dict | None = None, **cheap: object):
    sites = [RAMP_SITES[0] | cheap, RAMP_SITES[1]]
    chips = [chip("a", lifetime_years=years[1] - years[0])]
    rows = [{"year": y, "eflops": e} for y, e in zip(years, demand, strict=True)]
    return scenario({"years": years} | (settings or {}), sites=sites, chips=chips, demand=rows)


def test_site_ramp_sends_the_build_it_cannot_keep_up_with_elsewhere():
    """Demand 3 then 4 EFLOP/s (2026, 2027) = 3 then 4 MW of 1 MW blocks; site lives of 1 year: a block costs its
    capex once, whenever built. Chips: 3 + 4 units x 1e6 = 7e6 USD either way.

    Without a ramp, all at ``cheap`` (1e5 USD/MW): 3 blocks in 2026, 1 in 2027: 4e5; total 7.4e6 USD.
    ``cheap`` with ramp_mw_per_year 2: at most 2 MW by 2026 (one year of construction), so the third MW of 2026 is
    built at ``dear`` (3e5); 2027 adds the fourth at ``cheap`` (1e5, within its 2 MW). Capex 2e5 + 3e5 + 1e5 = 6e5:
    total 7.6e6 USD, 2e5 more (one block at dear instead of cheap).
    """
    free = solve_verified(_ramp_case([2026, 2027], [3.0, 4.0]))
    assert free.objective == pytest.approx(7.4e6, rel=1e-9)
    plan = solve_verified(_ramp_case([2026, 2027], [3.0, 4.0], ramp_mw_per_year=2.0))
    assert plan.objective == pytest.approx(7.6e6, rel=1e-9)
    blocks = plan.sites.set_index(["site_id", "year"])["blocks"].to_dict()
    assert blocks == {("cheap", 2026): 2, ("cheap", 2027): 3, ("dear", 2026): 1, ("dear", 2027): 1}


@pytest.mark.parametrize(("years", "objective", "dear_blocks"), [([2026, 2027], 9.0e6, 2), ([2026, 2028], 8.6e6, 0)])
def test_site_ramp_scales_with_the_years_between_modelled_years(years, objective, dear_blocks):
    """Demand 2 then 6 EFLOP/s, ``cheap`` ramps 2 MW a year. Chips (life = the step) 2 + 6 units: 8e6 USD.

    Yearly steps: 2 MW by 2026, 2 more by 2027 -> cheap 4 blocks (4e5), dear 2 (6e5): 8e6 + 1e6 = 9.0e6 USD.
    Years 2026, 2028: 2 MW a year x 2 years = 4 MW more by 2028 -> cheap 6 blocks (6e5), none at dear: 8.6e6 USD.
    """
    plan = solve_verified(_ramp_case(years, [2.0, 6.0], ramp_mw_per_year=2.0))
    assert plan.objective == pytest.approx(objective, rel=1e-9)
    last = plan.sites.query(f"year == {years[1]}").set_index("site_id")["blocks"]
    assert (last["cheap"], last["dear"]) == (6 - dear_blocks, dear_blocks)


def test_national_ramp_pulls_a_build_forward():
    """Demand 2 then 6 EFLOP/s (2026, 2027) at one site of 1 MW blocks at 1e5 USD/MW (life 1) and fixed O&M 1e4
    USD/MW-yr on built capacity. Without a cap: 2 blocks in 2026, 6 in 2027: O&M (2 + 6) x 1e4 = 8e4.
    national_ramp_mw_per_year 3: at most 3 MW added each year, so 6 MW by 2027 needs 3 in 2026: O&M (3 + 6) x 1e4 =
    9e4, one MW-year more. Capex 6 x 1e5 and chips (2 + 6) x 1e6 either way: 8.68e6 and 8.69e6 USD.
    """
    sites = [site("cheap", max_mw=10.0, block_mw=1.0, capex_usd_per_mw=1e5, fixed_om_usd_per_mw_yr=1e4)]
    demand = [{"year": 2026, "eflops": 2.0}, {"year": 2027, "eflops": 6.0}]
    free = solve_verified(scenario({"years": [2026, 2027]}, sites=sites, demand=demand))
    assert free.objective == pytest.approx(8.68e6, rel=1e-9)
    capped = solve_verified(scenario({"years": [2026, 2027], "national_ramp_mw_per_year": 3.0}, sites=sites, demand=demand))
    assert capped.objective == pytest.approx(8.69e6, rel=1e-9)
    assert capped.sites.set_index("year")["blocks"].to_dict() == {2026: 3, 2027: 6}
