"""Every failure the hostile-input fuzzer found, as a plain test with the concrete input.

Each test names what used to happen: a traceback (OSError, a HiGHS abort), a wrong or misleading
problem, values accepted that no plan can use, or memory and time without bound.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
from builders import SCENARIOS

import gigawatt as gw
from gigawatt.scenario import Problem, ScenarioError, files
from gigawatt.scenario.errors import MAX_PROBLEMS_PER_COLUMN


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of scenarios/tiny in the scenarios root ``tmp_path/scenarios``."""
    target = tmp_path / "scenarios" / "tiny"
    shutil.copytree(SCENARIOS / "tiny", target)
    return target


def problems(path: Path) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        gw.load_scenario(path)
    return info.value.problems


def set_yaml(folder: Path, key: str, text: str) -> int:
    """Replace a top-level key of scenario.yaml (and its indented block) by ``key: text`` on the last line."""
    lines, out, skipping = (folder / "scenario.yaml").read_text().splitlines(), [], False
    for line in lines:
        skipping = line.startswith(f"{key}:") or (skipping and line.startswith(" "))
        if not skipping:
            out.append(line)
    (folder / "scenario.yaml").write_text("\n".join([*out, f"{key}: {text}"]) + "\n")
    return len(out) + 1


# -- paths ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("target", ["x" * 300, "/".join(["a"] * 3000)], ids=["long-name", "longer-than-path-max"])
def test_extends_with_an_unusable_path_is_a_problem_not_an_oserror(folder: Path, target: str) -> None:
    """Was: OSError 'File name too long' from Path.is_file, a traceback."""
    line = set_yaml(folder, "extends", target)
    (problem,) = problems(folder)
    assert (problem.file, problem.line, problem.column) == ("scenario.yaml", line, "extends")
    assert "path is unusable (File name too long)" in problem.message
    assert len(str(problem)) < 400


def test_a_table_path_too_long_is_blamed_on_its_key(folder: Path) -> None:
    """Was: a problem whose file was the 6,000-character path itself, with no line or key."""
    line = set_yaml(folder, "tables", "{sites: " + "/".join(["a"] * 3000) + "}")
    (problem,) = problems(folder)
    assert (problem.file, problem.line, problem.column) == ("scenario.yaml", line, "tables.sites")
    assert "File name too long" in problem.message and len(str(problem)) < 400


def test_a_table_path_with_a_nul_says_so(folder: Path) -> None:
    """Was: 'leads outside the scenarios root' for a path that is simply not a path."""
    line = set_yaml(folder, "tables", '{sites: "sites\\0.csv"}')
    (problem,) = problems(folder)
    assert (problem.line, problem.column) == (line, "tables.sites") and "NUL character" in problem.message


def test_a_symlink_loop_is_named_as_unreadable(folder: Path) -> None:
    """Was: 'symbolic link ... leads outside the scenarios root' for a loop inside it."""
    (folder / "chips.csv").unlink()
    (folder / "chips.csv").symlink_to("loop.csv")
    (folder / "loop.csv").symlink_to("chips.csv")
    (problem,) = problems(folder)
    assert problem.file == "chips.csv" and "Too many levels of symbolic links" in problem.message


def test_scenario_yaml_linked_outside_the_root_is_refused(folder: Path, tmp_path: Path) -> None:
    """Was: read, whatever it pointed to (e.g. /proc/self/environ, shown back in YAML errors)."""
    outside = tmp_path / "elsewhere.yaml"
    shutil.move(folder / "scenario.yaml", outside)
    (folder / "scenario.yaml").symlink_to(outside)
    (problem,) = problems(folder)
    assert problem.file == "scenario.yaml" and "outside the scenarios root" in problem.message


# -- values no plan can use ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("key", "text", "column"),
    [
        ("ceiling_mw", ".inf", "ceiling_mw"),
        ("carbon_price_usd_per_t", ".inf", "carbon_price_usd_per_t"),
        ("budget_usd_per_year", ".inf", "budget_usd_per_year"),
        ("solver", "{time_limit: .inf}", "solver.time_limit"),
        ("solver", "{mip_gap: .inf}", "solver.mip_gap"),
        ("ceiling_mw", "1.0e+300", "ceiling_mw"),
        ("carbon_price_usd_per_t", "1.0e+300", "carbon_price_usd_per_t"),
        ("solver", "{threads: 10000000}", "solver.threads"),
    ],
)
def test_non_finite_absurd_settings_and_thread_counts_are_refused(folder: Path, key: str, text: str, column: str) -> None:
    """Were accepted: an infinite carbon price made HiGHS stop with 'unknown', ten million threads aborted the process."""
    line = set_yaml(folder, key, text)
    (problem,) = problems(folder)
    assert (problem.file, problem.line, problem.column) == ("scenario.yaml", line, column)


@pytest.mark.parametrize(
    ("table", "column", "value"), [("sites", "max_mw", "1e30"), ("supplies", "capacity_mw", "2e15"), ("demand", "eflops", "1e300")]
)
def test_absurd_magnitudes_in_cells_are_refused(folder: Path, table: str, column: str, value: str) -> None:
    """Were accepted: 1e30 MW of site made the solve end in 'no plan' with status 'optimal'."""
    path = folder / f"{table}.csv"
    header, first, *rest = path.read_text().splitlines()
    cells = first.split(",")
    cells[header.split(",").index(column)] = value
    path.write_text("\n".join([header, ",".join(cells), *rest]) + "\n")
    (problem,) = problems(folder)
    assert (problem.file, problem.line, problem.column) == (f"{table}.csv", 2, column)
    assert "beyond any real figure" in problem.message and "at most 1e+15" in problem.message


# -- floods --------------------------------------------------------------------------------------------
def test_thousands_of_columns_give_one_problem(folder: Path) -> None:
    """Was: one problem per column (20,000 lines) after a quadratic duplicate check."""
    path = folder / "nodes.csv"
    header, *rows = path.read_text().splitlines()
    extra = 20_000
    path.write_text("\n".join([header + "".join(f",c{i}" for i in range(extra)), *(r + "," * extra for r in rows)]) + "\n")
    (problem,) = problems(folder)
    assert problem.file == "nodes.csv" and problem.line == 1 and f"at most {files.MAX_COLUMNS} expected" in problem.message


def test_a_column_of_bad_cells_is_listed_up_to_the_cap_then_counted(folder: Path) -> None:
    """Was: one problem per bad cell, whatever their number."""
    rows = 5_000
    (folder / "demand.csv").write_text("year,eflops\n" + "".join(f"{2026 + i % 2}{'x' if i else ''},{i}\n" for i in range(rows)))
    found = problems(folder)
    assert len(found) == MAX_PROBLEMS_PER_COLUMN + 1
    assert all((p.file, p.column) == ("demand.csv", "year") for p in found)
    assert [p.line for p in found[:3]] == [3, 4, 5]
    assert found[-1].message.startswith(f"{rows - 1 - MAX_PROBLEMS_PER_COLUMN:,} more problems in this column between lines")


def test_a_file_of_blank_unicode_lines_is_named_empty(folder: Path) -> None:
    (folder / "links.csv").write_text("\u00a0\n\u3000\n")
    (problem,) = problems(folder)
    assert problem.file == "links.csv" and "only blank lines" in problem.message


def test_a_deeply_nested_yaml_value_gives_its_line(folder: Path) -> None:
    """Was: 'nested too deeply' with no line."""
    line = set_yaml(folder, "deep", "[" * 5000 + "]" * 5000)
    (problem,) = problems(folder)
    assert (problem.file, problem.line) == ("scenario.yaml", line) and "nested too deeply" in problem.message


def test_an_island_names_the_links_file(folder: Path) -> None:
    """Was: only supplies.csv named, so a truncated links.csv produced a problem that never named it."""
    (folder / "links.csv").unlink()
    supplies = (folder / "supplies.csv").read_text().splitlines()
    (folder / "supplies.csv").write_text("\n".join(line for line in supplies if not line.startswith("grid_north")) + "\n")
    found = problems(folder)
    assert found and all("links.csv" in p.message for p in found)


# -- memory and time --------------------------------------------------------------------------------------
_MEASURE = """
import resource, sys
import gigawatt as gw
folder = sys.argv[1]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    gw.load_scenario(folder)
    print("loaded")
except gw.ScenarioError as err:
    print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024, err.problems[0])
"""


def _write_hostile(folder: Path, kind: str) -> None:
    demand, limit = folder / "demand.csv", files.MAX_CSV_BYTES
    if kind == "short-rows":  # 1.3 million rows
        demand.write_bytes(b"year,region_id,eflops,source\n" + b"2026,all,4,s\n" * ((limit - 40) // 13))
    elif kind == "wide-rows":  # 50 columns of two-character cells
        header = ",".join(["year", "region_id", "eflops", "source"] + [f"c{i}" for i in range(46)]) + "\n"
        row = ",".join(["ab"] * 50) + "\n"
        demand.write_text(header + row * ((limit - len(header)) // len(row)))
    elif kind == "one-line":
        demand.write_bytes(b"year,region_id,eflops,source\n" + "\U0001f680".encode() * ((limit - 40) // 4))
    elif kind == "columns":
        demand.write_bytes(b",".join(b"c%d" % i for i in range(2_000_000))[: limit - 10] + b"\n")
    elif kind == "sparse":
        with demand.open("r+b") as handle:
            handle.truncate(limit * 1000)
    elif kind == "alias-bomb":
        bomb = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"] + [
            f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 12)
        ]
        (folder / "scenario.yaml").write_text((folder / "scenario.yaml").read_text() + "\n".join(bomb) + "\n")
    elif kind == "yaml-values":  # half a million list entries in 1 MiB
        (folder / "scenario.yaml").write_text((folder / "scenario.yaml").read_text() + "x: [" + "1," * 500_000 + "1]\n")


HOSTILE = ("short-rows", "wide-rows", "one-line", "columns", "sparse", "alias-bomb", "yaml-values")


def test_hostile_files_are_refused_in_bounded_memory(tmp_path: Path) -> None:
    """Each in a fresh process: peak memory while loading stays under 200 MB.

    Were: a 64 MiB table of short rows took 4.2 GB and 150 s; a YAML list of half a million
    entries 341 MB and 10 s.
    """

    def run(kind: str) -> tuple[str, int, str]:
        target = tmp_path / kind / "scenarios" / "tiny"
        shutil.copytree(SCENARIOS / "tiny", target)
        _write_hostile(target, kind)
        proc = subprocess.run([sys.executable, "-c", _MEASURE, str(target)], capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        growth, _, problem = proc.stdout.strip().partition(" ")
        return kind, int(growth), problem

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run, HOSTILE))
    for kind, growth_mb, problem in results:
        assert growth_mb < 200, (kind, growth_mb, problem)
        assert problem.startswith(("demand.csv", "scenario.yaml")), (kind, problem)


def test_the_largest_table_loads(folder: Path) -> None:
    """At the cell limit a valid table still loads: the limits refuse nothing a real scenario holds."""
    path = folder / "sites.csv"
    header, first, *_ = path.read_text().splitlines()
    width = len(header.split(","))
    rows = min(files.MAX_ROWS, files.MAX_CELLS // width)
    path.write_text("\n".join([header] + [f"s{i}," + first.split(",", 1)[1] for i in range(rows)]) + "\n")
    assert len(gw.load_scenario(folder).sites) == rows
    path.write_text(path.read_text() + f"s{rows}," + first.split(",", 1)[1] + "\n")
    (problem,) = problems(folder)
    assert problem.line == rows + 2 and f"at most {rows:,} expected" in problem.message


# -- other entry points ---------------------------------------------------------------------------------
def test_every_error_gigawatt_raises_on_purpose_shares_one_base() -> None:
    from gigawatt.errors import FileProblem, GigawattError, NoPlan, OptionError
    from gigawatt.solving import UnknownOption

    for kind in (ScenarioError, FileProblem, NoPlan, OptionError, UnknownOption):
        assert issubclass(kind, GigawattError)
    assert gw.GigawattError is GigawattError


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("threads", True, "threads=true: expected a whole number from 1 to"),
        ("threads", 2.0, "threads=2: expected a whole number"),
        ("time_limit", float("nan"), "time_limit=nan: expected seconds > 0"),
        ("time_limit", -5, "time_limit=-5: expected seconds > 0"),
        ("time_limit", "30", "time_limit='30': expected seconds > 0"),
        ("mip_gap", float("inf"), "mip_gap=inf: expected a relative gap"),
        ("mip_gap", False, "mip_gap=false: expected a relative gap"),
        ("relax", "yes", "relax='yes': expected true or false"),
        ("duals", 0, "duals=0: expected true or false"),
        ("strategy", ["phased"], "strategy=['phased']: expected one of 'auto'"),
        ("solver", 3, "solver=3: expected 'highs' or 'pyomo:<name>'"),
        ("start", "plan", "start='plan': expected a Plan, a mapping of plan tables"),
        ("solver_options", [("presolve", "off")], "solver_options=[('presolve', 'off')]: expected a mapping"),
    ],
)
def test_solve_refuses_an_option_of_the_wrong_type_or_value_naming_it(option: str, value: object, expected: str) -> None:
    """Were: booleans taken as numbers (threads=True ran one thread), 'yes' taken as true, nan reaching
    the backend as a bare ValueError, an unhashable strategy a TypeError."""
    from gigawatt.errors import OptionError

    with pytest.raises(OptionError, match=re.escape(expected)) as info:
        gw.solve(gw.load_scenario(SCENARIOS / "tiny"), **{option: value})
    assert info.value.argument == option


def test_an_unknown_solve_keyword_names_the_nearest_option() -> None:
    from gigawatt.errors import OptionError

    with pytest.raises(OptionError, match="unknown option 'Threads'; did you mean 'threads'") as info:
        gw.solve(gw.load_scenario(SCENARIOS / "tiny"), Threads=2)
    assert info.value.argument == "Threads"


def _store_with(tmp_path: Path, statement: str) -> Path:
    import duckdb

    from gigawatt.sweeps.store import RunStore

    path = tmp_path / "runs.duckdb"
    with RunStore(path) as db:
        db.record({"run_id": "a", "label": "base", "params": {"ceiling_mw": 90}})
    with duckdb.connect(str(path)) as con:
        con.execute(statement)
    return path


def test_a_store_whose_params_are_json_but_not_an_object_is_a_store_error(tmp_path: Path) -> None:
    """Was: AttributeError ('list' object has no attribute 'get'), a traceback from gigawatt runs."""
    from gigawatt.errors import StoreError

    path = _store_with(tmp_path, "UPDATE runs SET params = '[1, 2]'")
    with pytest.raises(StoreError, match=r"params '\[1, 2\]': expected a JSON object") as info:
        gw.load_runs(path)
    assert info.value.path == path


def test_an_unknown_store_table_is_an_option_error_naming_the_argument(tmp_path: Path) -> None:
    """Was: a KeyError, outside the gigawatt errors."""
    from gigawatt.errors import OptionError

    path = _store_with(tmp_path, "SELECT 1")
    with pytest.raises(OptionError, match="no plan table 'power'") as info:
        gw.load_runs(path, table="power")
    assert info.value.argument == "table"


def test_a_sweep_given_both_a_spec_and_a_grid_is_an_option_error() -> None:
    """Was: a bare ValueError."""
    from gigawatt.errors import OptionError

    with pytest.raises(OptionError, match="give either spec or grid") as info:
        gw.sweep(gw.load_scenario(SCENARIOS / "tiny"), spec={"grid": {"ceiling_mw": [90]}}, grid={"ceiling_mw": [80]}, store=":memory:")
    assert info.value.argument == "spec"


@pytest.mark.parametrize("options", [{"presolve": ["off"]}, {"no_such_option": 1}, {"time_limit": "soon"}])
def test_solver_options_highs_refuses_are_an_option_error(options: dict[str, object]) -> None:
    """Were: a TypeError from highspy mid-solve, or (an unknown name) a warning on the log and the option ignored."""
    from gigawatt.errors import OptionError

    with pytest.raises(OptionError, match=f"solver_options {next(iter(options))}=") as info:
        gw.solve(gw.load_scenario(SCENARIOS / "tiny"), solver_options=options, duals=False)
    assert info.value.argument == "solver_options"


def test_verifying_an_lp_relaxation_is_an_option_error(tmp_path: Path) -> None:
    """Was: a bare ValueError (a saved plan whose plan.json says relax: true loads, and verify refused it so)."""
    from gigawatt.errors import OptionError

    plan = gw.solve(gw.load_scenario(SCENARIOS / "tiny"), relax=True, duals=False)
    with pytest.raises(OptionError, match="LP relaxation") as info:
        plan.verify()
    assert info.value.argument == "relax"


@pytest.mark.parametrize(
    "overrides",
    [{"supplies[node_id=\udcff].capacity_mw": 90}, {"name": "plan \udcff"}, {"sites.source": ["a", "\ud800", "c"]}],
    ids=["selector", "setting", "list"],
)
def test_an_override_holding_a_lone_surrogate_is_a_problem(overrides: dict[str, object]) -> None:
    """Were: a UnicodeEncodeError from pyarrow comparing the row selector, or from the scenario hash for a
    setting (undecodable bytes of a command line)."""
    with pytest.raises(ScenarioError) as info:
        gw.load_scenario(SCENARIOS / "tiny").with_overrides(overrides)
    (problem,) = info.value.problems
    assert problem.file == "overrides" and problem.column == next(iter(overrides))
    assert "lone surrogate" in problem.message


@pytest.mark.parametrize("column", ["facility_mw", "year"])
def test_a_store_whose_power_table_lacks_a_column_is_a_store_error(tmp_path: Path, column: str) -> None:
    """Was: KeyError 'facility_mw' from pivot_table, a traceback from gigawatt runs."""
    import duckdb
    import pandas as pd

    from gigawatt.errors import StoreError
    from gigawatt.sweeps.store import RunStore

    path = tmp_path / "runs.duckdb"
    with RunStore(path) as db:
        db.record({"run_id": "a", "label": "base"}, {"power": pd.DataFrame({"year": [2026], "facility_mw": [90.0]})})
    with duckdb.connect(str(path)) as con:
        con.execute(f"ALTER TABLE plan_power DROP COLUMN {column}")
    with pytest.raises(StoreError, match=f"plan_power lacks the column\\(s\\) {column}") as info:
        gw.load_runs(path)
    assert info.value.path == path


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ({"chips": pd.DataFrame({"chip_id": ["old_air"], "site_id": ["north_air"], "year": [2026]})}, "lacks the column(s) installed"),
        ({"chips": "a plan"}, "start['chips']: expected a plan table (DataFrame), got str"),
        ({"sites": pd.DataFrame({"site_id": ["north_air"], "year": [2026], "open": ["yes"]})}, "sites table of the start: expected finite"),
    ],
)
def test_a_malformed_start_is_an_option_error(start: dict[str, object], expected: str) -> None:
    """Was: KeyError 'installed_units' (or AttributeError, ValueError) from deep inside the warm start."""
    from gigawatt.errors import OptionError

    with pytest.raises(OptionError, match=re.escape(expected)) as info:
        gw.solve(gw.load_scenario(SCENARIOS / "tiny"), start=start, duals=False)
    assert info.value.argument == "start"
