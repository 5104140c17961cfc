"""The value of a gigawatt (:func:`gw_value`, :func:`ceiling_value`): hand-solved, proven ranges, the gap tightened, and Ctrl-C."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from builders import SCENARIOS, chip, scenario

import gigawatt as gw
from gigawatt.analysis import ceiling
from gigawatt.solvers import stop

TWO_CHIPS = [chip("a"), chip("b", it_kw_per_unit=500.0, capex_usd_per_unit=3e6)]


def two_years() -> gw.Scenario:
    """15 EFLOP/s in 2026 and 2027 (chips live one year), 10% discount rate, 10 MW ceiling."""
    demand = [{"year": 2026, "eflops": 15.0}, {"year": 2027, "eflops": 15.0}]
    return scenario({"ceiling_mw": 10.0, "years": [2026, 2027], "discount_rate": 0.1}, chips=TWO_CHIPS, demand=demand)


def test_one_more_mw_lets_the_cheaper_chip_replace_the_dearer_one():
    """Each year 15 EFLOP/s from a (1 MW, 1e6 USD a unit) and b (0.5 MW, 3e6 USD); a + b = 15 units, a + b/2 <= C MW.

    At 10 MW: b = 10, a = 5, 35e6 USD a year; at 11 MW: b = 8, a = 7, 31e6 USD. One more MW hosts two
    more a in place of two b: 2 x (3e6 - 1e6) = 4e6 USD saved in each year. Discounted: 4e6 x (1 + 1/1.1)
    over (1 MW x (1 + 1/1.1) discounted years) = 4e6 USD per MW-year. At gap 0 the range is the figure.
    """
    value = gw.gw_value(two_years(), 10.0, 11.0, mip_gap=0.0)
    assert value.figure == pytest.approx(4e6, rel=1e-9)
    assert (value.low, value.high) == (value.figure, value.figure) and value.proven
    assert value.ceilings_mw == (10.0, 11.0) and value.gaps == (0.0, 0.0)
    assert str(value) == "value of 1 MW (10 -> 11 MW): 4.00 M USD per MW-year, proven 4.00 to 4.00 M"


def test_the_range_contains_the_figure_on_the_tiny_scenario():
    """90 -> 100 MW saves 2.02 M USD over 2 undiscounted years (424.832 vs 422.812 M USD): 101,000 USD per MW-year.

    Solved at the scenario's gap (0.1%) first, tightened until the range is within 10% of the figure.
    """
    value = gw.gw_value(gw.load_scenario(SCENARIOS / "tiny"), 90.0, 100.0)
    assert value.low <= value.figure <= value.high
    assert value.figure == pytest.approx(101_000.0, rel=1e-3)
    assert value.proven and value.high - value.low <= 0.1 * value.figure


def fake_solves(monkeypatch: pytest.MonkeyPatch, costs: dict[float, float], reached: float | None = None) -> list[tuple]:
    """Solves that return the true cost as objective and cost x (1 - gap) as bound (the gap asked for, or ``reached``)."""
    calls: list[tuple] = []

    def solve(scn, *, mip_gap, start=None, **kw):
        calls.append((scn.settings.ceiling_mw, mip_gap, start is not None))
        gap = mip_gap if reached is None else max(mip_gap, reached)
        cost = costs[scn.settings.ceiling_mw]
        return SimpleNamespace(objective=cost, bound=cost * (1 - gap), gap=gap, status="gap_limit")

    monkeypatch.setattr(ceiling, "solve", solve)
    return calls


def test_the_gap_is_tightened_tenfold_until_the_range_is_narrow(monkeypatch: pytest.MonkeyPatch):
    """Costs 100e6 at 10 MW and 96e6 at 11 MW, one year: 4e6 USD per MW-year. At gap g the range is
    [100e6 (1 - g) - 96e6, 100e6 - 96e6 (1 - g)], 196e6 g wide: within 10% of 4e6 once g <= 0.002, so
    0.1 and 0.01 are not enough and 0.001 is; each tighter solve starts from the looser plan."""
    calls = fake_solves(monkeypatch, {10.0: 100e6, 11.0: 96e6})
    value = gw.gw_value(scenario({"ceiling_mw": 10.0}), 10.0, 11.0, mip_gap=0.1)
    assert [c[1] for c in calls] == pytest.approx([0.1, 0.1, 0.01, 0.01, 0.001, 0.001])
    assert [c[2] for c in calls] == [False, False, True, True, True, True]
    assert value.proven and value.gaps == pytest.approx((0.001, 0.001))
    assert value.low == pytest.approx(100e6 * 0.999 - 96e6) and value.high == pytest.approx(100e6 - 96e6 * 0.999)


def test_a_value_the_gaps_cannot_prove_is_reported_as_a_range(monkeypatch: pytest.MonkeyPatch):
    """As above with the floor at 1%: at gap 0.01 the range is [100e6 x 0.99 - 96e6, 100e6 - 96e6 x 0.99] = [3e6, 4.96e6]."""
    fake_solves(monkeypatch, {10.0: 100e6, 11.0: 96e6})
    value = gw.gw_value(scenario({"ceiling_mw": 10.0}), 10.0, 11.0, mip_gap=0.1, min_gap=0.01)
    assert not value.proven
    assert (value.figure, value.low, value.high) == pytest.approx((4e6, 3e6, 4.96e6))
    assert str(value) == (
        "value of 1 MW (10 -> 11 MW): 4.00 M USD per MW-year, NOT proven: between 3.00 and 4.96 M "
        "(a smaller MIP gap or more time would narrow it)"
    )


def test_solves_that_do_not_reach_the_gap_end_the_tightening(monkeypatch: pytest.MonkeyPatch):
    """A time limit holds both solves at 5%: the round at 1% gets no closer, so no third round is asked for."""
    calls = fake_solves(monkeypatch, {10.0: 100e6, 11.0: 96e6}, reached=0.05)
    value = gw.gw_value(scenario({"ceiling_mw": 10.0}), 10.0, 11.0, mip_gap=0.1)
    assert [c[1] for c in calls] == pytest.approx([0.1, 0.1, 0.01, 0.01])
    assert not value.proven and value.gaps == (0.05, 0.05)


def test_ceiling_value_gives_each_pair_the_figure_gw_value_gives():
    """10, 11, 12 and 20 MW of the two-year case: 4e6 USD per MW-year from 10 to 12 MW; from 12 to 20 MW a alone
    (15 MW) replaces b = 6: 6 x 2e6 = 12e6 a year over 8 MW, 1.5e6. Duals given each build: 4e6 while the ceiling binds."""
    scn = two_years()
    table = ceiling.ceiling_value(scn, [20.0, 4.0, 10.0, 11.0, 12.0], mip_gap=0.0).set_index("ceiling_mw")
    assert table.loc[4.0, "status"] == "infeasible" and np.isnan(table.loc[10.0, "value_usd_per_mw_yr"])
    assert table["value_usd_per_mw_yr"].iloc[2:].tolist() == pytest.approx([4e6, 4e6, 1.5e6])
    assert table.loc[11.0, "dual_weighted_mean_usd_per_mw_yr"] == pytest.approx(4e6)
    assert table.loc[20.0, "dual_weighted_mean_usd_per_mw_yr"] == 0.0
    years = 1 + 1 / 1.1
    assert table.loc[12.0, "marginal_usd_per_gw"] == pytest.approx(4e6 * years * 1000.0)
    for value in ceiling.pair_values(table.reset_index()):
        alone = gw.gw_value(scn, *value.ceilings_mw, mip_gap=0.0)
        assert (value.figure, value.low, value.high, value.proven) == (alone.figure, alone.low, alone.high, alone.proven)


def test_a_stop_during_the_second_ceiling_ends_the_study(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ceilings 10, 11, 12 MW; Ctrl-C as the 11 MW solve starts: 10 MW is kept, 11 MW is 'interrupted' (no plan yet), 12 MW is not solved.

    15 EFLOP/s at 10 MW: 5 a (5 MW) + 10 b (5 MW) = 5e6 + 30e6 = 35e6 USD.
    """
    solve, calls = ceiling.solve, []

    def solve_then_stop(scn, **kw):
        calls.append(scn.settings.ceiling_mw)
        if len(calls) == 2:
            stop.request()
        return solve(scn, **kw)

    monkeypatch.setattr(ceiling, "solve", solve_then_stop)
    scn = scenario(chips=TWO_CHIPS, demand=[{"year": 2026, "eflops": 15.0}])
    table = ceiling.ceiling_value(scn, [10.0, 11.0, 12.0], mip_gap=0.0)
    assert calls == [10.0, 11.0]
    assert table["ceiling_mw"].tolist() == [10.0, 11.0] and table["status"].tolist() == ["optimal", "interrupted"]
    assert table["objective_usd"].iloc[0] == pytest.approx(35e6) and np.isnan(table["objective_usd"].iloc[1])
    assert not stop.requested()
