"""``ceiling_value`` stopped by Ctrl-C keeps the ceilings solved so far."""

from __future__ import annotations

import numpy as np
import pytest
from builders import chip, scenario

from gigawatt.analysis import ceiling
from gigawatt.solvers import stop

TWO_CHIPS = [chip("a"), chip("b", it_kw_per_unit=500.0, capex_usd_per_unit=3e6)]


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
