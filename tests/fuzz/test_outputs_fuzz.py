"""Randomly damaged plan folders and results stores: a plan that loads summarises and verifies, else the gigawatt error.

Each case copies a saved tiny plan and damages one file (truncate, overwrite bytes, nest plan.json,
delete it); ``load_plan`` must load a plan whose ``summary()`` and ``verify()`` run, or raise
:class:`PlanFileError`, never anything else. Random bytes at a store path must give StoreError.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from builders import SCENARIOS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gigawatt as gw
from gigawatt.errors import PlanFileError, StoreError
from gigawatt.sweeps.store import DUCKDB_MAGIC, DUCKDB_MAGIC_OFFSET, load_runs

DAMAGES = ("truncate", "overwrite", "nest", "delete")


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    plan = gw.solve(gw.load_scenario(SCENARIOS / "tiny"), threads=1)
    return plan.save(tmp_path_factory.mktemp("fuzz") / "run")


def damage(folder: Path, data: st.DataObject) -> None:
    """Break one file of a plan folder in one of :data:`DAMAGES`' ways."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    path = data.draw(st.sampled_from(files), label="file")
    how = data.draw(st.sampled_from(DAMAGES), label="damage")
    content = path.read_bytes()
    if how == "truncate":
        path.write_bytes(content[: data.draw(st.integers(0, max(len(content) - 1, 0)), label="keep")])
    elif how == "overwrite":
        at = data.draw(st.integers(0, max(len(content) - 1, 0)), label="at")
        junk = data.draw(st.binary(min_size=1, max_size=16), label="junk")
        path.write_bytes(content[:at] + junk + content[at + len(junk) :])
    elif how == "nest":
        depth = data.draw(st.integers(1, 5000), label="depth")
        meta = json.loads((folder / "plan.json").read_text())
        key = data.draw(st.sampled_from(sorted(meta)), label="key")
        meta[key] = "NESTED"
        (folder / "plan.json").write_text(json.dumps(meta).replace('"NESTED"', "[" * depth + "1" + "]" * depth))
    else:
        path.unlink()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_a_damaged_plan_loads_whole_or_raises_plan_file_error(saved: Path, data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(shutil.copytree(saved, Path(tmp) / "run"))
        damage(folder, data)
        try:
            plan = gw.load_plan(folder)
        except PlanFileError as error:
            assert str(error.path).startswith(str(folder))
            return
        assert plan.summary().startswith("Plan for ")
        assert isinstance(plan.verify(), list)


@settings(max_examples=40, deadline=None)
@given(content=st.binary(max_size=4096), duck=st.booleans())
def test_random_bytes_at_a_store_path_raise_store_error(content: bytes, duck: bool) -> None:
    if duck:  # get past the magic check: DuckDB itself must refuse the rest
        content = content.ljust(DUCKDB_MAGIC_OFFSET, b"\x00")
        content = content[:DUCKDB_MAGIC_OFFSET] + DUCKDB_MAGIC + content[DUCKDB_MAGIC_OFFSET + len(DUCKDB_MAGIC) :]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "runs.duckdb"
        path.write_bytes(content)
        with pytest.raises(StoreError):
            load_runs(path)
