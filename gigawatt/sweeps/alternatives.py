"""Near-optimal alternatives (:mod:`gigawatt.analysis.alternatives`) recorded in a results store as sweep runs."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from gigawatt.sweeps.runner import run_id
from gigawatt.sweeps.store import RunStore
from gigawatt.sweeps.worker import plan_figures

if TYPE_CHECKING:
    from gigawatt.analysis.alternatives import Alternatives


def record_alternatives(found: Alternatives, store: str | Path, options: Mapping[str, object]) -> int:
    """Write each plan of ``found`` as one run of the sweep ``alternatives <scenario> by <dimension>``; return how many.

    A run's ``params`` hold ``alternative`` (0 is the optimum), ``by``, ``slack`` and the cap in USD; its id
    is that of a sweep run with these parameters, so recording the same alternatives again replaces them.
    """
    scenario = found.optimum.scenario
    runs = []
    for i, plan in enumerate(found.plans):
        params = {"alternative": i, "by": found.by, "slack": found.slack, "cap_usd": found.cap_usd}
        row = {
            "run_id": run_id(scenario.hash, options, params),
            "sweep": f"alternatives {scenario.name} by {found.by}",
            "label": "optimum" if i == 0 else f"alternative {i}",
            "params": params,
            "scenario": scenario.name,
            "scenario_hash": scenario.hash,
            "options": dict(options),
            "attempts": 1,
            **plan_figures(plan),
            "seconds": sum(plan.timings.values()),
        }
        tables = dict(plan.tables) | ({"duals": plan.duals} if plan.duals is not None else {})
        runs.append((row, tables))
    with RunStore(store) as db:
        db.record_many(runs)
    return len(runs)
