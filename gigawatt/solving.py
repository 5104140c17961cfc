"""``solve``: scenario in, verified-ready :class:`Plan` out; ``solve_model`` for a model built by hand.

The pipeline: build (:mod:`gigawatt.model`), compile (:mod:`gigawatt.matrix`), a strategy
(:mod:`gigawatt.strategies`) or one backend call (:mod:`gigawatt.solvers`), then the plan's tables,
duals or infeasibility explanation (:mod:`gigawatt.plan`). One :class:`SolveRequest` carries the
options from the API, the CLI and sweeps down to the backend.

Ctrl-C during a solve (:mod:`gigawatt.solvers.stop`) ends every phase of it: the plan is the best
found so far, with status ``interrupted`` and its bound, without shadow prices; with no plan yet,
:class:`NoPlan` (``termination == "interrupted"``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import gc
import logging
import math
import platform
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from gigawatt import strategies
from gigawatt.errors import InfeasibleScenario, NoPlan, OptionError
from gigawatt.matrix.compile import CompiledModel, compile_model
from gigawatt.matrix.scaling import NumericsWarning
from gigawatt.model import ModelOptions, build_model
from gigawatt.model.families import coefficient_sources, variables
from gigawatt.model.shortlist import COVERAGES, shortlist
from gigawatt.plan.duals import shadow_prices
from gigawatt.plan.extract import extract_tables, objective_usd
from gigawatt.plan.infeasibility import audit, conflict, explain, summary
from gigawatt.plan.plan import Plan
from gigawatt.plan.start import start_columns
from gigawatt.scenario import Scenario
from gigawatt.scenario.errors import show
from gigawatt.scenario.settings import MAX_THREADS
from gigawatt.solvers import highs, progress, registry, stop
from gigawatt.solvers.base import SolveOptions, TerminationCondition
from gigawatt.strategies import Columns, choose

log = logging.getLogger(__name__)

INFEASIBLE = {TerminationCondition.INFEASIBLE, TerminationCondition.INFEASIBLE_OR_UNBOUNDED}
#: Solve strategies (:mod:`gigawatt.strategies`, HiGHS MIPs): ``auto`` picks ``phased`` or, for large
#: models, ``shortlist``; ``single`` is one solver call.
STRATEGIES = ("auto", *strategies.STRATEGIES, "single")
#: Seconds the solver gets at least when building the model took (nearly) all of the time limit.
LEAST_SEARCH_S = 1.0


class UnknownOption(OptionError, TypeError):
    """A keyword that :func:`solve` does not take (with the nearest one it does)."""


@dataclass(frozen=True)
class OptionCheck:
    """What one option of :func:`solve` accepts, and the expectation in words for messages."""

    accepts: Callable[[object], bool]
    expectation: str


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _flag(value: object) -> bool:
    return isinstance(value, bool)


def _solver_name(value: object) -> bool:
    try:
        registry.parse(value)  # type: ignore[arg-type]
    except (ValueError, TypeError, AttributeError):
        return False
    return True


#: Every option of :func:`solve` (the fields of :class:`SolveRequest`): what it accepts. ``True`` is
#: not a thread count nor ``nan`` a time limit: a value outside these is refused before anything is built.
OPTION_CHECKS: dict[str, OptionCheck] = {
    "solver": OptionCheck(lambda v: v is None or _solver_name(v), "'highs' or 'pyomo:<name>' (e.g. 'pyomo:cbc'), or none"),
    "time_limit": OptionCheck(lambda v: v is None or (_number(v) and v > 0), "seconds > 0, or none for no limit"),
    "mip_gap": OptionCheck(lambda v: v is None or (_number(v) and 0 <= v < 1), "a relative gap ≥ 0 and < 1"),
    "threads": OptionCheck(lambda v: v is None or (_whole(v) and 1 <= v <= MAX_THREADS), f"a whole number from 1 to {MAX_THREADS:,}"),
    **{
        flag: OptionCheck(_flag, "true or false")
        for flag in ("integer_units", "relax", "retirement", "tee", "duals", "progress", "explain")
    },
    "strategy": OptionCheck(lambda v: isinstance(v, str) and v in STRATEGIES, "one of " + ", ".join(map(repr, STRATEGIES))),
    "start": OptionCheck(lambda v: v is None or isinstance(v, Plan | Mapping), "a Plan, a mapping of plan tables, or none"),
    "solver_options": OptionCheck(
        lambda v: isinstance(v, Mapping) and all(isinstance(k, str) for k in v), "a mapping of backend option names to values"
    ),
}


@dataclass(frozen=True)
class SolveRequest:
    """Everything a solve is asked to do, from the API, the CLI or a sweep: one object down to the backend.

    ``solver`` 'highs' or 'pyomo:<name>' (default: the scenario's); ``time_limit`` seconds from the call,
    building the model included (reading the plan and its shadow prices come after); ``mip_gap``
    relative; ``threads``; ``integer_units`` (False: chip units continuous); ``relax`` (the LP
    relaxation); ``retirement`` (chip vintages may be retired early); ``tee`` (show the solver's log);
    ``strategy`` (``auto``, ``phased``, ``shortlist``, ``single``); ``duals`` (shadow prices, one more
    LP); ``start`` (a previous plan or plan-shaped tables to warm-start from); ``solver_options``
    (passed to the backend last, unchanged); ``progress`` (show each phase live with the best plan,
    bound and gap so far, :mod:`gigawatt.solvers.live`; on in the CLI); ``explain`` (work out why an
    infeasible scenario has no plan, more solves; off, :class:`InfeasibleScenario` comes without findings).
    """

    solver: str | None = None
    time_limit: float | None = None
    mip_gap: float | None = None
    threads: int | None = None
    integer_units: bool = True
    relax: bool = False
    retirement: bool = False
    tee: bool = False
    strategy: str = "auto"
    duals: bool = True
    start: Plan | Mapping[str, pd.DataFrame] | None = field(default=None, repr=False)
    solver_options: Mapping[str, object] = field(default_factory=dict)
    progress: bool = False
    explain: bool = True

    def __post_init__(self) -> None:
        """Refuse a value no solve can use, naming the option (:data:`OPTION_CHECKS`)."""
        for name, check in OPTION_CHECKS.items():
            value = getattr(self, name)
            if not check.accepts(value):
                shown = repr(value)[:80] if isinstance(value, str) else show(value)  # '30' the text, not 30 the number
                raise OptionError(name, f"solve() option {name}={shown}: expected {check.expectation}")

    @classmethod
    def from_keywords(cls, **keywords: object) -> SolveRequest:
        """A request from keyword arguments; an unknown keyword raises :class:`UnknownOption` naming the nearest known one."""
        known = [f.name for f in dataclasses.fields(cls)]
        for key in keywords:
            if key not in known:
                near = difflib.get_close_matches(key, known, n=1)
                hint = f"; did you mean {near[0]!r}?" if near else f"; known: {', '.join(known)}"
                raise UnknownOption(str(key), f"solve() got an unknown option {show(key)}{hint}")
        return cls(**keywords)  # type: ignore[arg-type]

    @classmethod
    def from_options(cls, options: Mapping[str, object]) -> SolveRequest:
        """A request from a sweep's options: the fields by name, anything else a raw backend option (``solver_options``)."""
        known = {f.name for f in dataclasses.fields(cls)}
        raw = {k: v for k, v in options.items() if k not in known}
        fields = {k: v for k, v in options.items() if k in known}
        return cls(**{**fields, "solver_options": {**dict(fields.get("solver_options") or {}), **raw}})  # type: ignore[arg-type]

    def model_options(self) -> ModelOptions:
        return ModelOptions(integer_units=self.integer_units, relax=self.relax, retirement=self.retirement)

    def solve_options(self, defaults: object) -> SolveOptions:
        """Portable solver options: the request's values, else the scenario's ``solver`` settings (``defaults``)."""
        return SolveOptions.resolve(
            defaults,
            time_limit=self.time_limit,
            mip_gap=self.mip_gap,
            threads=self.threads,
            tee=self.tee,
            solver_options=dict(self.solver_options),
        )


def solve(scenario: Scenario, request: SolveRequest | None = None, **options: object) -> Plan:
    """Build and solve ``scenario``; return a :class:`Plan`.

    Options are the fields of :class:`SolveRequest`, as a request or as keywords (an unknown keyword
    is an error). Defaults come from the scenario's ``solver`` settings. A time-limited MIP with an
    incumbent returns it with its bound and gap. ``strategy`` is ``auto`` (default: ``phased``, or
    ``shortlist`` for large models), ``phased`` (a site-restricted incumbent, a bound from the MIP with
    chip units relaxed, then a repair to whole units), ``shortlist`` (a plan from the cheapest candidate
    sites first, then the full MIP warm-started from it; :mod:`gigawatt.strategies`) or ``single`` (one
    solver call); ``plan.metadata["strategy"]["name"]`` records which produced the plan. ``duals=False``
    skips the shadow prices (one more LP). ``start`` warm-starts the MIP from a previous plan, or from
    plan-shaped tables naming only some decisions (HiGHS completes the rest); it solves in one HiGHS
    call. Raises :class:`InfeasibleScenario` when no plan exists and :class:`NoPlan` when none was found.
    """
    request = _request(request, options)
    with stop.handling():
        t0 = time.perf_counter()
        model = build_model(scenario, request.model_options())
        return _solve_built(model, request, time.perf_counter() - t0)


def solve_model(model: pyo.ConcreteModel, request: SolveRequest | None = None, **options: object) -> Plan:
    """Solve a model from :func:`gigawatt.build_model` (possibly extended by hand) into a Plan.

    Options as :func:`solve`, less ``integer_units`` and ``relax``, which the model was built with.
    """
    request = _request(request, options)
    built = model.options
    if (request.integer_units, request.relax, request.retirement) != (built.integer_units, built.relax, built.retirement):
        request = dataclasses.replace(request, integer_units=built.integer_units, relax=built.relax, retirement=built.retirement)
    with stop.handling():
        return _solve_built(model, request, 0.0)


def _request(request: SolveRequest | None, options: Mapping[str, object]) -> SolveRequest:
    if request is None:
        return SolveRequest.from_keywords(**options)
    SolveRequest.from_keywords(**options)  # names an unknown keyword
    return dataclasses.replace(request, **options) if options else request  # type: ignore[arg-type]


def _solve_built(model: pyo.ConcreteModel, request: SolveRequest, build_s: float) -> Plan:
    """Compile, solve (a strategy or one backend call) and extract the plan of a built model."""
    defaults = model.data.scenario.settings.solver
    name = request.solver or defaults.name
    ok, why = registry.available(name)
    if not ok:
        raise OptionError("solver", f"solver {name!r} is not available: {why}")
    sopts = request.solve_options(defaults)
    with _progress(request.progress):
        return _solve_compiled(model, request, sopts, name, build_s)


def _progress(shown: bool) -> contextlib.AbstractContextManager[object]:
    """A live display of the solve's phases (:mod:`gigawatt.solvers.live`), or nothing."""
    if not shown:
        return contextlib.nullcontext()
    from gigawatt.solvers.live import live

    return live()


def _solve_compiled(model: pyo.ConcreteModel, request: SolveRequest, sopts: SolveOptions, name: str, build_s: float) -> Plan:
    """Compile, solve and extract (the rest of :func:`_solve_built`, with the backend and its options settled)."""
    began = time.perf_counter()
    data, ledger, mopts = model.data, model.ledger, model.options
    proof = audit(data)
    if len(proof):
        raise InfeasibleScenario(f"no plan for scenario {data.scenario.name!r}: {summary(proof)}", proof)
    with _gc_frozen():  # the model is millions of live objects: keep the collector from walking them
        t0 = time.perf_counter()
        compiled = compile_model(model)
        handoff_s = time.perf_counter() - t0
        matrix_range, range_line = _matrix_range(compiled, data.scenario.name)
        mip = name == "highs" and not mopts.relax and compiled.form.n_integer > 0
        chosen = choose(compiled.form) if request.strategy == "auto" else request.strategy
        strategy_meta: dict[str, object] = {"name": chosen if mip else "single", "requested": request.strategy}
        shortlisted = mip and request.start is None and chosen == "shortlist"
        shortlists = [shortlist(data, c) for c in COVERAGES] if shortlisted else []
        asked = sopts
        if sopts.time_limit is not None:  # the limit covers the whole call: building, checking, handing off, shortlists
            spent = build_s + time.perf_counter() - began
            sopts = dataclasses.replace(sopts, time_limit=max(sopts.time_limit - spent, LEAST_SEARCH_S))
        if request.start is not None and name == "highs" and not mopts.relax:
            start = request.start
            cols, values = start_columns(compiled, start.tables if isinstance(start, Plan) else start)
            result = compiled.unscale(highs.solve(compiled.solver_form, sopts, start=values, start_columns=cols))
            strategy_meta = {"name": "single", "requested": request.strategy, "start": f"{len(cols)} integer decisions from a plan"}
        elif mip and chosen in strategies.STRATEGIES:
            result, report = strategies.STRATEGIES[chosen](compiled.solver_form, column_roles(compiled), sopts, shortlists)
            result = compiled.unscale(result)
            strategy_meta = {**report.as_dict(), "requested": request.strategy}
        else:
            result = compiled.unscale(registry.backend(name)(compiled.solver_form, sopts, relax=mopts.relax))
        if not result.has_solution or result.x is None:
            message = f"no plan for scenario {data.scenario.name!r}: solver stopped with '{result.termination.value}'"
            if result.termination is TerminationCondition.INTERRUPTED:
                message = f"no plan for scenario {data.scenario.name!r}: interrupted (Ctrl-C) before one was found"
            if result.termination in INFEASIBLE and not request.explain:
                raise InfeasibleScenario(message)
            if result.termination in INFEASIBLE:
                with progress.scope(plans=False, bounds=False, phase="why infeasible"):
                    findings = explain(compiled, data, threads=sopts.threads)
                text = f"{message}: {summary(findings)}" if len(findings) else message
                raise InfeasibleScenario(text, findings, conflict(compiled))
            raise NoPlan(message, result.termination.value)
        t1 = time.perf_counter()
        integer = mopts.integer_units and not mopts.relax
        tables = extract_tables(compiled, data, ledger, result.x, integer_units=integer, relaxed=mopts.relax)
        extract_s = time.perf_counter() - t1
        t2 = time.perf_counter()
        duals = request.duals and not stop.requested()  # after Ctrl-C, the plan without its shadow prices
        with progress.scope(plans=False, bounds=False, phase="shadow prices"):
            prices = _shadow_prices(compiled, data, result, sopts, mopts.relax) if duals else None
    timings = {
        "build": build_s,
        "handoff": handoff_s,
        "solve": result.seconds,
        "extract": extract_s,
        "duals": time.perf_counter() - t2 if duals else 0.0,
    }
    meta = {
        "scenario_hash": data.scenario.hash,
        "overrides": list(data.scenario.overrides),
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
        options={**mopts.as_dict(), **asked.as_dict()},
        metadata=meta,
        log=f"{range_line}\n{result.log}",
        duals=prices,
    )


def column_roles(compiled: CompiledModel) -> Columns:
    """The columns of each role the families declare (chip units, yearly block builds, openings), with their entities."""
    roles: dict[str, tuple[list[str], list[np.ndarray]]] = {}
    for spec in variables().values():
        if spec.role == "continuous":
            continue
        keys, cols = compiled.indexed_columns(spec.name)
        entities, parts = roles.setdefault(spec.role, ([], []))
        entities += [k[0] if isinstance(k, tuple) else k for k in keys]
        parts.append(cols)
    return Columns.from_roles({role: (entities, np.concatenate(parts)) for role, (entities, parts) in roles.items()})


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
        smallest, largest = compiled.extremes(coefficient_sources())
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


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("gigawatt", "pyomo", "highspy", "pandas", "numpy"):
        try:
            out[pkg] = importlib_metadata.version(pkg)
        except importlib_metadata.PackageNotFoundError:
            out[pkg] = "unknown"
    return out
