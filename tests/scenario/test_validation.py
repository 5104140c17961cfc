"""Validation: each rule breaks a copy of ``scenarios/tiny`` one way and finds file, line and column.

Lines count as an editor does: the CSV header is line 1, the first data row line 2.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gigawatt as gw
from gigawatt.scenario import Problem, ScenarioError, files

if TYPE_CHECKING:
    from conftest import Copy

RETURNED = "returned"  # the line is the one the edit returns (appended YAML, added rows)


@dataclass(frozen=True)
class Case:
    """One way to break the scenario, and the problem it must produce."""

    id: str
    edit: Callable[[Copy], int | None]
    file: str
    line: int | str | None
    column: str | None
    fragment: str


def _link_to_self(c: Copy) -> None:
    c.set("links", 0, "to_node", c.cell("links", 0, "from_node"))


def _island(c: Copy) -> None:
    c.append("nodes", {"node_id": "island", "lat": 45, "lon": -100})
    c.set("sites", 0, "node_id", "island")


def _no_liquid_site(c: Copy) -> None:
    c.set_all("sites", "cooling", "air")
    c.set("chips", 0, "cooling", "liquid")


def _duplicate(table: str, column: str) -> Callable[[Copy], None]:
    return lambda c: c.set(table, 1, column, c.cell(table, 0, column))


def _regions_then(table: str, column: str, value: str) -> Callable[[Copy], None]:
    def edit(c: Copy) -> None:
        c.add_regions()
        c.set(table, 0, column, value)

    return edit


def _runs(column: str, value: object, pairs: list[list[str]] | None = None) -> Callable[[Copy], None]:
    """Write a training_runs.csv of two valid runs (and a training_sites.csv of ``pairs``), then set one cell of the second."""

    def edit(c: Copy) -> None:
        header = ["run_id", "first_year", "last_year", "eflops", "families", "max_campuses", "split_loss_frac"]
        c.write("training_runs", header, [["r1", "2026", "2027", "5", "", "1", ""], ["r2", "2027", "2027", "8", "old_air", "2", "0.1"]])
        if pairs is not None:
            c.write("training_sites", ["run_id", "site_id", "cost_usd"], pairs)
        c.set("training_runs", 1, column, value)

    return edit


def _tranches(row: int, column: str, value: object) -> Callable[[Copy], None]:
    """Write an interconnection.csv of two valid tranches at the first site, then set one cell."""

    def edit(c: Copy) -> None:
        header = ["tranche_id", "site_id", "firm_mw", "earliest_year", "cost_usd_per_mw"]
        site = c.cell("sites", 0, "site_id")
        c.write("interconnection", header, [["t1", site, "100", "2027", "1e5"], ["t2", site, "200", "2028", "1e5"]])
        c.set("interconnection", row, column, value)

    return edit


def _generators(row: int, column: str, value: object) -> Callable[[Copy], None]:
    """Write a generators.csv of a valid turbine and a valid battery, then set one cell."""

    def edit(c: Copy) -> None:
        header = [
            "tech_id",
            "kind",
            "capex_usd_per_kw",
            "capex_usd_per_kwh",
            "heat_rate_mmbtu_per_mwh",
            "lifetime_years",
            "max_mw_per_site",
            "unit_mw",
        ]
        c.write(
            "generators",
            header,
            [["gt", "generator", "1500", "0", "9.5", "20", "400", "35"], ["bess", "battery", "400", "300", "0", "15", "200", "0"]],
        )
        c.set("generators", row, column, value)

    return edit


def _extends(c: Copy, target: str) -> int:
    return c.yaml_append(f"extends: {target}")


def _cycle(c: Copy) -> int:
    other = c.root / "other"
    other.mkdir()
    (other / "scenario.yaml").write_text("extends: ../tiny\n")
    return _extends(c, "../other")


def _outside(c: Copy) -> Path:
    """A valid scenario folder next to (not inside) the scenarios root."""
    target = c.root.parent / "elsewhere"
    shutil.copytree(c.path, target)
    return target


def _symlink_outside(c: Copy) -> None:
    target = _outside(c) / "sites.csv"
    (c.path / "sites.csv").unlink()
    (c.path / "sites.csv").symlink_to(target)


def _table_path_outside(c: Copy) -> int:
    _outside(c)
    return c.yaml_append("tables:\n  sites: ../../elsewhere/sites.csv") + 1


def _csv_bytes(table: str, data: bytes) -> Callable[[Copy], None]:
    return lambda c: (c.path / f"{table}.csv").write_bytes(data)


def _semicolons(c: Copy) -> None:
    path = c.path / "nodes.csv"
    path.write_text(path.read_text().replace(",", ";"))


def _header_only(table: str) -> Callable[[Copy], None]:
    return lambda c: c.write(table, c.read(table)[0], [])


def _extra_value(c: Copy) -> int:
    path = c.path / "nodes.csv"
    lines = path.read_text().splitlines()
    lines[1] += ",99"
    path.write_text("\n".join(lines) + "\n")
    return 2


def _duplicate_column(c: Copy) -> None:
    header, rows = c.read("nodes")
    c.write("nodes", [*header, "lat"], [[*r, r[header.index("lat")]] for r in rows])


def _blank_lines_then_bad_pue(c: Copy) -> int:
    """Blank lines (as people leave them) still count: the message names the editor's line."""
    header, rows = c.read("sites")
    rows[-1][header.index("pue")] = "0.9"
    c.write("sites", header, rows)
    path = c.path / "sites.csv"
    lines = path.read_text().splitlines()
    lines[1:1] = ["", ""]
    path.write_text("\n".join(lines) + "\n")
    return len(lines)


def _nested_unknown(c: Copy) -> int:
    lines = c.yaml_lines()
    keep, skipping = [], False
    for ln in lines:  # drop any solver block the scenario has, to add our own
        skipping = ln.startswith("solver:") or (skipping and ln.startswith((" ", "\t")))
        if not skipping:
            keep.append(ln)
    (c.path / "scenario.yaml").write_text("\n".join(keep) + "\n")
    return c.yaml_append("solver:\n  time_limt: 30") + 1


VALUE = "value_usd_per_eflops_yr"
CASES = [
    # -- columns ----------------------------------------------------------------------------
    Case("missing-column", lambda c: c.drop_column("sites", "pue"), "sites.csv", 1, "pue", "required column is missing"),
    Case("unknown-column", lambda c: c.rename_column("sites", "pue", "peu"), "sites.csv", 1, "peu", "did you mean 'pue'"),
    Case("duplicate-column", _duplicate_column, "nodes.csv", 1, "lat", "column given twice"),
    # -- types and required values ------------------------------------------------------------
    Case("not-a-number", lambda c: c.set("sites", 1, "max_mw", "lots"), "sites.csv", 3, "max_mw", "expected a number > 0"),
    Case("not-whole", lambda c: c.set("chips", 0, "lifetime_years", "2.5"), "chips.csv", 2, "lifetime_years", "expected a whole number"),
    Case("huge-whole", lambda c: c.set("sites", 0, "earliest_year", "1e20"), "sites.csv", 2, "earliest_year", "expected a whole number"),
    Case("nan", lambda c: c.set("supplies", 1, "capacity_mw", "NaN"), "supplies.csv", 3, "capacity_mw", "NaN is not allowed"),
    Case("inf", lambda c: c.set("supplies", 0, "capacity_mw", "inf"), "supplies.csv", 2, "capacity_mw", "infinite values are not allowed"),
    Case("empty-required", lambda c: c.set("sites", 0, "pue", ""), "sites.csv", 2, "pue", "a value is required: a number ≥ 1"),
    Case("empty-id", lambda c: c.set("nodes", 1, "node_id", " "), "nodes.csv", 3, "node_id", "a value is required"),
    Case("bad-choice", lambda c: c.set("sites", 0, "cooling", "liquidd"), "sites.csv", 2, "cooling", "did you mean 'liquid'"),
    # -- ranges -------------------------------------------------------------------------------
    Case("pue-below-1", lambda c: c.set("sites", 1, "pue", "0.9"), "sites.csv", 3, "pue", "expected a number ≥ 1"),
    Case("pue-above-3", lambda c: c.set("sites", 0, "pue", "3.5"), "sites.csv", 2, "pue", "expected a number ≤ 3"),
    Case("loss-frac-1", lambda c: c.set("links", 0, "loss_frac", "1"), "links.csv", 2, "loss_frac", "expected a number < 1"),
    Case("loss-frac-negative", lambda c: c.set("links", 0, "loss_frac", "-0.1"), "links.csv", 2, "loss_frac", "expected a number ≥ 0"),
    Case("lifetime-0", lambda c: c.set("supplies", 0, "lifetime_years", "0"), "supplies.csv", 2, "lifetime_years", "a whole number ≥ 1"),
    Case("chip-lifetime-0", lambda c: c.set("chips", 1, "lifetime_years", "0"), "chips.csv", 3, "lifetime_years", "≥ 1"),
    Case("negative-capacity", lambda c: c.set("supplies", 0, "capacity_mw", "-5"), "supplies.csv", 2, "capacity_mw", "a number ≥ 0"),
    Case("negative-link-cap", lambda c: c.set("links", 0, "capacity_mw", "-1"), "links.csv", 2, "capacity_mw", "a number ≥ 0"),
    Case("negative-cost", lambda c: c.set("sites", 1, "capex_usd_per_mw", "-1"), "sites.csv", 3, "capex_usd_per_mw", "a number ≥ 0"),
    Case("negative-chip-cost", lambda c: c.set("chips", 0, "capex_usd_per_unit", "-1e6"), "chips.csv", 2, "capex_usd_per_unit", "≥ 0"),
    Case("latitude-91", lambda c: c.set("nodes", 0, "lat", "91"), "nodes.csv", 2, "lat", "expected a number ≤ 90"),
    Case("latitude-minus-91", lambda c: c.set("sites", 0, "lat", "-91"), "sites.csv", 2, "lat", "expected a number ≥ -90"),
    Case("zero-block", lambda c: c.set("sites", 0, "block_mw", "0"), "sites.csv", 2, "block_mw", "expected a number > 0"),
    # -- keys and references ------------------------------------------------------------------
    Case("duplicate-site", _duplicate("sites", "site_id"), "sites.csv", 3, "site_id", "site_id given twice; first on line 2"),
    Case("duplicate-node", _duplicate("nodes", "node_id"), "nodes.csv", 3, "node_id", "given twice; first on line 2"),
    Case("duplicate-chip", _duplicate("chips", "chip_id"), "chips.csv", 3, "chip_id", "given twice"),
    Case("duplicate-demand-year", _duplicate("demand", "year"), "demand.csv", 3, "year", "given twice; first on line 2"),
    Case("site-to-node", lambda c: c.set("sites", 1, "node_id", "nowhere"), "sites.csv", 3, "node_id", "not found in nodes.csv"),
    Case("link-from", lambda c: c.set("links", 0, "from_node", "nowhere"), "links.csv", 2, "from_node", "not found in nodes.csv"),
    Case("link-to", lambda c: c.set("links", 0, "to_node", "nowhere"), "links.csv", 2, "to_node", "not found in nodes.csv"),
    Case("supply-to-node", lambda c: c.set("supplies", 0, "node_id", "nowhere"), "supplies.csv", 2, "node_id", "not found in nodes.csv"),
    Case("demand-to-region", _regions_then("demand", "region_id", "mars"), "demand.csv", 2, "region_id", "not found in regions.csv"),
    Case("serving-to-region", _regions_then("serving", "region_id", "mars"), "serving.csv", 2, "region_id", "not found in regions.csv"),
    Case("serving-to-site", _regions_then("serving", "site_id", "nowhere"), "serving.csv", 2, "site_id", "not found in sites.csv"),
    Case(
        "region-without-regions",
        lambda c: c.set("demand", 0, "region_id", "east") if not (c.path / "regions.csv").exists() else pytest.skip("tiny has regions"),
        "demand.csv",
        2,
        "region_id",
        "there is no regions.csv",
    ),
    # -- years ---------------------------------------------------------------------------------
    Case("demand-year-outside", lambda c: c.set("demand", 0, "year", "1999"), "demand.csv", 2, "year", "outside the horizon"),
    Case(
        "first-after-last",
        lambda c: c.set("chips", 1, "first_year", int(c.cell("chips", 1, "last_year")) + 1),
        "chips.csv",
        3,
        "first_year",
        "first_year is after last_year",
    ),
    # -- across tables ------------------------------------------------------------------------
    Case(
        "block-over-max",
        lambda c: c.set("sites", 0, "block_mw", float(c.cell("sites", 0, "max_mw")) * 2),
        "sites.csv",
        2,
        "block_mw",
        "block_mw is larger than max_mw",
    ),
    Case("peak-pue-below-annual", lambda c: c.set("sites", 1, "pue_peak", "1.2"), "sites.csv", 3, "pue_peak", "expected pue_peak ≥ pue"),
    Case("no-site-cools-chip", _no_liquid_site, "chips.csv", 2, "cooling", "needs liquid cooling but no site"),
    Case("island", _island, "sites.csv", 2, "node_id", "cannot reach any supply: its node lies on an island of the grid {island}"),
    Case("link-to-itself", _link_to_self, "links.csv", 2, "to_node", "link joins a node to itself"),
    # -- scenario.yaml --------------------------------------------------------------------------
    Case("unknown-key", lambda c: c.yaml_append("ceilng_mw: 5"), "scenario.yaml", RETURNED, "ceilng_mw", "did you mean 'ceiling_mw'"),
    Case("unknown-nested-key", _nested_unknown, "scenario.yaml", RETURNED, "solver.time_limt", "did you mean 'time_limit'"),
    Case("setting-range", lambda c: c.yaml_set("ceiling_mw", "-5"), "scenario.yaml", RETURNED, "ceiling_mw", "expected a number > 0"),
    Case("setting-type", lambda c: c.yaml_set("ceiling_mw", "lots"), "scenario.yaml", RETURNED, "ceiling_mw", "expected a number"),
    Case("discount-rate-1", lambda c: c.yaml_set("discount_rate", "1"), "scenario.yaml", RETURNED, "discount_rate", "a number < 1"),
    Case("setting-missing", lambda c: c.yaml_drop("ceiling_mw"), "scenario.yaml", None, "ceiling_mw", "required setting is missing"),
    Case("years-order", lambda c: c.yaml_set("years", "[2027, 2026]"), "scenario.yaml", RETURNED, "years", "strictly increasing"),
    Case("years-entry", lambda c: c.yaml_set("years", "[2026, x]"), "scenario.yaml", RETURNED, "years", "entry 2: expected a whole number"),
    Case("duplicate-key", lambda c: c.yaml_append("ceiling_mw: 5"), "scenario.yaml", RETURNED, "ceiling_mw", "key given twice"),
    Case(
        "python-object-tag",
        lambda c: c.yaml_append("x: !!python/object:builtins.dict {}"),
        "scenario.yaml",
        RETURNED,
        None,
        "tags such as '!!python/object:builtins.dict' are not allowed",
    ),
    Case(
        "python-apply-tag",
        lambda c: c.yaml_append("x: !!python/object/apply:os.system ['echo owned']"),
        "scenario.yaml",
        RETURNED,
        None,
        "are not allowed",
    ),
    Case("alias", lambda c: c.yaml_append("a: &x 1\nb: *x") + 1, "scenario.yaml", RETURNED, None, "aliases (*name) are not allowed"),
    Case("yaml-syntax", lambda c: c.yaml_append("name: [unclosed"), "scenario.yaml", RETURNED, None, "invalid YAML"),
    Case("yaml-indent", lambda c: c.yaml_append("a: 1\n b: 2") + 1, "scenario.yaml", RETURNED, None, "invalid YAML"),
    Case("yaml-list", lambda c: c.file("scenario.yaml").write_text("- a\n- b\n"), "scenario.yaml", None, None, "expected a mapping"),
    Case(
        "unknown-table",
        lambda c: c.yaml_append("tables:\n  sitez: sites.csv") + 1,
        "scenario.yaml",
        RETURNED,
        "tables.sitez",
        "did you mean 'sites'",
    ),
    Case(
        "dedicated-unknown-site",
        lambda c: c.set("supplies", 0, "site_id", "north_liquidd"),
        "supplies.csv",
        2,
        "site_id",
        "not found in sites.csv; expected a site_id listed there (did you mean 'north_liquid'?)",
    ),
    Case(
        "dedicated-other-node",
        lambda c: c.set("supplies", 1, "site_id", "north_air"),
        "supplies.csv",
        3,
        "node_id",
        "supply is dedicated to site 'north_air', which connects at node 'north'; expected node_id 'north'",
    ),
    Case("objective-choice", lambda c: c.yaml_append("objective: power"), "scenario.yaml", RETURNED, "objective", "'cost' or 'compute'"),
    Case(
        "objective-compute-without-values",
        lambda c: c.yaml_append("objective: compute"),
        "scenario.yaml",
        RETURNED,
        "objective",
        "no workload has a value (value_usd_per_eflops_yr in demand.csv",
    ),
    Case("value-negative", lambda c: c.set("demand", 0, VALUE, "-1"), "demand.csv", 2, VALUE, "expected a number ≥ 0"),
    Case("min-take-above-1", lambda c: c.set("supplies", 0, "min_take_frac", "1.2"), "supplies.csv", 2, "min_take_frac", "a number ≤ 1"),
    Case("tranche-unknown-site", _tranches(0, "site_id", "nowhere"), "interconnection.csv", 2, "site_id", "not found in sites.csv"),
    Case("tranche-negative-mw", _tranches(1, "firm_mw", "-5"), "interconnection.csv", 3, "firm_mw", "expected a number > 0"),
    Case("tranche-year", _tranches(0, "earliest_year", "2027.5"), "interconnection.csv", 2, "earliest_year", "expected a whole number"),
    Case("tranche-duplicate", _tranches(1, "tranche_id", "t1"), "interconnection.csv", 3, "tranche_id", "given twice"),
    Case("tranche-curtailment", _tranches(0, "curtailment_frac", "2"), "interconnection.csv", 2, "curtailment_frac", "≤ 1"),
    Case("tranche-nonfirm", _tranches(1, "nonfirm_mw", "-1"), "interconnection.csv", 3, "nonfirm_mw", "≥ 0"),
    Case("generator-kind", _generators(0, "kind", "turbine"), "generators.csv", 2, "kind", "one of 'generator', 'battery'"),
    Case("generator-unit", _generators(0, "unit_mw", "500"), "generators.csv", 2, "unit_mw", "expected unit_mw ≤ max_mw_per_site"),
    Case("battery-fuel", _generators(1, "heat_rate_mmbtu_per_mwh", "7"), "generators.csv", 3, "heat_rate_mmbtu_per_mwh", "expected 0"),
    Case("generator-kwh", _generators(0, "capex_usd_per_kwh", "100"), "generators.csv", 2, "capex_usd_per_kwh", "expected 0"),
    Case("generator-availability", _generators(0, "availability_frac", "0"), "generators.csv", 2, "availability_frac", "> 0"),
    # -- files ----------------------------------------------------------------------------------
    Case("missing-table", lambda c: c.file("chips.csv").unlink(), "chips.csv", None, None, "required table is missing"),
    Case("header-only", _header_only("demand"), "demand.csv", None, None, "table has no rows"),
    Case("empty-file", _csv_bytes("sites", b""), "sites.csv", None, None, "file is empty"),
    Case("semicolons", _semicolons, "nodes.csv", 1, None, "separated by ';'"),
    Case("binary", _csv_bytes("chips", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "chips.csv", None, None, "binary"),
    Case("not-utf8", _csv_bytes("nodes", b"node_id,lat,lon\nA\xff,40,-80\n"), "nodes.csv", 2, None, "not valid UTF-8"),
    Case("unclosed-quote", _csv_bytes("nodes", b'node_id,lat,lon\nA,40,-80\n"B,41,-90\n'), "nodes.csv", 3, None, "cannot parse CSV"),
    Case("extra-value", _extra_value, "nodes.csv", RETURNED, None, "values but the header names"),
    Case("blank-lines-counted", _blank_lines_then_bad_pue, "sites.csv", RETURNED, "pue", "expected a number ≥ 1"),
    Case("folder-as-table", lambda c: (c.file("links.csv").unlink(), c.file("links.csv").mkdir()), "links.csv", None, None, "folder"),
    # -- paths ----------------------------------------------------------------------------------
    Case("extends-cycle", _cycle, "../other/scenario.yaml", 1, "extends", "'extends' forms a cycle"),
    Case("extends-outside", lambda c: _extends(c, "../../elsewhere"), "scenario.yaml", RETURNED, "extends", "outside the scenarios root"),
    Case("extends-absolute", lambda c: _extends(c, "/"), "scenario.yaml", RETURNED, "extends", "outside the scenarios root"),
    Case("extends-missing", lambda c: _extends(c, "../nothing"), "scenario.yaml", RETURNED, "extends", "no scenario.yaml in that folder"),
    Case("symlink-outside", _symlink_outside, "sites.csv", None, None, "symbolic link to"),
    Case("table-path-outside", _table_path_outside, "scenario.yaml", RETURNED, "tables.sites", "leads outside the scenarios root"),
    Case(
        "table-path-absolute",
        lambda c: c.yaml_append("tables:\n  sites: /etc/passwd") + 1,
        "scenario.yaml",
        RETURNED,
        "tables.sites",
        "leads outside the scenarios root",
    ),
    Case("run-unknown-family", _runs("families", "old_air;nvdia"), "training_runs.csv", 3, "families", "unknown accelerator family"),
    Case("run-years-reversed", _runs("first_year", 2028), "training_runs.csv", 3, "first_year", "first_year is after last_year (2027)"),
    Case(
        "sites-without-runs",
        lambda c: c.write("training_sites", ["run_id", "site_id"], [["r1", "north_air"]]),
        "training_sites.csv",
        None,
        None,
        "need a training_runs.csv",
    ),
    Case(
        "run-outside-horizon",
        lambda c: _runs("last_year", 2031)(c) or c.set("training_runs", 1, "first_year", 2030),
        "training_runs.csv",
        3,
        "last_year",
        "no modelled year between first_year (2030) and last_year (2031)",
    ),
    Case("run-no-campus", _runs("max_campuses", 0), "training_runs.csv", 3, "max_campuses", "expected a whole number ≥ 1"),
    Case("run-loss-whole", _runs("split_loss_frac", 1), "training_runs.csv", 3, "split_loss_frac", "expected a number < 1"),
    Case("run-loss-negative", _runs("split_loss_frac", -0.1), "training_runs.csv", 3, "split_loss_frac", "expected a number ≥ 0"),
    Case(
        "run-site-unknown-run",
        _runs("eflops", 8, [["r1", "north_air", "0"], ["r9", "north_air", "0"]]),
        "training_sites.csv",
        3,
        "run_id",
        "not found in training_runs.csv",
    ),
    Case(
        "run-site-unknown-site",
        _runs("eflops", 8, [["r1", "north_airr", "0"]]),
        "training_sites.csv",
        2,
        "site_id",
        "not found in sites.csv; expected a site_id listed there (did you mean 'north_air'?)",
    ),
]


def problems_of(folder: Path) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        gw.load_scenario(folder)
    return info.value.problems


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_breakage_names_file_line_and_column(tiny: Copy, case: Case) -> None:
    returned = case.edit(tiny)
    line = returned if case.line == RETURNED else case.line
    problems = problems_of(tiny.path)
    matching = [p for p in problems if p.file == case.file and p.line == line and p.column == case.column and case.fragment in p.message]
    assert matching, f"no problem in {case.file}, line {line}, column {case.column!r} with {case.fragment!r}; got:\n" + "\n".join(
        map(str, problems)
    )
    text = str(matching[0])
    assert text.startswith(case.file)
    if line is not None:
        assert f"line {line}" in text
    if case.column is not None:
        assert f"'{case.column}'" in text


def test_the_unbroken_copy_is_valid(tiny: Copy) -> None:
    assert gw.load_scenario(tiny.path).name


def test_message_reads_well(tiny: Copy) -> None:
    tiny.set("sites", 2 if len(tiny.read("sites")[1]) > 2 else 1, "pue", "0.9")
    line = 4 if len(tiny.read("sites")[1]) > 2 else 3
    assert str(problems_of(tiny.path)[0]) == f"sites.csv, line {line}, column 'pue': 0.9: expected a number ≥ 1"


def test_choice_and_reference_values_are_quoted(tiny: Copy) -> None:
    tiny.set("sites", 0, "node_id", "nowhere")
    assert "column 'node_id': 'nowhere': not found in nodes.csv" in str(problems_of(tiny.path)[0])


def test_every_problem_is_reported_together(tiny: Copy) -> None:
    tiny.set("sites", 0, "pue", "0.5")
    tiny.set("chips", 1, "cooling", "water")
    tiny.set("supplies", 0, "capacity_mw", "")
    tiny.yaml_append("ceilng_mw: 5")
    before = {p: p.stat().st_mtime_ns for p in tiny.root.rglob("*")}
    problems = problems_of(tiny.path)
    found = {(p.file, p.column) for p in problems}
    assert {("sites.csv", "pue"), ("chips.csv", "cooling"), ("supplies.csv", "capacity_mw"), ("scenario.yaml", "ceilng_mw")} <= found
    assert {p: p.stat().st_mtime_ns for p in tiny.root.rglob("*")} == before, "validation wrote or touched a file"


def test_checks_across_tables_are_reported_together(tiny: Copy) -> None:
    tiny.set("sites", 1, "node_id", "nowhere")
    tiny.set("demand", 0, "year", "1999")
    tiny.set("sites", 0, "block_mw", float(tiny.cell("sites", 0, "max_mw")) * 2)
    found = {(p.file, p.line, p.column) for p in problems_of(tiny.path)}
    assert {("sites.csv", 3, "node_id"), ("demand.csv", 2, "year"), ("sites.csv", 2, "block_mw")} <= found


def test_problems_as_a_table(tiny: Copy) -> None:
    tiny.set("sites", 0, "pue", "0.5")
    with pytest.raises(ScenarioError) as info:
        gw.load_scenario(tiny.path)
    table = info.value.table()
    assert list(table.columns) == ["file", "line", "column", "value", "message"]
    assert table.iloc[0].to_dict() == {"file": "sites.csv", "line": 2, "column": "pue", "value": "0.5", "message": "expected a number ≥ 1"}


def test_bom_and_crlf_are_accepted(tiny: Copy) -> None:
    plain = gw.load_scenario(tiny.path)
    for path in [*tiny.path.glob("*.csv"), tiny.file("scenario.yaml")]:
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    assert gw.load_scenario(tiny.path).hash == plain.hash


def test_bom_and_crlf_keep_line_numbers(tiny: Copy) -> None:
    tiny.set("sites", 1, "pue", "0.9")
    path = tiny.file("sites.csv")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    assert (problems_of(tiny.path)[0].line, problems_of(tiny.path)[0].column) == (3, "pue")


@pytest.mark.parametrize("table", ["sites", "chips"])
def test_csv_over_the_size_limit(tiny: Copy, table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    limit = tiny.file(f"{table}.csv").stat().st_size - 1
    monkeypatch.setattr(files, "MAX_CSV_BYTES", limit)
    problems = problems_of(tiny.path)
    assert any(p.file == f"{table}.csv" and f"at most {limit:,} expected" in p.message for p in problems)


def test_huge_file_is_refused_without_reading_it(tiny: Copy) -> None:
    with tiny.file("demand.csv").open("r+b") as handle:  # sparse: large on paper, instant to make
        handle.truncate(files.MAX_CSV_BYTES + 1)
    (problem,) = problems_of(tiny.path)
    assert problem.file == "demand.csv" and f"at most {files.MAX_CSV_BYTES:,} expected" in problem.message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_is_refused_not_waited_on(tiny: Copy) -> None:
    tiny.file("links.csv").unlink()
    os.mkfifo(tiny.file("links.csv"))
    (problem,) = problems_of(tiny.path)
    assert problem.file == "links.csv" and "not a regular file" in problem.message


def test_unreadable_files_and_other_problems_are_reported_together(tiny: Copy) -> None:
    tiny.file("chips.csv").write_bytes(b"\x00\x01")
    tiny.set("sites", 0, "pue", "0.5")
    tiny.yaml_append("ceilng_mw: 5")
    problems = problems_of(tiny.path)
    assert {p.file for p in problems} == {"chips.csv", "sites.csv", "scenario.yaml"}
    assert not any("required table is missing" in p.message for p in problems)


def test_yaml_over_the_size_limit(tiny: Copy, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "MAX_YAML_BYTES", 16)
    (problem,) = problems_of(tiny.path)
    assert problem.file == "scenario.yaml" and "at most 16 expected" in problem.message


def test_deeply_nested_yaml_is_an_error_not_a_crash(tiny: Copy) -> None:
    tiny.yaml_append("deep: " + "[" * 3_000 + "]" * 3_000)
    (problem,) = problems_of(tiny.path)
    assert problem.file == "scenario.yaml" and "invalid YAML" in problem.message


def test_python_tags_are_never_run(tiny: Copy, tmp_path: Path) -> None:
    marker = tmp_path / "owned"
    tiny.yaml_append(f"x: !!python/object/apply:os.system ['touch {marker}']")
    problems_of(tiny.path)
    assert not marker.exists()


def test_cell_over_the_limit(tiny: Copy, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "MAX_CELL_CHARS", 10)
    tiny.set("nodes", 0, "name", "x" * 11)
    problems = problems_of(tiny.path)
    assert any(p.file == "nodes.csv" and p.line == 2 and "longer than 10 characters" in p.message for p in problems)


def test_symlink_inside_the_root_is_followed(tiny: Copy) -> None:
    shared = tiny.root / "shared"
    shared.mkdir()
    shutil.move(tiny.file("chips.csv"), shared / "chips.csv")
    tiny.file("chips.csv").symlink_to(Path("..") / "shared" / "chips.csv")
    assert len(gw.load_scenario(tiny.path).chips) == len(tiny.source.joinpath("chips.csv").read_text().strip().splitlines()) - 1


def test_validate_command_exits_2_with_the_list(tiny: Copy) -> None:
    tiny.set("sites", 0, "pue", "0.5")
    tiny.yaml_append("ceilng_mw: 5")
    proc = subprocess.run([sys.executable, "-m", "gigawatt.cli", "validate", str(tiny.path)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "sites.csv, line 2, column 'pue': 0.5: expected a number ≥ 1" in proc.stderr
    assert "did you mean 'ceiling_mw'" in proc.stderr


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    table=st.sampled_from(["sites", "chips", "nodes", "demand", "scenario"]),
    data=st.data(),
)
def test_mangled_files_raise_scenario_error_only(tiny: Copy, table: str, data: st.DataObject) -> None:
    """Whatever a file holds, loading either succeeds or raises ScenarioError: never another exception."""
    name = "scenario.yaml" if table == "scenario" else f"{table}.csv"
    original = tiny.file(name).read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "scenarios" / "tiny"
        shutil.copytree(tiny.path, folder)
        start = data.draw(st.integers(0, len(original)))
        end = data.draw(st.integers(start, min(len(original), start + 40)))
        junk = data.draw(
            st.one_of(
                st.binary(max_size=20),
                st.text(alphabet=",;\"'\n\r\t :-[]{}&*!#0123456789.eEnaNIf", max_size=20).map(str.encode),
            )
        )
        (folder / name).write_bytes(original[:start] + junk + original[end:])
        try:
            gw.load_scenario(folder)
        except ScenarioError as err:
            assert err.problems and all(isinstance(p.file, str) and p.message for p in err.problems)
            assert all(str(p) for p in err.problems)


def test_read_only_scenarios_load(tiny: Copy) -> None:
    """Loading only reads: a read-only copy loads."""
    for path in tiny.path.iterdir():
        path.chmod(0o444)
    try:
        assert gw.load_scenario(tiny.path).name
    finally:
        for path in tiny.path.iterdir():
            path.chmod(0o644)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=st.sampled_from(["sites", "chips", "nodes", "links", "supplies", "demand"]), data=st.data())
def test_any_cell_text_gives_a_scenario_or_a_scenario_error(tiny: Copy, table: str, data: st.DataObject) -> None:
    """One cell set to any text (numbers huge or odd, quotes, line breaks): no exception but ScenarioError."""
    header, rows = tiny.read(table)
    with tempfile.TemporaryDirectory() as tmp:
        copy = type(tiny)(Path(tmp) / "scenarios" / "tiny", tiny.source)
        shutil.copytree(tiny.path, copy.path)
        cell = data.draw(
            st.one_of(
                st.text(max_size=30),
                st.floats().map(repr),
                st.integers(-(10**30), 10**30).map(str),
                st.sampled_from(["", " ", "NaN", "-inf", "1e400", "1_000", "0x10", "1,5", '"', "a\nb", "\ufeff1"]),
            )
        )
        copy.set(table, data.draw(st.integers(0, len(rows) - 1)), data.draw(st.sampled_from(header)), cell)
        try:
            gw.load_scenario(copy.path)
        except ScenarioError as err:
            assert err.problems and all(str(p) for p in err.problems)
