"""Matrix coefficient ranges, the power-of-two scaling on the way to the solver, and the warning when it is not enough."""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pandas as pd
import pytest
from builders import SCENARIOS, chip, scenario, solve_verified

import gigawatt as gw
import gigawatt.solving
from gigawatt.matrix.compile import compile_model
from gigawatt.matrix.scaling import TARGET, NumericsWarning, Scaling, choose_scaling, geometric_scaling
from gigawatt.solvers import highs
from gigawatt.solvers.base import SolveOptions

#: A unit of chip a draws 1e-10 MW and one of chip b 1 MW; both sit in the same ceiling and site rows as integer columns.
ABSURD_CHIPS = [chip("a", it_kw_per_unit=1e-7, pflops_per_unit=1e-7, capex_usd_per_unit=1.0), chip("b")]


@pytest.fixture(scope="module")
def pool_compiled():
    return compile_model(gw.build_model(gw.load_scenario(SCENARIOS / "pool")))


@pytest.fixture
def force_scaling(monkeypatch):
    """Make :func:`gigawatt.solve` compile with the given scaling mode."""

    def force(mode: str) -> None:
        monkeypatch.setattr(gigawatt.solving, "compile_model", functools.partial(compile_model, scaling=mode))

    return force


def test_pool_matrix_range_is_inside_the_target_unscaled(pool_compiled):
    """Smallest coefficient: MW per unit of the least power-hungry chip at the lowest-PUE site that can host it;
    largest: the largest demand (the coefficient of ``open`` in ``serve <= demand * open``)."""
    tables = gw.load_scenario(SCENARIOS / "pool").tables
    sites, chips, demand = tables["sites"], tables["chips"], tables["demand"]
    first, last = 2026, 2032
    pairs = sites.merge(chips, how="cross", suffixes=("_site", "_chip"))
    pairs = pairs[(pairs.cooling_chip == "air") | (pairs.cooling_site == "liquid")]
    pairs = pairs[(pairs.first_year <= last) & (pairs.last_year >= first) & (pairs.earliest_year <= pairs.last_year)]
    smallest = float((pairs.pue * pairs.it_kw_per_unit / 1000.0).min())
    largest = float(demand.eflops.max())
    ranges = pool_compiled.matrix_range()
    assert ranges["scaled"] is False and ranges["within_target"] is True
    assert ranges["model"] == ranges["solver"]
    low, high = ranges["model"]["matrix"]
    assert low == pytest.approx(smallest, rel=1e-12) and high == pytest.approx(largest, rel=1e-12)
    assert TARGET[0] <= low and high <= TARGET[1]
    assert 5e-3 < low < 6e-3 and 7e3 < high < 8e3  # 0.005512 MW per TPU v6e-8 server; 7,763 EFLOP/s of training demand


def test_factors_are_powers_of_two_and_integer_columns_keep_one(pool_compiled):
    form = pool_compiled.form
    s = geometric_scaling(form)
    for factors in (s.rows, s.cols):
        exponents = np.log2(factors)
        assert np.array_equal(exponents, np.round(exponents))
    assert (s.cols[form.integrality == 1] == 1.0).all()
    assert (s.cols[form.integrality == 0] != 1.0).any() and (s.rows != 1.0).any()
    scaled = s.apply(form)
    expected = form.A.toarray() * s.rows[:, None] * s.cols[None, :]
    assert np.array_equal(scaled.A.toarray(), expected)  # exact: powers of two
    assert np.array_equal(scaled.row_upper, form.row_upper * s.rows)
    assert np.array_equal(scaled.col_upper * s.cols, form.col_upper)
    assert np.array_equal(scaled.c, form.c * s.cols)
    low, high = (np.abs(scaled.A.data).min(), np.abs(scaled.A.data).max())
    model_low, model_high = pool_compiled.matrix_range()["model"]["matrix"]
    # 1.4e6 wide before, 1.9e5 after: c_interconnection holds a tranche's firm MW (1,100 on its binary) and chip units
    # (0.0058 MW per unit), both integer columns kept at scale 1, so no scaling narrows that row below 1.9e5.
    assert high / low < (model_high / model_low) / 5


def assert_optimal_lp_pair(form, x: np.ndarray, y: np.ndarray, tol: float = 1e-6) -> None:
    """``x`` and row duals ``y`` (HiGHS signs, model units) prove each other optimal for the LP of ``form``.

    Primal feasibility; row duals >= 0 only on rows at their lower bound and <= 0 only at their upper;
    reduced costs ``c - A^T y`` >= 0 only at a column's lower bound and <= 0 only at its upper.
    """
    activity = form.A @ x
    scale = 1.0 + np.abs(activity)
    assert (activity >= form.row_lower - tol * scale).all() and (activity <= form.row_upper + tol * scale).all()
    assert (x >= form.col_lower - tol).all() and (x <= form.col_upper + tol * (1 + np.abs(x))).all()
    at_lower, at_upper = activity <= form.row_lower + tol * scale, activity >= form.row_upper - tol * scale
    assert ((y <= tol) | at_lower).all() and ((y >= -tol) | at_upper).all()
    reduced = form.c - form.A.T @ y
    col_lower, col_upper = x <= form.col_lower + tol, x >= form.col_upper - tol * (1 + np.abs(x))
    assert ((reduced >= -tol) | col_upper).all() and ((reduced <= tol) | col_lower).all()


@pytest.mark.parametrize("name", ["tiny", "default"])
def test_scaled_lp_unscales_to_an_optimal_primal_dual_pair(name):
    """The LP relaxation solved scaled: same objective as unscaled, and x and row duals mapped back prove optimality
    of the original LP (its duals are not unique, so they are checked as a certificate rather than compared)."""
    compiled = compile_model(gw.build_model(gw.load_scenario(SCENARIOS / name)), scaling="on")
    assert compiled.scaling.active
    plain = highs.solve(compiled.form, SolveOptions(), relax=True)
    scaled = compiled.unscale(highs.solve(compiled.solver_form, SolveOptions(), relax=True))
    assert scaled.objective == pytest.approx(plain.objective, rel=1e-9)
    assert float(compiled.form.c @ scaled.x + compiled.form.offset) == pytest.approx(plain.objective, rel=1e-9)
    assert_optimal_lp_pair(compiled.form, scaled.x, scaled.row_duals)
    assert_optimal_lp_pair(compiled.form, plain.x, plain.row_duals)  # the check itself accepts HiGHS's own pair


def ceiling_binding() -> gw.Scenario:
    """Known answer (tests/model/test_power.py): under a 10 MW ceiling, 5 units of a and 10 of b, 35e6 USD."""
    chips = [chip("a"), chip("b", it_kw_per_unit=500.0, capex_usd_per_unit=3e6)]
    return scenario({"ceiling_mw": 10.0}, chips=chips, demand=[{"year": 2026, "eflops": 15.0}])


@pytest.mark.parametrize("make", [lambda: gw.load_scenario(SCENARIOS / "tiny"), ceiling_binding], ids=["tiny", "ceiling_binding"])
def test_scaling_does_not_change_the_plan(make, force_scaling):
    """Solved with scaling forced on and off: same objective, plan tables in USD and MW, and duals."""
    scn = make()
    plans = {}
    for mode in ("off", "on"):
        force_scaling(mode)
        plans[mode] = solve_verified(scn, threads=1)
        assert plans[mode].metadata["matrix_range"]["scaled"] is (mode == "on")
    off, on = plans["off"], plans["on"]
    assert on.objective == pytest.approx(off.objective, rel=1e-9)
    # tiny has ties in which open site of a node hosts which units (same PUE, same node): compare what they cost and draw
    tables = (
        ("costs", "power", "supplies", "links")
        if scn.name == "tiny"
        else ("sites", "chips", "links", "supplies", "serving", "costs", "power")
    )
    for table in tables:
        pd.testing.assert_frame_equal(on.tables[table], off.tables[table], check_exact=False, rtol=1e-9, atol=1e-6)
    build = ["site_id", "year", "open", "blocks", "capacity_mw"]
    pd.testing.assert_frame_equal(on.sites[build], off.sites[build])
    if scn.name == "test":
        assert on.objective == pytest.approx(35e6, rel=1e-9)
        assert on.chips.set_index("chip_id").installed_units.to_dict() == {"a": 5, "b": 10}
        pd.testing.assert_frame_equal(on.duals, off.duals, check_exact=False, rtol=1e-6, atol=1e-6)


def test_budget_in_usd_is_scaled_into_the_window(force_scaling):
    """A capital budget puts USD coefficients (1e9 for a block) next to MW per unit (0.1): auto scaling brings them in.

    Tiny with a 1e9 USD yearly budget, which binds (2027 needs about 1.1e9 USD of chips and blocks
    unconstrained; 9e8 leaves it infeasible): the plan is the one solved without scaling, and verifies.
    """
    tiny = gw.load_scenario(SCENARIOS / "tiny")
    free = solve_verified(tiny, threads=1)
    scn = tiny.with_overrides(budget_usd_per_year=1e9)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumericsWarning)
        plan = solve_verified(scn, threads=1)
    ranges = plan.metadata["matrix_range"]
    assert ranges["scaled"] is True and ranges["within_target"] is True
    assert ranges["model"]["matrix"][1] > TARGET[1]  # USD per block in the budget row
    assert TARGET[0] <= ranges["solver"]["matrix"][0] and ranges["solver"]["matrix"][1] <= TARGET[1]
    force_scaling("off")
    with pytest.warns(
        NumericsWarning, match=r"2e\+08 for v_blocks\[north_liquid, 2026\] in c_budget\[2026\], set by sites.capex_usd_per_mw"
    ):
        unscaled = solve_verified(scn, threads=1)
    assert plan.objective == pytest.approx(unscaled.objective, rel=1e-9)
    assert plan.objective > free.objective * (1 + 1e-3)  # the budget binds: 438.1e6 against 422.8e6 USD


def test_absurd_magnitudes_warn_and_name_the_value():
    """A chip drawing 1e-10 MW per unit next to one drawing 1 MW: both are integer columns (never scaled) of the
    same rows, so no scaling brings the range inside the window. The warning names the chip's coefficient."""
    scn = scenario(chips=ABSURD_CHIPS, demand=[{"year": 2026, "eflops": 2.0}])
    with pytest.warns(NumericsWarning, match=r"chips\.it_kw_per_unit") as caught:
        plan = gw.solve(scn, mip_gap=0.0)
    message = str(caught[0].message)
    assert "1e-10" in message and "for v_install[a, s, 2026] in c_" in message
    assert plan.metadata["matrix_range"]["within_target"] is False
    assert plan.metadata["matrix_range"]["model"]["matrix"][0] == pytest.approx(1e-10)
    assert plan.verify() == []
    assert plan.objective == pytest.approx(2e6)  # two units of b: a unit of a delivers 1e-10 EFLOP/s


def test_range_in_metadata_log_and_saved_plan(tmp_path, caplog):
    tiny = gw.load_scenario(SCENARIOS / "tiny")
    with caplog.at_level("INFO", logger="gigawatt.solving"), warnings.catch_warnings():
        warnings.simplefilter("error", NumericsWarning)
        plan = gw.solve(tiny, duals=False)
    ranges = plan.metadata["matrix_range"]
    expected = compile_model(gw.build_model(tiny)).matrix_range()
    assert ranges == expected
    assert ranges["model"]["matrix"] == [0.01, 20.0]  # 10 PFLOP/s per unit (in EFLOP/s) .. a 20 MW block
    line = "matrix coefficients 0.01..20; objective"
    assert plan.log.startswith(line)
    assert any(line in r.getMessage() for r in caplog.records)
    plan.save(tmp_path / "plan")
    assert gw.load_plan(tmp_path / "plan").metadata["matrix_range"] == ranges


def test_unknown_scaling_mode_is_refused(pool_compiled):
    with pytest.raises(ValueError, match="unknown scaling mode 'sometimes'"):
        choose_scaling(pool_compiled.form, "sometimes")
    assert not choose_scaling(pool_compiled.form, "off").active
    assert Scaling.identity(pool_compiled.form).apply(pool_compiled.form) is pool_compiled.form
