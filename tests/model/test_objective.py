"""The objective: a hand-solved case of discounting.

Each docstring derives the optimum by hand; the test asserts the solver's objective (USD) and the
decision that produces it. Defaults (tests/builders.py): one node, free site and power, a chip of
1 MW IT and 1 EFLOP/s per unit costing 1e6 USD, discount rate 0, 1,000 hours a year at load factor 1.
"""

from __future__ import annotations

import pytest
from builders import chip, scenario, solve_verified


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
