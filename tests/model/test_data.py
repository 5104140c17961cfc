"""The horizon: which modelled years a unit is active in, and the annuity paid for them.

A unit installed at the start of modelled year v with a life of L years is active in the modelled
years y whose whole span (calendar years y .. y + w_y - 1) lies inside v .. v + L - 1, and its annuity
crf(r, L) is paid for exactly the calendar years of those modelled years.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gigawatt.model.data import Horizon, capital_recovery_factor


def horizon(steps: list[int], rate: float) -> Horizon:
    """Years from 2026 by ``steps``; each stands for the gap to the next (the last: the gap before it)."""
    years = [2026 + sum(steps[:i]) for i in range(len(steps) + 1)]
    weights = dict(zip(years, [*steps, steps[-1] if steps else 1], strict=True))
    return Horizon(tuple(years), weights, rate)


def test_five_year_unit_over_two_year_steps():
    """Years 2026, 2028, 2030 (w = 2), r = 0.1, life 5, bought in 2026: active in 2026 and 2028 (calendar
    2026-2029), not in 2030; annuity crf(0.1, 5) x (1 + 1.1^-1 + 1.1^-2 + 1.1^-3) = 0.239813 x 3.486852."""
    h = horizon([2, 2], 0.1)
    assert [y for y in h.years if h.in_service(2026, 5, y)] == [2026, 2028]
    assert h.service_end(2026, 5) == 2029
    crf = 0.1 / (1.1 * (1 - 1.1**-5))
    assert h.annuity_weight(2026, 5, h.service_end(2026, 5)) == pytest.approx(crf * sum(1.1**-k for k in range(4)), rel=1e-12)
    assert h.annuity_weight(2026, 5, h.service_end(2026, 5)) == pytest.approx(0.8362, abs=1e-4)


@settings(max_examples=300, deadline=None)
@given(
    steps=st.lists(st.integers(1, 5), max_size=6),
    life=st.integers(1, 15),
    rate=st.sampled_from([0.0, 0.05, 0.12]),
    pick=st.integers(0, 6),
)
def test_active_calendar_years_are_within_life_and_paid_exactly(steps, life, rate, pick):
    """For any steps, life and vintage: the active modelled years run on from the vintage without a gap, cover
    at most ``life`` calendar years, the next one would overrun the life, and the annuity equals crf(r, L)
    summed over exactly the discounted calendar years of the active modelled years."""
    h = horizon(steps, rate)
    v = h.years[pick % len(h.years)]
    active = [y for y in h.years if h.in_service(v, life, y)]
    later = [y for y in h.years if y >= v]
    assert active == later[: len(active)]
    calendar = [k for y in active for k in range(y, y + h.weights[y])]
    assert len(calendar) <= life
    if len(active) < len(later):
        nxt = later[len(active)]
        assert nxt + h.weights[nxt] > v + life
    assert h.service_end(v, life) == (calendar[-1] if calendar else v - 1)
    paid = capital_recovery_factor(rate, life) * sum((1 + rate) ** -(k - h.first) for k in calendar)
    assert h.annuity_weight(v, life, h.service_end(v, life)) == pytest.approx(paid, rel=1e-12, abs=1e-15)
    if all(w == 1 for w in h.weights.values()):  # yearly steps: the plain rule v <= y < v + L, paid to min(v + L - 1, end)
        assert active == [y for y in h.years if v <= y < v + life]
        assert h.annuity_weight(v, life, h.service_end(v, life)) == pytest.approx(h.annuity_weight(v, life), rel=1e-12)
