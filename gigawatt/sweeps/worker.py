"""One sweep run, as a Dask task or in process: solve, verify, and return a row of figures plus the plan tables.

Nothing here imports Dask; every outcome (plan, infeasible, no plan, error) comes back as data.
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from gigawatt.scenario import Scenario

#: Statuses a resumed sweep runs again: the worker died on every attempt.
RETRY_ON_RESUME = ("lost",)
PROVEN = ("optimal", "gap_limit")


def run_one(scenario: Scenario, options: Mapping[str, object]) -> dict[str, object]:
    """Solve ``scenario`` with ``options`` (:meth:`gigawatt.solving.SolveRequest.from_options`); return ``{"row": {...}, "tables": {...}}``.

    The row holds status, error, objective, bound and gap (USD), KPIs, the largest yearly ceiling
    dual given the plan's build (USD per MW-year), the discounted years the value of a GW divides by
    (:func:`gigawatt.plan.value.discounted_years`), the number of violations the independent verifier found, and seconds.
    """
    from gigawatt.errors import InfeasibleScenario, NoPlan
    from gigawatt.plan.infeasibility import summary
    from gigawatt.solving import SolveRequest, solve

    started = time.perf_counter()
    row: dict[str, object] = {"worker": f"{socket.gethostname()}:{os.getpid()}"}
    tables: dict[str, pd.DataFrame] = {}
    try:
        plan = solve(scenario, SolveRequest.from_options(options))
    except InfeasibleScenario as err:
        needs = summary(err.findings, limit=len(err.findings)) if len(err.findings) else ""
        row |= {"status": "infeasible", "termination": "infeasible", "error": needs or str(err)}
    except NoPlan as err:
        row |= {"status": "no_plan", "termination": err.termination, "error": str(err)}
    except Exception as err:
        where = traceback.extract_tb(err.__traceback__)[-1]
        row |= {"status": "failed", "error": f"{type(err).__name__}: {err} ({Path(where.filename).name}:{where.lineno})"}
    else:
        row |= plan_figures(plan)
        tables = {name: frame for name, frame in plan.tables.items()}
        if plan.duals is not None:
            tables["duals"] = plan.duals
    row["seconds"] = time.perf_counter() - started
    return {"row": row, "tables": tables}


def plan_figures(plan: object) -> dict[str, object]:
    """Status, objective, bound, gap, KPIs, timings and verification of a :class:`~gigawatt.Plan`."""
    from gigawatt.plan.value import discounted_years

    duals = plan.duals  # type: ignore[attr-defined]
    ceiling = duals.loc[duals["constraint"] == "power_ceiling", "value"] if duals is not None else pd.Series(dtype=float)
    timings = plan.timings  # type: ignore[attr-defined]
    return {
        "status": "optimal" if plan.status in PROVEN else "feasible",  # type: ignore[attr-defined]
        "termination": plan.status,  # type: ignore[attr-defined]
        "error": None,
        "objective_usd": plan.objective,  # type: ignore[attr-defined]
        "bound_usd": plan.bound,  # type: ignore[attr-defined]
        "gap": plan.gap,  # type: ignore[attr-defined]
        **plan.kpis,  # type: ignore[attr-defined]
        "ceiling_dual_max_usd_per_mw_yr": float(ceiling.max()) if len(ceiling) else None,
        "discounted_years": discounted_years(plan.scenario.settings),  # type: ignore[attr-defined]
        "violations": None if plan.options.get("relax") else len(plan.verify()),  # type: ignore[attr-defined]  # an LP bound is no plan
        "build_s": timings.get("build"),
        "solve_s": timings.get("solve"),
        "strategy": (plan.metadata.get("strategy") or {}).get("name"),  # type: ignore[attr-defined]
    }
