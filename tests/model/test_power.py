"""Facility power: hand-solved cases of the ceiling and of site capacity.

Each docstring derives the optimum by hand; the test asserts the solver's objective (USD) and the
decision that produces it. Defaults (tests/builders.py): one node, free site and power, a chip of
1 MW IT and 1 EFLOP/s per unit costing 1e6 USD, discount rate 0, 1,000 hours a year at load factor 1.
"""

from __future__ import annotations

import pytest
from builders import chip, installs, scenario, site, solve_verified, supply


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


PEAK_CHIPS = [chip("a"), chip("b", it_kw_per_unit=500.0, capex_usd_per_unit=3e6)]
PEAK_DEMAND = [{"year": 2026, "eflops": 9.0}, {"year": 2027, "eflops": 11.0}, {"year": 2028, "eflops": 13.0}]
PEAK_SETTINGS = {"years": [2026, 2027, 2028], "ceiling_mw": 12.0}


def _peak_case(pue_peak: float | None = None, **settings: object):
    """The scenario of :func:`test_peak_pue_makes_the_ceiling_bind_a_year_earlier` with energy at 100 USD/MWh."""
    sites = [site("s", pue=1.0) | ({} if pue_peak is None else {"pue_peak": pue_peak})]
    supplies = [supply("g", energy_price_usd_per_mwh=100.0)]
    return scenario(PEAK_SETTINGS | settings, sites=sites, supplies=supplies, chips=PEAK_CHIPS, demand=PEAK_DEMAND)


def test_peak_pue_makes_the_ceiling_bind_a_year_earlier():
    """Annual PUE 1.0, ceiling 12 MW; demand 9, 11, 13 EFLOP/s in 2026-2028. Chips (life 1, bought every year):
    a of 1 MW IT for 1e6 USD, b of 0.5 MW IT for 3e6 USD, both 1 EFLOP/s; energy 100 USD/MWh, 1,000 h at load factor 1.

    Peak = annual (pue_peak empty, pue_peak_factor 1): only a while a = D <= 12, so 2026 a = 9, 2027 a = 11; in 2028
    a + b >= 13, a + 0.5 b <= 12 -> a = 11, b = 2. Chips 9 + 11 + (11 + 6) = 37e6 USD; IT 9 + 11 + 12 = 32 MW-years
    x 1,000 h x 100 USD = 3.2e6 USD of energy; the ceiling binds in 2028 only. Total 40.2e6 USD.

    pue_peak 1.2: the ceiling holds 1.2 a + 0.6 b <= 12, i.e. a + 0.5 b <= 10. 2026: a = 9 (10.8 MW, fits);
    2027: a + b >= 11 -> a = 9, b = 2 (9 + 6 = 15e6 USD, 12 MW: binds a year earlier); 2028: a + b >= 13 -> a = 7,
    b = 6 (7 + 18 = 25e6). Chips 9 + 15 + 25 = 49e6 USD. Energy at the annual PUE 1.0: IT 9 + 10 + 10 = 29 MW-years
    -> 2.9e6 USD (3.48e6 if the peak were priced). Total 51.9e6 USD. The node draws IT x 1.0 (10 MW in 2027), the
    sites' facility power is IT x 1.2 (12 MW). ``pue_peak_factor`` 1.2 with the column empty gives the same plan.
    """
    base = solve_verified(_peak_case())
    assert base.objective == pytest.approx(40.2e6, rel=1e-9)
    assert base.power.set_index("year")["headroom_mw"].to_dict() == pytest.approx({2026: 3.0, 2027: 1.0, 2028: 0.0}, abs=1e-9)
    for peak in (_peak_case(1.2), _peak_case(pue_peak_factor=1.2)):
        plan = solve_verified(peak)
        assert plan.objective == pytest.approx(51.9e6, rel=1e-9)
        assert installs(plan, "a") == {2026: 9, 2027: 9, 2028: 7} and installs(plan, "b") == {2027: 2, 2028: 6}
        power = plan.power.set_index("year")
        assert power["headroom_mw"].to_dict() == pytest.approx({2026: 1.2, 2027: 0.0, 2028: 0.0}, abs=1e-9)
        assert power.loc[2027, "facility_mw"] == pytest.approx(12.0) and power.loc[2027, "it_mw"] == pytest.approx(10.0)
        assert plan.supplies.set_index("year")["draw_mw"].to_dict() == pytest.approx({2026: 9.0, 2027: 10.0, 2028: 10.0})
        energy = plan.costs.query("category == 'energy'")["discounted_usd"].sum()
        assert energy == pytest.approx(2.9e6, rel=1e-9)
