"""Live progress: one line per solver phase on stderr with the best plan, bound and gap of the user's problem; silent
unless asked, and off with ``--quiet``."""

from __future__ import annotations

import io
import re

from builders import SCENARIOS
from rich.console import Console
from typer.testing import CliRunner

import gigawatt as gw
from gigawatt.cli import app
from gigawatt.solvers import progress
from gigawatt.solvers.live import live

runner = CliRunner()


def test_library_solves_are_silent_unless_progress_is_asked(capsys):
    scn = gw.load_scenario(SCENARIOS / "tiny")
    gw.solve(scn)
    assert capsys.readouterr().err == ""
    plan = gw.solve(scn, progress=True)
    err = capsys.readouterr().err
    assert "LP relaxation" in err and "bound" in err.splitlines()[-1]
    assert f"plan {plan.objective / 1e9:,.3f}" in err  # tiny's 422.812 M USD, in B USD


def test_lines_follow_the_phases_and_pass_events_to_an_outer_trace():
    """The phased strategy on tiny: the LP bound (413.231 M USD) first; the last line holds the proven optimum, gap 0."""
    out = io.StringIO()
    with progress.tracing() as outer, live(Console(file=out, width=200)) as trace:
        plan = gw.solve(gw.load_scenario(SCENARIOS / "tiny"), duals=False)
    lines = out.getvalue().splitlines()
    assert [line.split()[0] for line in lines[:2]] == ["LP", "openings"] and "bound 0.413 B USD" in lines[0]
    assert re.search(r"plan 0\.423  bound 0\.423  gap 0\.000 \(0\.00%\) B USD$", lines[-1])
    assert len(lines) == len(plan.metadata["strategy"]["phases"])
    assert [e[1:] for e in outer.events] == [e[1:] for e in trace.events] and outer.first_plan_s is not None


def test_cli_shows_progress_on_stderr_and_quiet_turns_it_off():
    tiny = str(SCENARIOS / "tiny")
    shown = runner.invoke(app, ["solve", tiny])
    assert shown.exit_code == 0 and "LP relaxation" in shown.output and "Plan for 'tiny'" in shown.output
    quiet = runner.invoke(app, ["solve", tiny, "--quiet"])
    assert quiet.exit_code == 0 and "LP relaxation" not in quiet.output and "Plan for 'tiny'" in quiet.output
    verbose = runner.invoke(app, ["solve", tiny, "-q", "-v"])
    assert "strategy        phased" in verbose.output and "early_repair" in verbose.output


def test_tee_prefixes_each_line_of_the_solver_log_with_its_phase():
    result = runner.invoke(app, ["solve", str(SCENARIOS / "tiny"), "--tee", "--quiet"])
    logged = [line for line in result.output.splitlines() if line.startswith("[")]
    phases = {line[1 : line.index("]")] for line in logged}
    assert {"LP relaxation", "openings", "bound"} <= phases and "Running HiGHS" not in result.output
    assert any(line.startswith("[LP relaxation] LP has") for line in logged)
