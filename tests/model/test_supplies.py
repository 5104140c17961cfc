"""Supplies: a hand-solved case of a supply with a build cost.

Builders' defaults: one node, free site and power, a chip of 1 MW IT and 1 EFLOP/s per unit costing 1e6 USD
(life 1), discount rate 0, 1,000 hours a year at load factor 1.
"""

from __future__ import annotations

import pytest
from builders import scenario, solve_verified, supply


def test_only_the_power_drawn_is_contracted():
    """5 EFLOP/s draw 5 MW; a supply costing 1e5 USD per MW contracts just that: 5 x 1e6 + 5 x 1e5 = 5.5e6 USD."""
    supplies = [supply("g", capacity_mw=10.0, build_cost_usd_per_mw=1e5)]
    plan = solve_verified(scenario(supplies=supplies, demand=[{"year": 2026, "eflops": 5.0}]))
    assert plan.objective == pytest.approx(5.5e6, rel=1e-9)
    row = plan.supplies.iloc[0]
    assert (row.available_mw, row.draw_mw) == pytest.approx((5.0, 5.0))
