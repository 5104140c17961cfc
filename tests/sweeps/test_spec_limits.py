"""Sweeps refuse what they cannot run (sizes, seeds, workers, solve options) before a store exists or a run starts."""

from __future__ import annotations

import re
from pathlib import Path

import pydantic
import pytest
from builders import SCENARIOS

import gigawatt as gw
from gigawatt.scenario import ScenarioError
from gigawatt.sweeps.spec import MAX_RUNS, MAX_SAMPLES, SweepSpec, spec_from_mapping

TINY = SCENARIOS / "tiny"


def refusal(tmp_path: Path, **kwargs: object) -> str:
    """The message of a sweep that must be refused; the store it names must not exist afterwards."""
    store = tmp_path / "runs.duckdb"
    with pytest.raises(ScenarioError) as info:
        gw.sweep(TINY, workers=0, progress=False, store=store, **kwargs)
    assert not store.exists(), "the store was created before the sweep was refused"
    return str(info.value)


def test_a_grid_of_a_million_points_is_refused_with_its_count(tmp_path: Path) -> None:
    grid = {"ceiling_mw": list(range(1, 1001)), "load_factor": [i / 1000 for i in range(1, 1001)]}
    message = refusal(tmp_path, grid=grid)
    assert "the sweep holds 1,000,000 runs (grid 1,000 x 1,000 = 1,000,000); at most 100,000 expected" in message


def test_variants_multiply_the_count() -> None:
    with pytest.raises(pydantic.ValidationError, match=re.escape("holds 100,002 runs (grid 50,001, times 2 variants)")):
        SweepSpec(grid={"ceiling_mw": list(range(50_001))}, variants=["a", "b"])
    assert SweepSpec(grid={"ceiling_mw": list(range(MAX_RUNS))}).run_count() == MAX_RUNS


@pytest.mark.parametrize(
    "spec",
    [
        {"grid": {"a": [1, 2, 3], "b": [4, 5]}, "variants": ["x", "y"]},
        {"sensitivity": {"step": 0.1, "parameters": ["a", "b*"]}, "samples": {"n": 3, "ranges": {"c": [0, 1]}}},
        {},
        {"variants": ["x", "y", "z"]},
    ],
)
def test_the_count_matches_the_runs(spec: dict) -> None:
    parsed = SweepSpec.model_validate(spec)
    assert parsed.run_count() == len(parsed.runs())


@pytest.mark.parametrize(
    ("samples", "column", "fragment"),
    [
        ({"n": 1e9, "ranges": {"ceiling_mw": [1, 2]}}, "samples.n", f"less than or equal to {MAX_SAMPLES}"),
        ({"n": True, "ranges": {"ceiling_mw": [1, 2]}}, "samples.n", "true is not a number"),
        ({"n": 4, "seed": -1, "ranges": {"ceiling_mw": [1, 2]}}, "samples.seed", "greater than or equal to 0"),
        ({"n": 4, "seed": 2**70, "ranges": {"ceiling_mw": [1, 2]}}, "samples.seed", "less than or equal to"),
    ],
)
def test_bad_samples_are_refused_by_key(samples: dict, column: str, fragment: str) -> None:
    with pytest.raises(ScenarioError) as info:
        spec_from_mapping({"samples": samples}, "sweep.yaml")
    (problem,) = info.value.problems
    assert (problem.file, problem.column) == ("sweep.yaml", column) and fragment in problem.message


def test_a_negative_seed_is_refused_before_the_store(tmp_path: Path) -> None:
    message = refusal(tmp_path, samples={"n": 2, "seed": -1, "ranges": {"ceiling_mw": [100, 120]}})
    assert "sweep, key 'samples.seed': Input should be greater than or equal to 0" in message


@pytest.mark.parametrize(
    ("workers", "shown"),
    [(-1, "-1"), (1.5, "1.5"), (True, "true"), ("2", "2"), (10**6, "1000000")],
)
def test_bad_workers_are_refused_before_the_store(tmp_path: Path, workers: object, shown: str) -> None:
    store = tmp_path / "runs.duckdb"
    with pytest.raises(ScenarioError) as info:
        gw.sweep(TINY, grid={"ceiling_mw": [100]}, workers=workers, progress=False, store=store)  # type: ignore[arg-type]
    assert not store.exists()
    message = str(info.value)
    assert f"sweep, key 'workers': {shown}: expected a whole number from 0 (run in this process) to 1,024" in message


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"time_limit": -1}, "solve options, key 'time_limit': -1: expected seconds > 0, or none for no limit"),
        ({"time_limit": True}, "solve options, key 'time_limit': true: expected seconds > 0"),
        ({"mip_gap": 1.5}, "solve options, key 'mip_gap': 1.5: expected a relative gap ≥ 0 and < 1"),
        ({"threads": 0}, "solve options, key 'threads': 0: expected a whole number from 1 to 1,024"),
        ({"solver": "gurobi"}, "solve options, key 'solver': 'gurobi': expected 'highs' or 'pyomo:<name>'"),
        ({"strategy": "fast"}, "solve options, key 'strategy': 'fast': expected one of 'auto', 'phased', 'shortlist', 'single'"),
        ({"time_limt": 30}, "solve options, key 'time_limt': unknown solve option (did you mean 'time_limit'?)"),
        ({"presolve": "maybe"}, "solve options, key 'presolve': 'maybe': HiGHS refuses this value for the option"),
        ({"random_seed": True}, "solve options, key 'random_seed': true: HiGHS refuses this value for the option"),
    ],
)
def test_bad_solve_options_are_refused_before_the_store(tmp_path: Path, options: dict, expected: str) -> None:
    assert expected in refusal(tmp_path, grid={"ceiling_mw": [100]}, **options)


def test_a_spec_solve_section_is_checked_too(tmp_path: Path) -> None:
    message = refusal(tmp_path, spec={"grid": {"ceiling_mw": [100]}, "solve": {"time_limit": -1, "mip_gapp": 0.1}})
    assert "2 problems" in message and "key 'time_limit': -1" in message and "did you mean 'mip_gap'?" in message


def test_good_raw_highs_options_and_other_solvers_pass_through(tmp_path: Path) -> None:
    runs = gw.sweep(TINY, grid={"ceiling_mw": [100]}, workers=0, progress=False, presolve="off", random_seed=3)
    assert list(runs["status"]) == ["optimal"]
    runs = gw.sweep(TINY, grid={"ceiling_mw": [100]}, workers=0, progress=False, solver="pyomo:no_such_solver", some_option=1)
    assert list(runs["status"]) == ["failed"]  # an unavailable Pyomo solver may exist on a remote worker: each run says why
