"""Policies: a hand-solved case of the capital budget.

Each docstring derives the optimum by hand; the test asserts the solver's objective (USD) and the
decision that produces it. Defaults (tests/builders.py): one node, free site and power, a chip of
1 MW IT and 1 EFLOP/s per unit costing 1e6 USD, discount rate 0, 1,000 hours a year at load factor 1.
"""

from __future__ import annotations

import pytest
from builders import chip, installs, scenario, solve_verified, supply


def test_budget_cap_buys_a_cheaper_less_efficient_chip():
    """Years 2026-2027, 2 EFLOP/s both years; energy 200 USD/MWh, 1,000 h: 0.2e6 USD per MW-year.

    Chip a: 1e6, 1 MW -> 2 years cost 1e6 + 0.4e6 = 1.4e6. Chip b: 0.7e6, 2 MW -> 0.7e6 + 0.8e6 = 1.5e6.
    Unconstrained: two of a, 2.8e6 (2e6 spent in 2026). With a 1.7e6 yearly budget: one of each
    (1.7e6 spent), 2.9e6 USD.
    """
    chips = [chip("a", lifetime_years=2), chip("b", it_kw_per_unit=2000.0, capex_usd_per_unit=0.7e6, lifetime_years=2)]
    demand = [{"year": y, "eflops": 2.0} for y in (2026, 2027)]
    supplies = [supply("g", energy_price_usd_per_mwh=200.0)]
    settings = {"years": [2026, 2027]}
    free = solve_verified(scenario(settings, chips=chips, demand=demand, supplies=supplies))
    assert free.objective == pytest.approx(2.8e6, rel=1e-9)
    capped = solve_verified(scenario(settings | {"budget_usd_per_year": 1.7e6}, chips=chips, demand=demand, supplies=supplies))
    assert capped.objective == pytest.approx(2.9e6, rel=1e-9)
    assert installs(capped, "a") == {2026: 1} and installs(capped, "b") == {2026: 1}
