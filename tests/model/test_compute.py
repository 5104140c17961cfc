"""Compute balance: a hand-solved case where a site serves only what it holds.

Builders' defaults: one node, free site and power, a chip of 1 MW IT and 1 EFLOP/s per unit costing 1e6 USD
(life 1), discount rate 0, 1,000 hours a year at load factor 1.
"""

from __future__ import annotations

import pytest
from builders import scenario, site, solve_verified


def test_each_site_serves_only_its_own_compute():
    """2 EFLOP/s; the free site holds one 1 MW unit, so the second unit goes to a site costing 1e5 USD to open.

    Cost: 2 x 1e6 + 1e5 = 2.1e6 USD; each site serves exactly the 1 EFLOP/s it holds.
    """
    sites = [site("a", max_mw=1.0, block_mw=1.0), site("b", open_cost_usd=1e5)]
    plan = solve_verified(scenario(sites=sites, demand=[{"year": 2026, "eflops": 2.0}]))
    assert plan.objective == pytest.approx(2.1e6, rel=1e-9)
    assert plan.serving.groupby("site_id")["eflops"].sum().to_dict() == pytest.approx({"a": 1.0, "b": 1.0})
    assert plan.chips.groupby("site_id")["eflops"].sum().to_dict() == pytest.approx({"a": 1.0, "b": 1.0})
