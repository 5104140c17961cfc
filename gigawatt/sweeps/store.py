"""The results store: one embedded DuckDB file with a ``runs`` table and one ``plan_<table>`` per plan table.

Only the process that runs the sweep writes; each run (its row and all its plan tables) is one
transaction, so a crash never leaves half a run. Plan tables carry the ``run_id`` of their run.

Schema changes: a column renamed (:data:`RENAMED_COLUMNS`) or added (:data:`ADDED_COLUMNS`) since
an older store is read under its new name (added ones empty); opening the store to write migrates it
(``ALTER TABLE``), so a sweep resumed on an old store adds its runs to the same table.
``ceiling_dual_usd_per_mw_yr`` (a maximum over years, not labelled so) is deprecated: it reads as
``ceiling_dual_max_usd_per_mw_yr``.

:meth:`RunStore.runs` adds the value of a GW between neighbouring ceilings to the runs of a sweep that
varies only the ceiling (:func:`with_gw_values`, the arithmetic of :mod:`gigawatt.plan.value`).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from gigawatt.errors import OptionError, StoreError, first_line
from gigawatt.plan.value import value_between

#: The ``runs`` table: column -> DuckDB type. The varied parameters travel as JSON in ``params``.
RUN_COLUMNS: dict[str, str] = {
    "run_id": "VARCHAR PRIMARY KEY",
    "sweep": "VARCHAR",
    "label": "VARCHAR",
    "params": "VARCHAR",
    "scenario": "VARCHAR",
    "scenario_hash": "VARCHAR",
    "options": "VARCHAR",
    "status": "VARCHAR",
    "termination": "VARCHAR",
    "error": "VARCHAR",
    "objective_usd": "DOUBLE",
    "bound_usd": "DOUBLE",
    "gap": "DOUBLE",
    "total_cost_usd": "DOUBLE",
    "usd_per_eflops_yr": "DOUBLE",
    "peak_facility_mw": "DOUBLE",
    "ceiling_mw": "DOUBLE",
    "co2_t": "DOUBLE",
    "final_year_eflops": "DOUBLE",
    "final_year_unserved_eflops": "DOUBLE",
    "forgone_usd": "DOUBLE",
    "sites_opened": "BIGINT",
    "ceiling_dual_max_usd_per_mw_yr": "DOUBLE",
    "discounted_years": "DOUBLE",
    "violations": "BIGINT",
    "strategy": "VARCHAR",
    "seconds": "DOUBLE",
    "build_s": "DOUBLE",
    "solve_s": "DOUBLE",
    "worker": "VARCHAR",
    "attempts": "BIGINT",
    "finished_at": "TIMESTAMP",
}

#: Columns of older stores under their old name: old -> new.
RENAMED_COLUMNS = {"ceiling_dual_usd_per_mw_yr": "ceiling_dual_max_usd_per_mw_yr"}
#: Columns older stores lack: their runs read them as missing.
ADDED_COLUMNS = ("discounted_years", "final_year_unserved_eflops", "forgone_usd")
#: The value of a GW from the previous ceiling of a ceiling-only sweep (:func:`with_gw_values`), USD per MW-year.
VALUE_COLUMNS = ("value_usd_per_mw_yr", "value_low_usd_per_mw_yr", "value_high_usd_per_mw_yr", "value_proven")


#: DuckDB database files carry these bytes at :data:`DUCKDB_MAGIC_OFFSET`.
DUCKDB_MAGIC, DUCKDB_MAGIC_OFFSET = b"DUCK", 8
#: The first bytes of every SQLite database file.
SQLITE_MAGIC = b"SQLite format 3\x00"
#: Connection settings: a results file never makes DuckDB install or load an extension (no downloads, no SQLite scanner).
DUCKDB_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


class RunStore:
    """A DuckDB results file (``":memory:"`` for none); use as a context manager.

    An existing file is checked before DuckDB opens it (:func:`check_store`): a regular DuckDB file
    whose ``runs`` table has gigawatt's columns, else :class:`~gigawatt.errors.StoreError`. A new
    file is created only when writing (``read_only=False``).
    """

    def __init__(self, path: str | Path = ":memory:", *, read_only: bool = False):
        import duckdb

        self.path = str(path)
        if self.path != ":memory:":
            check_store(self.path, must_exist=read_only)
            if not read_only:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(self.path, read_only=read_only, config=DUCKDB_CONFIG)
        except duckdb.Error as error:
            raise StoreError(self.path, f"DuckDB cannot open it ({first_line(error)})") from None
        self._tables: list[str] | None = None
        try:
            if not read_only:
                columns = ", ".join(f'"{name}" {kind}' for name, kind in RUN_COLUMNS.items())
                self.con.execute(f"CREATE TABLE IF NOT EXISTS runs ({columns})")
            older = self._check_schema()
            if older and not read_only:
                self._migrate(older)
        except BaseException:
            self.con.close()
            raise

    def _check_schema(self) -> list[str]:
        """StoreError unless the ``runs`` table has every column of :data:`RUN_COLUMNS` and each plan table a ``run_id``.

        Returns the columns it has only in an older form (renamed or not yet added), to migrate.
        """
        import duckdb

        try:
            rows = self.con.execute("SELECT table_name, column_name FROM information_schema.columns").fetchall()
        except duckdb.Error as error:
            raise StoreError(self.path, f"DuckDB cannot read its tables ({first_line(error)})") from None
        columns: dict[str, set[str]] = {}
        for table, column in rows:
            columns.setdefault(table, set()).add(column)
        if "runs" not in columns:
            raise StoreError(self.path, "is a DuckDB file but not a gigawatt results store (no runs table)")
        old_names = {new: old for old, new in RENAMED_COLUMNS.items() if old in columns["runs"]}
        older = [c for c in RUN_COLUMNS if c not in columns["runs"] and (c in old_names or c in ADDED_COLUMNS)]
        missing = [c for c in RUN_COLUMNS if c not in columns["runs"] and c not in older]
        if missing:
            raise StoreError(self.path, f"its runs table lacks gigawatt's column(s) {', '.join(missing[:5])}; not a gigawatt results store")
        for table, names in columns.items():
            if table.startswith("plan_") and "run_id" not in names:
                raise StoreError(self.path, f"its table {table} has no run_id column; not a gigawatt results store")
        return older

    def _migrate(self, older: list[str]) -> None:
        """Bring the ``runs`` table of an older store to :data:`RUN_COLUMNS`: rename or add the ``older`` columns, in one transaction."""
        renamed = {new: old for old, new in RENAMED_COLUMNS.items()}
        self.con.execute("BEGIN TRANSACTION")
        try:
            for column in older:
                if column in renamed:
                    self.con.execute(f"ALTER TABLE runs RENAME COLUMN {_quote(renamed[column])} TO {_quote(column)}")
                else:
                    self.con.execute(f"ALTER TABLE runs ADD COLUMN {_quote(column)} {RUN_COLUMNS[column]}")
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    # -- writing --------------------------------------------------------------------------------
    def record(self, row: Mapping[str, object], tables: Mapping[str, pd.DataFrame] | None = None) -> None:
        """Write one run, its row and its plan tables, in one transaction (replacing an earlier attempt)."""
        self.record_many([(row, tables)])

    def record_many(self, runs: Sequence[tuple[Mapping[str, object], Mapping[str, pd.DataFrame] | None]]) -> None:
        """Write whole runs (row, plan tables) in one transaction, replacing earlier attempts of the same runs.

        One statement per table for the lot, so a batch costs about what one run does.
        """
        if not runs:
            return
        rows = [_values(row) for row, _ in runs]
        run_ids = [values["run_id"] for values in rows]
        frames: dict[str, list[tuple[str, pd.DataFrame]]] = {}
        for run_id, (_, tables) in zip(run_ids, runs, strict=True):
            for name, frame in (tables or {}).items():
                frames.setdefault(name, []).append((run_id, frame))
        self.con.execute("BEGIN TRANSACTION")
        try:
            ids = pd.DataFrame({"run_id": run_ids})
            self.con.register("_ids", ids)
            if self.con.execute("SELECT count(*) FROM runs WHERE run_id IN (SELECT run_id FROM _ids)").fetchall()[0][0]:
                for name in self.plan_tables():
                    self.con.execute(f'DELETE FROM "plan_{name}" WHERE run_id IN (SELECT run_id FROM _ids)')
                self.con.execute("DELETE FROM runs WHERE run_id IN (SELECT run_id FROM _ids)")
            for name, parts in frames.items():
                self._append(name, parts)
            marks = ", ".join("?" for _ in RUN_COLUMNS)
            columns = ", ".join(map(_quote, RUN_COLUMNS))
            self.con.executemany(f"INSERT INTO runs ({columns}) VALUES ({marks})", [list(values.values()) for values in rows])
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            self._tables = None  # a table created in the rolled-back transaction is gone
            raise
        finally:
            self.con.unregister("_ids")
            self.con.unregister("_frame")

    def _append(self, name: str, parts: list[tuple[str, pd.DataFrame]]) -> None:
        """Insert the plan table ``name`` of each run (run id, frame) into ``plan_<name>``, the run id first."""
        import pyarrow as pa

        frame = pd.concat([f for _, f in parts], ignore_index=True) if len(parts) > 1 else parts[0][1]
        data = pa.Table.from_pandas(frame.drop(columns="run_id", errors="ignore"), preserve_index=False)
        run_ids = np.repeat([run_id for run_id, _ in parts], [len(f) for _, f in parts])
        data = data.add_column(0, "run_id", pa.array(run_ids, type=pa.string()))
        self.con.register("_frame", data)  # unregistered by record_many(), after the transaction ends
        if name not in self.plan_tables():
            self.con.execute(f'CREATE TABLE "plan_{name}" AS SELECT * FROM _frame WHERE false')
            self.plan_tables().append(name)
        else:  # a store written by an older gigawatt: columns added since join, empty for its earlier runs
            have = {row[0] for row in self.con.execute(f'DESCRIBE "plan_{name}"').fetchall()}
            for column, kind, *_ in self.con.execute("DESCRIBE SELECT * FROM _frame").fetchall():
                if column not in have:
                    self.con.execute(f'ALTER TABLE "plan_{name}" ADD COLUMN {_quote(column)} {kind}')
        self.con.execute(f'INSERT INTO "plan_{name}" BY NAME SELECT * FROM _frame')

    # -- reading --------------------------------------------------------------------------------
    def plan_tables(self) -> list[str]:
        """Names of the plan tables stored (without ``plan_``), read once per connection."""
        if self._tables is None:
            names = self.con.execute("SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'plan_%'").fetchall()
            self._tables = sorted(n[0].removeprefix("plan_") for n in names)
        return self._tables

    def statuses(self) -> dict[str, str]:
        """run_id -> status of every run stored."""
        return dict(self.con.execute("SELECT run_id, status FROM runs").fetchall())

    def runs(self, run_ids: Iterable[str] | None = None) -> pd.DataFrame:
        """The runs table with the varied parameters as columns and facility MW per year as ``mw_<year>``."""
        frame = self.con.execute("SELECT * FROM runs ORDER BY finished_at, run_id").df().rename(columns=RENAMED_COLUMNS)
        for column in ADDED_COLUMNS:
            if column not in frame.columns:
                frame[column] = np.nan
        if run_ids is not None:
            order = {rid: i for i, rid in enumerate(run_ids)}
            frame = frame[frame["run_id"].isin(order)].sort_values("run_id", key=lambda s: s.map(order), kind="stable")
        return with_gw_values(_expand(frame.reset_index(drop=True), self._power(frame["run_id"])))

    def table(self, name: str, run_ids: Iterable[str] | None = None) -> pd.DataFrame:
        """Plan table ``name`` of every (or the given) run, with its ``run_id``."""
        if name not in self.plan_tables():
            known = ", ".join(self.plan_tables()) or "none yet"
            raise OptionError("table", f"no plan table {name!r} in {self.path}; stored: {known}")
        frame = self.con.execute(f'SELECT * FROM "plan_{name}"').df()
        return frame if run_ids is None else frame[frame["run_id"].isin(list(run_ids))].reset_index(drop=True)

    def _power(self, run_ids: pd.Series) -> pd.DataFrame:
        if "power" not in self.plan_tables() or not len(run_ids):
            return pd.DataFrame()
        power = self.table("power", run_ids)
        missing = sorted({"year", "facility_mw"} - set(power.columns))
        if missing:
            raise StoreError(self.path, f"its table plan_power lacks the column(s) {', '.join(missing)}; not a gigawatt results store")
        wide = power.pivot_table(index="run_id", columns="year", values="facility_mw", aggfunc="sum")
        wide.columns = [f"mw_{int(y)}" for y in wide.columns]
        return wide


def _expand(frame: pd.DataFrame, power: pd.DataFrame) -> pd.DataFrame:
    """Turn the ``params`` JSON into one column per key (after ``label``) and append the ``mw_<year>`` columns."""
    params = [_params(p) for p in frame["params"]]
    keys = list(dict.fromkeys(k for p in params for k in p))
    where = list(frame.columns).index("label") + 1
    for key in keys:
        values = pd.Series([p.get(key) for p in params], index=frame.index)
        if key in frame.columns:  # a varied figure the runs table reports anyway (e.g. ceiling_mw)
            frame[key] = frame[key].where(frame[key].notna(), values)
        else:
            frame.insert(where, key, values)
            where += 1
    if len(power):
        frame = frame.join(power, on="run_id")
    return frame


def with_gw_values(runs: pd.DataFrame) -> pd.DataFrame:
    """``runs`` with :data:`VALUE_COLUMNS`: the value of a GW from the previous ceiling, where a sweep varies only the ceiling.

    Runs count as one such sweep when they share the sweep, scenario and options and their varied
    parameters are ``ceiling_mw`` alone. Sorted by ceiling, each run with a cost is paired with the
    previous one with a cost, and the value is worked out from their objectives and bounds
    (:func:`gigawatt.plan.value.value_between`, proven range included) when both have the same
    discounted years; every other run has none (NaN, ``value_proven`` False).
    """
    out = runs.copy()
    out[list(VALUE_COLUMNS)] = np.nan
    out["value_proven"] = False
    needed = {"params", "sweep", "scenario", "options", "ceiling_mw", "objective_usd", "bound_usd", "gap", "discounted_years"}
    if not needed <= set(out.columns) or not len(out):
        return out
    ceiling_only = out["params"].map(lambda text: set(_params(text)) == {"ceiling_mw"})
    costed = out[ceiling_only & out["objective_usd"].notna() & out["ceiling_mw"].notna()]
    for _, group in costed.groupby(["sweep", "scenario", "options"], dropna=False, sort=False):
        group = group.sort_values("ceiling_mw")
        for (_, a), (i, b) in zip(group.iloc[:-1].iterrows(), group.iloc[1:].iterrows(), strict=True):
            if a["discounted_years"] != b["discounted_years"] or not a["ceiling_mw"] < b["ceiling_mw"]:
                continue
            costs = ((a["objective_usd"], _maybe(a["bound_usd"])), (b["objective_usd"], _maybe(b["bound_usd"])))
            value = value_between((a["ceiling_mw"], b["ceiling_mw"]), costs, b["discounted_years"], (_maybe(a["gap"]), _maybe(b["gap"])))
            out.loc[i, list(VALUE_COLUMNS)] = [value.figure, value.low, value.high, value.proven]
    return out


def _maybe(value: object) -> float | None:
    """A stored figure, or None where it is missing."""
    return None if pd.isna(value) else float(value)  # type: ignore[arg-type]


def _params(text: str | None) -> dict[str, object]:
    """A run's varied parameters from their JSON object (``{}`` for none); ValueError for any other JSON."""
    params = json.loads(text) if text else {}
    if not isinstance(params, dict):
        raise ValueError(f"params {str(text)[:60]!r}: expected a JSON object")
    return params


def _values(row: Mapping[str, object]) -> dict[str, object]:
    """A run's row as the ``runs`` table's columns, in order: params and options as JSON, the time it is written."""
    values = {name: row.get(name) for name in RUN_COLUMNS}
    values["params"] = json.dumps(row.get("params") or {}, default=str)
    values["options"] = json.dumps(row.get("options") or {}, default=str, sort_keys=True)
    values["finished_at"] = datetime.now(UTC).replace(tzinfo=None)
    return values


def _quote(name: str) -> str:
    return f'"{name}"'


def load_runs(store: str | Path, table: str | None = None) -> pd.DataFrame:
    """The runs of a results store as a DataFrame (``table="power"`` etc.: that plan table of every run).

    The file is opened read-only and checked first: a missing one raises FileNotFoundError, one
    that is not a gigawatt store (or whose contents cannot be read) :class:`~gigawatt.errors.StoreError`,
    an unknown ``table`` :class:`~gigawatt.errors.OptionError`.
    """
    import duckdb

    if not os.path.lexists(store):
        raise FileNotFoundError(f"no results store at {store}")
    with RunStore(store, read_only=True) as db:
        try:
            return db.runs() if table is None else db.table(table)
        except OptionError:  # an unknown table: the argument is at fault, not the file
            raise
        except (duckdb.Error, ValueError, TypeError) as error:  # e.g. a params cell that is not JSON
            raise StoreError(store, f"its contents cannot be read ({type(error).__name__}: {first_line(error)})") from None


def check_store(path: str | Path, *, must_exist: bool = True) -> None:
    """StoreError unless ``path`` is a regular file holding a DuckDB database (nothing there is fine unless ``must_exist``).

    Checked with ``os.stat`` and the file's first bytes before DuckDB sees it, so a FIFO never
    blocks and a SQLite file never makes DuckDB reach for its SQLite extension.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if must_exist:
            raise StoreError(path, "no results store here") from None
        return
    except OSError as error:
        raise StoreError(path, f"cannot be read ({error.strerror or error})") from None
    if not stat.S_ISREG(mode):
        raise StoreError(path, "is not a regular file; expected a DuckDB results store written by gigawatt sweep")
    try:
        with open(path, "rb") as file:
            head = file.read(len(SQLITE_MAGIC))
    except OSError as error:
        raise StoreError(path, f"cannot be read ({error.strerror or error})") from None
    if head.startswith(SQLITE_MAGIC):
        raise StoreError(path, "is a SQLite database, not a DuckDB results store written by gigawatt sweep")
    if head[DUCKDB_MAGIC_OFFSET : DUCKDB_MAGIC_OFFSET + len(DUCKDB_MAGIC)] != DUCKDB_MAGIC:
        what = "is empty" if not head else "is not a DuckDB file"
        raise StoreError(path, f"{what}; expected a results store written by gigawatt sweep")
