"""The ``gigawatt`` command line: validate and solve scenarios.

Exit codes: 0 a plan was found (or the scenario is valid); 2 invalid input; 3 infeasible;
4 no plan within the limits (time limit without a feasible point, solver failure).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from gigawatt.scenario import Scenario, ScenarioError, load_scenario

app = typer.Typer(help="Plan AI compute buildouts under a power ceiling.", no_args_is_help=True, add_completion=False)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_INVALID, EXIT_INFEASIBLE, EXIT_NO_PLAN = 2, 3, 4

SetOption = Annotated[list[str] | None, typer.Option("--set", help="Override a setting: KEY=VALUE (dotted keys for nested settings).")]


def _load(path: Path, overrides: list[str] | None) -> Scenario:
    """Load the scenario and apply ``--set`` overrides, or exit 2 listing every problem."""
    try:
        scenario = load_scenario(path)
        pairs = {}
        for item in overrides or []:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise typer.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint="--set")
            pairs[key.strip()] = value
        return scenario.with_overrides(pairs) if pairs else scenario
    except ScenarioError as error:
        err.print(f"[bold red]Invalid scenario[/] {path}:")
        for problem in error.problems:
            err.print(f"  - {problem}", markup=False)
        raise typer.Exit(EXIT_INVALID) from None


@app.command()
def validate(scenario: Annotated[Path, typer.Argument(help="Scenario folder.")], set_: SetOption = None) -> None:
    """Check a scenario and print its summary; exit 2 with every problem found."""
    scn = _load(scenario, set_)
    out.print(scn.summary(), markup=False)
    out.print("[green]valid[/]")


@app.command()
def solve(
    scenario: Annotated[Path, typer.Argument(help="Scenario folder.")],
    set_: SetOption = None,
    solver: Annotated[str | None, typer.Option(help="Solver backend (default: the scenario's, else highs).")] = None,
    time_limit: Annotated[float | None, typer.Option(help="Seconds.")] = None,
    mip_gap: Annotated[float | None, typer.Option(help="Relative MIP gap.")] = None,
    threads: Annotated[int | None, typer.Option(help="Solver threads.")] = None,
    relax: Annotated[bool, typer.Option(help="Solve the LP relaxation (screening).")] = False,
    continuous_units: Annotated[bool, typer.Option(help="Let chip units be fractional.")] = False,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Write the plan (Parquet + JSON) here.")] = None,
    tee: Annotated[bool, typer.Option(help="Show the solver log.")] = False,
) -> None:
    """Solve a scenario, print the plan's summary and its verification, optionally save it."""
    from gigawatt.errors import InfeasibleScenario, NoPlan
    from gigawatt.solving import solve as solve_scenario

    scn = _load(scenario, set_)
    try:
        plan = solve_scenario(
            scn,
            solver=solver,
            time_limit=time_limit,
            mip_gap=mip_gap,
            threads=threads,
            relax=relax,
            integer_units=not continuous_units,
            tee=tee,
        )
    except InfeasibleScenario as error:
        if len(error.findings):
            err.print(f"[bold red]Infeasible:[/] scenario {scn.name!r} has no plan. What cannot be met, and by how much:")
            for row in error.findings.itertuples(index=False):
                err.print(f"  - {row.message}", markup=False)
        else:
            err.print(f"[bold red]Infeasible:[/] {error}")
        if len(error.conflict):
            names = error.conflict.groupby("constraint").size()
            err.print(
                "  conflicting constraints (IIS of the LP relaxation): " + ", ".join(f"{n} x{k}" for n, k in names.items()), markup=False
            )
        raise typer.Exit(EXIT_INFEASIBLE) from None
    except NoPlan as error:
        err.print(f"[bold red]No plan:[/] {error}")
        raise typer.Exit(EXIT_NO_PLAN) from None
    out.print(plan.summary(), markup=False)
    violations = plan.verify()
    if violations:
        err.print(f"[bold red]verify found {len(violations)} violation(s):[/]")
        for v in violations:
            err.print(f"  - {v.message}", markup=False)
    else:
        out.print("[green]verified[/]: the independent check found no violation")
    if out_dir is not None:
        plan.save(out_dir)
        out.print(f"saved to {out_dir}")


@app.command()
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

    base = _load(scenario, None)
    try:
        if file is not None and (grid or variant):
            raise typer.BadParameter("give either --file or --grid/--variant", param_hint="--file")
        spec = load_spec(file) if file is not None else None
        parts = {} if file is not None else {"grid": parse_grid(grid or []) or None, "variants": [str(v) for v in variant or []] or None}
    except ScenarioError as error:
        err.print(f"[bold red]Invalid sweep[/] {file or '--grid'}:")
        for problem in error.problems:
            err.print(f"  - {problem}", markup=False)
        raise typer.Exit(EXIT_INVALID) from None
    runs = run_sweep(base, spec=spec, **parts, workers=workers, scheduler=scheduler, store=store, time_limit=time_limit, mip_gap=mip_gap)
    _print_runs(runs)
    out.print(f"{len(runs)} runs in {store}")


@app.command()
def runs(
    store: Annotated[Path, typer.Argument(help="DuckDB results file written by `gigawatt sweep`.")],
    table: Annotated[str | None, typer.Option(help="Print this plan table of every run instead (e.g. power).")] = None,
) -> None:
    """Print the runs of a results store (or one plan table of every run)."""
    from gigawatt.sweeps import load_runs

    if not store.exists():
        err.print(f"[bold red]No results store[/] at {store}")
        raise typer.Exit(EXIT_INVALID)
    try:
        frame = load_runs(store, table=table)
    except KeyError as error:
        err.print(f"[bold red]{error.args[0]}[/]")
        raise typer.Exit(EXIT_INVALID) from None
    if table is None:
        _print_runs(frame)
    else:
        out.print(frame.to_string(index=False), markup=False)


#: Columns of the runs table as printed: (heading, column, format).
RUN_FIGURES = (
    ("status", "status", "{}"),
    ("cost B USD", "objective_usd", "{:,.3f}"),
    ("gap", "gap", "{:.3%}"),
    ("peak MW", "peak_facility_mw", "{:,.0f}"),
    ("EFLOP/s last yr", "final_year_eflops", "{:,.1f}"),
    ("ceiling USD/MW-yr", "ceiling_dual_usd_per_mw_yr", "{:,.0f}"),
    ("s", "seconds", "{:.1f}"),
)


def _print_runs(frame: object) -> None:
    """A rich table: one line per run, its label, status and headline figures (errors in full below)."""
    import pandas as pd
    from rich.table import Table
    from rich.text import Text

    table = Table(show_lines=False)
    for heading in ("run", "label", *(h for h, _, _ in RUN_FIGURES)):
        table.add_column(heading, overflow="fold")
    for row in frame.itertuples(index=False):  # type: ignore[attr-defined]
        values = {c: getattr(row, c) for _, c, _ in RUN_FIGURES}
        values["objective_usd"] = values["objective_usd"] / 1e9
        cells = [row.run_id[:8], row.label] + ["" if pd.isna(values[c]) else fmt.format(values[c]) for _, c, fmt in RUN_FIGURES]
        table.add_row(*map(Text, cells))  # plain text: labels such as chips[rubin] are not markup
    Console(highlight=False, width=None if out.is_terminal else 160).print(table)  # files and pipes get full lines
    for row in frame.itertuples(index=False):  # type: ignore[attr-defined]
        if isinstance(row.error, str) and row.error:
            out.print(f"  {row.run_id[:8]} {row.status}: {row.error}", markup=False)


@app.command()
def report(
    source: Annotated[Path, typer.Argument(help="A saved plan folder (solve --out) or a results store (sweep --store).")],
    out_file: Annotated[Path | None, typer.Option("--out", help="HTML file (default: DIR/report.html, or STORE.html).")] = None,
    verify: Annotated[bool, typer.Option(help="Run the independent checker and list what it finds (plans).")] = True,
) -> None:
    """Write a self-contained HTML report that opens offline: a plan's charts and tables, or a sweep's runs compared."""
    from rich.markup import escape

    if (source / "plan.json").is_file():
        from gigawatt.plan.plan import load_plan
        from gigawatt.plot import report as plan_report

        written = plan_report(load_plan(source), out_file or source / "report.html", verify=verify)
    elif source.is_file():
        from gigawatt.plot import runs_report
        from gigawatt.sweeps import load_runs

        try:
            runs_frame, power = load_runs(source), load_runs(source, table="power")
        except Exception as error:  # not a DuckDB file, or not one of ours
            err.print(f"[bold red]Not a results store[/] {escape(str(source))}: {escape(str(error))}")
            raise typer.Exit(EXIT_INVALID) from None
        written = runs_report(runs_frame, out_file or source.with_suffix(".html"), title=f"gigawatt runs: {source.name}", power=power)
    else:
        err.print(f"[bold red]Nothing to report[/] at {escape(str(source))}: expected a plan folder (with plan.json) or a results store")
        raise typer.Exit(EXIT_INVALID)
    out.print(f"report written to {written}", markup=False)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
