"""The ``gigawatt`` command line: validate and solve scenarios.

Exit codes: 0 a plan was found (or the scenario is valid); 2 invalid input; 3 infeasible;
4 no plan within the limits (time limit without a feasible point, solver failure, Ctrl-C before a
plan); 1 an unexpected error (a bug: one line asks to report it; ``GIGAWATT_DEBUG=1`` shows the
traceback); 130 a sweep stopped by Ctrl-C (the runs that finished are saved) or a command aborted by a second Ctrl-C.

Ctrl-C (:mod:`gigawatt.solvers.stop`) ends a solve with the best plan found so far (``interrupted``)
and a sweep with the runs that finished; a second Ctrl-C aborts at once.

Every option is checked here, before any work, and every message is printed as plain text: paths,
names and values are never read as rich markup, and undecodable bytes print as escapes.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from gigawatt.errors import FileProblem, OptionError, first_line
from gigawatt.scenario import Scenario, ScenarioError, load_scenario
from gigawatt.scenario.overrides import split_override
from gigawatt.solvers import stop

app = typer.Typer(help="Plan AI compute buildouts under a power ceiling.", no_args_is_help=True, add_completion=False)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_BUG, EXIT_INVALID, EXIT_INFEASIBLE, EXIT_NO_PLAN = 1, 2, 3, 4
#: A sweep stopped by Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130
#: Set to 1 to let unexpected errors raise with their traceback.
DEBUG_ENV = "GIGAWATT_DEBUG"

SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a setting or a table cell: KEY=VALUE (ceiling_mw=4000, supplies[node_id=x].capacity_mw=90)."),
]
ForceOption = Annotated[bool, typer.Option("--force", help="Replace an existing output that gigawatt did not write (never a scenario).")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No live progress: only the result.")]
SolverOption = Annotated[str | None, typer.Option(help="Solver backend (default: the scenario's, else highs).")]
ThreadsOption = Annotated[int | None, typer.Option(help="Solver threads.")]
VerboseOption = Annotated[bool, typer.Option("--verbose", "-v", help="Also list each solver phase with its time and figures.")]

Command = TypeVar("Command", bound=Callable[..., None])


def _version(value: bool) -> None:
    if value:
        from gigawatt import __version__

        _say(f"gigawatt {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """Plan AI compute buildouts under a power ceiling."""


# -- printing: plain text only ---------------------------------------------------------------------
def _plain(text: object, console: Console = out) -> str:
    """``text`` as the console can write it: characters it cannot encode (lone surrogates from undecodable bytes) as escapes."""
    encoding = console.encoding or "utf-8"
    return str(text).encode(encoding, "backslashreplace").decode(encoding)


def _say(text: object, style: str | None = None, console: Console = out) -> None:
    """Print ``text`` as it is (never markup), optionally in one style; on stdout unless ``console`` is ``err``."""
    console.print(Text(_plain(text, console), style=style or ""))


def _warn(head: str, detail: object = "") -> None:
    """Print on stderr a bold red ``head`` and a plain ``detail``."""
    err.print(Text.assemble((head, "bold red"), " " if detail != "" else "", _plain(detail, err)))


def _fail(message: object, code: int = EXIT_INVALID) -> NoReturn:
    """Print a one-line gigawatt error on stderr and exit with ``code`` (2: invalid input)."""
    _warn("gigawatt:", message)
    raise typer.Exit(code)


class _ToStderr(logging.Handler):
    """gigawatt's log warnings on stderr as the CLI prints its own messages: ``gigawatt:`` and the message."""

    def emit(self, record: logging.LogRecord) -> None:
        _warn("gigawatt:", record.getMessage())


def _show_warning(message: Warning | str, category: type[Warning], *_: object, **__: object) -> None:
    """A Python warning as one line on stderr, its kind then its message (no source file or line)."""
    _warn(f"{category.__name__}:", message)


@contextlib.contextmanager
def _messages_printed() -> Iterator[None]:
    """In the block, warnings and gigawatt's log warnings print as the CLI's own lines."""
    handler, logger = _ToStderr(logging.WARNING), logging.getLogger("gigawatt")
    logger.addHandler(handler)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            yield
    finally:
        logger.removeHandler(handler)


def _guarded(command: Command) -> Command:
    """Run ``command`` so that an unexpected exception ends in one line asking to report it (exit 1), not a traceback;
    warnings on the way print as plain lines (:func:`_messages_printed`)."""

    @functools.wraps(command)
    def run(*args: object, **kwargs: object) -> None:
        try:
            with _messages_printed():
                command(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except KeyboardInterrupt:
            _fail("aborted by Ctrl-C (what a sweep had recorded before stays in its store)", EXIT_INTERRUPTED)
        except Exception as error:
            if os.environ.get(DEBUG_ENV) == "1":
                raise
            _fail(
                f"unexpected error ({type(error).__name__}: {first_line(error)}). This is a bug: please report it as an issue "
                f"of gigawatt with the command you ran; {DEBUG_ENV}=1 shows the traceback.",
                EXIT_BUG,
            )

    return run  # type: ignore[return-value]


# -- checking options ---------------------------------------------------------------------------
def _overrides(items: list[str] | None) -> dict[str, str]:
    """The ``--set`` pairs, or exit 2 naming the first malformed one."""
    pairs = {}
    for item in items or []:
        try:
            key, value = split_override(item)
        except ValueError:
            _fail(f"--set {item!r}: expected KEY=VALUE, e.g. ceiling_mw=4000 or supplies[node_id=south].capacity_mw=90")
        pairs[key] = value
    return pairs


def _check_seconds(option: str, value: float | None) -> None:
    if value is not None and not (math.isfinite(value) and value > 0):
        _fail(f"{option} {value:g}: expected a finite number of seconds > 0")


def _check_gap(option: str, value: float | None) -> None:
    if value is not None and not 0 <= value < 1:
        _fail(f"{option} {value:g}: expected a relative gap from 0 up to (not including) 1, e.g. 0.001")


def _check_threads(value: int | None) -> None:
    from gigawatt.scenario.settings import MAX_THREADS

    if value is not None and not 1 <= value <= MAX_THREADS:
        _fail(f"--threads {value}: expected 1 to {MAX_THREADS}")


def _check_solver(name: str, option: str) -> None:
    """Exit 2 unless backend ``name`` can run here; ``option`` says where the name came from."""
    from gigawatt.solvers.registry import available

    ok, why = available(name)
    if not ok:
        _fail(f"{option} {name!r}: not available ({why}); expected 'highs' or 'pyomo:NAME' for a solver Pyomo can run here")


def _check_plan_out(path: Path | None, force: bool) -> None:
    """Exit 2 if a plan may not be saved at ``--out path`` (checked before solving, so no solve is wasted)."""
    from gigawatt.plan.plan import check_plan_target

    if path is not None:
        try:
            check_plan_target(path, overwrite=force)
        except FileProblem as error:
            _fail(f"--out {error}")


def _load(path: Path, overrides: list[str] | None) -> Scenario:
    """Load the scenario and apply ``--set`` overrides, or exit 2 listing every problem."""
    pairs = _overrides(overrides)
    try:
        scenario = load_scenario(path)
        return scenario.with_overrides(pairs) if pairs else scenario
    except ScenarioError as error:
        _warn("Invalid scenario", f"{path}:")
        for problem in error.problems:
            _say(f"  - {problem}", console=err)
        raise typer.Exit(EXIT_INVALID) from None


@app.command()
@_guarded
def validate(scenario: Annotated[Path, typer.Argument(help="Scenario folder.")], set_: SetOption = None) -> None:
    """Check a scenario and print its summary; exit 2 with every problem found."""
    from gigawatt.scenario.errors import PlausibilityWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PlausibilityWarning)  # the summary lists them
        scn = _load(scenario, set_)
    _say(scn.summary())
    _say("valid", "green")


@app.command()
@_guarded
def solve(
    scenario: Annotated[Path, typer.Argument(help="Scenario folder.")],
    set_: SetOption = None,
    solver: SolverOption = None,
    time_limit: Annotated[float | None, typer.Option(help="Seconds for the whole solve, building the model included.")] = None,
    mip_gap: Annotated[float | None, typer.Option(help="Relative MIP gap.")] = None,
    threads: ThreadsOption = None,
    relax: Annotated[bool, typer.Option(help="Solve the LP relaxation (screening): a lower bound, saved but not verified.")] = False,
    continuous_units: Annotated[bool, typer.Option(help="Let chip units be fractional.")] = False,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Write the plan (Parquet + JSON) to this new folder.")] = None,
    force: ForceOption = False,
    tee: Annotated[bool, typer.Option(help="Show the solver log.")] = False,
    gw_value: Annotated[
        bool, typer.Option("--gw-value", help="Also work out the value of a GW: re-solve at the ceiling + --gw-step, proven (see README).")
    ] = False,
    gw_step: Annotated[float, typer.Option("--gw-step", help="MW of extra ceiling for --gw-value.")] = 1000.0,
    futures: Annotated[
        Path | None,
        typer.Option(
            help="A futures.csv (id, probability, overrides): solve the two-stage plan over them (see README); without "
            "--time-limit, the scenario's limit once per future."
        ),
    ] = None,
    commit_year: Annotated[
        int | None, typer.Option(help="With --futures: commitments up to this year are shared by every future (default: the first year).")
    ] = None,
    cvar_weight: Annotated[float, typer.Option(help="With --futures: weight of the CVaR of the cost in the objective.")] = 0.0,
    alpha: Annotated[float, typer.Option(help="With --futures: the CVaR's level (the worst 1 - alpha of outcomes).")] = 0.9,
    workers: Annotated[int, typer.Option(help="With --futures: local Dask workers for the futures solved alone (0: in this process).")] = 0,
    report: Annotated[Path | None, typer.Option(help="With --futures: also write the two-stage plan as an offline HTML page.")] = None,
    risk_weights: Annotated[
        str | None, typer.Option(help="With --futures: CVaR weights to re-solve for, e.g. 0,0.5,1: expected cost, CVaR, worst future.")
    ] = None,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Solve a scenario, print the plan's summary and its verification, optionally save it.

    With --futures, the two-stage plan: what to commit now, each future's cost, EVPI, VSS and the regret per future.
    """
    import dataclasses

    from gigawatt.analysis.ceiling import gw_value as value_of_a_gw
    from gigawatt.errors import InfeasibleScenario, NoPlan
    from gigawatt.solving import solve as solve_scenario

    if not (math.isfinite(gw_step) and gw_step > 0):
        _fail(f"--gw-step {gw_step:g}: expected MW of extra ceiling, a finite number > 0")
    _check_solve_options(solver, time_limit, mip_gap, threads)
    _check_plan_out(out_dir, force)
    scn = _load(scenario, set_)
    if solver is None:
        _check_solver(scn.settings.solver.name, f"solver.name of scenario {scn.name!r}:")
    if futures is not None:
        if relax or gw_value or out_dir is not None:
            _fail("--futures solves a two-stage plan: --relax, --gw-value and --out do not apply to it")
        weights = _numbers("--risk-weights", risk_weights) if risk_weights is not None else []
        options = {"solver": solver, "time_limit": time_limit, "threads": threads, "mip_gap": mip_gap}
        options |= {"integer_units": not continuous_units, "risk_weights": weights}
        _solve_futures(scn, futures, commit_year, cvar_weight, alpha, workers, report, force, options)
        return
    options = {
        "solver": solver,
        "time_limit": time_limit,
        "threads": threads,
        "relax": relax,
        "integer_units": not continuous_units,
        "progress": not quiet,
    }
    with _exits_without_a_plan(scn):
        plan = solve_scenario(scn, mip_gap=mip_gap, tee=tee, **options)
    if gw_value and not stop.requested():
        ceiling = scn.settings.ceiling_mw
        try:  # the same function and options as `gigawatt ceiling-value`, starting from this plan
            value = value_of_a_gw(scn, ceiling, ceiling + gw_step, plans=[plan], mip_gap=mip_gap, **options)
            plan = dataclasses.replace(plan, gw_value=value)
        except (InfeasibleScenario, NoPlan) as error:
            _warn("No value of a GW:", f"at {ceiling + gw_step:,.0f} MW: {first_line(error)}")
    _say(plan.summary())
    if verbose:
        _print_phases(plan.metadata.get("strategy", {}))
    if plan.status == "interrupted":
        _say("interrupted (Ctrl-C): the best plan found so far, with the bound proven so far")
    if relax:
        _say("LP relaxation: a lower bound on the cost, not a buildable plan; not verified (verification is for plans, not bounds)")
    else:
        _print_verification(plan)
    if out_dir is not None:
        _save(plan, out_dir, force)


def _print_phases(strategy: dict) -> None:
    """The strategy's phases: name, seconds, status, objective and bound (B USD) of each solver call."""
    _say(f"  strategy        {strategy.get('name', '?')}")
    for phase in strategy.get("phases", []):
        figures = [f"{key} {phase[key] / 1e3:,.3f} B USD" for key in ("objective", "bound") if isinstance(phase.get(key), int | float)]
        _say(f"    {phase['phase']:<16}{phase.get('seconds', 0.0):8.2f} s  {phase.get('status', '')}  " + "  ".join(figures))


def _print_infeasible(scn: Scenario, error: object) -> None:
    """The explanation's options (each a joint change, checked) or the audit's proofs, and the conflicting constraints, on stderr."""
    from gigawatt.plan.infeasibility import groups

    findings, conflict = error.findings, error.conflict  # type: ignore[attr-defined]
    if len(findings):
        _warn("Infeasible:", f"scenario {scn.name!r} has no plan.")
        for heading, items in groups(findings):
            if heading:
                _say(f"  {heading[:1].upper()}{heading[1:]}:", console=err)
            for item in items:
                _say(f"    - {item}", console=err)
    else:
        _warn("Infeasible:", error)
    if len(conflict):
        names = conflict.groupby("constraint").size()
        _say("  conflicting constraints (IIS of the LP relaxation): " + ", ".join(f"{n} x{k}" for n, k in names.items()), console=err)


def _check_report(report_file: Path | None, force: bool) -> None:
    """``--report`` names a file that may be written, or exit 2."""
    if report_file is None:
        return
    from gigawatt.plot.report import check_report_target

    try:
        check_report_target(report_file, overwrite=force)
    except FileProblem as error:
        _fail(f"--report {error}")


def _write_report(write: Callable[[], Path], report_file: Path) -> None:
    """``write()`` the ``--report`` page and say where, or exit 2 saying why it could not be written."""
    try:
        _say(f"report written to {write()}")
    except (FileProblem, OSError) as error:
        _fail(f"--report {report_file}: could not be written ({getattr(error, 'strerror', None) or error})")


def _solve_futures(
    scn: Scenario,
    path: Path,
    commit_year: int | None,
    cvar_weight: float,
    alpha: float,
    workers: int,
    report_file: Path | None,
    force: bool,
    options: dict[str, object],
) -> None:
    """``solve --futures``: the two-stage plan's summary (and ``--report``), or exit 2 naming the bad file or option."""
    from gigawatt.analysis.futures import two_stage
    from gigawatt.scenario.futures import load_futures

    if workers < 0:
        _fail(f"--workers {workers}: expected 0 (in this process) or more")
    _check_report(report_file, force)
    try:
        table = load_futures(path, scn)
    except ScenarioError as error:
        _warn("Invalid futures", f"{path}:")
        for problem in error.problems:
            _say(f"  - {problem}", console=err)
        raise typer.Exit(EXIT_INVALID) from None
    with _exits_without_a_plan(scn):
        try:
            plan = two_stage(scn, table, commit_year=commit_year, cvar_weight=cvar_weight, alpha=alpha, workers=workers, **options)
        except OptionError as error:
            _fail(f"--{error.argument.replace('_', '-')}: {error}")
    _say(plan.summary())
    if report_file is not None:
        _write_report(lambda: plan.report(report_file, overwrite=force), report_file)
    if plan.interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)


def _print_verification(plan: object) -> None:
    """The independent checker's verdict on a (MIP) plan."""
    violations = plan.verify()  # type: ignore[attr-defined]
    if violations:
        _warn(f"verify found {len(violations)} violation(s):")
        for violation in violations:
            _say(f"  - {violation.message}", console=err)
    else:
        _say("verified: the independent check found no violation", "green")


def _save(plan: object, out_dir: Path, force: bool) -> None:
    """Save the plan to ``--out``, or exit 2 saying why it could not be written (the previous plan stays)."""
    try:
        saved = plan.save(out_dir, overwrite=force)  # type: ignore[attr-defined]
    except FileProblem as error:
        _fail(f"--out {error}")
    except OSError as error:
        _fail(f"--out {out_dir}: the plan could not be written ({error.strerror or error}); nothing there was changed")
    _say(f"saved to {saved}")


@app.command("ceiling-value")
@_guarded
def ceiling_value(
    scenario: Annotated[Path, typer.Argument(help="Scenario folder.")],
    ceilings: Annotated[str, typer.Option("--ceilings", help="Ceilings in MW, comma-separated: 4000,5000,6000.")],
    set_: SetOption = None,
    solver: SolverOption = None,
    time_limit: Annotated[float | None, typer.Option(help="Seconds per solve.")] = None,
    mip_gap: Annotated[float | None, typer.Option(help="Relative MIP gap to start from (tightened until proven).")] = None,
    threads: ThreadsOption = None,
    relax: Annotated[bool, typer.Option(help="Solve LP relaxations (screening).")] = False,
    continuous_units: Annotated[bool, typer.Option(help="Let chip units be fractional.")] = False,
    quiet: QuietOption = False,
) -> None:
    """Solve a scenario at several ceilings and print the value of a GW between neighbouring ones, proven (USD per MW-year)."""
    from gigawatt.analysis.ceiling import ceiling_value as value_table
    from gigawatt.analysis.ceiling import pair_values

    mw = _ceilings(ceilings)
    _check_solve_options(solver, time_limit, mip_gap, threads)
    scn = _load(scenario, set_)
    if solver is None:
        _check_solver(scn.settings.solver.name, f"solver.name of scenario {scn.name!r}:")
    options = {"solver": solver, "time_limit": time_limit, "threads": threads, "relax": relax, "integer_units": not continuous_units}
    frame = value_table(scn, mw, mip_gap=mip_gap, progress=not quiet, **options)
    _print_ceilings(frame)
    for value in pair_values(frame):
        _say(str(value))
    if len(frame) < len(mw):
        _warn("Interrupted:", f"{len(frame)} of {len(mw)} ceilings solved")
        raise typer.Exit(EXIT_INTERRUPTED)


def _ceilings(text: str) -> list[float]:
    """``--ceilings 4000,5000``: at least two different ceilings in MW, each a finite number > 0, or exit 2."""
    values = []
    for item in text.split(","):
        try:
            value = float(item)
        except ValueError:
            _fail(f"--ceilings {text!r}: {item.strip()!r} is not a number; expected MW separated by commas, e.g. 4000,5000,6000")
        if not (math.isfinite(value) and value > 0):
            _fail(f"--ceilings {text!r}: {item.strip()!r}: expected a finite number of MW > 0")
        values.append(value)
    if len(set(values)) < 2:
        _fail(f"--ceilings {text!r}: expected at least two different ceilings, e.g. 4000,5000,6000")
    return values


#: Columns of the ceiling-value table as printed: (heading, column, factor, format).
CEILING_FIGURES = (
    ("ceiling MW", "ceiling_mw", 1.0, "{:,.0f}"),
    ("status", "status", None, "{}"),
    ("cost B USD", "objective_usd", 1e-9, "{:,.3f}"),
    ("gap", "gap", 1.0, "{:.2e}"),
    ("value from previous, M USD/MW-yr", "value_usd_per_mw_yr", 1e-6, "{:,.3f}"),
    ("proven low", "value_low_usd_per_mw_yr", 1e-6, "{:,.3f}"),
    ("proven high", "value_high_usd_per_mw_yr", 1e-6, "{:,.3f}"),
    ("dual given build, weighted mean, M USD/MW-yr", "dual_weighted_mean_usd_per_mw_yr", 1e-6, "{:,.3f}"),
)


def _print_ceilings(frame: object) -> None:
    """The frame of :func:`gigawatt.ceiling_value` as a plain table, one line per ceiling."""
    import pandas as pd
    from rich.table import Table

    table = Table(show_lines=False)
    for heading, *_ in CEILING_FIGURES:
        table.add_column(heading, overflow="fold")
    for row in frame.itertuples(index=False):  # type: ignore[attr-defined]
        cells = []
        for _, column, factor, fmt in CEILING_FIGURES:
            value = getattr(row, column)
            cells.append("" if pd.isna(value) else fmt.format(value if factor is None else value * factor))
        table.add_row(*(Text(_plain(cell)) for cell in cells))
    Console(highlight=False, width=None if out.is_terminal else 160).print(table)


@app.command()
@_guarded
def sweep(
    scenario: Annotated[Path, typer.Argument(help="Base scenario folder.")],
    grid: Annotated[list[str] | None, typer.Option("--grid", help="KEY=V1,V2,... (repeat for a product grid).")] = None,
    variant: Annotated[list[Path] | None, typer.Option("--variant", help="A scenario folder to run as a variant (repeatable).")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="A sweep YAML file (grid, variants, sensitivity, samples).")] = None,
    workers: Annotated[int | None, typer.Option(help="Local Dask workers (default: one per core; 0: in this process).")] = None,
    scheduler: Annotated[str | None, typer.Option(help="Address of a running Dask scheduler.")] = None,
    store: Annotated[Path, typer.Option(help="DuckDB results file; runs already in it are skipped.")] = Path("runs.duckdb"),
    time_limit: Annotated[float | None, typer.Option(help="Seconds per run.")] = None,
    mip_gap: Annotated[float | None, typer.Option(help="Relative MIP gap per run.")] = None,
) -> None:
    """Run many variants of a scenario in parallel and keep every result in a DuckDB store."""
    from gigawatt.sweeps import load_spec
    from gigawatt.sweeps import sweep as run_sweep
    from gigawatt.sweeps.spec import parse_grid
    from gigawatt.sweeps.store import check_store

    _check_seconds("--time-limit", time_limit)
    _check_gap("--mip-gap", mip_gap)
    if workers is not None and workers < 0:
        _fail(f"--workers {workers}: expected 0 (run in this process) or more")
    if file is not None and (grid or variant):
        _fail("--file: give either --file or --grid/--variant, not both")
    try:
        check_store(store, must_exist=False)
    except FileProblem as error:
        _fail(f"--store {error}")
    base = _load(scenario, None)
    try:
        spec = load_spec(file) if file is not None else None
        parts = {} if file is not None else {"grid": parse_grid(grid or []) or None, "variants": [str(v) for v in variant or []] or None}
    except ScenarioError as error:
        _warn("Invalid sweep", f"{file or '--grid'}:")
        for problem in error.problems:
            _say(f"  - {problem}", console=err)
        raise typer.Exit(EXIT_INVALID) from None
    try:
        with stop.handling():  # the request outlives the sweep's own block, to be read here
            runs = run_sweep(
                base, spec=spec, **parts, workers=workers, scheduler=scheduler, store=store, time_limit=time_limit, mip_gap=mip_gap
            )
            interrupted = stop.requested()
    except FileProblem as error:
        _fail(f"--store {error}")
    except ScenarioError as error:
        _fail(f"invalid sweep: {'; '.join(map(str, error.problems[:3]))}")
    _print_runs(runs)
    _say(f"{len(runs)} runs in {store}")
    if interrupted:  # the sweep has said what it kept and how to run the rest
        raise typer.Exit(EXIT_INTERRUPTED)


@app.command()
@_guarded
def runs(
    store: Annotated[Path, typer.Argument(help="DuckDB results file written by `gigawatt sweep`.")],
    table: Annotated[str | None, typer.Option(help="Print this plan table of every run instead (e.g. power).")] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="Write the table to this .xlsx or .csv file instead.")] = None,
    force: ForceOption = False,
) -> None:
    """Print the runs of a results store (or one plan table of every run), or write it to an Excel or CSV file."""
    from gigawatt.plan.export import to_csv_file, to_excel

    if out_file is not None and out_file.suffix.lower() not in (".xlsx", ".csv"):
        _fail(f"--out {out_file}: expected a file ending in .xlsx or .csv")
    frame = _read_store(store, table)
    if out_file is not None:
        name = table or "runs"
        excel = out_file.suffix.lower() == ".xlsx"
        written = _write(
            lambda: to_excel({name: frame}, out_file, overwrite=force) if excel else to_csv_file(frame, out_file, overwrite=force), out_file
        )
        _say(f"{len(frame)} rows written to {written}")  # type: ignore[arg-type]
    elif not len(frame):  # type: ignore[arg-type]
        _say(f"{store}: no runs yet" + (f" with a {table} table" if table else ""))
    elif table is None:
        _print_runs(frame)
    else:
        _say(frame.to_string(index=False))


@app.command()
@_guarded
def export(
    plan_dir: Annotated[Path, typer.Argument(help="A saved plan folder (solve --out).")],
    format_: Annotated[str, typer.Option("--format", help="xlsx: one workbook; csv: a folder of CSV files.")] = "xlsx",
    out_path: Annotated[
        Path | None, typer.Option("--out", help="File or folder to write (default: PLAN.xlsx or PLAN-csv beside the plan).")
    ] = None,
    force: ForceOption = False,
) -> None:
    """Write a saved plan for colleagues without gigawatt: an Excel workbook (a summary sheet, then one sheet per table) or CSV files."""
    if format_ not in ("xlsx", "csv"):
        _fail(f"--format {format_}: expected xlsx or csv")
    plan = _load_plan(plan_dir)
    folder = Path(os.path.abspath(plan_dir))
    target = out_path or folder.with_name(folder.name + (".xlsx" if format_ == "xlsx" else "-csv"))
    write = (lambda: plan.to_excel(target, overwrite=force)) if format_ == "xlsx" else (lambda: plan.to_csv(target))
    _say(f"{format_} written to {_write(write, target)}")


def _load_plan(source: Path) -> object:
    """The plan saved in ``source``, or exit 2 saying why it is not a readable plan."""
    from gigawatt.plan.plan import load_plan

    try:
        return load_plan(source)
    except FileProblem as error:
        _fail(f"not a readable plan: {error}")


def _write(write: Callable[[], Path], target: Path) -> Path:
    """``write()``, or exit 2 saying why ``--out`` could not be written (nothing half-written is left)."""
    try:
        return write()
    except FileProblem as error:
        _fail(f"--out {error}")
    except OSError as error:
        _fail(f"--out {target}: could not be written ({error.strerror or error})")


def _read_store(store: Path, table: str | None = None) -> object:
    """``load_runs(store, table)``, or exit 2 saying why the file is not a readable results store or has no such table."""
    from gigawatt.sweeps import load_runs

    try:
        return load_runs(store, table=table)
    except FileNotFoundError:
        _fail(f"No results store at {store}")
    except FileProblem as error:
        _fail(f"Not a results store: {error}")
    except OptionError as error:
        _fail(f"--table {table}: {error}")


#: Columns of the runs table as printed: (heading, column, format).
RUN_FIGURES = (
    ("status", "status", "{}"),
    ("cost B USD", "objective_usd", "{:,.3f}"),
    ("gap", "gap", "{:.3%}"),
    ("peak MW", "peak_facility_mw", "{:,.0f}"),
    ("EFLOP/s last yr", "final_year_eflops", "{:,.1f}"),
    ("unserved last yr", "final_year_unserved_eflops", "{:,.1f}"),
    ("value (1)", "value_usd_per_mw_yr", "{:,.3f}"),
    ("dual max (2)", "ceiling_dual_max_usd_per_mw_yr", "{:,.0f}"),
    ("s", "seconds", "{:.1f}"),
)
#: Figures printed only when some run has one above zero (sweeps of strict demand leave nothing unserved).
SHOWN_WHEN_ANY = frozenset({"final_year_unserved_eflops"})


def _print_runs(frame: object) -> None:
    """A rich table: one line per run, its label, status and headline figures (errors in full below)."""
    import pandas as pd
    from rich.table import Table
    from rich.text import Text

    figures = [f for f in RUN_FIGURES if f[1] not in SHOWN_WHEN_ANY or frame[f[1]].gt(0).any()]  # type: ignore[index]
    table = Table(show_lines=False)
    for heading in ("run", "label", *(h for h, _, _ in figures)):
        table.add_column(heading, overflow="fold")
    for row in frame.itertuples(index=False):  # type: ignore[attr-defined]
        values = {c: getattr(row, c) for _, c, _ in figures}
        values["objective_usd"] = values["objective_usd"] / 1e9
        values["value_usd_per_mw_yr"] = values["value_usd_per_mw_yr"] / 1e6
        cells = [row.run_id[:8], row.label] + ["" if pd.isna(values[c]) else fmt.format(values[c]) for _, c, fmt in figures]
        if not pd.isna(row.value_usd_per_mw_yr):  # the range the solves prove, beside the figure
            where = [c for _, c, _ in figures].index("value_usd_per_mw_yr") + 2
            low, high = row.value_low_usd_per_mw_yr / 1e6, row.value_high_usd_per_mw_yr / 1e6
            cells[where] += f" [{low:,.3f}, {high:,.3f}]" + ("" if row.value_proven else " unproven")
        table.add_row(*(Text(_plain(cell)) for cell in cells))  # plain text: labels such as chips[rubin] are not markup
    Console(highlight=False, width=None if out.is_terminal else 160).print(table)  # files and pipes get full lines
    _say("  (1) value of a GW from the previous ceiling (ceiling-only sweeps), M USD per MW-year [the range the solves prove]")
    _say("  (2) the ceiling's dual given the plan's build, the largest of its years, USD per MW-year")
    for row in frame.itertuples(index=False):  # type: ignore[attr-defined]
        if isinstance(row.error, str) and row.error:
            _say(f"  {row.run_id[:8]} {row.status}: {row.error}")


@app.command()
@_guarded
def alternatives(
    scenario: Annotated[Path, typer.Argument(help="Scenario folder.")],
    k: Annotated[int, typer.Option("--k", help="Alternatives to look for after the optimum.")] = 3,
    slack: Annotated[float, typer.Option(help="Relative cost slack over the optimum's bound: 0.01 is 1%.")] = 0.01,
    by: Annotated[
        str, typer.Option(help="How the plans differ: sites (campuses open), mw (MW per campus), nodes, vendor or co2.")
    ] = "sites",
    set_: SetOption = None,
    solver: SolverOption = None,
    time_limit: Annotated[float | None, typer.Option(help="Seconds per solve (each alternative takes two).")] = None,
    mip_gap: Annotated[float | None, typer.Option(help="Relative MIP gap per solve.")] = None,
    threads: ThreadsOption = None,
    workers: Annotated[int, typer.Option(help="Solves at once: 2 polishes each alternative beside the next search.")] = 1,
    store: Annotated[Path | None, typer.Option(help="Also record every plan in this DuckDB results file, as sweep runs.")] = None,
    report_file: Annotated[Path | None, typer.Option("--report", help="Also write an HTML page: what all plans share first.")] = None,
    force: ForceOption = False,
    quiet: QuietOption = False,
) -> None:
    """Near-optimal alternatives: the optimum, then plans within the slack each as different as possible; what all of them share."""
    from gigawatt.analysis.alternatives import DIMENSIONS
    from gigawatt.analysis.alternatives import alternatives as find_alternatives

    if k < 0:
        _fail(f"--k {k}: expected a whole number of alternatives >= 0")
    if not (math.isfinite(slack) and 0 <= slack < 1):
        _fail(f"--slack {slack:g}: expected a relative slack >= 0 and < 1 (0.01 is 1%)")
    if by not in DIMENSIONS:
        _fail(f"--by {by!r}: expected one of {', '.join(DIMENSIONS)}")
    if workers < 1:
        _fail(f"--workers {workers}: expected 1 or more")
    _check_solve_options(solver, time_limit, mip_gap, threads)
    _check_new_store(store)
    _check_report(report_file, force)
    scn = _load(scenario, set_)
    if solver is None:
        _check_solver(scn.settings.solver.name, f"solver.name of scenario {scn.name!r}:")
    options = {"solver": solver, "time_limit": time_limit, "mip_gap": mip_gap, "threads": threads, "progress": not quiet}
    with _exits_without_a_plan(scn), stop.handling():  # the request outlives the study's own block, to be read here
        found = find_alternatives(scn, k=k, slack=slack, by=by, workers=workers, **options)
        interrupted = stop.requested()
    _say(found.summary())
    for i, plan in enumerate(found.plans):
        violations = plan.verify()
        if violations:
            _warn(f"plan {i}: verify found {len(violations)} violation(s):", violations[0].message)
        else:
            _say(f"plan {i} verified: the independent check found no violation", "green")
    if store is not None:
        from gigawatt.sweeps import record_alternatives

        _recorded(store, lambda: record_alternatives(found, store, _stored_options(options)))
    if report_file is not None:
        _write_report(lambda: found.report(report_file, overwrite=force), report_file)
    if interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)


@app.command()
@_guarded
def front(
    scenario: Annotated[Path, typer.Argument(help="Scenario folder.")],
    x: Annotated[str, typer.Option("--x", help="co2 (the emission cap stepped), ceiling_mw or budget_usd (with --values).")] = "co2",
    n: Annotated[int, typer.Option("--n", help="Points of a co2 front, its two ends included.")] = 8,
    values: Annotated[str | None, typer.Option(help="Values of the setting to step through, comma-separated: 3000,4000,5000.")] = None,
    set_: SetOption = None,
    solver: SolverOption = None,
    time_limit: Annotated[float | None, typer.Option(help="Seconds per solve.")] = None,
    mip_gap: Annotated[float | None, typer.Option(help="Relative MIP gap per solve.")] = None,
    threads: ThreadsOption = None,
    workers: Annotated[int, typer.Option(help="Points solved at once, each in a worker process.")] = 1,
    store: Annotated[Path | None, typer.Option(help="Also record every point in this DuckDB results file, as sweep runs.")] = None,
    quiet: QuietOption = False,
) -> None:
    """A trade-off front: cost against CO2 (epsilon-constraint) or against compute as the ceiling or budget steps."""
    from gigawatt.analysis.front import AXES
    from gigawatt.analysis.front import front as trade_off

    if x not in AXES:
        _fail(f"--x {x!r}: expected one of {', '.join(AXES)}")
    if values is None and x != "co2":
        _fail(f"--x {x}: give the values of {AXES[x]} to step through with --values, e.g. 3000,4000,5000")
    if values is None and n < 2:
        _fail(f"--n {n}: expected at least 2 points")
    if workers < 1:
        _fail(f"--workers {workers}: expected 1 or more")
    steps = _numbers("--values", values) if values is not None else None
    _check_solve_options(solver, time_limit, mip_gap, threads)
    _check_new_store(store)
    scn = _load(scenario, set_)
    if solver is None:
        _check_solver(scn.settings.solver.name, f"solver.name of scenario {scn.name!r}:")
    options = {"solver": solver, "time_limit": time_limit, "mip_gap": mip_gap, "threads": threads, "progress": not quiet}
    with _exits_without_a_plan(scn), stop.handling():  # the request outlives the study's own block, to be read here
        found = trade_off(scn, x=x, n=n, values=steps, workers=workers, **options)
        interrupted = stop.requested()
    _say(found.summary())
    planned = [p for p in found.plans if p is not None]
    failed = sum(1 for p in planned if p.verify())
    if failed:
        _warn(f"verify found violations in {failed} of {len(planned)} plans")
    else:
        _say(f"{len(planned)} plans verified: the independent check found no violation", "green")
    if store is not None:
        from gigawatt.sweeps import record_front

        _recorded(store, lambda: record_front(found, scn, store, _stored_options(options)))
    if interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)


def _check_solve_options(solver: str | None, time_limit: float | None, mip_gap: float | None, threads: int | None) -> None:
    """The solve options every command that solves takes, or exit 2 naming the one that is wrong."""
    _check_seconds("--time-limit", time_limit)
    _check_gap("--mip-gap", mip_gap)
    _check_threads(threads)
    if solver is not None:
        _check_solver(solver, "--solver")


@contextlib.contextmanager
def _exits_without_a_plan(scn: Scenario) -> Iterator[None]:
    """Exit 3 with the explanation when the scenario has no plan, 4 when none was found within the limits."""
    from gigawatt.errors import InfeasibleScenario, NoPlan

    try:
        yield
    except InfeasibleScenario as error:
        _print_infeasible(scn, error)
        raise typer.Exit(EXIT_INFEASIBLE) from None
    except NoPlan as error:
        _warn("No plan:", error)
        raise typer.Exit(EXIT_NO_PLAN) from None


def _check_new_store(store: Path | None) -> None:
    """``--store`` names a results store or a file that does not exist yet, or exit 2."""
    if store is None:
        return
    from gigawatt.sweeps.store import check_store

    try:
        check_store(store, must_exist=False)
    except FileProblem as error:
        _fail(f"--store {error}")


def _stored_options(options: dict[str, object]) -> dict[str, object]:
    """The solve options a recorded run keeps (not how progress was shown)."""
    return {k: v for k, v in options.items() if k != "progress"}


def _recorded(store: Path, record: Callable[[], int]) -> None:
    """Record plans in ``--store`` and say how many, or exit 2 saying why the file could not be written."""
    try:
        count = record()
    except FileProblem as error:
        _fail(f"--store {error}")
    _say(f"{count} plans recorded in {store}")


def _numbers(option: str, text: str) -> list[float]:
    """``--values 3000,4000``: finite numbers separated by commas, or exit 2."""
    out = []
    for item in text.split(","):
        try:
            value = float(item)
        except ValueError:
            _fail(f"{option} {text!r}: {item.strip()!r} is not a number; expected numbers separated by commas")
        if not math.isfinite(value):
            _fail(f"{option} {text!r}: {item.strip()!r}: expected a finite number")
        out.append(value)
    return out


@app.command()
@_guarded
def report(
    source: Annotated[Path, typer.Argument(help="A saved plan folder (solve --out) or a results store (sweep --store).")],
    out_file: Annotated[Path | None, typer.Option("--out", help="HTML file (default: DIR/report.html, or STORE.html).")] = None,
    verify: Annotated[bool, typer.Option(help="Run the independent checker and list what it finds (plans).")] = True,
    force: ForceOption = False,
) -> None:
    """Write a self-contained HTML report that opens offline: a plan's charts and tables, or a sweep's runs compared."""
    from gigawatt.plan.plan import is_plan_folder
    from gigawatt.plot import report as plan_report
    from gigawatt.plot import runs_report

    if source.is_dir() and ((source / "plan.json").exists() or is_plan_folder(source)):
        target = out_file or source / "report.html"
        write = functools.partial(plan_report, _load_plan(source), target, verify=verify, overwrite=force)
    elif source.is_file():
        target = out_file or source.with_suffix(".html")
        runs_frame, power = _read_store(source), _read_store(source, "power")
        write = functools.partial(runs_report, runs_frame, target, title=f"gigawatt runs: {source.name}", power=power, overwrite=force)
    else:
        _fail(f"Nothing to report at {source}: expected a plan folder (solve --out) or a results store (sweep --store)")
    _say(f"report written to {_write(write, target)}")


def main() -> None:
    """Console-script entry point; a solver call left to stop in the background after Ctrl-C does not hold up the exit."""
    try:
        app()
    except SystemExit as done:
        if stop.abandoned_running():  # everything is written: end now rather than wait for it
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0 if done.code is None else done.code if isinstance(done.code, int) else EXIT_BUG)
        raise


if __name__ == "__main__":
    main()
