"""Sites: a hand-solved case of blocks and opening costs.

Builders' defaults: one node, free site and power, a chip of 1 MW IT and 1 EFLOP/s per unit costing 1e6 USD
(life 1), discount rate 0, 1,000 hours a year at load factor 1.
"""

from __future__ import annotations

import pytest
from builders import scenario, site, solve_verified


def test_capacity_is_built_in_whole_blocks():
    """50 EFLOP/s needs 50 MW; blocks of 40 MW round up to 2 blocks (80 MW).

    Cost: chips 50 x 1e6 = 5e7, opening 1e6, blocks 80 MW x 1e4 USD/MW = 8e5: 5.18e7 USD.
    """
    sites = [site("s", max_mw=100.0, block_mw=40.0, open_cost_usd=1e6, capex_usd_per_mw=1e4)]
    plan = solve_verified(scenario(sites=sites, demand=[{"year": 2026, "eflops": 50.0}]))
    assert plan.objective == pytest.approx(5.18e7, rel=1e-9)
    row = plan.sites.iloc[0]
    assert (bool(row.open), int(row.blocks), row.capacity_mw, row.facility_mw) == (True, 2, 80.0, 50.0)
