"""Determinism: the same scenario and options give the identical plan, in one process and across processes;
the scenario hash is a digest of a canonical form, equal on every machine and process.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from builders import ROOT, SCENARIOS

import gigawatt as gw
from gigawatt.plan.tables import PLAN_TABLES
from gigawatt.scenario import Scenario, Settings
from gigawatt.scenario.schema import TABLES

if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

from benchmarks.generator import synthetic_scenario

#: A synthetic instance large enough to branch (12 sites, 3 chips, 3 years, 2 regions), solved in seconds.
SYNTHETIC = {"sites": 12, "chips": 3, "years": 3, "regions": 2, "seed": 7}
OPTIONS = {"threads": 1, "mip_gap": 1e-3}


# -- plans ----------------------------------------------------------------------------------------------
def _scenario(which: str) -> Scenario:
    return gw.load_scenario(SCENARIOS / "tiny") if which == "tiny" else synthetic_scenario(**SYNTHETIC)


def assert_identical(a: gw.Plan, b: gw.Plan) -> None:
    """Every plan table equal cell for cell, and objective, bound and gap equal to the last bit."""
    assert (a.status, a.solution) == (b.status, b.solution)
    assert float(a.objective).hex() == float(b.objective).hex()
    assert (a.bound is None and b.bound is None) or float(a.bound).hex() == float(b.bound).hex()
    assert (a.gap is None and b.gap is None) or float(a.gap).hex() == float(b.gap).hex()
    for name in PLAN_TABLES:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name], check_exact=True)
    if a.duals is not None or b.duals is not None:
        pd.testing.assert_frame_equal(a.duals, b.duals, check_exact=True)


@pytest.fixture(scope="module", params=["tiny", "synthetic"])
def solved(request: pytest.FixtureRequest) -> tuple[str, Scenario, gw.Plan]:
    scn = _scenario(request.param)
    return request.param, scn, gw.solve(scn, **OPTIONS)


def test_two_solves_in_one_process_give_the_identical_plan(solved) -> None:
    _, scn, first = solved
    assert first.verify() == []
    assert_identical(first, gw.solve(scn, **OPTIONS))


_SOLVE_AND_SAVE = """
import sys
sys.path.append(sys.argv[3])
import gigawatt as gw
from benchmarks.generator import synthetic_scenario
which, out = sys.argv[1], sys.argv[2]
scn = gw.load_scenario(sys.argv[3] + "/scenarios/tiny") if which == "tiny" else synthetic_scenario(**{synthetic})
gw.solve(scn, **{options}).save(out)
"""


def test_solves_in_separate_processes_give_the_identical_plan(solved, tmp_path: Path) -> None:
    """Two fresh interpreters (different hash seeds), threads=1: the same plan as this process, bit for bit."""
    which, _, here = solved
    script = _SOLVE_AND_SAVE.format(synthetic=SYNTHETIC, options=OPTIONS)
    procs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        cmd = [sys.executable, "-c", script, which, str(tmp_path / seed), str(ROOT)]
        procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
    for seed in ("1", "2"):
        assert_identical(here, gw.load_plan(tmp_path / seed))


# -- the scenario hash ------------------------------------------------------------------------------------
def _independent_canonical_bytes(folder: Path) -> bytes:
    """The canonical form of a plain scenario folder, rebuilt from its files with csv, yaml and the schema.

    Follows the documented form of ``gigawatt.scenario.scenario.canonical_bytes`` without using it:
    every setting (pydantic fills the defaults), and per table the schema's columns with each cell
    typed (int, float, bool, text), defaults for absent columns and empty cells as null.
    """
    settings = Settings.model_validate(yaml.safe_load((folder / "scenario.yaml").read_text())).model_dump(mode="json")
    tables = {}
    for name, schema in TABLES.items():
        path = folder / f"{name}.csv"
        if not path.exists():
            continue
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
        typed = []
        for row in rows:
            cells = []
            for col in schema.columns:
                text = (row.get(col.name) or "").strip()
                if not text:
                    value = col.default
                    cells.append(float(value) if col.dtype == "float" and value is not None else value)
                elif col.dtype == "int":
                    cells.append(int(float(text)))
                elif col.dtype == "float":
                    cells.append(float(text))
                elif col.dtype == "bool":
                    cells.append({"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}[text.lower()])
                else:
                    cells.append(text)
            typed.append(cells)
        tables[name] = {"columns": [c.name for c in schema.columns], "rows": typed}
    document = {"settings": settings, "tables": tables}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


@pytest.mark.parametrize("name", ["tiny", "default"])
def test_hash_is_the_sha256_of_the_canonical_form(name: str) -> None:
    folder = SCENARIOS / name
    assert gw.load_scenario(folder).hash == hashlib.sha256(_independent_canonical_bytes(folder)).hexdigest()[:16]


def test_hash_ignores_the_order_settings_and_tables_are_given_in() -> None:
    scn = gw.load_scenario(SCENARIOS / "tiny")
    settings = dict(scn.raw_settings)
    reordered = Scenario.from_tables(dict(reversed(settings.items())), dict(reversed(list(scn.tables.items()))))
    assert reordered.hash == scn.hash


def test_hash_ignores_how_values_are_written(tmp_path: Path) -> None:
    """Column order, number spelling (60, 6e1, 60.000), padding, CRLF and a BOM: the same scenario, the same hash."""
    scn = gw.load_scenario(SCENARIOS / "tiny")
    folder = tmp_path / "scenarios" / "tiny"
    folder.mkdir(parents=True)
    (folder / "scenario.yaml").write_bytes(b"\xef\xbb\xbf" + (SCENARIOS / "tiny" / "scenario.yaml").read_bytes().replace(b"\n", b"\r\n"))
    for name, frame in scn.tables.items():
        flipped = frame[list(reversed(frame.columns))]
        text = flipped.to_csv(index=False, float_format="%.6e", lineterminator="\r\n").replace(",", " , ")
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    assert gw.load_scenario(folder).hash == scn.hash


def test_hash_counts_row_order_and_values() -> None:
    """Row order orders the plan and breaks ties between identical sites, so it is part of the content."""
    scn = gw.load_scenario(SCENARIOS / "tiny")
    tables = dict(scn.tables)
    tables["sites"] = tables["sites"].iloc[::-1].reset_index(drop=True)
    assert Scenario.from_tables(dict(scn.raw_settings), tables).hash != scn.hash
    assert scn.with_overrides(ceiling_mw=scn.settings.ceiling_mw * (1 + 2**-52)).hash != scn.hash


def test_negative_zero_hashes_as_zero() -> None:
    scn = gw.load_scenario(SCENARIOS / "tiny")
    tables = {name: frame.copy() for name, frame in scn.tables.items()}
    tables["sites"]["fixed_om_usd_per_mw_yr"] = -0.0
    assert (scn.tables["sites"]["fixed_om_usd_per_mw_yr"] == 0).all()
    assert Scenario.from_tables(dict(scn.raw_settings), tables).hash == scn.hash


def test_hash_is_equal_across_processes_and_hash_seeds() -> None:
    """Not Python's ``hash``: fresh interpreters with different PYTHONHASHSEED agree with this one."""
    names = ["tiny", "default", "rubin_delay"]
    here = [gw.load_scenario(SCENARIOS / n).hash for n in names]
    code = "import sys, gigawatt as gw; print(' '.join(gw.load_scenario(p).hash for p in sys.argv[1:]))"
    for seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", code, *(str(SCENARIOS / n) for n in names)], env=env, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        assert out.stdout.split() == here
