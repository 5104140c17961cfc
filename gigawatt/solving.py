"""``solve``: scenario in, verified-ready :class:`Plan` out; ``solve_model`` for a model built by hand."""

from __future__ import annotations

import contextlib
import gc
import logging
import platform
import time
import warnings
from collections.abc import Iterator, Mapping
from importlib import metadata as importlib_metadata

import pandas as pd
import pyomo.environ as pyo

from gigawatt.errors import InfeasibleScenario, NoPlan
from gigawatt.model import ModelOptions, build_model
from gigawatt.model.compile import CompiledModel, compile_model
from gigawatt.model.scaling import NumericsWarning
from gigawatt.plan.duals import shadow_prices
from gigawatt.plan.extract import extract_tables, objective_usd
from gigawatt.plan.infeasibility import audit, conflict, explain, summary
from gigawatt.plan.plan import Plan
from gigawatt.plan.start import start_columns
from gigawatt.scenario import Scenario
from gigawatt.solvers import highs, registry
from gigawatt.solvers.base import SolveOptions, TerminationCondition
from gigawatt.solvers.heuristics import COVERAGES, shortlist
from gigawatt.solvers.strategy import ColumnGroups, choose, phased_solve, shortlist_solve

log = logging.getLogger(__name__)

INFEASIBLE = {TerminationCondition.INFEASIBLE, TerminationCondition.INFEASIBLE_OR_UNBOUNDED}
#: Solve strategies (:mod:`gigawatt.solvers.strategy`, HiGHS MIPs): ``auto`` picks ``phased`` or, for large
#: models, ``shortlist``; ``single`` is one solver call.
STRATEGIES = ("auto", "phased", "shortlist", "single")


def solve(
    scenario: Scenario,
    *,
    solver: str | None = None,
    time_limit: float | None = None,
    mip_gap: float | None = None,
    threads: int | None = None,
    integer_units: bool = True,
    relax: bool = False,
    tee: bool = False,
    strategy: str = "auto",
    duals: bool = True,
    start: Plan | Mapping[str, pd.DataFrame] | None = None,
    **solver_options: object,
) -> Plan:
    """Build and solve ``scenario``; return a :class:`Plan`.

    Defaults come from the scenario's ``solver`` settings. ``time_limit`` in seconds; ``mip_gap``
    relative. A time-limited MIP with an incumbent returns it with its bound and gap. ``strategy`` is
    ``auto`` (default: ``phased``, or ``shortlist`` for large models), ``phased`` (a site-restricted
    incumbent, a bound from the MIP with chip units relaxed, then a repair to whole units),
    ``shortlist`` (a plan from the cheapest candidate sites first, then the full MIP warm-started from it;
    :mod:`gigawatt.solvers.strategy`) or ``single`` (one solver call); ``plan.metadata["strategy"]["name"]``
    records which produced the plan. ``duals=False`` skips the shadow prices (one more LP). ``start`` warm-starts
    the MIP from a previous plan, or from plan-shaped tables naming only some decisions (HiGHS completes
    the rest); it solves in one HiGHS call. Raises
    :class:`InfeasibleScenario` when no plan exists and :class:`NoPlan` when none was found.
    """
    t0 = time.perf_counter()
    options = ModelOptions(integer_units=integer_units, relax=relax)
    model = build_model(scenario, options)
    build_s = time.perf_counter() - t0
    return solve_model(
        model,
        solver=solver,
        time_limit=time_limit,
        mip_gap=mip_gap,
        threads=threads,
        tee=tee,
        strategy=strategy,
        duals=duals,
        start=start,
        _build_seconds=build_s,
        **solver_options,
    )


def solve_model(
    model: pyo.ConcreteModel,
    *,
    solver: str | None = None,
    time_limit: float | None = None,
    mip_gap: float | None = None,
    threads: int | None = None,
    tee: bool = False,
    strategy: str = "auto",
    duals: bool = True,
    start: Plan | Mapping[str, pd.DataFrame] | None = None,
    _build_seconds: float = 0.0,
    **solver_options: object,
) -> Plan:
    """Solve a model from :func:`gigawatt.build_model` (possibly extended by hand) into a Plan."""
    data, ledger, mopts = model.data, model.ledger, model.options
    defaults = data.scenario.settings.solver
    name = solver or defaults.name
    ok, why = registry.available(name)
    if not ok:
        raise ValueError(f"solver {name!r} is not available: {why}")
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; available: {', '.join(STRATEGIES)}")
    sopts = SolveOptions.resolve(
        defaults, time_limit=time_limit, mip_gap=mip_gap, threads=threads, tee=tee, solver_options=dict(solver_options)
    )
    proof = audit(data)
    if len(proof):
        raise InfeasibleScenario(f"no plan for scenario {data.scenario.name!r}: {summary(proof)}", proof)
    with _gc_frozen():  # the model is millions of live objects: keep the collector from walking them
        t0 = time.perf_counter()
        compiled = compile_model(model)
        handoff_s = time.perf_counter() - t0
        matrix_range, range_line = _matrix_range(compiled, data.scenario.name)
        mip = name == "highs" and not mopts.relax and compiled.form.n_integer > 0
        chosen = choose(compiled.form) if strategy == "auto" else strategy
        phased = mip and chosen == "phased"
        strategy_meta: dict[str, object] = {"name": chosen if mip else "single", "requested": strategy}
        if start is not None and name == "highs" and not mopts.relax:
            cols, values = start_columns(compiled, start.tables if isinstance(start, Plan) else start)
            result = compiled.unscale(highs.solve(compiled.solver_form, sopts, start=values, start_columns=cols))
            strategy_meta = {"name": "single", "requested": strategy, "start": f"{len(cols)} integer decisions from a plan"}
        elif phased:
            result, report = phased_solve(compiled.solver_form, _column_groups(compiled), sopts)
            result = compiled.unscale(result)
            strategy_meta = {**report.as_dict(), "requested": strategy}
        elif mip and chosen == "shortlist":
            result, report = shortlist_solve(compiled.solver_form, _column_groups(compiled), sopts, [shortlist(data, c) for c in COVERAGES])
            result = compiled.unscale(result)
            strategy_meta = {**report.as_dict(), "requested": strategy}
        else:
            result = registry.solve_with(name, model, compiled, sopts, relax=mopts.relax)
        if not result.has_solution or result.x is None:
            message = f"no plan for scenario {data.scenario.name!r}: solver stopped with '{result.termination.value}'"
            if result.termination in INFEASIBLE:
                findings = explain(compiled, data)
                text = f"{message}: {summary(findings)}" if len(findings) else message
                raise InfeasibleScenario(text, findings, conflict(compiled))
            raise NoPlan(message, result.termination.value)
        t1 = time.perf_counter()
        integer = mopts.integer_units and not mopts.relax
        tables = extract_tables(compiled, data, ledger, result.x, integer_units=integer, relaxed=mopts.relax)
        extract_s = time.perf_counter() - t1
        t2 = time.perf_counter()
        prices = _shadow_prices(compiled, data, result, sopts, mopts.relax) if duals else None
    timings = {
        "build": _build_seconds,
        "handoff": handoff_s,
        "solve": result.seconds,
        "extract": extract_s,
        "duals": time.perf_counter() - t2 if duals else 0.0,
    }
    meta = {
        "scenario_hash": data.scenario.hash,
        "solver": result.solver,
        "solver_version": result.solver_version,
        "model_size": compiled.form.size(),
        "strategy": strategy_meta,
        "matrix_range": matrix_range,
        "versions": _versions(),
    }
    return Plan(
        scenario=data.scenario,
        tables=tables,
        status=result.termination.value,
        solution=result.solution.value,
        objective=objective_usd(result.objective),
        bound=objective_usd(result.bound),
        gap=result.gap,
        timings=timings,
        options={**mopts.as_dict(), **sopts.as_dict()},
        metadata=meta,
        log=f"{range_line}\n{result.log}",
        duals=prices,
    )


@contextlib.contextmanager
def _gc_frozen() -> Iterator[None]:
    """Move every object alive now out of the collector's view for the block, then restore it."""
    gc.collect(0)
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _matrix_range(compiled: CompiledModel, name: str) -> tuple[dict[str, object], str]:
    """The compiled matrix's coefficient ranges (for the plan's metadata) and a log line; warns when outside the target."""
    ranges = compiled.matrix_range()
    model, solver = ranges["model"], ranges["solver"]  # type: ignore[index]
    line = f"matrix coefficients {_span(solver['matrix'])}" + (
        f" after scaling (model units {_span(model['matrix'])})" if ranges["scaled"] else ""
    )
    line += f"; objective {_span(solver['objective'])}, rhs {_span(solver['rhs'])}, bounds {_span(solver['bounds'])}"
    log.info("scenario %r: %s", name, line)
    if not ranges["within_target"]:
        low, high = ranges["target"]  # type: ignore[misc]
        smallest, largest = compiled.extremes()
        warnings.warn(
            f"scenario {name!r}: matrix coefficients span {_span(solver['matrix'])}{' even after scaling' if ranges['scaled'] else ''}, "
            f"outside {low:g}..{high:g}; "
            f"the solver may report wrong feasibility or optimality. Smallest: {smallest}. Largest: {largest}.",
            NumericsWarning,
            stacklevel=4,
        )
    return ranges, line


def _span(span: list[float] | None) -> str:
    return "-" if span is None else f"{span[0]:.3g}..{span[1]:.3g}"


def _shadow_prices(compiled: CompiledModel, data: object, result: object, options: SolveOptions, relaxed: bool) -> object:
    """Shadow prices of the plan, or None (logged) when the dual LP does not solve."""
    try:
        return shadow_prices(compiled, data, result.x, options, relaxed=relaxed, row_duals=result.row_duals)  # type: ignore[attr-defined,arg-type]
    except NoPlan as error:
        log.warning("no shadow prices: %s", error)
        return None


def _column_groups(compiled: CompiledModel) -> ColumnGroups:
    """Columns of chip units, yearly block builds and openings (with each site's id) for the phased strategy."""
    block_keys, blocks = compiled.indexed_columns("v_new_blocks")
    open_keys, opens = compiled.indexed_columns("v_open")
    return ColumnGroups(
        units=compiled.columns("v_install"),
        blocks=blocks,
        opens=opens,
        site_of_open=[s for s, _ in open_keys],
        site_of_blocks=[s for s, _ in block_keys],
    )


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("gigawatt", "pyomo", "highspy", "pandas", "numpy"):
        try:
            out[pkg] = importlib_metadata.version(pkg)
        except importlib_metadata.PackageNotFoundError:
            out[pkg] = "unknown"
    return out
