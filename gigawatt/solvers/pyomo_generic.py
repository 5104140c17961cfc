"""Any MIP solver Pyomo drives through its legacy ``SolverFactory`` (cbc, glpk, scip, gurobi, cplex, ...).

Like every backend it takes a :class:`~gigawatt.matrix.form.StandardForm`: the form is written back
as a flat Pyomo model (one variable per column, one linear constraint per row), Pyomo writes the
solver's input file, and the solution comes back in the form's column order. Objective, bound and
gap are in solver units (million USD).
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Iterator

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression
from pyomo.opt import SolutionStatus as PyomoSolution
from pyomo.opt import TerminationCondition as PyomoTermination

from gigawatt.solvers.base import SolutionStatus, SolveOptions, SolveResult, StandardForm, TerminationCondition

_T = TerminationCondition
#: Pyomo's termination conditions mapped to the portable ones (anything missing maps to UNKNOWN).
TERMINATION_MAP: dict[PyomoTermination, TerminationCondition] = {
    PyomoTermination.optimal: _T.OPTIMAL,
    PyomoTermination.globallyOptimal: _T.OPTIMAL,
    PyomoTermination.locallyOptimal: _T.OPTIMAL,
    PyomoTermination.maxTimeLimit: _T.TIME_LIMIT,
    PyomoTermination.maxIterations: _T.TIME_LIMIT,
    PyomoTermination.maxEvaluations: _T.TIME_LIMIT,
    PyomoTermination.minFunctionValue: _T.GAP_LIMIT,
    PyomoTermination.infeasible: _T.INFEASIBLE,
    PyomoTermination.unbounded: _T.UNBOUNDED,
    PyomoTermination.infeasibleOrUnbounded: _T.INFEASIBLE_OR_UNBOUNDED,
    PyomoTermination.userInterrupt: _T.INTERRUPTED,
    PyomoTermination.resourceInterrupt: _T.INTERRUPTED,
    PyomoTermination.intermediateNonInteger: _T.TIME_LIMIT,  # cbc: a limit hit before any integer solution
    PyomoTermination.invalidProblem: _T.ERROR,
    PyomoTermination.solverFailure: _T.ERROR,
    PyomoTermination.internalSolverError: _T.ERROR,
    PyomoTermination.error: _T.ERROR,
    PyomoTermination.licensingProblems: _T.ERROR,
}

#: Solution statuses under which the solver returned a primal point worth loading.
HAS_SOLUTION = {
    PyomoSolution.optimal,
    PyomoSolution.globallyOptimal,
    PyomoSolution.locallyOptimal,
    PyomoSolution.feasible,
    PyomoSolution.bestSoFar,
    PyomoSolution.stoppedByLimit,
}

_HIGHS_NAMES = {
    "time_limit": "time_limit",
    "mip_gap": "mip_rel_gap",
    "mip_abs_gap": "mip_abs_gap",
    "threads": "threads",
    "seed": "random_seed",
}
_GUROBI_NAMES = {"time_limit": "TimeLimit", "mip_gap": "MIPGap", "mip_abs_gap": "MIPGapAbs", "threads": "Threads", "seed": "Seed"}
_CPLEX_NAMES = {
    "time_limit": "timelimit",
    "mip_gap": "mip_tolerances_mipgap",
    "mip_abs_gap": "mip_tolerances_absmipgap",
    "threads": "threads",
    "seed": "randomseed",
}
_XPRESS_NAMES = {"time_limit": "maxtime", "mip_gap": "miprelstop", "mip_abs_gap": "mipabsstop", "threads": "threads"}

#: Per Pyomo solver name, the option name of each portable :class:`SolveOptions` field it understands.
OPTION_NAMES: dict[str, dict[str, str]] = {
    "cbc": {"time_limit": "seconds", "mip_gap": "ratioGap", "mip_abs_gap": "allowableGap", "threads": "threads", "seed": "randomCbcSeed"},
    "glpk": {"time_limit": "tmlim", "mip_gap": "mipgap"},
    "scip": {"time_limit": "limits/time", "mip_gap": "limits/gap", "mip_abs_gap": "limits/absgap", "threads": "lp/threads"},
    "gurobi": _GUROBI_NAMES,
    "gurobi_direct": _GUROBI_NAMES,
    "gurobi_persistent": _GUROBI_NAMES,
    "cplex": _CPLEX_NAMES,
    "cplex_direct": _CPLEX_NAMES,
    "cplex_persistent": _CPLEX_NAMES,
    "xpress": _XPRESS_NAMES,
    "xpress_direct": _XPRESS_NAMES,
    "appsi_highs": _HIGHS_NAMES,
    "highs": _HIGHS_NAMES,
}


@contextlib.contextmanager
def _quiet_pyomo() -> Iterator[None]:
    """Hold back Pyomo's warnings (a missing executable is logged, not raised, while probing)."""
    logger = logging.getLogger("pyomo")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def available(name: str) -> tuple[bool, str]:
    """Whether Pyomo can run solver ``name`` here, and why not (or the version when it can)."""
    with _quiet_pyomo():
        return _available(name)


def _available(name: str) -> tuple[bool, str]:
    try:
        solver = pyo.SolverFactory(name)
    except Exception as err:  # a plugin that fails to construct
        return False, f"Pyomo could not create solver {name!r}: {err}"
    if type(solver).__name__ == "UnknownSolver":
        return False, f"Pyomo has no solver plugin named {name!r}"
    try:
        ok = bool(solver.available(exception_flag=False))
    except Exception as err:
        return False, f"Pyomo solver {name!r} is not usable: {err}"
    if not ok:
        return False, _why_unavailable(solver, name)
    if hasattr(solver, "license_is_valid") and not solver.license_is_valid():
        return False, f"Pyomo solver {name!r} found but its license is not valid"
    return True, f"{name} {version(solver)}"


def _why_unavailable(solver: object, name: str) -> str:
    executable = getattr(solver, "executable", None)
    if callable(executable):
        with contextlib.suppress(Exception):
            if executable() is None:
                return f"Pyomo solver {name!r}: executable not found on PATH"
    return f"Pyomo solver {name!r} is not available (not installed, or its Python bindings are missing)"


def version(solver: object) -> str:
    """A solver's version as text ('unknown' when it does not say)."""
    with contextlib.suppress(Exception):
        v = solver.version()  # type: ignore[attr-defined]
        if v:
            return ".".join(str(p) for p in v[:3]) if isinstance(v, tuple) else str(v)
    return "unknown"


def solver_options(name: str, options: SolveOptions) -> tuple[dict[str, object], list[str]]:
    """Options for Pyomo solver ``name`` from the portable ones, and the portable ones it cannot take.

    ``time_limit`` in seconds (whole seconds for glpk), gaps as given; ``options.solver_options``
    are added last, unchanged, so they override.
    """
    names = OPTION_NAMES.get(name, {})
    portable = {
        "time_limit": options.time_limit,
        "mip_gap": options.mip_gap,
        "mip_abs_gap": options.mip_abs_gap,
        "threads": options.threads,
        "seed": options.seed,
    }
    out: dict[str, object] = {}
    dropped = []
    for key, value in portable.items():
        if value is None:
            continue
        if key not in names:
            dropped.append(key)
            continue
        out[names[key]] = math.ceil(value) if (name == "glpk" and key == "time_limit") else value
    out.update(options.solver_options)
    return out, dropped


def flat_model(form: StandardForm, relax: bool = False) -> pyo.ConcreteModel:
    """``form`` as a Pyomo model: ``x[j]`` per column (integer unless ``relax``), ``rows[i]`` per row, ``obj``."""
    n_rows, n_cols = form.shape
    m = pyo.ConcreteModel()

    def bounds(_: object, j: int) -> tuple[float | None, float | None]:
        lo, hi = float(form.col_lower[j]), float(form.col_upper[j])
        return (lo if math.isfinite(lo) else None, hi if math.isfinite(hi) else None)

    whole = form.integrality.astype(bool) & (not relax)
    m.x = pyo.Var(range(n_cols), bounds=bounds, domain=lambda _, j: pyo.Integers if whole[j] else pyo.Reals)
    A = form.A.tocsr()  # type: ignore[attr-defined]

    def row(_: object, i: int) -> object:
        lo, hi = float(form.row_lower[i]), float(form.row_upper[i])
        start, stop = A.indptr[i], A.indptr[i + 1]
        body = LinearExpression(linear_coefs=A.data[start:stop].tolist(), linear_vars=[m.x[int(j)] for j in A.indices[start:stop]])
        return (lo if math.isfinite(lo) else None, body, hi if math.isfinite(hi) else None)

    m.rows = pyo.Constraint(range(n_rows), rule=row)
    used = np.flatnonzero(form.c)
    m.obj = pyo.Objective(
        expr=LinearExpression(constant=float(form.offset), linear_coefs=form.c[used].tolist(), linear_vars=[m.x[int(j)] for j in used])
    )
    return m


def solve(name: str, form: StandardForm, options: SolveOptions, relax: bool = False) -> SolveResult:
    """Solve ``form`` with Pyomo solver ``name``; ``x`` comes back in the form's column order.

    Parameters
    ----------
    name
        A Pyomo ``SolverFactory`` name: 'cbc', 'glpk', 'scip', 'gurobi', 'cplex', 'appsi_highs', ...
    form
        The standard form (model units; objective in million USD).
    options
        Portable options; those the solver has no known name for are listed in the result's log.
    relax
        Drop integrality. No row duals are read from Pyomo backends.

    Returns
    -------
    SolveResult
        Objective and bound in million USD.
    """
    model = flat_model(form, relax)
    solver = pyo.SolverFactory(name)
    opts, dropped = solver_options(name, options)
    kwargs: dict[str, object] = {"tee": options.tee, "load_solutions": False, "options": opts}
    if options.log_file:
        kwargs["logfile"] = options.log_file
    t0 = time.perf_counter()
    results = solver.solve(model, **kwargs)
    seconds = time.perf_counter() - t0
    termination = TERMINATION_MAP.get(results.solver.termination_condition, TerminationCondition.UNKNOWN)
    x = _load(model, form, results)
    solution = SolutionStatus.NONE
    if x is not None:
        solution = SolutionStatus.OPTIMAL if termination is TerminationCondition.OPTIMAL else SolutionStatus.FEASIBLE
    objective = None if x is None else float(form.c @ x + form.offset)
    bound = _bound(results, objective, termination, is_mip=form.n_integer > 0 and not relax)
    gap = None if objective is None or bound is None else abs(objective - bound) / max(abs(objective), 1e-9)
    log = f"options not passed to {name} (no known option name): {', '.join(dropped)}" if dropped else ""
    return SolveResult(
        solver=f"pyomo:{name}",
        solver_version=version(solver),
        termination=termination,
        solution=solution,
        objective=objective,
        bound=bound,
        gap=gap,
        x=x,
        row_duals=None,
        seconds=seconds,
        options={**options.as_dict(), "backend_options": opts},
        log=log,
    )


def _load(model: pyo.ConcreteModel, form: StandardForm, results: object) -> np.ndarray | None:
    """Load the solver's point into ``model`` and gather it in column order; None when there is none."""
    solutions = getattr(results, "solution", None)
    if solutions is None or len(solutions) == 0 or solutions(0).status not in HAS_SOLUTION:
        return None
    with _quiet_pyomo():  # Pyomo warns when loading a time-limited ('aborted') incumbent
        model.solutions.load_from(results)
    values = [model.x[j].value for j in range(form.shape[1])]
    x = np.array([np.nan if v is None else v for v in values], dtype=float)
    missing = np.isnan(x)  # variables the solver did not report: take the bound nearest 0
    x[missing] = np.clip(0.0, form.col_lower[missing], form.col_upper[missing])
    return x


def _bound(results: object, objective: float | None, termination: TerminationCondition, is_mip: bool) -> float | None:
    """Best bound (minimisation: the lower bound) in million USD, when the solver reports a finite one."""
    with contextlib.suppress(Exception):
        value = float(results.problem.lower_bound)  # type: ignore[attr-defined]
        if math.isfinite(value):
            return value
    if objective is not None and termination is TerminationCondition.OPTIMAL and not is_mip:
        return objective
    return None
