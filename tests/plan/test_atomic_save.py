"""Atomic outputs: ``plan.save`` and ``gigawatt solve --out`` replace a saved plan whole or not at all.

An interrupted save (a failing writer, Ctrl-C between the renames, a killed process) leaves the
previous plan loadable and identical, and no temporary folder once the next save has run.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from builders import ROOT, SCENARIOS
from typer.testing import CliRunner

import gigawatt as gw
import gigawatt.plan.plan as plan_module
from gigawatt.cli import app
from gigawatt.plan.tables import PLAN_TABLES


@pytest.fixture(scope="module")
def plans() -> tuple[gw.Plan, gw.Plan]:
    """Two different plans of the tiny scenario (without and with a carbon price)."""
    scn = gw.load_scenario(SCENARIOS / "tiny")
    a, b = gw.solve(scn, threads=1), gw.solve(scn.with_overrides(carbon_price_usd_per_t=50), threads=1)
    assert a.objective != b.objective
    return a, b


def same(saved: gw.Plan, plan: gw.Plan) -> bool:
    """The saved plan is ``plan``: objective to the bit, every table cell, the scenario."""
    if float(saved.objective).hex() != float(plan.objective).hex() or saved.scenario.hash != plan.scenario.hash:
        return False
    for name in PLAN_TABLES:
        pd.testing.assert_frame_equal(saved.tables[name], plan.tables[name], check_exact=True)
    return True


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_failing_writer_leaves_the_previous_plan(plans, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = plans
    target = a.save(tmp_path / "run")
    calls = []
    real = pd.DataFrame.to_parquet

    def fail_after_one(frame, *args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            raise OSError("disk full")
        return real(frame, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", fail_after_one)
    with pytest.raises(OSError, match="disk full"):
        b.save(target)
    monkeypatch.undo()
    assert len(calls) == 2  # the first table was written before the failure
    assert same(gw.load_plan(target), a)
    assert listing(tmp_path) == ["run"]


@pytest.mark.parametrize("failing_call", [1, 2])
def test_ctrl_c_during_the_renames_leaves_the_previous_plan(plans, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing_call: int):
    """Interrupted as the old plan moves aside (call 1) or as the new one moves in (call 2)."""
    a, b = plans
    target = a.save(tmp_path / "run")
    real, calls = os.replace, []

    def interrupted(src, dst):
        calls.append((src, dst))
        if len(calls) == failing_call:
            if failing_call == 2:
                raise KeyboardInterrupt
            real(src, dst)
            raise KeyboardInterrupt  # after the rename took effect
        return real(src, dst)

    monkeypatch.setattr(plan_module.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        b.save(target)
    monkeypatch.undo()
    assert same(gw.load_plan(target), a)
    assert listing(tmp_path) == ["run"]


def test_a_save_killed_between_the_renames_is_found_by_load_and_by_the_next_save(plans, tmp_path: Path) -> None:
    a, b = plans
    target = a.save(tmp_path / "run")
    os.replace(target, tmp_path / ".run.old")  # what a kill right after the first rename leaves
    assert same(gw.load_plan(target), a)
    b.save(target)
    assert same(gw.load_plan(target), b)
    assert listing(tmp_path) == ["run"]


_SAVE_FOREVER = """
import sys
import gigawatt as gw
plans = [gw.load_plan(p) for p in sys.argv[2:4]]
plans[0].save(sys.argv[1])
print("ready", flush=True)
i = 1
while True:
    plans[i % 2].save(sys.argv[1])
    i += 1
"""


def test_a_killed_process_leaves_one_whole_plan(plans, tmp_path: Path) -> None:
    """A process saving two plans in turn, killed (SIGKILL) at random moments: always one whole plan, never a mix."""
    a, b = plans
    sources = [a.save(tmp_path / "a"), b.save(tmp_path / "b")]
    target = tmp_path / "out" / "run"
    rng = random.Random(20)
    for _ in range(6):
        proc = subprocess.Popen([sys.executable, "-c", _SAVE_FOREVER, str(target), *map(str, sources)], stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.4))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        saved = gw.load_plan(target)
        assert same(saved, a) if saved.objective == a.objective else same(saved, b)
    b.save(target)  # sweeps the temporary folders of the killed processes
    assert listing(target.parent) == ["run"]
    assert same(gw.load_plan(target), b)


def test_solve_out_interrupted_keeps_the_previous_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "run"
    folder = str(SCENARIOS / "tiny")
    first = CliRunner().invoke(app, ["solve", folder, "--out", str(out), "--threads", "1"])
    assert first.exit_code == 0, first.output
    before = gw.load_plan(out)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", broken)
    second = CliRunner().invoke(app, ["solve", folder, "--out", str(out), "--set", "carbon_price_usd_per_t=50", "--threads", "1"])
    monkeypatch.undo()
    assert second.exit_code != 0
    assert same(gw.load_plan(out), before)
    assert listing(tmp_path) == ["run"]


def test_solve_out_on_a_bad_scenario_creates_nothing(tmp_path: Path) -> None:
    out = tmp_path / "new" / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "gigawatt.cli", "solve", str(SCENARIOS / "tiny"), "--set", "ceiling_mw=-1", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "ceiling_mw" in proc.stderr
    assert not (tmp_path / "new").exists()
