"""Shadow prices in planners' units: what one more MW, EFLOP/s, MWh or chip unit is worth.

A MIP has no duals. :func:`shadow_prices` fixes every integer column (site openings, blocks, link
builds, and chip units when they are integer) at its value in the solution, re-solves the remaining
LP with HiGHS and converts its row duals. They are therefore *conditional on the fixed integer
build*: exact for small changes that keep that build, silent about changes that would alter it (with
integer chip units, the ceiling's dual is then usually 0: nothing continuous uses power).
:func:`ceiling_value` measures the ceiling's worth the other way, by re-solving at several ceilings.

Sign conventions (HiGHS, minimisation, verified on a known LP in tests/plan/test_duals.py): a row
dual is the derivative of the objective with respect to the row's bound. A binding ``<=`` cap has
a dual <= 0 and a ``>=`` requirement a dual >= 0. Reported values are the *value of one more unit*:
``-dual`` for caps (cost saved when the cap is raised), ``+dual`` for demand (cost added per extra
EFLOP/s) and for the node balance (cost of delivering one more MW there, a locational price).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from gigawatt.errors import InfeasibleScenario, NoPlan
from gigawatt.model.compile import CompiledModel
from gigawatt.model.data import Horizon, ModelData
from gigawatt.model.objective import OBJECTIVE_SCALE_USD
from gigawatt.scenario import Scenario
from gigawatt.solvers import highs
from gigawatt.solvers.base import SolveOptions, StandardForm, TerminationCondition

COLUMNS = ["constraint", "entity", "year", "value", "unit", "note"]
CONDITIONAL_NOTE = (
    "MILP dual: conditional on the fixed build (site openings, capacity blocks, link builds); chip units priced as continuous"
)
#: Integer decisions held at the plan's values for the dual re-solve; chip units stay free (continuous) so power can be re-priced.
FIXED_BUILD = ("v_open", "v_blocks", "v_link_built")
LP_NOTE = "LP dual: exact for small changes"
ZERO_TOL = 1e-9  # |dual| in million USD below which a dual is reported as 0
#: Variable components whose upper bounds the rows already imply (supply cap and site fit; link capacity; serve <= demand x open).
IMPLIED_UPPER = ("v_install", "v_flow", "v_serve")


@dataclass(frozen=True)
class _Family:
    """How one constraint family's row duals become planners' numbers."""

    name: str
    unit: str
    entity: Callable[[object, ModelData], str]
    year: Callable[[object], int]
    usd_per_dual: Callable[[ModelData, int], float]  # USD per planner unit, per (million USD per row unit)
    explain: str


def _per_year(d: ModelData, y: int) -> float:
    """Undiscount a whole-horizon dual to one calendar year of ``y`` in ``y``'s money: 1e6 / op_weight."""
    return OBJECTIVE_SCALE_USD / d.horizon.op_weight(y)


def _per_mwh(d: ModelData, y: int) -> float:
    st = d.scenario.settings
    return _per_year(d, y) / (st.hours_per_year * st.load_factor)


def _in_year_money(d: ModelData, y: int) -> float:
    return OBJECTIVE_SCALE_USD / d.horizon.discount(y)


def _region(key: object, d: ModelData) -> str:
    r = key[0]  # type: ignore[index]
    return "all regions" if r == "all" and "regions" not in d.scenario.tables else f"region {r}"


FAMILIES: dict[str, _Family] = {
    "c_power_ceiling": _Family(
        "power_ceiling", "USD/MW-yr", lambda k, d: "all sites", lambda k: k, _per_year, "saved per MW-year of extra ceiling"
    ),
    "c_demand": _Family("demand", "USD/EFLOP/s-yr", _region, lambda k: k[1], _per_year, "added per EFLOP/s-year of extra demand"),
    "c_node_balance": _Family(
        "node_balance", "USD/MWh", lambda k, d: f"node {k[0]}", lambda k: k[1], _per_mwh, "cost of one more MWh delivered at the node"
    ),
    "c_site_capacity": _Family(
        "site_capacity", "USD/MW-yr", lambda k, d: f"site {k[0]}", lambda k: k[1], _per_year, "saved per MW-year of extra built capacity"
    ),
    "c_link_capacity": _Family(
        "link_capacity",
        "USD/MW-yr",
        lambda k, d: f"link {k[0]} {k[2]}",
        lambda k: k[1],
        _per_year,
        "saved per MW-year of extra link capacity in that direction",
    ),
    "c_chip_supply": _Family(
        "chip_supply",
        "USD/unit",
        lambda k, d: f"chip {k[0]}",
        lambda k: k[1],
        _in_year_money,
        "saved per extra unit for sale (in that year's USD)",
    ),
    "c_budget": _Family(
        "budget",
        "USD/USD",
        lambda k, d: "capital budget",
        lambda k: k,
        _in_year_money,
        "saved per extra USD of budget (both in that year's USD)",
    ),
    "c_emissions": _Family(
        "emissions", "USD/t", lambda k, d: "all supplies", lambda k: k, _per_year, "saved per extra tonne of CO2 allowed"
    ),
}


def fixed_integer_form(compiled: CompiledModel, x: np.ndarray) -> StandardForm:
    """The LP of ``compiled`` with the build columns of :data:`FIXED_BUILD` fixed at their values in ``x`` (rounded).

    Chip units are not fixed: with every install fixed nothing could respond to one more MW of ceiling,
    and every power dual would read 0.
    """
    form = compiled.form
    integer = np.zeros(len(form.c), dtype=bool)
    integer[compiled.columns(*FIXED_BUILD)] = True
    values = np.clip(np.round(x[integer]), form.col_lower[integer], form.col_upper[integer])
    lower, upper = form.col_lower.copy(), form.col_upper.copy()
    lower[integer] = values
    upper[integer] = values
    return replace(form, col_lower=lower, col_upper=upper)


def without_implied_bounds(compiled: CompiledModel, form: StandardForm) -> StandardForm:
    """``form`` with the upper bounds of :data:`IMPLIED_UPPER` columns removed where they are not fixed.

    Those bounds repeat a row (a chip's install bound is its supply cap or its site's fit, a flow's is
    its link's capacity): the LP is unchanged, but a binding cap's dual then sits on its row instead of
    being split arbitrarily between the row and the column bound.
    """
    cols = compiled.columns(*IMPLIED_UPPER)
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
        One row per constraint row of the families in :data:`FAMILIES`, columns ``constraint``,
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
    for (name, key, kind), dual in zip(compiled.row_constraints, duals, strict=True):
        family = FAMILIES.get(name)
        if family is None:
            continue
        year = int(family.year(key))
        value = 0.0 if abs(dual) < ZERO_TOL else (-dual if kind == 1 else dual) * family.usd_per_dual(data, year)
        rows.append((family.name, family.entity(key, data), year, value, family.unit, f"{family.explain}; {note}"))
    frame = pd.DataFrame(rows, columns=COLUMNS).astype({"year": "int64", "value": "float64"})
    frame.attrs["lp_objective_usd"] = lp_objective
    return frame


def ceiling_dual_usd_per_gw(prices: pd.DataFrame, horizon: Horizon) -> float:
    """The ceiling's duals summed over the horizon: discounted USD saved per GW of extra ceiling in every year."""
    rows = prices[prices["constraint"] == "power_ceiling"]
    return float(sum(v * horizon.op_weight(int(y)) for y, v in zip(rows["year"], rows["value"], strict=True)) * 1000.0)


def ceiling_value(scenario: Scenario, ceilings_mw: list[float], **solve_kwargs: object) -> pd.DataFrame:
    """Re-solve ``scenario`` at each ceiling and price the ceiling two ways: finite differences and duals.

    Parameters
    ----------
    scenario
        The scenario; each solve overrides ``ceiling_mw``.
    ceilings_mw
        Ceilings in MW (sorted, duplicates dropped).
    **solve_kwargs
        As :func:`gigawatt.solve`: ``solver`` ('highs' or 'pyomo:<name>'), ``time_limit``, ``mip_gap``, ...

    Returns
    -------
    pandas.DataFrame
        Per ceiling: ``ceiling_mw``, ``status`` ('infeasible' when no plan exists), ``objective_usd``
        (discounted), ``marginal_usd_per_gw`` (discounted cost saved per GW between the previous
        ceiling and this one, over the horizon), ``dual_usd_per_gw`` (the same from this solve's
        fixed-integer ceiling duals) and ``mean_ceiling_dual_usd_per_mw_yr`` (mean over the years).
    """
    from gigawatt.solving import solve

    rows = []
    for ceiling in sorted(set(ceilings_mw)):
        row: dict[str, object] = {"ceiling_mw": float(ceiling), "status": "infeasible", "objective_usd": np.nan}
        row |= {"dual_usd_per_gw": np.nan, "mean_ceiling_dual_usd_per_mw_yr": np.nan}
        try:
            plan = solve(scenario.with_overrides(ceiling_mw=ceiling), **solve_kwargs)  # type: ignore[arg-type]
        except InfeasibleScenario:
            rows.append(row)
            continue
        except NoPlan as err:
            rows.append(row | {"status": err.termination})
            continue
        row |= {"status": plan.status, "objective_usd": plan.objective}
        if plan.duals is not None:
            horizon = Horizon.from_settings(plan.scenario.settings)
            ceiling_rows = plan.duals.loc[plan.duals["constraint"] == "power_ceiling", "value"]
            row |= {"dual_usd_per_gw": ceiling_dual_usd_per_gw(plan.duals, horizon), "mean_ceiling_dual_usd_per_mw_yr": ceiling_rows.mean()}
        rows.append(row)
    frame = pd.DataFrame(rows)
    step_gw = frame["ceiling_mw"].diff() / 1000.0
    frame.insert(3, "marginal_usd_per_gw", 0.0 - frame["objective_usd"].diff() / step_gw)
    return frame
