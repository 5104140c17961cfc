"""Node balance: a hand-solved case of two supplies at one node.

Builders' defaults: one node, free site and power, a chip of 1 MW IT and 1 EFLOP/s per unit costing 1e6 USD
(life 1), discount rate 0, 1,000 hours a year at load factor 1.
"""

from __future__ import annotations

import pytest
from builders import scenario, solve_verified, supply


def test_the_cheap_supply_is_used_first():
    """1 MW at the node: 0.6 MW from a 10 USD/MWh supply, 0.4 MW from a 100 USD/MWh one.

    Energy over 1,000 h: 0.6 x 1000 x 10 + 0.4 x 1000 x 100 = 46,000 USD; with the chip, 1.046e6 USD.
    """
    supplies = [
        supply("cheap", capacity_mw=0.6, energy_price_usd_per_mwh=10.0),
        supply("dear", capacity_mw=5.0, energy_price_usd_per_mwh=100.0),
    ]
    plan = solve_verified(scenario(supplies=supplies))
    assert plan.objective == pytest.approx(1.046e6, rel=1e-9)
    assert plan.supplies.set_index("supply_id")["draw_mw"].to_dict() == pytest.approx({"cheap": 0.6, "dear": 0.4})
