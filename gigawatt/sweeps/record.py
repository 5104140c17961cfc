"""Plans found outside a sweep, near-optimal alternatives and the points of a trade-off front, recorded in a results
store as sweep runs (:mod:`gigawatt.sweeps.store`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gigawatt.sweeps.runner import run_id
from gigawatt.sweeps.store import RunStore
from gigawatt.sweeps.worker import plan_figures

if TYPE_CHECKING:
    from gigawatt.analysis.alternatives import Alternatives
    from gigawatt.analysis.front import Front
    from gigawatt.plan.plan import Plan
    from gigawatt.scenario import Scenario


def record_plans(
    store: str | Path,
    sweep: str,
    scenario: Scenario,
    points: Sequence[tuple[str, Mapping[str, object], Plan | None, str]],
    options: Mapping[str, object],
) -> int:
    """Write each (label, params, plan or None, why) as one run of ``sweep`` in one transaction; return how many.

    A run's id is that of a sweep run of ``scenario`` with these ``params`` and solve ``options``, so recording
    the same points again replaces them. A point without a plan is recorded as ``no_plan`` with why.
    """
    runs = []
    for label, params, plan, why in points:
        row: dict[str, object] = {
            "run_id": run_id(scenario.hash, options, params),
            "sweep": sweep,
            "label": label,
            "params": dict(params),
            "scenario": scenario.name,
            "scenario_hash": scenario.hash,
            "options": dict(options),
            "attempts": 1,
        }
        if plan is None:
            runs.append((row | {"status": "no_plan", "error": why}, None))
            continue
        row |= plan_figures(plan) | {"seconds": sum(plan.timings.values())}
        runs.append((row, dict(plan.tables) | ({"duals": plan.duals} if plan.duals is not None else {})))
    with RunStore(store) as db:
        db.record_many(runs)
    return len(runs)


def record_alternatives(found: Alternatives, store: str | Path, options: Mapping[str, object]) -> int:
    """Each plan of ``found`` as a run of ``alternatives <scenario> by <dimension>``: ``params`` hold ``alternative``
    (0 is the optimum), ``by``, ``slack`` and ``cap_usd``."""
    scenario = found.optimum.scenario
    points = [
        (
            "optimum" if i == 0 else f"alternative {i}",
            {"alternative": i, "by": found.by, "slack": found.slack, "cap_usd": found.cap_usd},
            plan,
            "",
        )
        for i, plan in enumerate(found.plans)
    ]
    return record_plans(store, f"alternatives {scenario.name} by {found.by}", scenario, points, options)


def record_front(front: Front, scenario: Scenario, store: str | Path, options: Mapping[str, object]) -> int:
    """Each point of ``front`` as a run of ``front <scenario> <x>``: ``params`` hold the setting stepped and its value."""
    points = [
        (f"{front.setting} {value:,.6g}", {front.setting: value, "front": front.x}, plan, why)
        for value, plan, why in zip(front.values, front.plans, front.why, strict=True)
    ]
    return record_plans(store, f"front {scenario.name} {front.x}", scenario, points, options)
