"""Shadow prices in planners' units: what one more MW, EFLOP/s, MWh or chip unit is worth.

A MIP has no duals. :func:`shadow_prices` fixes every integer column (site openings, blocks, link
builds, and chip units when they are integer) at its value in the solution, re-solves the remaining
LP with HiGHS and converts its row duals. They are therefore *conditional on the fixed integer
build*: exact for small changes that keep that build, silent about changes that would alter it (with
integer chip units, the ceiling's dual is then usually 0: nothing continuous uses power).
:func:`gigawatt.analysis.ceiling.ceiling_value` measures the ceiling's worth the other way, by re-solving at several ceilings.

Sign conventions (HiGHS, minimisation, verified on a known LP in tests/plan/test_duals.py): a row
dual is the derivative of the objective with respect to the row's bound. A binding ``<=`` cap has
a dual <= 0 and a ``>=`` requirement a dual >= 0. Reported values are the *value of one more unit*:
``-dual`` for caps (cost saved when the cap is raised), ``+dual`` for demand (cost added per extra
EFLOP/s) and for the node balance (cost of delivering one more MW there, a locational price).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from gigawatt.errors import NoPlan
from gigawatt.matrix.compile import CompiledModel
from gigawatt.model import families
from gigawatt.model.data import ModelData
from gigawatt.model.families import variables
from gigawatt.model.family import DualScale, Rows
from gigawatt.model.objective import OBJECTIVE_SCALE_USD
from gigawatt.solvers import highs
from gigawatt.solvers.base import SolveOptions, StandardForm, TerminationCondition

COLUMNS = ["constraint", "entity", "year", "value", "unit", "note"]
CONDITIONAL_NOTE = (
    "MILP dual: conditional on the fixed build (site openings, capacity blocks, link builds); chip units priced as continuous"
)
LP_NOTE = "LP dual: exact for small changes"
ZERO_TOL = 1e-9  # |dual| in million USD below which a dual is reported as 0


def _usd_per_dual(scale: DualScale, d: ModelData, y: int) -> float:
    """USD per planner unit, per (million USD per row unit), for a dual of ``scale`` in year ``y``.

    ``per_year`` undiscounts a whole-horizon dual to one calendar year of ``y`` in ``y``'s money
    (1e6 / op_weight); ``per_mwh`` also divides by the year's energy hours; ``year_money`` only
    undiscounts (1e6 / discount factor).
    """
    if scale == "year_money":
        return OBJECTIVE_SCALE_USD / d.horizon.discount(y)
    per_year = OBJECTIVE_SCALE_USD / d.horizon.op_weight(y)
    if scale == "per_mwh":
        st = d.scenario.settings
        return per_year / (st.hours_per_year * st.load_factor)
    return per_year


def _entity(rows: Rows, key: object, d: ModelData) -> str:
    """The row's entity; the single pool's demand is ``all regions``."""
    if rows.name == "c_demand" and key[0] == "all" and "regions" not in d.scenario.tables:  # type: ignore[index]
        return "all regions"
    return rows.describe(key)


def fixed_integer_form(compiled: CompiledModel, x: np.ndarray) -> StandardForm:
    """The LP of ``compiled`` with the build columns (declared ``price_fixed``) fixed at their values in ``x`` (rounded).

    Chip units are not fixed: with every install fixed nothing could respond to one more MW of ceiling,
    and every power dual would read 0.
    """
    form = compiled.form
    integer = np.zeros(len(form.c), dtype=bool)
    integer[compiled.columns(*(v.name for v in variables().values() if v.price_fixed))] = True
    values = np.clip(np.round(x[integer]), form.col_lower[integer], form.col_upper[integer])
    lower, upper = form.col_lower.copy(), form.col_upper.copy()
    lower[integer] = values
    upper[integer] = values
    return replace(form, col_lower=lower, col_upper=upper)


def without_implied_bounds(compiled: CompiledModel, form: StandardForm) -> StandardForm:
    """``form`` with the upper bounds of columns declared ``dual_free_upper`` removed where they are not fixed.

    Those bounds repeat a row (a chip's install bound is its supply cap or its site's fit, a flow's is
    its link's capacity): the LP is unchanged, but a binding cap's dual then sits on its row instead of
    being split arbitrarily between the row and the column bound.
    """
    cols = compiled.columns(*(v.name for v in variables().values() if v.dual_free_upper))
    cols = cols[form.col_lower[cols] < form.col_upper[cols]]
    upper = form.col_upper.copy()
    upper[cols] = np.inf
    return replace(form, col_upper=upper)


def fixed_lp_duals(compiled: CompiledModel, x: np.ndarray, options: SolveOptions, relaxed: bool = False) -> tuple[np.ndarray, float]:
    """Row duals (HiGHS convention, million USD per row unit) and objective (USD) of the fixed-integer LP.

    With ``relaxed`` (``x`` solves the LP relaxation) nothing is fixed: the relaxation's own duals.
    Raises :class:`gigawatt.NoPlan` when the LP is not solved to optimality.
    """
    lp_options = replace(options, time_limit=None, tee=False, log_file=None)
    form = compiled.form if relaxed else fixed_integer_form(compiled, np.asarray(x, dtype=float))
    result = highs.solve(without_implied_bounds(compiled, form), lp_options, relax=True)
    if result.termination is not TerminationCondition.OPTIMAL or result.row_duals is None or result.objective is None:
        raise NoPlan(f"the LP with the integer build fixed stopped with '{result.termination.value}'; no duals", result.termination.value)
    return result.row_duals, result.objective * OBJECTIVE_SCALE_USD


def shadow_prices(
    compiled: CompiledModel,
    data: ModelData,
    x: np.ndarray,
    options: SolveOptions,
    relaxed: bool = False,
    row_duals: np.ndarray | None = None,
) -> pd.DataFrame:
    """Duals of the planning constraints in planners' units, with the integer build fixed at ``x``.

    Parameters
    ----------
    compiled
        The compiled model ``x`` solves.
    data
        The model data it was built from (horizon, discounting, hours per year).
    x
        A solution in ``compiled``'s column order (integer columns are rounded).
    options
        HiGHS options for the LP re-solve (the time limit is dropped; ``solver_options`` must be HiGHS's).
    relaxed
        ``x`` solves the LP relaxation (``relax=True``): price that LP, fixing nothing.
    row_duals
        With ``relaxed``, the duals the LP solve already returned (HiGHS convention): no re-solve.

    Returns
    -------
    pandas.DataFrame
        One row per constraint row whose family declares what its dual means, columns ``constraint``,
        ``entity``, ``year``, ``value``, ``unit``, ``note``. ``value`` is the worth of one more unit:
        ceiling, site and link capacity in USD per MW-year and demand in USD per EFLOP/s-year (in
        that year's money: the whole-horizon dual divided by ``op_weight(year)``); node balance in
        USD per MWh; chip supply in USD per unit and budget in USD per USD (that year's money);
        emissions in USD per t. ``attrs['lp_objective_usd']`` holds the fixed LP's objective.
    """
    if relaxed and row_duals is not None:
        duals, lp_objective = row_duals, float(compiled.form.c @ x + compiled.form.offset) * OBJECTIVE_SCALE_USD
    else:
        duals, lp_objective = fixed_lp_duals(compiled, x, options, relaxed)
    note = CONDITIONAL_NOTE if compiled.form.n_integer and not relaxed else LP_NOTE
    rows = []
    declared = families.rows()
    for (name, key, kind), dual in zip(compiled.row_constraints, duals, strict=True):
        spec = declared.get(name)
        if spec is None or spec.dual is None:
            continue
        meaning, year = spec.dual, spec.year(key)
        value = 0.0 if abs(dual) < ZERO_TOL else (-dual if kind == 1 else dual) * _usd_per_dual(meaning.scale, data, year)
        rows.append((meaning.name, _entity(spec, key, data), year, value, meaning.unit, f"{meaning.explain}; {note}"))
    frame = pd.DataFrame(rows, columns=COLUMNS).astype({"year": "int64", "value": "float64"})
    frame.attrs["lp_objective_usd"] = lp_objective
    return frame
