"""Chips: hand-solved cases of sale windows, lifetimes and supply caps.

Each docstring derives the optimum by hand; the test asserts the solver's objective (USD) and the
decision that produces it. Defaults (tests/builders.py): one node, free site and power, a chip of
1 MW IT and 1 EFLOP/s per unit costing 1e6 USD, discount rate 0, 1,000 hours a year at load factor 1.
"""

from __future__ import annotations

import pytest
from builders import chip, installs, scenario, site, solve_verified


def test_cheaper_chip_not_yet_on_sale():
    """Years 2026-2027, demand 10 EFLOP/s each year, lives 5 (annuity 1/5 per year, 2 years in horizon).

    Chip a (on sale from 2026) costs 1e6; chip b (from 2027) 0.5e6 per unit. Units of a bought in
    2026 serve both years: 10 x 1e6 x 2/5 = 4e6 USD. Buying b in 2026 would cost 2e6 but b is not on sale.
    """
    chips = [chip("a", lifetime_years=5), chip("b", first_year=2027, capex_usd_per_unit=0.5e6, lifetime_years=5)]
    demand = [{"year": 2026, "eflops": 10.0}, {"year": 2027, "eflops": 10.0}]
    plan = solve_verified(scenario({"years": [2026, 2027]}, chips=chips, demand=demand, sites=[site("s", lifetime_years=5)]))
    assert plan.objective == pytest.approx(4e6, rel=1e-9)
    assert installs(plan, "a") == {2026: 10}
    assert installs(plan, "b") == {}


def test_lifetime_forces_a_reinstall():
    """Years 2026-2028, 1 EFLOP/s each year, chip life 2 (annuity 1e6/2 per year).

    The 2026 unit serves 2026-2027 and pays 2 x 0.5e6; it retires before 2028, so a unit bought in 2028
    pays 0.5e6 (one year left in the horizon). Total 1.5e6 USD.
    """
    demand = [{"year": y, "eflops": 1.0} for y in (2026, 2027, 2028)]
    plan = solve_verified(scenario({"years": [2026, 2027, 2028]}, chips=[chip("a", lifetime_years=2)], demand=demand))
    assert plan.objective == pytest.approx(1.5e6, rel=1e-9)
    assert installs(plan, "a") == {2026: 1, 2028: 1}


def test_supply_cap_forces_a_second_chip():
    """Demand 5 EFLOP/s; chip a (1e6) is capped at 3 units a year, so 2 units of b (2e6): 7e6 USD."""
    chips = [chip("a", max_units_per_year=3), chip("b", capex_usd_per_unit=2e6)]
    plan = solve_verified(scenario(chips=chips, demand=[{"year": 2026, "eflops": 5.0}]))
    assert plan.objective == pytest.approx(7e6, rel=1e-9)
    assert installs(plan, "a") == {2026: 3} and installs(plan, "b") == {2026: 2}


def test_two_year_steps_count_only_the_periods_inside_a_life():
    """Years 2026, 2028, 2030 (each stands for 2 calendar years; horizon 2026-2031), 1 EFLOP/s in each, r = 0.

    Chip a (1e6, life 5, on sale in 2026 only): a unit bought in 2026 lives 2026-2030. It is active in
    2026 (2026-2027) and 2028 (2028-2029), not in 2030 (2030-2031 would need a life to 2031), so it counts
    4 calendar years and pays 4 x 1e6/5 = 0.8e6. Chip b (0.6e6, life 2, on sale 2026-2030) bought in
    y serves y only: 2 x 0.6e6/2 = 0.6e6 per period.

    2030 needs a b unit: 0.6e6. 2026 and 2028: one a (0.8e6) beats two b (1.2e6). Total 1.4e6 USD.
    (Counting a in 2030 too would have served all three periods, 6 calendar years, for its 5 years of
    annuity, 1e6.)
    """
    chips = [chip("a", last_year=2026, lifetime_years=5), chip("b", capex_usd_per_unit=0.6e6, lifetime_years=2)]
    demand = [{"year": y, "eflops": 1.0} for y in (2026, 2028, 2030)]
    plan = solve_verified(scenario({"years": [2026, 2028, 2030]}, chips=chips, demand=demand))
    assert plan.objective == pytest.approx(1.4e6, rel=1e-9)
    assert installs(plan, "a") == {2026: 1} and installs(plan, "b") == {2030: 1}
    active = plan.chips.set_index(["chip_id", "year"])["active_units"].to_dict()
    assert active == {("a", 2026): 1, ("a", 2028): 1, ("b", 2030): 1}
    capex = plan.costs[plan.costs.category == "chip_capex"].set_index("year")["discounted_usd"]
    assert capex[2026] == pytest.approx(0.8e6, rel=1e-9) and capex[2030] == pytest.approx(0.6e6, rel=1e-9)
