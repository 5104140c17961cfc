"""The DuckDB results store: one transaction per run, params as columns, plan tables keyed by run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from gigawatt.errors import OptionError
from gigawatt.sweeps.store import ADDED_COLUMNS as ADDED
from gigawatt.sweeps.store import RENAMED_COLUMNS, RUN_COLUMNS, RunStore, load_runs


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


def test_a_plan_table_gaining_columns_keeps_the_earlier_runs(tmp_path: Path) -> None:
    """A store written before a plan table gained columns (the costs views): later runs add them, earlier rows empty."""
    with RunStore(tmp_path / "r.duckdb") as db:
        db.record({"run_id": "old", "status": "optimal"}, {"power": power("old", [1])})
        newer = power("new", [2]).assign(headroom_mw=98.0)
        db.record({"run_id": "new", "status": "optimal"}, {"power": newer})
        table = db.table("power").set_index("run_id")
    assert table.loc["new", "headroom_mw"] == 98.0 and pd.isna(table.loc["old", "headroom_mw"])
    assert list(table["facility_mw"]) == [1, 2]


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


def old_store(path: Path) -> None:
    """A store as written before the value of a GW: ``ceiling_dual_usd_per_mw_yr``, no ``discounted_years``."""
    import duckdb

    columns = {RENAMED.get(c, c): t for c, t in RUN_COLUMNS.items() if c not in ADDED}
    with duckdb.connect(str(path)) as con:
        con.execute(f"CREATE TABLE runs ({', '.join(f'{c} {t}' for c, t in columns.items())})")
        con.execute("INSERT INTO runs (run_id, params, status, ceiling_dual_usd_per_mw_yr) VALUES ('old', '{}', 'optimal', 7.0)")


RENAMED = {new: old for old, new in RENAMED_COLUMNS.items()}


def test_an_old_store_reads_under_the_new_names_and_is_migrated_when_written(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    old_store(path)
    runs = load_runs(path)
    assert runs.loc[0, "ceiling_dual_max_usd_per_mw_yr"] == 7.0 and runs.loc[0, list(ADDED)].isna().all()
    assert "ceiling_dual_usd_per_mw_yr" not in runs.columns
    with RunStore(path) as db:
        db.record({"run_id": "new", "status": "optimal", "ceiling_dual_max_usd_per_mw_yr": 8.0, "discounted_years": 2.0})
    runs = load_runs(path).set_index("run_id")
    assert runs["ceiling_dual_max_usd_per_mw_yr"].to_dict() == {"old": 7.0, "new": 8.0}
    assert runs.loc["new", "discounted_years"] == 2.0


def test_a_ceiling_only_sweep_carries_the_value_of_a_gw(tmp_path: Path) -> None:
    """Ceilings 100, 110, 120 MW (2 discounted years) and a run without a plan at 105 MW, which is skipped.
    100 -> 110: (50e6 - 48e6) / (10 MW x 2) = 100,000 USD per MW-year; range [(49.9e6 - 48e6), (50e6 - 47.9e6)] / 20
    = [95,000, 105,000], 10% wide: proven. 110 -> 120: exact costs, 48e6 - 47e6 over 20: 50,000.
    A run that varies another parameter gets no value."""
    rows = [
        (100.0, 50e6, 49.9e6),
        (105.0, None, None),
        (110.0, 48e6, 47.9e6),
        (120.0, 47e6, 47e6),
    ]
    with RunStore(tmp_path / "r.duckdb") as db:
        for ceiling, cost, bound in rows:
            figures = {"objective_usd": cost, "bound_usd": bound, "ceiling_mw": ceiling, "discounted_years": 2.0}
            db.record({"run_id": f"c{ceiling:g}", "sweep": "s", "params": {"ceiling_mw": ceiling}, "status": "optimal", **figures})
        db.record({"run_id": "x", "sweep": "s", "params": {"x": 1}, "status": "optimal", "objective_usd": 1.0, "discounted_years": 2.0})
        runs = db.runs().set_index("run_id")
    assert runs["value_usd_per_mw_yr"].fillna(-1).to_dict() == pytest.approx({"c100": -1, "c105": -1, "c110": 1e5, "c120": 5e4, "x": -1})
    assert (runs.loc["c110", "value_low_usd_per_mw_yr"], runs.loc["c110", "value_high_usd_per_mw_yr"]) == pytest.approx((95e3, 105e3))
    assert runs["value_proven"].to_dict() == {"c100": False, "c105": False, "c110": True, "c120": True, "x": False}
