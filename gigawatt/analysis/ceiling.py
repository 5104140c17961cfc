"""The ceiling's worth measured two ways: re-solving at several ceilings, and the ceiling's duals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gigawatt.errors import InfeasibleScenario, NoPlan
from gigawatt.model.data import Horizon
from gigawatt.scenario import Scenario
from gigawatt.solvers import stop
from gigawatt.solving import solve


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
        After Ctrl-C, the ceilings solved so far: the last one ``interrupted`` (with the best plan's
        cost, if one was found), the ones after it left out.
    """
    with stop.handling():
        rows = _solve_each(scenario, sorted(set(ceilings_mw)), solve_kwargs)
    frame = pd.DataFrame(rows, columns=["ceiling_mw", "status", "objective_usd", "dual_usd_per_gw", "mean_ceiling_dual_usd_per_mw_yr"])
    step_gw = frame["ceiling_mw"].diff() / 1000.0
    frame.insert(3, "marginal_usd_per_gw", 0.0 - frame["objective_usd"].diff() / step_gw)
    return frame


def _solve_each(scenario: Scenario, ceilings_mw: list[float], solve_kwargs: dict[str, object]) -> list[dict[str, object]]:
    """One row per ceiling, in order, until every ceiling is solved or a stop is requested."""
    rows: list[dict[str, object]] = []
    for ceiling in ceilings_mw:
        if stop.requested():
            break
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
    return rows
