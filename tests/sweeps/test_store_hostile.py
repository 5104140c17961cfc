"""Files that are not gigawatt results stores: ``load_runs``, ``gigawatt runs`` and ``gigawatt report`` refuse them (exit 2), never hang."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from builders import ROOT
from typer.testing import CliRunner

from gigawatt.cli import app
from gigawatt.errors import StoreError
from gigawatt.sweeps.store import RunStore, load_runs

runner = CliRunner()


def write_sqlite(path: Path) -> None:
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE runs (run_id TEXT)")


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:20])


def write_duckdb(path: Path, sql: str) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute(sql)


#: Kind of file -> (how to make it, words in the refusal).
NOT_STORES: dict[str, tuple[Callable[[Path], None], str]] = {
    "garbage": (lambda p: p.write_bytes(os.urandom(64).replace(b"DUCK", b"duck")), "is not a DuckDB file"),
    "empty": (lambda p: p.write_bytes(b""), "is empty"),
    "text": (lambda p: p.write_text("run_id,status\na,optimal\n"), "is not a DuckDB file"),
    "sqlite": (write_sqlite, "is a SQLite database"),
    "folder": (lambda p: p.mkdir(), "is not a regular file"),
    "duckdb without runs": (lambda p: write_duckdb(p, "CREATE TABLE other (x INT)"), "no runs table"),
    "duckdb with other runs": (lambda p: write_duckdb(p, "CREATE TABLE runs (x INT)"), "lacks gigawatt's column(s) run_id"),
    "truncated duckdb": (
        lambda p: (write_duckdb(p, "CREATE TABLE t (x INT)"), p.write_bytes(p.read_bytes()[:20])),
        "DuckDB cannot open it",
    ),
}


@pytest.mark.parametrize("kind", list(NOT_STORES))
def test_load_runs_refuses_what_is_not_a_store(tmp_path: Path, kind: str) -> None:
    make, words = NOT_STORES[kind]
    path = tmp_path / "runs.duckdb"
    make(path)
    with pytest.raises(StoreError, match=re.escape(words)) as caught:
        load_runs(path)
    assert caught.value.path == path


@pytest.mark.parametrize("command", ["runs", "report"])
@pytest.mark.parametrize("kind", ["garbage", "sqlite", "duckdb with other runs"])
def test_cli_refuses_what_is_not_a_store_with_exit_2(tmp_path: Path, kind: str, command: str) -> None:
    make, words = NOT_STORES[kind]
    path = tmp_path / "runs.duckdb"
    make(path)
    before = path.read_bytes()
    result = runner.invoke(app, [command, str(path)])
    assert result.exit_code == 2, result.output
    assert "Not a results store" in result.output and words in result.output
    assert path.read_bytes() == before  # opened read-only, or not at all
    assert not (tmp_path / "runs.html").exists()


def test_a_sweep_does_not_write_into_a_file_that_is_not_a_store(tmp_path: Path) -> None:
    path = tmp_path / "runs.duckdb"
    path.write_text("my data")
    result = runner.invoke(
        app, ["sweep", str(ROOT / "scenarios" / "tiny"), "--grid", "ceiling_mw=90", "--workers", "0", "--store", str(path)]
    )
    assert result.exit_code == 2 and "--store" in result.output and "is not a DuckDB file" in result.output
    assert path.read_text() == "my data"
    with pytest.raises(StoreError, match="is not a DuckDB file"):
        RunStore(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "runs.duckdb"
    os.mkfifo(fifo)
    with pytest.raises(StoreError, match="is not a regular file"):
        load_runs(fifo)
    proc = subprocess.run([sys.executable, "-m", "gigawatt.cli", "runs", str(fifo)], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 2 and "is not a regular file" in proc.stderr and "Traceback" not in proc.stderr


def test_duckdb_never_installs_or_loads_an_extension(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Store connections forbid extension auto-loading, and a SQLite file is refused before DuckDB sees it."""
    path = tmp_path / "runs.duckdb"
    RunStore(path).close()
    with RunStore(path, read_only=True) as db:
        settings = dict(db.con.execute("SELECT name, value FROM duckdb_settings() WHERE name LIKE 'auto%known_extensions'").fetchall())
    assert settings == {"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"}
    sqlite = tmp_path / "s.duckdb"
    write_sqlite(sqlite)
    opened = []
    monkeypatch.setattr(duckdb, "connect", lambda *args, **kwargs: opened.append(args))
    with pytest.raises(StoreError, match="SQLite"):
        load_runs(sqlite)
    assert opened == []


def test_a_params_cell_that_is_not_json_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "runs.duckdb"
    with RunStore(path) as db:
        db.record({"run_id": "a", "status": "optimal"})
        db.con.execute("UPDATE runs SET params = '{not json'")
    with pytest.raises(StoreError, match="contents cannot be read"):
        load_runs(path)
