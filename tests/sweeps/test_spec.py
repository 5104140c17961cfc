"""Sweep definitions: grids, sensitivities, Latin-hypercube samples, variants, YAML files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gigawatt.scenario import ScenarioError
from gigawatt.sweeps.spec import SweepSpec, load_spec, parse_grid, spec_from_mapping


def test_grid_is_the_product_in_order() -> None:
    runs = SweepSpec(grid={"a": [1, 2], "b": ["x", "y", "z"]}).runs()
    assert [dict(r.params) for r in runs] == [{"a": a, "b": b} for a in (1, 2) for b in "xyz"]
    assert runs[0].label == "a=1, b=x"


def test_sensitivity_is_base_plus_two_runs_per_parameter() -> None:
    runs = SweepSpec(sensitivity={"step": 0.2, "parameters": ["ceiling_mw", "supplies.capacity_mw*"]}).runs()
    assert [dict(r.params) for r in runs] == [
        {},
        {"ceiling_mw*": 0.8},
        {"ceiling_mw*": 1.2},
        {"supplies.capacity_mw*": 0.8},
        {"supplies.capacity_mw*": 1.2},
    ]
    assert runs[0].label == "base"


def test_latin_hypercube_puts_one_sample_in_every_stratum() -> None:
    n = 10
    runs = SweepSpec(samples={"n": n, "seed": 3, "ranges": {"x*": [0.5, 1.5], "year": [2026, 2036]}}).runs()
    xs = np.array([r.params["x*"] for r in runs])
    assert sorted(np.floor((xs - 0.5) * n).astype(int)) == list(range(n))  # one sample per tenth of [0.5, 1.5]
    assert all(isinstance(r.params["year"], int) and 2026 <= r.params["year"] <= 2036 for r in runs)
    again = SweepSpec(samples={"n": n, "seed": 3, "ranges": {"x*": [0.5, 1.5], "year": [2026, 2036]}}).runs()
    assert again == runs  # seeded


def test_variants_cross_the_other_runs() -> None:
    runs = SweepSpec(grid={"ceiling_mw": [1, 2]}, variants=["v1", "v2"]).runs()
    assert [(r.variant, r.params["ceiling_mw"]) for r in runs] == [("v1", 1), ("v1", 2), ("v2", 1), ("v2", 2)]
    assert SweepSpec().runs()[0].params == {}  # no definition: the base scenario once


def test_parse_grid_reads_yaml_scalars() -> None:
    assert parse_grid(["ceiling_mw=3000,4000", "chips[rubin].first_year=2028", "solver.name=highs"]) == {
        "ceiling_mw": [3000, 4000],
        "chips[rubin].first_year": [2028],
        "solver.name": ["highs"],
    }
    with pytest.raises(ScenarioError, match="expected KEY=V1,V2"):
        parse_grid(["ceiling_mw"])


@pytest.mark.parametrize(
    ("item", "grid"),
    [
        ("supplies[node_id=south].capacity_mw=90,100", {"supplies[node_id=south].capacity_mw": [90, 100]}),
        ("chips[chip_id=rubin].first_year*=1,2", {"chips[chip_id=rubin].first_year*": [1, 2]}),
        ("description=a=b,c", {"description": ["a=b", "c"]}),
    ],
)
def test_parse_grid_splits_at_the_first_equals_outside_brackets(item: str, grid: dict[str, list[object]]) -> None:
    """Was: split at the first ``=``, so ``supplies[node_id=south]...`` became the key ``supplies[node_id``."""
    assert parse_grid([item]) == grid


@pytest.mark.parametrize("item", ["chips[a=b]", "=1,2", "ceiling_mw=", "ceiling_mw= "])
def test_parse_grid_names_an_item_without_key_and_values(item: str) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_grid([item])
    (problem,) = info.value.problems
    assert problem.file == "--grid" and repr(item) in problem.message


def test_yaml_file_resolves_variants_next_to_it(tmp_path: Path) -> None:
    (tmp_path / "sweep.yaml").write_text(
        "name: prices\ngrid:\n  ceiling_mw: [3000, 4000]\nvariants: [../elsewhere]\nsolve: {time_limit: 5}\n"
    )
    spec = load_spec(tmp_path / "sweep.yaml")
    assert spec.name == "prices" and spec.solve == {"time_limit": 5}
    assert spec.variants == [str((tmp_path.parent / "elsewhere").resolve())]


def test_bad_spec_names_key_and_line(tmp_path: Path) -> None:
    (tmp_path / "sweep.yaml").write_text("grid:\n  ceiling_mw: []\nsamples:\n  n: 0\n  ranges: {x: [2, 1]}\ncolour: red\n")
    with pytest.raises(ScenarioError) as info:
        load_spec(tmp_path / "sweep.yaml")
    found = {(p.column, p.line) for p in info.value.problems}
    assert ("grid", 1) in found and ("samples.n", 4) in found and ("colour", 6) in found
    assert any(p.column == "samples.ranges" and "low < high" in p.message for p in info.value.problems)
    with pytest.raises(ScenarioError, match="expected a mapping"):
        spec_from_mapping([1, 2])
