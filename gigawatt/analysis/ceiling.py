"""The ceiling's worth: the value of a gigawatt, re-optimised and proven (:func:`gw_value`), over several ceilings
(:func:`ceiling_value`), beside the ceiling's duals given one build.

The definition and its arithmetic live in :mod:`gigawatt.plan.value`; this module solves for it.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from gigawatt.errors import InfeasibleScenario, NoPlan
from gigawatt.model.data import Horizon
from gigawatt.plan.plan import Plan
from gigawatt.plan.value import RANGE_TOLERANCE, GwValue, discounted_years, value_between
from gigawatt.scenario import Scenario
from gigawatt.solvers import stop
from gigawatt.solving import solve

__all__ = ["GAP_STEP", "MIN_GAP", "GwValue", "ceiling_dual_usd_per_gw", "ceiling_value", "gw_value", "pair_values"]

#: The tightest relative MIP gap :func:`gw_value` asks for before reporting a range as not proven.
MIN_GAP = 1e-6
#: Each round of :func:`gw_value` asks for the gap times this.
GAP_STEP = 0.1


def ceiling_dual_usd_per_gw(prices: pd.DataFrame, horizon: Horizon) -> float:
    """The ceiling's duals summed over the horizon: discounted USD saved per GW of extra ceiling in every year, given the build."""
    rows = prices[prices["constraint"] == "power_ceiling"]
    return float(sum(v * horizon.op_weight(int(y)) for y, v in zip(rows["year"], rows["value"], strict=True)) * 1000.0)


class _Solves:
    """Plans of one scenario by (ceiling, requested gap), each tighter solve warm-started from the looser one.

    A plan is a function of its ceiling and gap alone, so a pair's value does not depend on which
    other pairs were solved before it (:func:`ceiling_value` gives the same figure as :func:`gw_value`).
    """

    def __init__(self, scenario: Scenario, solve_kwargs: dict[str, object], plans: Iterable[Plan] = ()):
        self.scenario, self.kwargs = scenario, dict(solve_kwargs)
        gap = self.kwargs.pop("mip_gap", None)
        self.first_gap = float(scenario.settings.solver.mip_gap if gap is None else gap)  # type: ignore[arg-type]
        self.plans: dict[tuple[float, float], Plan] = {}
        for plan in plans:
            self.plans[(float(plan.scenario.settings.ceiling_mw), float(plan.options.get("mip_gap", self.first_gap)))] = plan

    def plan(self, ceiling: float, gap: float, looser: float | None) -> Plan:
        """The plan at ``ceiling`` solved to ``gap``; one already proven within ``gap`` (at ``looser``) is kept as it is."""
        key = (float(ceiling), gap)
        if key not in self.plans:
            previous = self.plans.get((float(ceiling), looser)) if looser is not None else None
            if previous is not None and previous.gap is not None and previous.gap <= gap:
                self.plans[key] = previous
            else:
                start = {"start": previous} if previous is not None else {}
                scenario = self.scenario.with_overrides(ceiling_mw=ceiling)
                self.plans[key] = solve(scenario, mip_gap=gap, **start, **self.kwargs)  # type: ignore[arg-type]
        return self.plans[key]

    def tightest(self, ceiling: float) -> Plan | None:
        """The plan at ``ceiling`` with the smallest gap solved so far (None if none)."""
        plans = [p for (c, _), p in self.plans.items() if c == ceiling]
        return min(plans, key=lambda p: np.inf if p.gap is None else p.gap, default=None)

    def value(self, low_mw: float, high_mw: float, min_gap: float, tolerance: float) -> GwValue:
        """Tighten the gap by :data:`GAP_STEP` a round from the first gap until the value is proven or the gap is below ``min_gap``.

        A round whose solves do not reach the gap asked for (a time limit, Ctrl-C) ends the loop.
        """
        years = discounted_years(self.scenario.settings)
        gap, looser = self.first_gap, None
        while True:
            pair = (self.plan(low_mw, gap, looser), self.plan(high_mw, gap, looser))
            costs = tuple((float(p.objective), p.bound) for p in pair)  # type: ignore[arg-type]
            value = value_between((low_mw, high_mw), costs, years, (pair[0].gap, pair[1].gap), tolerance)  # type: ignore[arg-type]
            reached = all(p.gap is not None and p.gap <= gap for p in pair)
            if value.proven or not reached or gap <= min_gap or stop.requested():
                return value
            gap, looser = max(gap * GAP_STEP, min_gap), gap


def gw_value(
    scenario: Scenario,
    low_mw: float,
    high_mw: float,
    *,
    plans: Iterable[Plan] = (),
    min_gap: float = MIN_GAP,
    tolerance: float = RANGE_TOLERANCE,
    **solve_kwargs: object,
) -> GwValue:
    """The value of a gigawatt between ceilings ``low_mw`` < ``high_mw``, re-optimised at each (:mod:`gigawatt.plan.value`).

    Both ceilings are solved at ``mip_gap`` (default: the scenario's); while the range the objectives
    and bounds prove is wider than ``tolerance`` of the figure (and than
    :data:`~gigawatt.plan.value.RANGE_FLOOR_USD_PER_MW_YR`), both are solved again at a gap
    :data:`GAP_STEP` times smaller, warm-started from the previous plan, down to ``min_gap``. The
    result says whether the figure is proven; if not, its range is what the solves prove.

    ``plans`` are plans of ``scenario`` already solved (such as the one ``gigawatt solve`` prints):
    one at a ceiling of the pair and at the first gap is used instead of solving it again.
    ``solve_kwargs`` as :func:`gigawatt.solve` (``time_limit``, ``threads``, ``relax``, ...).
    Raises :class:`~gigawatt.errors.InfeasibleScenario` or :class:`~gigawatt.errors.NoPlan` when a
    ceiling has no plan, and ValueError unless ``low_mw < high_mw``.
    """
    if not low_mw < high_mw:
        raise ValueError(f"ceilings {low_mw:g} and {high_mw:g} MW: expected the first below the second")
    with stop.handling():
        return _Solves(scenario, solve_kwargs, plans).value(float(low_mw), float(high_mw), min_gap, tolerance)


#: The columns of :func:`ceiling_value`, in order.
COLUMNS = (
    "ceiling_mw",
    "status",
    "objective_usd",
    "bound_usd",
    "gap",
    "value_usd_per_mw_yr",
    "value_low_usd_per_mw_yr",
    "value_high_usd_per_mw_yr",
    "value_proven",
    "marginal_usd_per_gw",
    "dual_usd_per_gw",
    "dual_weighted_mean_usd_per_mw_yr",
    "mean_ceiling_dual_usd_per_mw_yr",
)


def ceiling_value(
    scenario: Scenario, ceilings_mw: list[float], *, min_gap: float = MIN_GAP, tolerance: float = RANGE_TOLERANCE, **solve_kwargs: object
) -> pd.DataFrame:
    """Solve ``scenario`` at each ceiling and give the value of a GW between each ceiling and the one before it.

    Parameters
    ----------
    scenario
        The scenario; each solve overrides ``ceiling_mw``.
    ceilings_mw
        Ceilings in MW (sorted, duplicates dropped).
    min_gap, tolerance, **solve_kwargs
        As :func:`gw_value`, which gives each pair's value (the same figure as for that pair alone).

    Returns
    -------
    pandas.DataFrame
        Per ceiling: ``ceiling_mw``, ``status`` ('infeasible' when no plan exists), ``objective_usd``,
        ``bound_usd`` and ``gap`` of the tightest solve at that ceiling (discounted USD); the value of a
        GW from the previous ceiling to this one (USD per MW-year, :mod:`gigawatt.plan.value`):
        ``value_usd_per_mw_yr``, its proven range ``value_low_usd_per_mw_yr`` - ``value_high_usd_per_mw_yr``
        and ``value_proven``; ``marginal_usd_per_gw``, the same saving per GW over the whole horizon
        (discounted USD). The second figure, the ceiling's duals *given this solve's build* (no
        re-optimisation): ``dual_usd_per_gw`` (summed over the horizon, discounted),
        ``dual_weighted_mean_usd_per_mw_yr`` (the yearly duals' mean weighted by discounted years,
        comparable with the value) and ``mean_ceiling_dual_usd_per_mw_yr`` (plain mean over years).
        After Ctrl-C, the ceilings solved so far: the last one ``interrupted`` (with the best plan's
        cost, if one was found), the ones after it left out.
    """
    with stop.handling():
        rows = _solve_each(scenario, sorted(set(map(float, ceilings_mw))), min_gap, tolerance, solve_kwargs)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _solve_each(
    scenario: Scenario, ceilings_mw: list[float], min_gap: float, tolerance: float, solve_kwargs: dict[str, object]
) -> list[dict[str, object]]:
    """One row per ceiling, in order, until every ceiling is solved or a stop is requested."""
    solves = _Solves(scenario, solve_kwargs)
    years = discounted_years(scenario.settings)
    rows: list[dict[str, object]] = []
    previous: float | None = None  # the previous ceiling, if it has a plan
    for ceiling in ceilings_mw:
        if stop.requested():
            break
        row: dict[str, object] = dict.fromkeys(COLUMNS, np.nan) | {"ceiling_mw": ceiling, "status": "infeasible", "value_proven": False}
        try:
            solves.plan(ceiling, solves.first_gap, None)
            if previous is not None:
                value = solves.value(previous, ceiling, min_gap, tolerance)
                row |= {"value_usd_per_mw_yr": value.figure, "value_low_usd_per_mw_yr": value.low, "value_high_usd_per_mw_yr": value.high}
                row |= {"value_proven": value.proven, "marginal_usd_per_gw": value.figure * years * 1000.0}
            previous = ceiling
        except InfeasibleScenario:
            previous = None
        except NoPlan as err:
            row["status"], previous = err.termination, None
        rows.append(row)
    for row in rows:
        plan = solves.tightest(row["ceiling_mw"])  # type: ignore[arg-type]
        if plan is not None:
            row |= _figures(plan)
    return rows


def pair_values(frame: pd.DataFrame) -> list[GwValue]:
    """The value of each pair of neighbouring ceilings in a :func:`ceiling_value` frame (the rows that have one), in order."""
    values, previous = [], None
    for row in frame.itertuples(index=False):
        if previous is not None and not np.isnan(row.value_usd_per_mw_yr):
            figures = (row.value_usd_per_mw_yr, row.value_low_usd_per_mw_yr, row.value_high_usd_per_mw_yr)
            gaps = (_gap(previous.gap), _gap(row.gap))
            values.append(GwValue(*map(float, figures), bool(row.value_proven), (previous.ceiling_mw, row.ceiling_mw), gaps))
        previous = row
    return values


def _gap(gap: float) -> float | None:
    return None if np.isnan(gap) else float(gap)


def _figures(plan: Plan) -> dict[str, object]:
    """A ceiling's row from its plan: status, cost, bound, gap and the ceiling's duals given the build (NaN without duals)."""
    row: dict[str, object] = {"status": plan.status, "objective_usd": plan.objective, "bound_usd": plan.bound, "gap": plan.gap}
    if plan.duals is None:
        return row | {"dual_usd_per_gw": np.nan, "dual_weighted_mean_usd_per_mw_yr": np.nan, "mean_ceiling_dual_usd_per_mw_yr": np.nan}
    per_gw = ceiling_dual_usd_per_gw(plan.duals, Horizon.from_settings(plan.scenario.settings))
    yearly = plan.duals.loc[plan.duals["constraint"] == "power_ceiling", "value"]
    return row | {
        "dual_usd_per_gw": per_gw,
        "dual_weighted_mean_usd_per_mw_yr": per_gw / 1000.0 / discounted_years(plan.scenario.settings),
        "mean_ceiling_dual_usd_per_mw_yr": yearly.mean(),
    }
