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


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
