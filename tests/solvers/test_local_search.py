"""Local search over openings: LPs warm-started in one HiGHS instance, moves screened by them and confirmed by a MIP."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from builders import chip, scenario, site
from scipy import sparse

import gigawatt as gw
from gigawatt.matrix.compile import compile_model
from gigawatt.matrix.form import StandardForm
from gigawatt.model import build_model
from gigawatt.solvers import highs
from gigawatt.solvers.base import SolveOptions
from gigawatt.solving import column_roles
from gigawatt.strategies.local_search import Move, entity_columns, local_search, moves


def three_campuses() -> gw.Scenario:
    """Demand 2 EFLOP/s in 2026 from 1-EFLOP/s, 1-MW units of 1e6 USD; three campuses of 100 MW at no capex that
    differ in their opening cost: dear 3e6, mid 2e6, cheap 1e6 USD. One campus serves it all: the optimum opens
    cheap, 2e6 + 1e6 = 3e6 USD; opening dear costs 5e6, mid 4e6."""
    return scenario(
        {"ceiling_mw": 10.0},
        sites=[site("dear", open_cost_usd=3e6), site("mid", open_cost_usd=2e6), site("cheap", open_cost_usd=1e6)],
        chips=[chip("a", cooling="liquid")],
        demand=[{"year": 2026, "eflops": 2.0}],
    )


@pytest.fixture(scope="module")
def dear_plan() -> tuple[StandardForm, object, object]:
    """The compiled three-campus model and its best plan with only ``dear`` allowed to open (5e6 USD)."""
    compiled = compile_model(build_model(three_campuses()))
    form, groups = compiled.solver_form, column_roles(compiled)
    upper = form.col_upper.copy()
    upper[[col for s, col in zip(groups.open_entity, groups.opens, strict=True) if s != "dear"]] = 0.0
    plan = highs.solve(replace(form, col_upper=upper), SolveOptions(mip_gap=0.0))
    assert plan.objective == pytest.approx(5.0)  # million USD
    return form, groups, plan


def test_a_plan_on_the_dear_campus_is_moved_to_the_cheap_one(dear_plan):
    """The swap (close dear, open cheap) has the lowest LP, 3e6 USD, and its MIP confirms it: 5e6 -> 3e6 USD. The next
    round finds nothing cheaper: closing cheap leaves no campus, opening another or swapping adds an opening cost."""
    form, groups, plan = dear_plan
    best, report = local_search(form, groups, plan, SolveOptions(mip_gap=0.0), budget=60.0)
    assert best.objective == pytest.approx(3.0, rel=1e-9)
    assert report.taken == ["close dear, open cheap"]
    assert report.rounds == 2 and report.confirmed == 1
    opened = {s for s, col in zip(groups.open_entity, groups.opens, strict=True) if best.x[col] > 0.5}
    assert opened == {"cheap"}
    assert float(form.c @ best.x + form.offset) == pytest.approx(best.objective, rel=1e-9)  # a plan of the full form


def test_the_optimum_is_left_as_it_is(dear_plan):
    form, groups, _ = dear_plan
    optimum = highs.solve(form, SolveOptions(mip_gap=0.0))
    best, report = local_search(form, groups, optimum, SolveOptions(mip_gap=0.0), budget=60.0)
    assert best is optimum
    assert report.rounds == 1 and report.confirmed == 0 and report.taken == [] and report.screened > 0


def test_moves_are_ordered_by_their_reduced_cost_estimate():
    """Entity a (columns 0, 1) is open in both years with reduced costs 2 and 3: closing it is estimated at -5.
    Entity b (columns 2, 3) is closed; opening it from the first year is estimated at -4 + 1 = -3, from the second
    at 1: the estimate is -3. The swap is -8, first; an entity closed by its bounds (c) has no move."""
    form = StandardForm(
        c=np.zeros(6),
        offset=0.0,
        A=sparse.csc_array(np.ones((1, 6))),
        row_lower=np.array([0.0]),
        row_upper=np.array([6.0]),
        col_lower=np.zeros(6),
        col_upper=np.array([1.0, 1.0, 1.0, 1.0, 0.0, 0.0]),
        integrality=np.ones(6),
    )
    columns = {"a": np.array([0, 1]), "b": np.array([2, 3]), "c": np.array([4, 5])}
    openings = np.array([1.0, 1.0, 0.0, 0.0, 0.0, 0.0])
    reduced = np.array([2.0, 3.0, -4.0, 1.0, -9.0, -9.0])
    assert moves(columns, openings, reduced, form) == [
        Move(("a",), ("b",), -8.0),
        Move(("a",), (), -5.0),
        Move((), ("b",), -3.0),
    ]


def test_entity_columns_group_the_openings_of_each_entity():
    from gigawatt.strategies.columns import Columns

    empty = np.empty(0, dtype=np.int64)
    groups = Columns(units=empty, blocks=empty, opens=np.array([7, 3, 5]), open_entity=["x", "y", "x"], block_entity=[])
    found = entity_columns(groups)
    assert {e: c.tolist() for e, c in found.items()} == {"x": [5, 7], "y": [3]}


def test_a_warm_lp_solved_again_matches_a_cold_solve_of_the_changed_bounds():
    """min x0 + 2 x1 s.t. x0 + x1 >= 3, 0 <= x <= 5: 3 (x0 = 3). With x0 <= 1: 1 + 2 x 2 = 5, as a cold solve of that
    form gives; the reduced cost of x1 is 2 - 1 = 1 at the first optimum."""
    form = StandardForm(
        c=np.array([1.0, 2.0]),
        offset=0.0,
        A=sparse.csc_array(np.ones((1, 2))),
        row_lower=np.array([3.0]),
        row_upper=np.array([np.inf]),
        col_lower=np.zeros(2),
        col_upper=np.full(2, 5.0),
        integrality=np.zeros(2),
    )
    lp = highs.WarmLP(form, SolveOptions())
    first = lp.solve(10.0)
    assert first.objective == pytest.approx(3.0) and first.reduced[1] == pytest.approx(1.0)
    lp.set_bounds(np.array([0]), np.array([0.0]), np.array([1.0]))
    again = lp.solve(10.0)
    cold = highs.solve(replace(form, col_upper=np.array([1.0, 5.0])), SolveOptions(), relax=True)
    assert again.objective == pytest.approx(cold.objective) == pytest.approx(5.0)
    lp.set_bounds(np.array([0, 1]), np.zeros(2), np.array([1.0, 1.0]))
    assert lp.solve(10.0) is None  # infeasible: x0 + x1 <= 2 < 3
