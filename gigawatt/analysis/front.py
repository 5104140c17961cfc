r"""Trade-off fronts: cost against CO2 by the epsilon-constraint method, and cost against compute delivered as the
ceiling or the budget steps; each point a verified :class:`~gigawatt.plan.plan.Plan`.

**Cost against CO2** (``x="co2"``). The emission cap of the scenario (``emissions_cap_t_per_year``, every
modelled year) is stepped between two ends:

- :math:`E_{hi}`: the largest yearly emissions of the cost-optimal plan (a cap above it changes nothing);
- :math:`E_{lo}`: the least any plan can emit in its worst year, from the model with the objective
  :math:`\min z,\; z \ge \sum_g emissions_{g,y} \;\forall y`.

The ``n`` caps are :math:`E_{hi} - i (E_{hi} - E_{lo}) / (n - 1)`, :math:`i = 0..n-1`, and each point is the
least-cost plan under its cap (the last warm-started from the least-emission plan, so it has one). A point
is optimal for its cap to its MIP gap, so the front's costs can be read only to those gaps: a point another
one beats on both axes (more than the tolerance :data:`SAME`) is marked ``dominated``.

**Cost against compute** (``x="ceiling_mw"`` or ``x="budget_usd"``): the setting takes the ``values`` given,
each point the least-cost plan there. With an outside option on the workloads (demand rows and training
runs with a value) every point has a plan and the plans differ in compute delivered; with demand as a hard
wall a point below what the demand needs is infeasible and is recorded without a plan.

Each point's row: the setting, ``objective_usd`` (what the scenario minimises), ``co2_t`` (over the horizon,
each modelled year weighted by the years it stands for, as :attr:`~gigawatt.plan.plan.Plan.kpis`),
``worst_year_co2_t``, ``delivered_eflops_yr`` (compute delivered, inference and placed training runs, weighted the
same way), status, gap and ``dominated`` (lower cost is better; lower CO2, more compute).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from gigawatt.analysis._parallel import Submit, done, solver_processes
from gigawatt.errors import InfeasibleScenario, NoPlan, first_line
from gigawatt.model import build_model
from gigawatt.model.ledger import linear
from gigawatt.plan.plan import Plan
from gigawatt.scenario import Scenario
from gigawatt.solvers import progress, stop
from gigawatt.solving import SolveRequest, solve, solve_model

__all__ = ["AXES", "Front", "front"]

#: What a front may step: the scenario setting, and whether more of the plan's measure along it is better.
AXES = {"co2": "emissions_cap_t_per_year", "ceiling_mw": "ceiling_mw", "budget_usd": "budget_usd"}
#: Two figures within this relative distance count as equal when marking dominated points (a solver's tolerance).
SAME = 1e-6
#: Tonnes of CO2 per unit of the least-emission objective (so that it is near the cost objective's scale).
CO2_SCALE_T = 1e6


@dataclass(frozen=True)
class Front:
    """The points of a trade-off front: one row each in :meth:`table`, their plans in ``plans`` (None where there is none)."""

    x: str
    setting: str
    values: tuple[float, ...]
    plans: tuple[Plan | None, ...]
    why: tuple[str, ...]

    def table(self) -> pd.DataFrame:
        """One row per point: setting, cost, CO2, compute delivered, status, gap, dominated (module docstring)."""
        rows = []
        for value, plan, why in zip(self.values, self.plans, self.why, strict=True):
            row: dict[str, object] = {self.setting: value, "status": plan.status if plan is not None else "no plan", "why": why}
            if plan is not None:
                row |= {"objective_usd": plan.objective, "bound_usd": plan.bound, "gap": plan.gap, **_measures(plan)}
            rows.append(row)
        frame = pd.DataFrame(rows)
        for column in ("objective_usd", "bound_usd", "gap", "co2_t", "worst_year_co2_t", "delivered_eflops_yr"):
            if column not in frame:
                frame[column] = np.nan
        frame["dominated"] = _dominated(frame, "co2_t" if self.x == "co2" else "delivered_eflops_yr", more_is_better=self.x != "co2")
        return frame

    def summary(self) -> str:
        """The points as lines: setting, cost, CO2 and compute, dominated ones marked."""
        lines = [f"front of cost against {self.x}: {len(self.values)} points stepping {self.setting}"]
        for row in self.table().to_dict("records"):
            head = f"  {self.setting} {row[self.setting]:,.6g}: "
            if pd.isna(row["objective_usd"]):
                lines.append(head + f"no plan ({row['why']})")
                continue
            lines.append(
                head + f"{row['objective_usd'] / 1e9:,.3f} B USD, {row['co2_t'] / 1e6:,.3f} Mt CO2, "
                f"{row['delivered_eflops_yr']:,.0f} EFLOP/s-years delivered, gap {row['gap'] or 0:.2%}"
                + (" (dominated)" if row["dominated"] else "")
            )
        return "\n".join(lines)

    def chart(self) -> object:
        """Cost against the front's measure (plotly), the dominated points marked."""
        from gigawatt.plot import front as front_chart

        return front_chart(self.table(), "co2_t" if self.x == "co2" else "delivered_eflops_yr")

    def __repr__(self) -> str:
        return self.summary()


def _measures(plan: Plan) -> dict[str, float]:
    """CO2 over the horizon and in the worst year, and compute delivered (EFLOP/s-years), each year weighted by the years it stands for."""
    weights = plan.scenario.settings.year_weights
    yearly = pd.concat([plan.tables[name][["year", "co2_t"]] for name in ("supplies", "onsite")]).groupby("year")["co2_t"].sum()
    compute = plan.compute
    return {
        "co2_t": float(sum(v * weights[int(y)] for y, v in yearly.items())),
        "worst_year_co2_t": float(yearly.max()) if len(yearly) else 0.0,
        "delivered_eflops_yr": float((compute["eflops"] * compute["year"].map(weights)).sum()),
    }


def _dominated(frame: pd.DataFrame, measure: str, more_is_better: bool) -> list[bool]:
    """Whether another point is at least as good on cost and on ``measure`` and better on one (beyond :data:`SAME`)."""
    cost = frame["objective_usd"].to_numpy(dtype=float)
    value = frame[measure].to_numpy(dtype=float) * (-1.0 if more_is_better else 1.0)
    out = []
    for i in range(len(frame)):
        if np.isnan(cost[i]):
            out.append(False)
            continue
        tol_c, tol_v = SAME * max(abs(cost[i]), 1.0), SAME * max(abs(value[i]), 1.0)
        no_worse = (cost <= cost[i] + tol_c) & (value <= value[i] + tol_v)
        better = (cost < cost[i] - tol_c) | (value < value[i] - tol_v)
        out.append(bool((no_worse & better & ~np.isnan(cost)).any()))
    return out


def front(
    scenario: Scenario,
    x: str = "co2",
    n: int = 8,
    *,
    values: Sequence[float] | None = None,
    workers: int = 1,
    **solve_kwargs: object,
) -> Front:
    """A trade-off front of cost against ``x`` (:data:`AXES`: ``co2``, ``ceiling_mw``, ``budget_usd``), ``n`` points.

    For ``co2`` the caps are found as in the module docstring (or are the ``values`` given, t per year); for
    the others ``values`` are required. With ``workers`` above 1 that many points are solved at once, each
    in a worker process. ``solve_kwargs`` as :func:`gigawatt.solve`. A point with
    no plan (infeasible, or none in the time limit) is kept with why. Raises ValueError for an unknown
    ``x``, ``n`` below 2, ``workers`` below 1 or missing ``values``, and
    :class:`~gigawatt.errors.InfeasibleScenario` when the scenario without a cap has no plan (``co2``).
    """
    if x not in AXES:
        raise ValueError(f"x={x!r}: expected one of {', '.join(map(repr, AXES))}")
    if values is None and x != "co2":
        raise ValueError(f"x={x!r}: give the values of {AXES[x]} to step through (values=[...])")
    if values is None and not (isinstance(n, int) and not isinstance(n, bool) and n >= 2):
        raise ValueError(f"n={n!r}: expected a whole number of points >= 2")
    if not (isinstance(workers, int) and not isinstance(workers, bool) and workers >= 1):
        raise ValueError(f"workers={workers!r}: expected a whole number >= 1")
    request = SolveRequest.from_keywords(**solve_kwargs)
    setting = AXES[x]
    with stop.handling(), solver_processes(workers if workers > 1 else 0) as submit:
        known: dict[int, Plan] = {}
        starts: dict[int, Plan] = {}
        if values is None:  # a CO2 front: the least-cost plan is the first point, the least-emission plan starts the last
            cheapest, cleanest, values = _co2_caps(scenario, request, n, submit)
            known, starts = {0: cheapest}, {len(values) - 1: cleanest}
        points = []
        for i, value in enumerate(values):
            if stop.requested():
                break
            if i in known:
                points.append(done((known[i], "")))
                continue
            cap = float(value) * (1 + SAME) if i in starts else float(value)  # the least-emission plan fits under it
            points.append(
                submit(
                    functools.partial(_point, scenario.with_overrides({setting: cap}), request, starts.get(i), f"{setting} {value:,.6g}")
                )
            )
        plans, why = zip(*(point.result() for point in points), strict=True) if points else ((), ())
    return Front(x, setting, tuple(float(v) for v in values[: len(plans)]), tuple(plans), tuple(why))


def _point(scenario: Scenario, request: SolveRequest, start: Plan | None = None, phase: str = "point") -> tuple[Plan | None, str]:
    """The least-cost plan of ``scenario``, or None and why there is none."""
    try:
        with progress.scope(plans=True, bounds=True, phase=phase):
            return solve(scenario, request, start=start), ""
    except InfeasibleScenario as error:
        return None, f"infeasible: {first_line(error)}"
    except NoPlan as error:
        return None, f"no plan ({error.termination})"


def _co2_caps(scenario: Scenario, request: SolveRequest, n: int, submit: Submit) -> tuple[Plan, Plan, list[float]]:
    """The least-cost plan, the least-emission plan (side by side when ``submit`` has worker processes) and the caps
    between their worst years (module docstring)."""
    cheapest = submit(functools.partial(_least_cost, scenario, request))
    cleanest = submit(functools.partial(_least_emissions, scenario, request))
    high = _measures(cheapest.result())["worst_year_co2_t"]
    low = min(_measures(cleanest.result())["worst_year_co2_t"], high)
    caps = (
        [high] if high - low <= SAME * max(high, 1.0) else [high - i * (high - low) / (n - 1) for i in range(n)]
    )  # one point: cheapest and cleanest
    return cheapest.result(), cleanest.result(), caps


def _least_cost(scenario: Scenario, request: SolveRequest) -> Plan:
    with progress.scope(plans=True, bounds=True, phase="least cost"):
        return solve(scenario, request)


def _least_emissions(scenario: Scenario, request: SolveRequest) -> Plan:
    """A plan with the least worst-year emissions: ``min z`` with ``z >= emissions in y`` for every year (tonnes / :data:`CO2_SCALE_T`)."""
    m = build_model(scenario, request.model_options())
    years = [y for y, terms in m.ledger.emissions_t.items() if any(a for a, _ in terms)]
    m.v_worst_co2 = pyo.Var(domain=pyo.NonNegativeReals)
    m.c_worst_co2 = pyo.Constraint(years, rule=lambda _, y: linear(m.ledger.emissions_t[y]) <= CO2_SCALE_T * m.v_worst_co2)
    m.obj.deactivate()
    m.least_co2 = pyo.Objective(expr=m.v_worst_co2)
    with progress.scope(plans=False, bounds=False, phase="least CO2"):
        return solve_model(m, request, duals=False, explain=False)
