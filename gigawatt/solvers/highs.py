"""HiGHS through highspy, fed the standard-form matrix in one call."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import highspy
import numpy as np

from gigawatt.errors import OptionError
from gigawatt.solvers import progress, stop
from gigawatt.solvers.base import SolutionStatus, SolveOptions, SolveResult, StandardForm, TerminationCondition

log = logging.getLogger(__name__)

_MS = highspy.HighsModelStatus
#: Largest relative difference between HiGHS's objective for a started MIP and the cost of the plan it returns.
#: HiGHS 1.16 can price a MIP start without the objective offset its presolve moved out ("feasible in the reduced
#: space: objective value is 0"), take it for a better plan than it is and stop at once calling it optimal.
START_OBJECTIVE_RTOL = 1e-6
#: Seconds HiGHS gets to return by itself after a stop request before it is abandoned (:func:`_run`).
STOP_GRACE_S = 0.25
#: Every HighsModelStatus mapped to (termination, whether a primal solution may exist).
STATUS_MAP: dict[object, TerminationCondition] = {
    _MS.kOptimal: TerminationCondition.OPTIMAL,
    _MS.kInfeasible: TerminationCondition.INFEASIBLE,
    _MS.kUnbounded: TerminationCondition.UNBOUNDED,
    _MS.kUnboundedOrInfeasible: TerminationCondition.INFEASIBLE_OR_UNBOUNDED,
    _MS.kTimeLimit: TerminationCondition.TIME_LIMIT,
    _MS.kIterationLimit: TerminationCondition.TIME_LIMIT,
    _MS.kSolutionLimit: TerminationCondition.GAP_LIMIT,
    _MS.kObjectiveBound: TerminationCondition.GAP_LIMIT,
    _MS.kObjectiveTarget: TerminationCondition.GAP_LIMIT,
    _MS.kInterrupt: TerminationCondition.INTERRUPTED,
    _MS.kNotset: TerminationCondition.UNKNOWN,
    _MS.kUnknown: TerminationCondition.UNKNOWN,
    _MS.kLoadError: TerminationCondition.ERROR,
    _MS.kModelError: TerminationCondition.ERROR,
    _MS.kPresolveError: TerminationCondition.ERROR,
    _MS.kSolveError: TerminationCondition.ERROR,
    _MS.kPostsolveError: TerminationCondition.ERROR,
    _MS.kModelEmpty: TerminationCondition.OPTIMAL,
    _MS.kMemoryLimit: TerminationCondition.ERROR,
}
for _name in ("kHighsInterrupt",):
    if hasattr(_MS, _name):
        STATUS_MAP[getattr(_MS, _name)] = TerminationCondition.INTERRUPTED


def version() -> str:
    """HiGHS version, read without constructing a solver (which prints a banner)."""
    core = highspy._core
    return f"{core.HIGHS_VERSION_MAJOR}.{core.HIGHS_VERSION_MINOR}.{core.HIGHS_VERSION_PATCH}"


@contextlib.contextmanager
def _silenced_stdout() -> Iterator[None]:
    """Send file descriptor 1 to /dev/null (HiGHS prints a banner from C++ when constructed)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def new_highs(verbose: bool = False) -> highspy.Highs:
    """A HiGHS instance, quiet unless ``verbose`` (its start-up banner never: with ``--tee`` it would repeat for every phase)."""
    with _silenced_stdout():
        h = highspy.Highs()
    h.setOptionValue("output_flag", verbose)
    return h


def to_highs(form: StandardForm, relax: bool = False) -> highspy.HighsLp:
    """Standard form as a ``HighsLp`` (column-wise matrix), integrality dropped when ``relax``."""
    lp = highspy.HighsLp()
    rows, cols = form.shape
    lp.num_col_, lp.num_row_ = cols, rows
    lp.col_cost_ = form.c
    lp.offset_ = form.offset
    lp.col_lower_, lp.col_upper_ = form.col_lower, form.col_upper
    lp.row_lower_, lp.row_upper_ = form.row_lower, form.row_upper
    a = form.A
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = cols, rows
    lp.a_matrix_.start_ = a.indptr  # type: ignore[attr-defined]
    lp.a_matrix_.index_ = a.indices  # type: ignore[attr-defined]
    lp.a_matrix_.value_ = a.data  # type: ignore[attr-defined]
    if not relax and form.n_integer:
        kint, kcont = highspy.HighsVarType.kInteger, highspy.HighsVarType.kContinuous
        lp.integrality_ = [kint if i else kcont for i in form.integrality]
    return lp


def solve(
    form: StandardForm,
    options: SolveOptions,
    relax: bool = False,
    start: np.ndarray | None = None,
    start_columns: np.ndarray | None = None,
    stop_bound: float | None = None,
) -> SolveResult:
    """Solve ``form`` with HiGHS; a time-limited MIP with an incumbent returns it with its bound and gap.

    ``start`` is a MIP start: a full vector, or the values of ``start_columns`` only (HiGHS completes
    the rest). Ctrl-C (a :mod:`~gigawatt.solvers.stop` request) stops the solve cleanly: the result is
    ``interrupted`` with the incumbent, if any; asked before the call, it returns at once, with no solution.
    ``stop_bound`` ends a MIP (``interrupted``) once its dual bound reaches that objective value.

    A time-limited MIP of :data:`ISOLATED_NONZEROS` nonzeros or more runs in a child process
    (:mod:`~gigawatt.solvers.child`) that is killed :data:`OVERRUN_S` seconds after its time limit if HiGHS
    has not returned by then (it can overrun by tens of seconds inside a large root node): the result is
    then ``time_limit`` with the last incumbent and bound its callbacks reported.
    """
    if stop.requested():
        interrupted, none = TerminationCondition.INTERRUPTED, SolutionStatus.NONE
        return SolveResult("highs", version(), interrupted, none, None, None, None, None, None, 0.0, options.as_dict())
    trace, plans, bounds = progress.active()
    is_mip = form.n_integer > 0 and not relax
    if trace is not None:
        trace.phase_started(progress.phase())
    try:
        t0 = time.perf_counter()
        if is_mip and options.time_limit is not None and form.A.nnz >= ISOLATED_NONZEROS:
            ran = _run_in_child(form, options, start, start_columns, stop_bound, trace, plans, bounds)
        else:
            h = _configured(form, options, relax, start, start_columns, progress.phase())
            if trace is not None and is_mip and (plans or bounds):
                _follow(
                    h,
                    (lambda event: trace.record(float(event.data_out.objective_function_value), None)) if plans else None,
                    (lambda bound: trace.record(None, bound)) if bounds else None,
                )
            if stop_bound is not None and is_mip:
                _stop_at(h, stop_bound)
            with stop.handling():
                seen = _run(h)
            ran = _read(h, is_mip) if seen is None else seen.read(is_mip, TerminationCondition.INTERRUPTED)
        return _result(form, options, relax, start, stop_bound, trace, plans, bounds, ran, time.perf_counter() - t0)
    finally:
        if trace is not None:
            trace.phase_ended(progress.phase())


def _configured(
    form: StandardForm, options: SolveOptions, relax: bool, start: np.ndarray | None, start_columns: np.ndarray | None, phase: str
) -> highspy.Highs:
    """A HiGHS instance with ``options`` set, ``form`` passed and the MIP start, if any, given; its log prefixed with ``phase``."""
    h = new_highs(bool(options.tee or options.log_file))
    if options.tee:
        _prefixed_log(h, phase)
    if options.log_file:
        h.setOptionValue("log_file", options.log_file)
    if options.time_limit is not None:
        h.setOptionValue("time_limit", float(options.time_limit))
    h.setOptionValue("mip_rel_gap", float(options.mip_gap))
    if options.mip_abs_gap is not None:
        h.setOptionValue("mip_abs_gap", float(options.mip_abs_gap))
    if options.threads is not None:
        h.setOptionValue("threads", int(options.threads))
    if options.seed is not None:
        h.setOptionValue("random_seed", int(options.seed))
    h.setOptionValue("presolve", "on" if options.presolve else "off")
    for key, value in options.solver_options.items():
        try:
            status = h.setOptionValue(key, value)
        except TypeError:  # a value of a type the option cannot take (a list for a number)
            status = None
        if status != highspy.HighsStatus.kOk:
            raise OptionError("solver_options", f"solver_options {key}={value!r}: HiGHS has no such option or refuses this value")
    h.passModel(to_highs(form, relax))
    if start is not None and form.n_integer and not relax:
        if start_columns is None:
            sol = highspy.HighsSolution()
            sol.col_value = list(start)
            h.setSolution(sol)
        else:
            h.setSolution(len(start_columns), np.asarray(start_columns, dtype=np.int32), np.asarray(start, dtype=float))
    return h


#: What a HiGHS run gave: termination, solution status, objective, bound, gap, primal x and row duals.
Ran = tuple[TerminationCondition, SolutionStatus, float | None, float | None, float | None, np.ndarray | None, np.ndarray | None]


def _result(
    form: StandardForm,
    options: SolveOptions,
    relax: bool,
    start: np.ndarray | None,
    stop_bound: float | None,
    trace: progress.Trace | None,
    plans: bool,
    bounds: bool,
    ran: Ran,
    seconds: float,
) -> SolveResult:
    """The result of a run (``ran``, ``seconds``): a mispriced MIP start solved again without it; recorded into ``trace``."""
    termination, solution, objective, bound, gap, x, duals = ran
    is_mip = form.n_integer > 0 and not relax
    if start is not None and is_mip and x is not None and objective is not None:
        cost = float(form.c @ x + form.offset)
        mispriced = abs(cost - objective) > START_OBJECTIVE_RTOL * max(1.0, abs(cost))
        if mispriced and stop.requested():
            # no time to solve again: the plan at its true cost; the bound came from the same mispricing
            objective, termination, solution = cost, TerminationCondition.INTERRUPTED, SolutionStatus.FEASIBLE
            bound = gap = None
        elif mispriced:
            log.warning("HiGHS priced the MIP start at %.9g but its plan costs %.9g: solving again without the start", objective, cost)
            left = None if options.time_limit is None else max(options.time_limit - seconds, 1.0)
            again = solve(form, replace(options, time_limit=left), relax, stop_bound=stop_bound)
            return replace(again, seconds=again.seconds + seconds)
    if trace is not None:
        trace.record(objective if plans and x is not None else None, bound if bounds else None)
    return SolveResult(
        solver="highs",
        solver_version=version(),
        termination=termination,
        solution=solution,
        objective=objective,
        bound=bound,
        gap=gap,
        x=x,
        row_duals=duals,
        seconds=seconds,
        options=options.as_dict(),
    )


#: MIPs with at least this many nonzeros run in a child process that can be stopped (about 200 campuses; the
#: default scenario has 47,000).
ISOLATED_NONZEROS = 250_000
#: Seconds past its time limit after which a MIP in a child process is stopped, whatever HiGHS is doing.
OVERRUN_S = 1.0


def _run_in_child(
    form: StandardForm,
    options: SolveOptions,
    start: np.ndarray | None,
    start_columns: np.ndarray | None,
    stop_bound: float | None,
    trace: progress.Trace | None,
    plans: bool,
    bounds: bool,
) -> Ran:
    """Run the MIP in a child process (:func:`_solve_in_child`), following its incumbents and bound; stopped at the time
    limit (plus :data:`OVERRUN_S`, from the child's start) or at a stop request with what it reported last."""
    from gigawatt.solvers import child

    def arrived(kind: str, values: tuple) -> None:
        if trace is not None and kind == "plan" and plans:
            trace.record(values[0], None)
        elif trace is not None and kind == "bound" and bounds:
            trace.record(None, values[0])

    limit = float(options.time_limit)  # type: ignore[arg-type]
    args = (form, options, start, start_columns, stop_bound, progress.phase(), time.time() + limit)
    with stop.handling():
        outcome = child.run("gigawatt.solvers.highs:_solve_in_child", args, limit + OVERRUN_S, arrived)
    if outcome.finished:
        return outcome.result  # type: ignore[return-value]
    objective, x = outcome.last.get("plan", (None, None))
    seen = _Seen(x=x, objective=objective, bound=outcome.last.get("bound", (None,))[0])
    if outcome.stopped is not None:
        return seen.read(True, TerminationCondition.TIME_LIMIT if outcome.stopped == "deadline" else TerminationCondition.INTERRUPTED)
    log.warning("HiGHS's process failed: %s", outcome.error)
    return seen.read(True, TerminationCondition.ERROR)


def _solve_in_child(
    form: StandardForm,
    options: SolveOptions,
    start: np.ndarray | None,
    start_columns: np.ndarray | None,
    stop_bound: float | None,
    phase: str,
    finish_by: float,
    *,
    send: Callable[..., None],
) -> Ran:
    """In the child process: the MIP run to ``finish_by`` (wall-clock time), each incumbent and each rise of the bound sent."""
    h = _configured(form, options, False, start, start_columns, phase)
    h.setOptionValue("time_limit", max(finish_by - time.time(), 0.1))
    if stop_bound is not None:
        _stop_at(h, stop_bound)

    def improving(event: object) -> None:
        x = np.array(event.data_out.mip_solution, dtype=float)  # type: ignore[attr-defined]
        send("plan", float(event.data_out.objective_function_value), x)  # type: ignore[attr-defined]

    _follow(h, improving, lambda bound: send("bound", bound))
    h.run()
    return _read(h, True)


@dataclass
class _Seen:
    """What HiGHS's callbacks reported last: the incumbent (original columns), its objective, the MIP's dual bound."""

    x: np.ndarray | None = None
    objective: float | None = None
    bound: float | None = None

    def read(self, is_mip: bool, termination: TerminationCondition) -> Ran:
        """What was seen as the run's result, ended with ``termination``: the incumbent, its gap to the bound."""
        solution = SolutionStatus.FEASIBLE if self.x is not None else SolutionStatus.NONE
        bound = self.bound if is_mip and self.bound is not None and np.isfinite(self.bound) else None
        gap = None if self.objective is None or bound is None else max(self.objective - bound, 0.0) / max(abs(self.objective), 1e-9)
        return termination, solution, self.objective, bound, gap, self.x, None


def _read(h: highspy.Highs, is_mip: bool) -> Ran:
    """Termination, solution status, objective, bound, gap, primal x and row duals of a finished HiGHS run."""
    termination = STATUS_MAP.get(h.getModelStatus(), TerminationCondition.UNKNOWN)
    info = h.getInfo()
    has_primal = info.primal_solution_status == 2  # kSolutionStatusFeasible
    solution = SolutionStatus.NONE
    if has_primal:
        solution = SolutionStatus.OPTIMAL if termination is TerminationCondition.OPTIMAL else SolutionStatus.FEASIBLE
    x = np.asarray(h.getSolution().col_value) if has_primal else None
    duals = None
    if has_primal and not is_mip and info.dual_solution_status == 2:
        duals = np.asarray(h.getSolution().row_dual)
    objective = float(info.objective_function_value) if has_primal else None
    if is_mip:
        bound = float(info.mip_dual_bound)
        gap = float(info.mip_gap) if has_primal else None
    else:
        bound = objective if termination is TerminationCondition.OPTIMAL else None
        gap = 0.0 if termination is TerminationCondition.OPTIMAL else None
    return termination, solution, objective, bound, gap, x, duals


def _run(h: highspy.Highs) -> _Seen | None:
    """Run HiGHS in a thread of its own while this one waits in short steps, so a stop request is seen at once.

    HiGHS's interrupt callbacks (simplex, interior point, MIP) stop it once a stop is requested. A MIP
    can go seconds between two of them (heuristic sub-MIPs, cut rounds): if it has not returned
    :data:`STOP_GRACE_S` after the request, it is abandoned (it stops at its next check, in the
    background) and what its callbacks saw last is returned; None when HiGHS returned by itself. A
    ``KeyboardInterrupt`` here (a forced stop) abandons it at once and propagates.
    """
    cancelled = threading.Event()
    seen = _Seen()

    def interrupt(event: object) -> None:
        if cancelled.is_set() or stop.requested():
            event.interrupt()  # type: ignore[attr-defined]

    def bound(event: object) -> None:
        seen.bound = float(event.data_out.mip_dual_bound)  # type: ignore[attr-defined]

    def improving(event: object) -> None:
        seen.x = np.array(event.data_out.mip_solution, dtype=float)  # type: ignore[attr-defined]
        seen.objective = float(event.data_out.objective_function_value)  # type: ignore[attr-defined]

    for callback in (h.cbSimplexInterrupt, h.cbIpmInterrupt, h.cbMipInterrupt):
        callback.subscribe(interrupt)
    h.cbMipInterrupt.subscribe(bound)
    h.cbMipImprovingSolution.subscribe(improving)
    thread = threading.Thread(target=h.run, name="highs", daemon=True)
    thread.start()
    asked = None
    try:
        while thread.is_alive():
            thread.join(0.1)
            if stop.requested():
                asked = asked or time.perf_counter()
                if thread.is_alive() and time.perf_counter() - asked >= STOP_GRACE_S:
                    cancelled.set()
                    stop.abandon(thread)
                    return seen
    except KeyboardInterrupt:
        cancelled.set()
        stop.abandon(thread)
        raise
    for callback in (h.cbSimplexInterrupt, h.cbIpmInterrupt, h.cbMipInterrupt):  # HiGHS is done: ``h`` may run again
        callback.unsubscribe(interrupt)
    h.cbMipInterrupt.unsubscribe(bound)
    h.cbMipImprovingSolution.unsubscribe(improving)
    return None


@dataclass(frozen=True)
class LPPoint:
    """An optimal LP solution: objective (solver units), primal values and reduced costs of every column."""

    objective: float
    x: np.ndarray
    reduced: np.ndarray


class WarmLP:
    """The LP relaxation of ``form`` kept in one HiGHS instance: after a change of column bounds it is solved again
    from the last basis by dual simplex, in a fraction of the time of a first solve. Quiet; ``options`` give threads,
    seed and the user's solver options, except ``solver`` (a warm start needs simplex)."""

    def __init__(self, form: StandardForm, options: SolveOptions) -> None:
        quiet = replace(options, time_limit=None, tee=False, log_file=None)
        self._h = _configured(form, quiet, True, None, None, progress.phase())
        self._h.setOptionValue("solver", "simplex")

    def set_bounds(self, columns: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """Set the bounds of ``columns``."""
        cols = np.asarray(columns, dtype=np.int32)
        self._h.changeColsBounds(len(cols), cols, np.asarray(lower, dtype=float), np.asarray(upper, dtype=float))

    def solve(self, time_limit: float) -> LPPoint | None:
        """The optimum under the bounds set so far, or None when there is none within ``time_limit`` seconds
        (infeasible, out of time, stopped)."""
        h = self._h
        h.setOptionValue("time_limit", h.getRunTime() + max(time_limit, 0.1))  # HiGHS counts run time across runs
        with stop.handling():
            seen = _run(h)
        if seen is not None or h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        solution = h.getSolution()
        return LPPoint(float(h.getInfo().objective_function_value), np.asarray(solution.col_value), np.asarray(solution.col_dual))


def _follow(h: highspy.Highs, improving: Callable[[object], None] | None, rising: Callable[[float], None] | None) -> None:
    """Call ``improving(event)`` at each new incumbent of the MIP and ``rising(bound)`` each time its dual bound rises."""
    last = [float("-inf")]

    def interrupt(event: object) -> None:
        bound = float(event.data_out.mip_dual_bound)  # type: ignore[attr-defined]
        if bound > last[0] + 1e-9 * max(1.0, abs(bound)) and bound < float("inf"):
            last[0] = bound
            rising(bound)  # type: ignore[misc]

    if improving is not None:
        h.cbMipImprovingSolution.subscribe(improving)
    if rising is not None:
        h.cbMipInterrupt.subscribe(interrupt)


def _prefixed_log(h: highspy.Highs, phase: str) -> None:
    """HiGHS's log on stderr, each line led by ``[phase]`` (a strategy runs several solves, each with its own log)."""
    h.setOptionValue("log_to_console", False)
    pending = [""]

    def logged(event: object) -> None:
        text = pending[0] + str(event.message)  # type: ignore[attr-defined]
        *lines, pending[0] = text.split("\n")
        for line in lines:
            print(f"[{phase}] {line}", file=sys.stderr, flush=True)

    h.cbLogging.subscribe(logged)


def _stop_at(h: highspy.Highs, bound: float) -> None:
    """Interrupt the MIP once its dual bound reaches ``bound``."""

    def interrupt(event: object) -> None:
        if float(event.data_out.mip_dual_bound) >= bound:  # type: ignore[attr-defined]
            event.data_in.user_interrupt = True  # type: ignore[attr-defined]

    h.cbMipInterrupt.subscribe(interrupt)
