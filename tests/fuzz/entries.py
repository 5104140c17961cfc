"""Hostile input at every entry point besides scenario folders: saved plans, results stores, sweep files,
``--grid`` items, ``solve()`` keywords and ``--set`` overrides.

Each kind in :data:`ENTRIES` takes a :class:`~fuzz.mutations.Draw` and a scratch folder, feeds one
hostile input to its entry point and returns a :class:`Case`. The property: the input works (a plan
that summarises and verifies, a runs table, a sweep whose runs expand, a scenario), or a
:class:`~gigawatt.errors.GigawattError` names the file or argument at fault; never another exception.
A refused case carries the same input as a command line (``Case.command``), which must exit 2
naming ``Case.named``, with no traceback.
"""

from __future__ import annotations

import atexit
import functools
import json
import math
import os
import shutil
import tempfile
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

import gigawatt as gw
from fuzz.mutations import ROOT, Draw
from gigawatt.errors import FileProblem, GigawattError, OptionError
from gigawatt.scenario import ScenarioError
from gigawatt.scenario.errors import PlausibilityWarning
from gigawatt.scenario.schema import TABLES

TINY = ROOT / "scenarios" / "tiny"


@dataclass
class Case:
    """How one hostile input ended: the gigawatt error it raised (None: it worked), and how the property broke."""

    error: GigawattError | None
    failure: str | None
    command: list[str] | None = None  # the same input through ``gigawatt ...``, for refused cases
    named: str | None = None  # what the command's message must name


def attempt(use: Callable[[], object], named: Callable[[GigawattError], str | None]) -> Case:
    """Run ``use``: a GigawattError passes when ``named`` finds nothing wrong with it; any other exception fails."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PlausibilityWarning)
            use()
    except GigawattError as error:
        if not str(error).strip():
            return Case(error, f"{type(error).__name__} without a message")
        return Case(error, named(error))
    except Exception:  # the property: nothing but a gigawatt error
        return Case(None, traceback.format_exc(limit=-8))
    return Case(None, None)


def _problems_named(*files: str) -> Callable[[GigawattError], str | None]:
    """A ScenarioError whose problems all carry a file and a message, one of them naming one of ``files``."""

    def check(error: GigawattError) -> str | None:
        if not isinstance(error, ScenarioError):
            return f"{type(error).__name__} where a ScenarioError was expected: {error}"
        if not error.problems or not all(p.file and p.message for p in error.problems):
            return f"a problem without file or message: {error.problems!r}"
        if files and not any(p.file in files for p in error.problems):
            return f"no problem names {' or '.join(files)}:\n{error}"
        return None

    return check


# -- hostile values ---------------------------------------------------------------------------------
#: Values a caller may pass where a number, flag, name or table is expected.
VALUES: tuple[object, ...] = (
    None, True, False, 0, 1, 2, -1, 3.5, -0.0, 1e-300, 1e300, 10**30, -(10**30), 2**63, math.nan, math.inf, -math.inf,
    "", "5", "0.1", "nan", "inf", "true", "highs", "pyomo:nope", "phased", "\udc80", "é\u0301", "\u202e", "1e400",
    [], [1, 2], (3,), {}, {"a": 1}, np.float64(math.nan), np.float64(0.5), np.int64(2), np.bool_(True), b"12", 1j,
)  # fmt: skip
#: Text that breaks naive parsers: brackets, operators, separators, surrogates, controls.
ODD_TEXT = ("", "[", "]", "[[", "]]", "=", "==", "*", "+", ".", "..", ",", " ", "\x00", "\udcff", "\ud800", "\n", "'", '"', "é")


def text(draw: Draw, max_size: int = 8) -> str:
    """Random text with odd pieces spliced in."""
    return draw.text(0, max_size) + draw.choice(ODD_TEXT) + draw.text(0, 3)


# -- saved plans ------------------------------------------------------------------------------------
_SCRATCH: list[str] = []


def _scratch() -> Path:
    folder = tempfile.mkdtemp(prefix="gw-fuzz-fixtures-")
    _SCRATCH.append(folder)
    return Path(folder)


@atexit.register
def _remove_scratch() -> None:
    for folder in _SCRATCH:
        shutil.rmtree(folder, ignore_errors=True)


@functools.cache
def saved_plan() -> Path:
    """A plan of scenarios/tiny saved once per process (with its duals)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PlausibilityWarning)
        plan = gw.solve(gw.load_scenario(TINY), threads=1)
    return plan.save(_scratch() / "plan")


def _json_value(draw: Draw) -> object:
    """A JSON value of any type (NaN and 2**70 included: Python's json writes both)."""
    return draw.choice([None, True, 0, -1, 2**70, 1.5, math.nan, math.inf, "", "x", [], [1, "a"], {}, {"a": [None]}])


def _damage_bytes(path: Path, draw: Draw) -> str:
    content = path.read_bytes()
    how = draw.choice(["truncate", "overwrite", "empty", "append"])
    if how == "truncate":
        path.write_bytes(content[: draw.integer(0, max(len(content) - 1, 0))])
    elif how == "overwrite":
        at = draw.integer(0, max(len(content) - 1, 0))
        junk = draw.binary(1, 16)
        path.write_bytes(content[:at] + junk + content[at + len(junk) :])
    elif how == "empty":
        path.write_bytes(b"")
    else:
        path.write_bytes(content + draw.binary(1, 64))
    return how


def _damage_json(folder: Path, draw: Draw) -> str:
    path = folder / "plan.json"
    meta = json.loads(path.read_text())
    how = draw.choice(["value", "nested", "drop", "nest", "version", "not_object"])
    if how == "value":
        meta[draw.choice(sorted(meta))] = _json_value(draw)
    elif how == "nested":
        key = draw.choice([k for k in sorted(meta) if isinstance(meta[k], dict) and meta[k]])
        meta[key][draw.choice(sorted(meta[key]))] = _json_value(draw)
    elif how == "drop":
        del meta[draw.choice(sorted(meta))]
    elif how == "version":
        meta["format_version"] = draw.choice([0, 1, 3, 99, -1, "2", 2.0, None, True])
    elif how == "not_object":
        meta = _json_value(draw)
    if how == "nest":
        depth = draw.integer(1, 5000)
        meta[draw.choice(sorted(meta))] = "NESTED"
        path.write_text(json.dumps(meta).replace('"NESTED"', "[" * depth + "1" + "]" * depth))
    else:
        path.write_text(json.dumps(meta))
    return f"plan.json {how}"


def _damage_parquet(folder: Path, draw: Draw) -> str:
    path = draw.choice(sorted(folder.glob("*.parquet")))
    frame = pd.read_parquet(path)
    how = draw.choice(["drop", "rename", "values", "swap", "rows"])
    if how == "swap":
        shutil.copy(draw.choice([p for p in sorted(folder.glob("*.parquet")) if p != path]), path)
        return f"{path.name} swapped"
    if how == "rows":
        frame = frame.iloc[: draw.integer(0, len(frame))] if draw.integer(0, 1) else pd.concat([frame, frame])
    elif len(frame.columns):
        column = draw.choice(list(frame.columns))
        if how == "drop":
            frame = frame.drop(columns=column)
        elif how == "rename":
            frame = frame.rename(columns={column: draw.text(0, 8) + draw.choice(["", " ", "\u00e9", "_id"])})  # Parquet names are UTF-8
        else:
            value = draw.choice([None, math.nan, math.inf, -1, 10**18, "x", "\u00e9", True, 1.5])
            frame[column] = [value] * len(frame) if draw.integer(0, 1) else frame[column].astype(object).where(frame.index != 0, value)
    try:
        frame.to_parquet(path)
    except (ValueError, TypeError, OverflowError, ImportError) as error:  # pyarrow cannot write it: a different damage
        path.write_bytes(str(error).encode())
    return f"{path.name} {how}"


def _damage_files(folder: Path, draw: Draw) -> str:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    path = draw.choice(files)
    how = draw.choice(["bytes", "delete", "folder", "symlink", "marker", "scenario_cell"])
    if how == "bytes":
        return f"{path.relative_to(folder)} {_damage_bytes(path, draw)}"
    if how == "delete":
        path.unlink()
    elif how == "folder":
        path.unlink()
        path.mkdir()
    elif how == "symlink":
        path.unlink()
        path.symlink_to(draw.choice(["/dev/zero", "/nonexistent", str(folder), path.name]))
    elif how == "marker":
        (folder / ".gigawatt-plan").write_bytes(text(draw, 30).encode("utf-8", "surrogatepass"))
    else:
        return _damage_scenario_cell(folder / "scenario", draw)
    return f"{path.relative_to(folder)} {how}"


def _damage_scenario_cell(folder: Path, draw: Draw) -> str:
    path = draw.choice(sorted(folder.glob("*.csv")))
    lines = path.read_text().splitlines()
    row = draw.integer(0, len(lines) - 1)
    cells = lines[row].split(",")
    cells[draw.integer(0, len(cells) - 1)] = draw.choice(["", "nan", "-1", "1e300", "x", "\u00e9", '"', "2026.5"])
    lines[row] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    return f"scenario/{path.name} line {row + 1}"


def plan_folder(draw: Draw, tmp: Path) -> Case:
    """A saved plan with one file damaged: truncated, overwritten, tampered JSON, Parquet columns, marker or scenario."""
    folder = Path(shutil.copytree(saved_plan(), tmp / "plan"))
    damage = draw.choice([_damage_json, _damage_parquet, _damage_files])
    damage(folder, draw)

    def use() -> None:
        plan = gw.load_plan(folder)
        assert plan.summary().startswith("Plan for ")
        assert isinstance(plan.kpis, dict)
        if not plan.options.get("relax"):  # an LP relaxation is a bound, refused by verify (as the report skips it)
            assert isinstance(plan.verify(), list)

    def named(error: GigawattError) -> str | None:
        if not isinstance(error, FileProblem) or not str(error.path).startswith(str(folder)):
            return f"{type(error).__name__} not naming a file of {folder}: {error}"
        return None

    case = attempt(use, named)
    case.command, case.named = ["report", str(folder), "--out", str(tmp / "report.html")], str(folder)
    return case


# -- results stores -------------------------------------------------------------------------------------
@functools.cache
def saved_store() -> Path:
    """A results store of a two-run sweep of scenarios/tiny, written once per process."""
    path = _scratch() / "runs.duckdb"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PlausibilityWarning)
        gw.sweep(gw.load_scenario(TINY), grid={"ceiling_mw": [300, 400]}, workers=0, store=path, progress=False, threads=1)
    return path


#: SQL that bends a store's schema or contents (run on a copy, then the copy is read).
STORE_EDITS = (
    "DROP TABLE runs",
    "ALTER TABLE runs DROP COLUMN {run_column}",
    "ALTER TABLE runs RENAME COLUMN {run_column} TO renamed",
    "ALTER TABLE runs ALTER {run_column} TYPE VARCHAR",
    "ALTER TABLE runs RENAME TO old_runs",
    "UPDATE runs SET params = '{text}'",
    "UPDATE runs SET params = '[1, 2]'",
    "UPDATE runs SET params = '\"text\"'",
    "UPDATE runs SET params = NULL",
    "UPDATE runs SET objective_usd = 'nan'::DOUBLE",
    "UPDATE runs SET finished_at = NULL",
    "UPDATE runs SET run_id = NULL",
    "UPDATE runs SET label = '{text}'",
    "DELETE FROM runs",
    "DROP TABLE plan_power",
    "ALTER TABLE plan_power DROP COLUMN run_id",
    "ALTER TABLE plan_power DROP COLUMN facility_mw",
    "ALTER TABLE plan_power ALTER facility_mw TYPE VARCHAR",
    "ALTER TABLE plan_power ALTER year TYPE VARCHAR",
    "UPDATE plan_power SET year = NULL",
    "CREATE TABLE plan_extra (x INTEGER)",
    'CREATE TABLE "plan_{text}" (run_id VARCHAR)',
    "CREATE VIEW plan_view AS SELECT 1 AS x",
    "CREATE TABLE other (x INTEGER)",
    "CREATE SCHEMA s; CREATE TABLE s.runs (x INTEGER)",
)
#: Byte offsets inside a DuckDB file's headers: the version fields and the two database headers.
HEADER_OFFSETS = (0, 8, 12, 16, 20, 4096, 4096 + 8, 8192, 8192 + 8, 12288)


def results_store(draw: Draw, tmp: Path) -> Case:
    """A copy of a sweep's store with its schema bent, its headers or pages overwritten, or garbage; read back read-only."""
    import duckdb

    from gigawatt.sweeps.store import RUN_COLUMNS

    path = tmp / "runs.duckdb"
    shutil.copy(saved_store(), path)
    how = draw.choice(["sql", "header", "bytes", "garbage"])
    if how == "sql":
        statement = draw.choice(STORE_EDITS).format(run_column=draw.choice(list(RUN_COLUMNS)), text=text(draw).replace("'", "''"))
        try:
            with duckdb.connect(str(path)) as con:
                con.execute(statement)
        except (duckdb.Error, UnicodeError):
            pass  # DuckDB refused the edit (a dependency, a name it cannot take): the store is read as it is
    elif how == "header":
        with path.open("r+b") as handle:
            handle.seek(draw.choice(HEADER_OFFSETS) + draw.integer(0, 7))
            handle.write(draw.binary(1, 8))
    elif how == "bytes":
        _damage_bytes(path, draw)
    else:
        path.write_bytes(draw.binary(0, 4096))
    table = draw.choice([None, None, "power", "chips", "sites", "nope", text(draw)])

    def named(error: GigawattError) -> str | None:
        if isinstance(error, OptionError) and error.argument == "table":
            return None
        if not isinstance(error, FileProblem) or Path(error.path) != path:
            return f"{type(error).__name__} not naming {path}: {error}"
        return None

    case = attempt(lambda: gw.load_runs(path, table=table), named)
    case.command = ["runs", str(path)] + ([] if table is None else ["--table", table])
    case.named = str(path) if not isinstance(case.error, OptionError) else "--table"
    return case


# -- sweep files and --grid items ---------------------------------------------------------------------
#: Override keys, well-formed and not.
KEYS = (
    "ceiling_mw", "solver.time_limit", "solver.nme", "years", "name", "chips[rubin].first_year", "chips.capex_usd_per_unit*",
    "supplies[node_id=south].capacity_mw", "supplies[node_id=south.capacity_mw", "supplies[node_id=south]]].capacity_mw",
    "sites[[a]].max_mw", "chipz.capex", "supplies.nope", "supplies[nope=x].capacity_mw", "demand.eflops+", "ceiling_mw**",
    "", ".", "[]", "a.b.c.d", "tables.sites", "extends",
)  # fmt: skip


#: Well-formed keys that tiny accepts with a plausible number (a share of the cases must work).
GOOD_KEYS = (
    "ceiling_mw", "solver.mip_gap", "supplies[node_id=south].capacity_mw", "supplies.energy_price_usd_per_mwh*",
    "chips[new_liquid].capex_usd_per_unit", "sites[north_air].max_mw", "demand.eflops+", "links[north-south].capacity_mw",
)  # fmt: skip
GOOD_VALUES = ("80", "90", "100", "120", "0.5", "1.1")


def _good_item(draw: Draw, values: int = 1) -> str:
    """A ``KEY=VALUE`` (or ``KEY=V1,V2``) item that tiny takes."""
    return f"{draw.choice(GOOD_KEYS)}=" + ",".join(draw.choice(GOOD_VALUES) for _ in range(values))


def _yaml_value(draw: Draw, depth: int = 0) -> str:
    """A YAML value: scalars of every type, lists, maps, or something that is not YAML."""
    kind = draw.integer(0, 9 if depth < 2 else 5)
    if kind <= 5:
        return draw.choice(["1", "-1", "0", "0.5", ".nan", ".inf", "true", "null", "''", "x", "1e400", "2026", "[]", "{}", "~"])
    if kind <= 7:
        return "[" + ", ".join(_yaml_value(draw, depth + 1) for _ in range(draw.integer(0, 4))) + "]"
    if kind == 8:
        return "{" + ", ".join(f"{draw.choice(KEYS) or 'k'}: {_yaml_value(draw, depth + 1)}" for _ in range(draw.integer(0, 3))) + "}"
    return draw.choice(["[", "{a: ", "!!python/object:os.system", "*alias", "&a [*a]", "'\udc80'", "\t"])


#: Sweep file sections that are fine (a share of the cases must load).
GOOD_SECTIONS = (
    "name: fuzz",
    "grid: {ceiling_mw: [80, 100], 'supplies[node_id=south].capacity_mw': [90]}",
    "sensitivity: {step: 0.2, parameters: [supplies.energy_price_usd_per_mwh]}",
    "samples: {n: 4, seed: 3, ranges: {ceiling_mw: [80, 120]}}",
    "solve: {time_limit: 5, mip_gap: 0.01, threads: 1, strategy: single}",
)


def _sweep_yaml(draw: Draw) -> str:
    """A sweep file: its sections with hostile values, huge counts beyond the caps, unknown keys."""
    lines = [draw.choice(GOOD_SECTIONS) for _ in range(draw.integer(0, 2))]
    for _ in range(draw.integer(0 if lines else 1, 2)):
        section = draw.choice(["name", "grid", "variants", "sensitivity", "samples", "solve", "colour", "grid_", "samples"])
        if section == "grid" and draw.integer(0, 1):
            sizes = [draw.choice([1, 2, 10, 1000, 100_001]) for _ in range(draw.integer(1, 3))]
            keys = [draw.choice(KEYS) or "ceiling_mw" for _ in sizes]
            body = ", ".join(f"{json.dumps(k)}: [{', '.join(str(i) for i in range(n))}]" for k, n in zip(keys, sizes, strict=True))
            lines.append(f"grid: {{{body}}}")
        elif section == "samples" and draw.integer(0, 1):
            n = draw.choice(["4", "0", "-1", "100001", "10000000000", "true", "2.5", ".nan"])
            lines.append(f"samples: {{n: {n}, seed: {draw.choice(['1', '-1', '2e19', 'x'])}, ranges: {{ceiling_mw: [1, 2]}}}}")
        elif section == "sensitivity" and draw.integer(0, 1):
            count = draw.choice([1, 3, 60_000])
            lines.append(
                f"sensitivity: {{step: {draw.choice(['0.2', '0', '1', '-1', '.nan'])}, parameters: [{', '.join(['ceiling_mw'] * count)}]}}"
            )
        elif section == "solve" and draw.integer(0, 1):
            option = draw.choice(["time_limit", "mip_gap", "threads", "solver", "strategy", "relax", "time_limt", "presolve", "start"])
            lines.append(f"solve: {{{option}: {_yaml_value(draw)}}}")
        else:
            lines.append(f"{section}: {_yaml_value(draw)}")
    return "\n".join(lines) + "\n"


def sweep_file(draw: Draw, tmp: Path) -> Case:
    """A sweep YAML file: load_spec, the solve options and workers checked, its runs expanded."""
    from gigawatt.sweeps.spec import MAX_RUNS, check_run_inputs, load_spec

    path = tmp / "sweep.yaml"
    path.write_text(_sweep_yaml(draw), encoding="utf-8", errors="surrogatepass")
    workers = draw.choice([None, 0, 1, -1, True, 2.5, 10**9])

    def use() -> None:
        spec = load_spec(path)
        check_run_inputs(spec.solve, workers)
        assert spec.run_count() <= MAX_RUNS
        if spec.run_count() <= 2000:
            assert len(spec.runs()) == spec.run_count()

    case = attempt(use, _problems_named("sweep.yaml", "sweep", "solve options"))
    refused_by_file = isinstance(case.error, ScenarioError) and any(p.file == "sweep.yaml" for p in case.error.problems)
    if refused_by_file:
        case.command = ["sweep", str(TINY), "--file", str(path), "--store", str(tmp / "r.duckdb"), "--workers", "0"]
        case.named = "sweep.yaml"
    return case


def grid_items(draw: Draw, tmp: Path) -> Case:
    """``--grid`` items: split as ``--set`` is, parsed to a sweep, and each run's overrides applied to tiny."""
    from gigawatt.sweeps.spec import parse_grid, spec_from_mapping

    items = [_good_item(draw, draw.integer(1, 2)) for _ in range(draw.integer(0, 2))]
    for _ in range(draw.integer(0 if items else 1, 2)):
        key = draw.choice([draw.choice(KEYS), text(draw)])
        values = ",".join(
            draw.choice(["1", "2.5", "x", "", " ", "[1", "a=b", ".nan", "true", "\udc80", "300", "1e400"])
            for _ in range(draw.integer(0, 3))
        )
        items.append(draw.choice([f"{key}={values}", f"{key}{values}", f"{key}=={values}", f"{key} = {values}"]))
    stage = {"parsed": False}

    def use() -> None:
        grid = parse_grid(items)
        stage["parsed"] = True
        spec = spec_from_mapping({"grid": grid})
        tiny = _tiny()
        for run in spec.runs()[:4]:
            tiny.with_overrides(dict(run.params))

    case = attempt(use, _problems_named())
    if case.error is not None and not stage["parsed"]:
        case.command = ["sweep", str(TINY), "--store", str(tmp / "r.duckdb"), "--workers", "0"] + [a for i in items for a in ("--grid", i)]
        case.named = "--grid"
    return case


@functools.cache
def _tiny() -> gw.Scenario:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PlausibilityWarning)
        return gw.load_scenario(TINY)


# -- solve() keywords ---------------------------------------------------------------------------------------
#: Keyword names: every option, misspellings and strangers.
SOLVE_NAMES = (
    "solver", "time_limit", "mip_gap", "threads", "integer_units", "relax", "retirement", "tee", "strategy", "duals", "start",
    "solver_options", "time_limt", "mipgap", "Threads", "timeout", "presolve", "", "\udc80", "é",
)  # fmt: skip
#: Values that make solve() run (cheap ones for tiny); tee stays off so nothing is printed.
SOLVE_VALID = {
    "solver": ["highs", None],
    "time_limit": [30, 0.5, None],
    "mip_gap": [0, 0.01, None],
    "threads": [1, 2],
    "integer_units": [True, False],
    "relax": [True, False],
    "retirement": [True, False],
    "tee": [False],
    "strategy": ["auto", "phased", "shortlist", "single"],
    "duals": [False],
    "start": [None, {}],
    "solver_options": [{}, {"presolve": "off"}],
}
#: Plan-shaped tables to warm-start from, well-formed and not.
STARTS: tuple[object, ...] = (
    {"chips": pd.DataFrame()},
    {"chips": pd.DataFrame({"site_id": ["x"], "chip_id": ["y"], "year": [2026], "units": [math.nan]})},
    {"sites": pd.DataFrame({"site_id": [1], "year": ["a"]})},
    {"chips": "not a table"},
    {"nope": pd.DataFrame({"a": [1]})},
    {1: 2},
)


def solve_keywords(draw: Draw, tmp: Path) -> Case:
    """``gw.solve(tiny, **kwargs)`` with wrong names, types and values mixed among valid ones."""
    kwargs: dict[str, object] = {"duals": False}
    for _ in range(draw.integer(1, 3)):
        name = draw.choice(SOLVE_NAMES)
        pool = SOLVE_VALID.get(name, [])
        kind = draw.integer(-2, 3)  # half the values valid, so a share of the cases solve
        if kind <= 0 and pool:
            kwargs[name] = draw.choice(pool)
        elif kind == 1 and name == "start":
            kwargs[name] = draw.choice(STARTS)
        elif kind == 1 and name == "solver_options":
            kwargs[name] = {draw.choice(["presolve", "nope", "time_limit", 3]): draw.choice(VALUES)}
        else:
            kwargs[name] = draw.choice(VALUES)
    if kwargs.get("tee") is True or isinstance(kwargs.get("tee"), np.bool_):
        kwargs["tee"] = False  # valid, but prints the solver's log

    def named(error: GigawattError) -> str | None:
        if isinstance(error, gw.NoPlan):
            return None
        if not isinstance(error, OptionError) or error.argument not in kwargs:
            return f"{type(error).__name__} not naming one of {list(kwargs)}: {error}"
        near = {"time_limt": "time_limit", "mipgap": "mip_gap", "Threads": "threads"}.get(error.argument)
        if near and f"did you mean {near!r}" not in str(error):
            return f"no did-you-mean {near!r}: {error}"
        if error.argument not in SOLVE_VALID and "did you mean" not in str(error) and "known: solver" not in str(error):
            return f"an unknown option without the known ones: {error}"
        return None

    case = attempt(lambda: gw.solve(_tiny(), **kwargs), named)
    flags = {"time_limit": "--time-limit", "mip_gap": "--mip-gap", "threads": "--threads", "solver": "--solver"}
    refused = case.error.argument if isinstance(case.error, OptionError) else None
    value = kwargs.get(refused) if refused in flags else None
    # a number given as text or as a NumPy scalar is refused by its type, which a command line cannot carry
    typed_number = refused != "solver" and isinstance(value, str | np.generic)
    if value is not None and not typed_number:
        flag = flags[refused]
        case.command = ["solve", str(TINY), flag, _cli_text(value), "--no-relax"]
        case.named = flag
    return case


def _cli_text(value: object) -> str:
    """A value as a user would type it on the command line."""
    return str(value).lower() if isinstance(value, bool | np.bool_) else str(value)


# -- --set overrides ------------------------------------------------------------------------------------------
def set_overrides(draw: Draw, tmp: Path) -> Case:
    """``--set KEY=VALUE`` items split and applied to tiny: malformed brackets, unknown tables and columns, unicode, surrogates."""
    from gigawatt.scenario.overrides import split_override

    items = [_good_item(draw) for _ in range(draw.integer(0, 2))]
    for _ in range(draw.integer(0 if items else 1, 2)):
        table = draw.choice([*TABLES, "chipz", text(draw, 3)])
        column = draw.choice([*sorted({c.name for t in TABLES.values() for c in t.columns}), "nope", text(draw, 3)])
        select = draw.choice(["", "[", "]", "[]", f"[{text(draw, 4)}]", f"[{column}={text(draw, 4)}]", "[[x]]", "[a=b=c]"])
        key = draw.choice([f"{table}{select}.{column}", draw.choice(KEYS), text(draw)]) + draw.choice(["", "", "*", "+", "**", " "])
        value = draw.choice([text(draw), "1", "-1", "0", "1e400", ".nan", "[1, 2]", "[1, 2, 3, 4, 5, 6, 7, 8, 9]", "{a: 1}", "true", ""])
        items.append(draw.choice([f"{key}={value}", f"{key}", f"={value}", f"{key}=={value}"]))
    stage = {"split": False}

    def use() -> None:
        pairs = dict(split_override(item) for item in items)
        stage["split"] = True
        _tiny().with_overrides(pairs)

    def named(error: GigawattError) -> str | None:
        if not stage["split"]:
            return None if isinstance(error, OptionError) and error.argument in items else f"split_override: {error!r}"
        return _problems_named()(error)

    case = attempt(use, named)
    if case.error is not None:
        case.command = ["validate", str(TINY)] + [a for i in items for a in ("--set", i)]
        case.named = case.error.problems[0].file if isinstance(case.error, ScenarioError) else "--set"
    return case


# -- futures tables ----------------------------------------------------------------------------------------
def futures_file(draw: Draw, tmp: Path) -> Case:
    """A futures.csv for tiny: odd ids and probabilities, good and hostile overrides, missing or unknown columns."""
    import csv
    import io

    from gigawatt.scenario.futures import load_futures

    header = ["future_id", "probability", "overrides", "description"]
    if draw.integer(0, 3) == 0:
        header = draw.choice([header[:2], [*header, "weight"], ["future_id", "probability", "overrides", "overrides"], ["", "p"]])
    good = [["f0", "0.5", "; ".join(_good_item(draw) for _ in range(draw.integer(0, 2))), "d"], ["f1", "0.5", "", ""]]
    rows = good if draw.integer(0, 1) else []  # half the tables start from two good futures
    for i in range(draw.integer(0, 2) if rows else draw.integer(1, 3)):
        items = [_good_item(draw) for _ in range(draw.integer(0, 2))]
        items += [f"{draw.choice(KEYS)}={text(draw, 4)}" for _ in range(draw.integer(0, 1))]
        probability = draw.choice(["0.5", "1", "0.25", "nan", "-1", "1e400", "", "x", "0.3333333", "2"])
        overrides = draw.choice(["; ".join(items), ";;", "a=b=c", text(draw)])
        rows.append([draw.choice([f"g{i}", "f0", "", text(draw, 4)]), probability, overrides, "d"])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *(r[: len(header)] for r in rows)])
    path = tmp / "futures.csv"
    path.write_text(out.getvalue(), encoding="utf-8", errors="surrogatepass")
    case = attempt(lambda: load_futures(path, _tiny()), _problems_named("futures.csv"))
    if isinstance(case.error, ScenarioError):
        case.command, case.named = ["solve", str(TINY), "--futures", str(path)], "futures.csv"
    return case


#: Every entry-point kind: name -> case maker.
ENTRIES: dict[str, Callable[[Draw, Path], Case]] = {
    f.__name__: f for f in (plan_folder, results_store, sweep_file, grid_items, solve_keywords, set_overrides, futures_file)
}


def command_failure(case: Case) -> str | None:
    """Run a refused case's ``command`` in-process (typer's runner): exit 2, no traceback, ``case.named`` in the output."""
    from typer.testing import CliRunner

    from gigawatt.cli import app

    if case.error is None or case.command is None or not _typeable(case.command):
        return None
    result = CliRunner().invoke(app, case.command, env={"COLUMNS": "200"})
    output = result.output
    if result.exit_code != 2 or "Traceback" in output or not isinstance(result.exception, SystemExit):
        return f"gigawatt {' '.join(map(repr, case.command))}: exit {result.exit_code}, {result.exception!r}:\n{output[-2000:]}"
    if case.named and case.named not in output.replace("\n", ""):
        return f"gigawatt {' '.join(map(repr, case.command))}: output does not name {case.named}:\n{output[-2000:]}"
    return None


def _typeable(args: list[str]) -> bool:
    """Whether a real command line can carry ``args`` (lone surrogates \udc80-\udcff can: undecodable bytes)."""
    try:
        for arg in args:
            os.fsencode(arg)
    except UnicodeEncodeError:
        return False
    return "\x00" not in "".join(args)
