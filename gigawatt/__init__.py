"""gigawatt: plan AI compute buildouts under a power ceiling.

>>> import gigawatt as gw
>>> scn = gw.load_scenario("scenarios/default")
>>> plan = gw.solve(scn)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gigawatt.errors import GigawattError
from gigawatt.scenario import Scenario, ScenarioError, load_scenario

__version__ = "0.1.0"
__all__ = [
    "Alternatives",
    "Futures",
    "GigawattError",
    "InfeasibleScenario",
    "ModelOptions",
    "NoPlan",
    "Plan",
    "Scenario",
    "ScenarioError",
    "alternatives",
    "build_model",
    "ceiling_value",
    "front",
    "gw_value",
    "load_futures",
    "load_plan",
    "load_runs",
    "load_scenario",
    "plot",
    "solve",
    "solve_model",
    "sweep",
    "two_stage",
]

_LAZY = {
    "solve": "gigawatt.solving",
    "solve_model": "gigawatt.solving",
    "build_model": "gigawatt.model",
    "ModelOptions": "gigawatt.model",
    "Plan": "gigawatt.plan.plan",
    "load_plan": "gigawatt.plan.plan",
    "ceiling_value": "gigawatt.analysis.ceiling",
    "alternatives": "gigawatt.analysis.alternatives",
    "front": "gigawatt.analysis.front",
    "Alternatives": "gigawatt.analysis.alternatives",
    "gw_value": "gigawatt.analysis.ceiling",
    "two_stage": "gigawatt.analysis.futures",
    "Futures": "gigawatt.scenario.futures",
    "load_futures": "gigawatt.scenario.futures",
    "InfeasibleScenario": "gigawatt.errors",
    "NoPlan": "gigawatt.errors",
    "sweep": "gigawatt.sweeps",
    "load_runs": "gigawatt.sweeps",
}

if TYPE_CHECKING:
    from gigawatt import plot
    from gigawatt.analysis.alternatives import Alternatives, alternatives
    from gigawatt.analysis.ceiling import ceiling_value, gw_value
    from gigawatt.analysis.front import front
    from gigawatt.analysis.futures import two_stage
    from gigawatt.errors import InfeasibleScenario, NoPlan
    from gigawatt.model import ModelOptions, build_model
    from gigawatt.plan.plan import Plan, load_plan
    from gigawatt.scenario.futures import Futures, load_futures
    from gigawatt.solving import solve, solve_model
    from gigawatt.sweeps import load_runs, sweep


def __getattr__(name: str) -> object:
    """Import the solver stack (Pyomo, HiGHS) only when first used, so ``import gigawatt`` stays quick."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    if name == "plot":  # charts and reports (plotly), imported on first use
        import importlib

        return importlib.import_module("gigawatt.plot")
    raise AttributeError(f"module 'gigawatt' has no attribute {name!r}")
