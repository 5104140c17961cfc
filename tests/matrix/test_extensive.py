"""The extensive form (:mod:`gigawatt.matrix.extensive`): shared columns merged, a missing key held at 0, CVaR rows,
a fixed first stage, each checked on one-column forms solved by HiGHS."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from gigawatt.matrix.extensive import cvar, extensive_form, future_costs
from gigawatt.matrix.form import StandardForm
from gigawatt.solvers import highs
from gigawatt.solvers.base import SolveOptions


def capacity_form(need: float, unit_cost: float, shortfall_cost: float) -> StandardForm:
    """Build ``x`` (shared, cost ``unit_cost`` each) and buy ``s`` (cost ``shortfall_cost`` each) with x + s >= need."""
    A = sparse.csc_array(np.array([[1.0, 1.0]]))
    return StandardForm(
        np.array([unit_cost, shortfall_cost]),
        0.0,
        A,
        np.array([need]),
        np.array([np.inf]),
        np.zeros(2),
        np.full(2, 10.0),
        np.array([1, 0], np.int8),
    )


def buy_only_form(need: float, shortfall_cost: float) -> StandardForm:
    """A future without the build column: buy ``s`` >= need."""
    A = sparse.csc_array(np.array([[1.0]]))
    return StandardForm(
        np.array([shortfall_cost]), 0.0, A, np.array([need]), np.array([np.inf]), np.zeros(1), np.full(1, 10.0), np.zeros(1, np.int8)
    )


def solve(form: StandardForm) -> np.ndarray:
    result = highs.solve(form, SolveOptions(mip_gap=0.0))
    assert result.termination.value == "optimal"
    return np.asarray(result.x)


def test_a_shared_column_takes_one_value_in_every_future():
    """Needs 2 or 6 with probability 1/2 each; building costs 1 a unit, buying 3 (low) or 1.5 (high) a unit short.
    Shared x: cost 0.5 (x + 3 (2 - x)+) + 0.5 (x + 1.5 (6 - x)+). At x = 2: 0.5 x 2 + 0.5 (2 + 6) = 5; x = 6: 6; x = 0:
    0.5 x 6 + 0.5 x 9 = 7.5; the slope is +1 - 0.75 = 0.25 above 2, so x = 2 and the expected cost is 5."""
    forms = [capacity_form(2, 1, 3), capacity_form(6, 1, 1.5)]
    ef = extensive_form(forms, [0.5, 0.5], [{"x": 0}, {"x": 0}])
    assert ef.form.shape == (2, 3)  # one shared column, each future's own shortfall
    x = solve(ef.form)
    xs = ef.split(x)
    assert [v[0] for v in xs] == pytest.approx([2, 2])
    assert future_costs(forms, xs).tolist() == pytest.approx([2, 8])
    assert float(ef.form.c @ x + ef.form.offset) == pytest.approx(5)


def test_a_key_one_future_lacks_is_held_at_zero():
    """Future 2 has no column for x (as a chip not yet on sale): x is 0, and both futures buy their need (6 and 9)."""
    forms = [capacity_form(2, 1, 3), buy_only_form(6, 1.5)]
    ef = extensive_form(forms, [0.5, 0.5], [{"x": 0}, {}])
    assert ef.form.col_upper[ef.shared["x"]] == 0
    x = solve(ef.form)
    assert future_costs(forms, ef.split(x)).tolist() == pytest.approx([6, 9])


def test_cvar_weight_moves_the_plan_towards_the_worst_future():
    """With lambda = 1 and alpha = 0.5 the objective is E + CVaR = E + the worse future's cost (two futures of 1/2).
    x = 2: 5 + 8 = 13; x = 6: 6 + 6 = 12 (the slope above 2 is 0.25 for E and 1 - 1.5 = -0.5 for CVaR): x = 6."""
    forms = [capacity_form(2, 1, 3), capacity_form(6, 1, 1.5)]
    ef = extensive_form(forms, [0.5, 0.5], [{"x": 0}, {"x": 0}], cvar_weight=1.0, alpha=0.5)
    x = solve(ef.form)
    costs = future_costs(forms, ef.split(x))
    assert ef.split(x)[0][0] == pytest.approx(6)
    assert float(ef.form.c @ x + ef.form.offset) == pytest.approx(12)
    assert cvar(costs, [0.5, 0.5], 0.5) == pytest.approx(6)


def test_a_fixed_first_stage_is_evaluated_and_what_a_future_lacks_is_listed():
    forms = [capacity_form(2, 1, 3), capacity_form(6, 1, 1.5)]
    ef = extensive_form(forms, [0.5, 0.5], [{"x": 0}, {"x": 0}], fixed={"x": 5})
    assert future_costs(forms, ef.split(solve(ef.form))).tolist() == pytest.approx([5, 6.5])
    ef = extensive_form([capacity_form(2, 1, 3), buy_only_form(6, 1.5)], [0.5, 0.5], [{"x": 0}, {}], fixed={"x": 5, "y": 1})
    assert ef.unmet == ("x", "y")  # x: future 2 has no such column; y: no future has
