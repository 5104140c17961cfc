"""Facility power: hand-solved cases of the ceiling and of site capacity.

Each docstring derives the optimum by hand; the test asserts the solver's objective (USD) and the
decision that produces it. Defaults (tests/builders.py): one node, free site and power, a chip of
1 MW IT and 1 EFLOP/s per unit costing 1e6 USD, discount rate 0, 1,000 hours a year at load factor 1.
"""

from __future__ import annotations

import pytest
from builders import chip, installs, scenario, solve_verified


def test_ceiling_binding_forces_the_efficient_chip():
    """Demand 15 EFLOP/s under a 10 MW ceiling.

    Chip a: 1 MW, 1e6 USD per EFLOP/s; chip b: 0.5 MW, 3e6 USD per EFLOP/s (life 1, one year).
    min 1e6 a + 3e6 b  s.t.  a + b >= 15,  a + 0.5 b <= 10  ->  a = 5, b = 10, cost 35e6 USD.
    Without the ceiling: 15 units of a, 15e6 USD.
    """
    chips = [chip("a"), chip("b", it_kw_per_unit=500.0, capex_usd_per_unit=3e6)]
    demand = [{"year": 2026, "eflops": 15.0}]
    plan = solve_verified(scenario({"ceiling_mw": 10.0}, chips=chips, demand=demand))
    assert plan.objective == pytest.approx(35e6, rel=1e-9)
    assert installs(plan, "a") == {2026: 5} and installs(plan, "b") == {2026: 10}
    assert plan.power.facility_mw.iloc[0] == pytest.approx(10.0)
    loose = solve_verified(scenario({"ceiling_mw": 100.0}, chips=chips, demand=demand))
    assert loose.objective == pytest.approx(15e6, rel=1e-9)
