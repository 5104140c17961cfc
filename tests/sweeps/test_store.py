"""The DuckDB results store: one transaction per run, params as columns, plan tables keyed by run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from gigawatt.errors import OptionError
from gigawatt.sweeps.store import RUN_COLUMNS, RunStore, load_runs


def power(run: str, mws: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"year": [2026 + i for i in range(len(mws))], "facility_mw": mws, "ceiling_mw": 100.0})


def test_record_and_load(tmp_path: Path) -> None:
    path = tmp_path / "runs.duckdb"
    with RunStore(path) as db:
        db.record(
            {"run_id": "a", "label": "x=1", "params": {"x": 1, "ceiling_mw": 90}, "status": "optimal", "objective_usd": 5.0},
            {"power": power("a", [10, 20])},
        )
        db.record({"run_id": "b", "label": "x=2", "params": {"x": 2}, "status": "invalid", "error": "bad"})
    runs = load_runs(path)
    assert list(runs["run_id"]) == ["a", "b"]
    assert list(runs["x"]) == [1, 2]
    assert runs.loc[0, "ceiling_mw"] == 90  # a varied figure fills the column of the same name
    assert list(runs["mw_2026"].fillna(-1)) == [10, -1] and runs.loc[0, "mw_2027"] == 20
    assert set(RUN_COLUMNS) <= set(runs.columns)
    table = load_runs(path, table="power")
    assert list(table["run_id"]) == ["a", "a"] and list(table["facility_mw"]) == [10, 20]
    with pytest.raises(OptionError, match="no plan table 'chips'"):
        load_runs(path, table="chips")


def test_a_second_attempt_replaces_the_first(tmp_path: Path) -> None:
    with RunStore(tmp_path / "r.duckdb") as db:
        db.record({"run_id": "a", "status": "lost"}, {"power": power("a", [1, 2, 3])})
        db.record({"run_id": "a", "status": "optimal", "attempts": 2}, {"power": power("a", [4])})
        assert db.statuses() == {"a": "optimal"}
        assert list(db.table("power")["facility_mw"]) == [4]


def test_a_failed_write_leaves_no_half_run(tmp_path: Path) -> None:
    with RunStore(tmp_path / "r.duckdb") as db:
        db.record({"run_id": "a", "status": "optimal"}, {"power": power("a", [1])})
        bad = pd.DataFrame({"year": [2026], "facility_mw": ["not a number"]})
        with pytest.raises(Exception, match=r"(?i)conver|cast"):
            db.record({"run_id": "b", "status": "optimal"}, {"sites": power("b", [5]), "power": bad})
        assert db.statuses() == {"a": "optimal"}
        assert db.plan_tables() == ["power"]  # the table the failed run created first was rolled back too
        assert list(db.table("power")["run_id"]) == ["a"]


def test_missing_store_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no results store"):
        load_runs(tmp_path / "none.duckdb")


def test_a_batch_is_written_whole_and_replaces_earlier_attempts(tmp_path: Path) -> None:
    with RunStore(tmp_path / "r.duckdb") as db:
        db.record({"run_id": "a", "status": "lost"}, {"power": power("a", [1, 2])})
        db.record_many(
            [
                ({"run_id": "a", "status": "optimal", "attempts": 2}, {"power": power("a", [3])}),
                ({"run_id": "b", "status": "optimal"}, {"power": power("b", [4, 5]), "sites": power("b", [6])}),
                ({"run_id": "c", "status": "invalid", "error": "bad"}, None),
            ]
        )
        assert db.statuses() == {"a": "optimal", "b": "optimal", "c": "invalid"}
        table = db.table("power")
        assert list(zip(table["run_id"], table["facility_mw"], strict=True)) == [("a", 3), ("b", 4), ("b", 5)]
        assert list(db.table("sites")["run_id"]) == ["b"]
        bad = pd.DataFrame({"year": [2026], "facility_mw": ["not a number"]})
        with pytest.raises(Exception, match=r"(?i)conver|cast"):
            db.record_many([({"run_id": "d", "status": "optimal"}, {"power": power("d", [7])}), ({"run_id": "e"}, {"power": bad})])
        assert set(db.statuses()) == {"a", "b", "c"}  # neither run of the failed batch is there, nor any of their rows
        assert set(db.table("power")["run_id"]) == {"a", "b"}
