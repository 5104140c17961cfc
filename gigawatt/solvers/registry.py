"""Solver backends by name: 'highs' (highspy, fed the matrix) and 'pyomo:<name>' (any Pyomo SolverFactory solver).

>>> from gigawatt.solvers import registry
>>> registry.available("pyomo:cbc")
(True, 'cbc 2.10.8')
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pyomo.environ as pyo

from gigawatt.errors import InfeasibleScenario, NoPlan
from gigawatt.model import ModelOptions, build_model
from gigawatt.model.compile import CompiledModel, compile_model
from gigawatt.model.data import ModelData
from gigawatt.model.objective import OBJECTIVE_SCALE_USD
from gigawatt.scenario import Scenario
from gigawatt.solvers import highs, pyomo_generic
from gigawatt.solvers.base import SolveOptions, SolveResult, TerminationCondition

HIGHS = "highs"
PYOMO_PREFIX = "pyomo:"
#: Backends worth trying; any other 'pyomo:<name>' works too when Pyomo can run it.
CANDIDATES = ("highs", "pyomo:cbc", "pyomo:glpk", "pyomo:scip", "pyomo:gurobi", "pyomo:cplex", "pyomo:appsi_highs")
INFEASIBLE = {TerminationCondition.INFEASIBLE, TerminationCondition.INFEASIBLE_OR_UNBOUNDED}


def parse(name: str) -> tuple[str, str]:
    """('highs', '') or ('pyomo', solver name); ValueError for anything else."""
    if name == HIGHS:
        return HIGHS, ""
    if name.startswith(PYOMO_PREFIX) and len(name) > len(PYOMO_PREFIX):
        return "pyomo", name[len(PYOMO_PREFIX) :]
    raise ValueError(f"unknown solver {name!r}: use 'highs' or 'pyomo:<name>' (e.g. 'pyomo:cbc', 'pyomo:glpk')")


def available(name: str) -> tuple[bool, str]:
    """Whether backend ``name`` can run here; the text says why not, or names the version."""
    try:
        kind, inner = parse(name)
    except ValueError as err:
        return False, str(err)
    if kind == HIGHS:
        return True, f"highs {highs.version()}"
    return pyomo_generic.available(inner)


def names(available_only: bool = False) -> list[str]:
    """The candidate backends (:data:`CANDIDATES`), optionally only those that can run here."""
    return [n for n in CANDIDATES if not available_only or available(n)[0]]


def solve_with(
    name: str, model: pyo.ConcreteModel | None, compiled: CompiledModel, options: SolveOptions, relax: bool = False
) -> SolveResult:
    """Solve with backend ``name``; the result's ``x`` is in ``compiled``'s column order whatever the backend.

    Parameters
    ----------
    name
        'highs' or 'pyomo:<SolverFactory name>'.
    model
        The Pyomo model ``compiled`` came from (Pyomo backends solve it; 'highs' only needs ``compiled``).
    compiled
        :func:`gigawatt.model.compile.compile_model` of ``model``.
    options
        Portable options (time limit in s, relative gap, ...).
    relax
        Drop integrality.

    Returns
    -------
    SolveResult
        Objective and bound in solver units (million USD). Row duals only from 'highs' on an LP.
    """
    kind, inner = parse(name)
    if kind == HIGHS:
        return compiled.unscale(highs.solve(compiled.solver_form, options, relax=relax))
    if model is None:
        raise ValueError(f"backend {name!r} solves the Pyomo model: pass it")
    return pyomo_generic.solve(inner, model, compiled, options, relax=relax)


class ScenarioSolution(NamedTuple):
    """A solved scenario before extraction: objective (USD), solution vector, compiled and Pyomo model, raw result."""

    objective_usd: float
    x: np.ndarray
    compiled: CompiledModel
    model: pyo.ConcreteModel
    result: SolveResult

    @property
    def data(self) -> ModelData:
        return self.model.data


def solve_scenario_with(
    name: str,
    scenario: Scenario,
    *,
    time_limit: float | None = None,
    mip_gap: float | None = None,
    threads: int | None = None,
    integer_units: bool = True,
    relax: bool = False,
    tee: bool = False,
    **solver_options: object,
) -> ScenarioSolution:
    """Build, compile and solve ``scenario`` with backend ``name`` (arguments as :func:`gigawatt.solve`).

    Defaults come from the scenario's ``solver`` settings. Raises :class:`gigawatt.InfeasibleScenario`
    when no plan exists, :class:`gigawatt.NoPlan` when none was found, ``ValueError`` when the backend
    cannot run here.
    """
    ok, why = available(name)
    if not ok:
        raise ValueError(f"solver {name!r} is not available: {why}")
    model = build_model(scenario, ModelOptions(integer_units=integer_units, relax=relax))
    defaults = scenario.settings.solver
    options = SolveOptions.resolve(
        defaults, time_limit=time_limit, mip_gap=mip_gap, threads=threads, tee=tee, solver_options=dict(solver_options)
    )
    compiled = compile_model(model)
    result = solve_with(name, model, compiled, options, relax=relax)
    if not result.has_solution or result.x is None or result.objective is None:
        message = f"no plan for scenario {scenario.name!r}: solver stopped with '{result.termination.value}'"
        if result.termination in INFEASIBLE:
            raise InfeasibleScenario(message)
        raise NoPlan(message, result.termination.value)
    return ScenarioSolution(result.objective * OBJECTIVE_SCALE_USD, result.x, compiled, model, result)
