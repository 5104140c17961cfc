"""Hostile input: every mutation kind in :mod:`fuzz.mutations`, driven by hypothesis.

Through the Python API (``gw.load_scenario``) each case must load or raise ScenarioError alone,
naming the broken file (line, column) with every problem readable; a sample of the cases that must
be refused goes through ``gigawatt validate`` / ``gigawatt solve --out`` in-process, and one case per
kind through the real command in a subprocess: exit code 2, the file named, no traceback, no output
folder. ``python tests/fuzz/run.py --cases 20000`` runs many more seeded cases outside pytest.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from fuzz.mutations import ALWAYS_INVALID, COUNTS, MUTATIONS, SOURCES, Expect, HypothesisDraw, RandomDraw, Workspace, check
from gigawatt.cli import app

#: Cases per mutation kind through the Python API (49 kinds: about 300 cases in all). CI keeps the fuzz
#: tests near a minute; ``python tests/fuzz/run.py --cases 25000`` runs the volume.
EXAMPLES_PER_KIND = 6
CLI_EXAMPLES = 30
#: Kinds run once each through the real command in a subprocess (one per family: cells, bytes, YAML, paths).
SUBPROCESS_KINDS = ("wrong_dtype", "binary_junk", "yaml_alias_bomb", "symlink_escape")


@pytest.mark.parametrize("kind", list(MUTATIONS))
@settings(max_examples=EXAMPLES_PER_KIND, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_broken_scenario_loads_or_raises_scenario_error_naming_the_file(kind: str, data: st.DataObject) -> None:
    source = data.draw(st.sampled_from(list(SOURCES)), label="source")
    with tempfile.TemporaryDirectory(prefix="gw-fuzz-") as tmp:
        ws = Workspace.create(Path(tmp), source)
        expect = MUTATIONS[kind](ws, HypothesisDraw(data))
        outcome = check(ws, expect)
        COUNTS[kind, "refused" if outcome.error is not None else "loaded"] += 1
        assert outcome.failure is None, f"{outcome.failure}\n{'; '.join(ws.notes)}"
        if kind == "yaml_python_tag":
            assert not (Path(tmp) / "owned").exists(), "a YAML tag ran code"


@settings(max_examples=CLI_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(ALWAYS_INVALID), command=st.sampled_from(["validate", "solve"]), data=st.data())
def test_the_command_line_exits_2_naming_the_file_and_writes_nothing(kind: str, command: str, data: st.DataObject) -> None:
    source = data.draw(st.sampled_from(list(SOURCES)), label="source")
    with tempfile.TemporaryDirectory(prefix="gw-fuzz-") as tmp:
        ws = Workspace.create(Path(tmp), source)
        expect = MUTATIONS[kind](ws, HypothesisDraw(data))
        out = Path(tmp) / "plan-out"
        args = [command, str(ws.folder)] + (["--out", str(out)] if command == "solve" else [])
        result = CliRunner().invoke(app, args)
        COUNTS[kind, "cli"] += 1
        assert result.exit_code == 2, result.output
        assert isinstance(result.exception, SystemExit), repr(result.exception)
        assert "Traceback" not in result.output
        assert _named(expect, result.output), result.output
        assert not out.exists()


def _named(expect: Expect, output: str) -> bool:
    """The output names the file, with its line and column where the expectation has them."""
    if expect.file is None:
        return True
    where = expect.file + (f", line {expect.line}" if expect.line is not None else "")
    return where in output and (expect.column is None or f"'{expect.column}'" in output)


def _subprocess_case(index: int, kind: str) -> tuple[str, str | None]:
    """One seeded case of ``kind`` through ``python -m gigawatt.cli solve ... --out``; a failure message or None."""
    source = list(SOURCES)[index % len(SOURCES)]
    with tempfile.TemporaryDirectory(prefix="gw-fuzz-") as tmp:
        ws = Workspace.create(Path(tmp), source)
        expect = MUTATIONS[kind](ws, RandomDraw(index))
        out = Path(tmp) / "plan-out"
        cmd = [sys.executable, "-m", "gigawatt.cli", "solve", str(ws.folder), "--out", str(out)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        said = proc.stdout + proc.stderr
        if proc.returncode != 2 or "Traceback" in said:
            return kind, f"{kind}:{source}:{index}: exit {proc.returncode}\n{said[-3000:]}"
        if not _named(expect, proc.stderr):
            return kind, f"{kind}:{source}:{index}: stderr does not name {expect}\n{proc.stderr[-3000:]}"
        if out.exists():
            return kind, f"{kind}:{source}:{index}: {out} was written"
    return kind, None


def test_the_installed_command_refuses_without_a_traceback() -> None:
    """The real process, as a user runs it: one seeded case per family of breakage, two at a time."""
    assert set(SUBPROCESS_KINDS) <= set(ALWAYS_INVALID)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(_subprocess_case, range(len(SUBPROCESS_KINDS)), SUBPROCESS_KINDS))
    for kind, _ in results:
        COUNTS[kind, "subprocess"] += 1
    failures = [f for _, f in results if f]
    assert not failures, "\n\n".join(failures)
