"""A writable copy of the shipped ``tiny`` scenario, with helpers to break it one way at a time."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "scenarios" / "tiny"


class Copy:
    """A scenario folder (``path``) inside a scenarios root (``root``), edited cell by cell.

    Rows count from 0 for the first data row, which is line 2 of the file.
    """

    def __init__(self, path: Path, source: Path):
        self.path = path
        self.root = path.parent
        self.source = source

    def file(self, name: str) -> Path:
        return self.path / name

    # -- CSV --------------------------------------------------------------------------------
    def read(self, table: str) -> tuple[list[str], list[list[str]]]:
        with (self.path / f"{table}.csv").open(newline="", encoding="utf-8-sig") as handle:
            header, *rows = [r for r in csv.reader(handle) if r]
        return header, rows

    def write(self, table: str, header: list[str], rows: list[list[str]]) -> None:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([header, *rows])
        (self.path / f"{table}.csv").write_text(out.getvalue(), encoding="utf-8")

    def rows(self, table: str) -> list[dict[str, str]]:
        header, rows = self.read(table)
        return [dict(zip(header, r, strict=True)) for r in rows]

    def cell(self, table: str, row: int, column: str) -> str:
        header, rows = self.read(table)
        return rows[row][header.index(column)]

    def set(self, table: str, row: int, column: str, value: object) -> None:
        """Set one cell; adds the column (empty elsewhere) when the table lacks it."""
        header, rows = self.read(table)
        if column not in header:
            header.append(column)
            rows = [[*r, ""] for r in rows]
        rows[row][header.index(column)] = str(value)
        self.write(table, header, rows)

    def set_all(self, table: str, column: str, value: object) -> None:
        for row in range(len(self.read(table)[1])):
            self.set(table, row, column, value)

    def drop_column(self, table: str, column: str) -> None:
        header, rows = self.read(table)
        i = header.index(column)
        self.write(table, [h for j, h in enumerate(header) if j != i], [[c for j, c in enumerate(r) if j != i] for r in rows])

    def rename_column(self, table: str, old: str, new: str) -> None:
        header, rows = self.read(table)
        header[header.index(old)] = new
        self.write(table, header, rows)

    def append(self, table: str, row: dict[str, object]) -> int:
        """Add a row (missing columns left empty); return its line in the file."""
        header, rows = self.read(table)
        rows.append([str(row.get(h, "")) for h in header])
        self.write(table, header, rows)
        return len(rows) + 1

    def add_regions(self) -> str:
        """Give the scenario one region 'r1' that every site serves and all demand belongs to."""
        (self.path / "regions.csv").write_text("region_id,lat,lon,max_latency_ms\nr1,40,-90,200\n")
        sites = [r["site_id"] for r in self.rows("sites")]
        (self.path / "serving.csv").write_text("region_id,site_id\n" + "".join(f"r1,{s}\n" for s in sites))
        self.set_all("demand", "region_id", "r1")
        return "r1"

    # -- YAML -------------------------------------------------------------------------------
    def yaml_lines(self) -> list[str]:
        return (self.path / "scenario.yaml").read_text(encoding="utf-8").splitlines()

    def yaml_set(self, key: str, text: str) -> int:
        """Replace the top-level ``key`` (one-line value) by ``key: text`` at the end; return its line."""
        lines = [ln for ln in self.yaml_lines() if not ln.startswith(f"{key}:")]
        lines.append(f"{key}: {text}")
        (self.path / "scenario.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return len(lines)

    def yaml_drop(self, key: str) -> None:
        lines = [ln for ln in self.yaml_lines() if not ln.startswith(f"{key}:")]
        (self.path / "scenario.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def yaml_append(self, text: str) -> int:
        """Append lines to scenario.yaml; return the line the text starts on."""
        lines = self.yaml_lines()
        (self.path / "scenario.yaml").write_text("\n".join([*lines, text.rstrip("\n")]) + "\n", encoding="utf-8")
        return len(lines) + 1


@pytest.fixture
def tiny(tmp_path: Path) -> Copy:
    """A copy of scenarios/tiny at ``<tmp>/scenarios/tiny`` (the scenarios root is ``<tmp>/scenarios``)."""
    if not (TINY / "scenario.yaml").is_file():
        pytest.skip("scenarios/tiny not shipped yet")
    target = tmp_path / "scenarios" / "tiny"
    shutil.copytree(TINY, target)
    return Copy(target, TINY)
