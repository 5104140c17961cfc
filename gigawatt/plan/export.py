"""Plans and runs as files a colleague opens without gigawatt: an Excel workbook or a folder of CSV files.

A workbook holds a ``summary`` sheet (what was solved, how well, the headline figures) and one sheet per
table; a CSV export is a folder with ``summary.csv`` and one ``<table>.csv`` per table. Both are written whole
or not at all (a temporary file or folder beside the target, renamed into place). A workbook replaces an
existing file only with ``overwrite``; a CSV folder replaces only an earlier CSV export (it carries a marker
file), never a folder the user filled. Neither is written inside a scenario folder.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from gigawatt.errors import OutputRefused
from gigawatt.outputs import output_path

if TYPE_CHECKING:
    from gigawatt.plan.plan import Plan

#: The file that marks a folder as a CSV export gigawatt wrote (a later export may replace it).
CSV_MARKER = ".gigawatt-csv"
#: Rows a worksheet holds (Excel's limit, header included).
EXCEL_ROWS = 1_048_576
#: Excel's limit on a sheet name's length.
SHEET_NAME_CHARS = 31


def summary_frame(plan: Plan) -> pd.DataFrame:
    """What was solved and how well, then the KPIs: one ``item``/``value`` row each."""
    from gigawatt import __version__

    scn = plan.scenario
    rows: list[tuple[str, object]] = [
        ("scenario", scn.name),
        ("description", scn.settings.description),
        ("status", plan.status),
        ("solution", plan.solution),
        ("objective_usd", plan.objective),
        ("bound_usd", plan.bound),
        ("gap", plan.gap),
        ("ceiling_mw", scn.settings.ceiling_mw),
        ("years", f"{scn.settings.years[0]}-{scn.settings.years[-1]}"),
        *plan.kpis.items(),
        ("solver", plan.metadata.get("solver")),
        ("gigawatt", __version__),
    ]
    if plan.gw_value is not None:
        value = plan.gw_value
        rows += [("gw_value_usd_per_mw_yr", value.value_usd_per_mw_yr), ("gw_value_proven", value.proven)]
    return pd.DataFrame(rows, columns=["item", "value"]).astype({"value": object})


def to_excel(sheets: Mapping[str, pd.DataFrame], path: str | Path, *, overwrite: bool = False) -> Path:
    """Write ``sheets`` (name -> table, in order) as one workbook (openpyxl) at ``path``; returns its absolute path."""
    target = _file_target(path, overwrite)
    for name, frame in sheets.items():
        if len(name) > SHEET_NAME_CHARS:
            raise ValueError(f"sheet name {name!r} is longer than Excel's {SHEET_NAME_CHARS} characters")
        if len(frame) >= EXCEL_ROWS:
            raise OutputRefused(path, f"table {name} has {len(frame):,} rows, more than an Excel sheet holds; export it as CSV")

    def write(tmp: Path) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, frame in sheets.items():
                frame.to_excel(writer, sheet_name=name, index=False)

    return _whole(target, write)


def to_csv_file(frame: pd.DataFrame, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write one table as a CSV file at ``path`` (same rules as a workbook); returns its absolute path."""
    return _whole(_file_target(path, overwrite), lambda tmp: frame.to_csv(tmp, index=False))


def _whole(target: Path, write: Callable[[Path], object]) -> Path:
    """``write`` a temporary file beside ``target``, then rename it into place: the file is whole or not there at all."""
    tmp = _sibling(target)
    try:
        write(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def to_csv_folder(tables: Mapping[str, pd.DataFrame], directory: str | Path) -> Path:
    """Write each table as ``<name>.csv`` in a new folder (or in place of an earlier CSV export); returns its absolute path."""
    target = output_path(directory)
    earlier = target.is_dir() and not target.is_symlink() and (target / CSV_MARKER).is_file()
    if (target.exists() or target.is_symlink()) and not earlier:
        raise OutputRefused(directory, "exists and is not a gigawatt CSV export; name a new folder")
    _not_in_a_scenario(target, directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()  # with the user's umask, like any folder they make
    try:
        for name, frame in tables.items():
            frame.to_csv(tmp / f"{name}.csv", index=False)
        (tmp / CSV_MARKER).write_text("gigawatt CSV export\n")
        if earlier:
            old = _sibling(target)
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def plan_sheets(plan: Plan) -> dict[str, pd.DataFrame]:
    """The summary, then every plan table, by name."""
    return {"summary": summary_frame(plan), **plan.tables}


def _file_target(path: str | Path, overwrite: bool) -> Path:
    target = output_path(path)
    if target.is_dir() and not target.is_symlink():
        raise OutputRefused(path, "is a folder; name the file, e.g. plan.xlsx inside it")
    _not_in_a_scenario(target, path)
    if (target.exists() or target.is_symlink()) and not overwrite:
        raise OutputRefused(path, "exists; pick a new file, or use --force to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def _not_in_a_scenario(target: Path, path: str | Path) -> None:
    if (target.parent / "scenario.yaml").exists():
        raise OutputRefused(path, "is inside a scenario folder; exports never write among a scenario's files")


def _sibling(target: Path) -> Path:
    return target.with_name(f".{target.name}.tmp-{os.getpid()}{target.suffix}")
