"""A MIP start from a plan: the integer decisions of a previous (or hand-written, partial) plan."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from gigawatt.errors import OptionError
from gigawatt.matrix.compile import CompiledModel


def _new_blocks(sites: pd.DataFrame) -> dict[tuple, float]:
    """Blocks built in each year: the increase of ``blocks`` over the site's previous row."""
    ordered = sites.sort_values(["site_id", "year"])
    built = ordered.groupby("site_id")["blocks"].diff().fillna(ordered["blocks"])
    return dict(zip(zip(ordered["site_id"], ordered["year"], strict=True), built, strict=True))


#: The columns a start reads from each plan table: its keys, then its decisions (numbers; optional but for chips').
START_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "sites": (("site_id", "year"), ("open", "blocks")),
    "chips": (("chip_id", "site_id", "year"), ("installed_units",)),
    "links": (("link_id", "year"), ("built",)),
}


def check_start(tables: Mapping[object, object]) -> None:
    """OptionError naming ``start`` unless each table a start reads is a DataFrame with its key columns and
    finite numbers in the decision columns it has (``installed_units`` is required of ``chips``)."""
    for name, frame in tables.items():
        if not isinstance(frame, pd.DataFrame):
            raise OptionError("start", f"start[{name!r}]: expected a plan table (DataFrame), got {type(frame).__name__}")
        if name not in START_COLUMNS or not len(frame):
            continue
        keys, decisions = START_COLUMNS[name]  # type: ignore[index]
        required = keys + (decisions if name == "chips" else ())
        missing = [c for c in required if c not in frame.columns]
        if missing:
            raise OptionError("start", f"start[{name!r}] lacks the column(s) {', '.join(missing)}")
        for column in (c for c in decisions if c in frame.columns):
            if not np.isfinite(pd.to_numeric(frame[column], errors="coerce").astype(float)).all():
                raise OptionError("start", f"start[{name!r}] column {column!r}: expected finite numbers")


def start_values(tables: Mapping[str, pd.DataFrame]) -> dict[str, dict[tuple, float]]:
    """Integer decisions named by model variable, from plan tables (any of them may be missing or partial)."""
    check_start(tables)
    values: dict[str, dict[tuple, float]] = {}
    sites = tables.get("sites")
    if sites is not None and len(sites):
        keys = list(zip(sites["site_id"], sites["year"], strict=True))
        if "open" in sites:
            values["v_open"] = dict(zip(keys, sites["open"].astype(float), strict=True))
        if "blocks" in sites:
            values["v_new_blocks"] = _new_blocks(sites)
    chips = tables.get("chips")
    if chips is not None and len(chips):
        keys = list(zip(chips["chip_id"], chips["site_id"], chips["year"], strict=True))
        values["v_install"] = dict(zip(keys, chips["installed_units"].astype(float), strict=True))
    links = tables.get("links")
    if links is not None and len(links) and "built" in links:
        values["v_link_built"] = dict(zip(zip(links["link_id"], links["year"], strict=True), links["built"].astype(float), strict=True))
    return values


def start_columns(compiled: CompiledModel, tables: Mapping[str, pd.DataFrame]) -> tuple[np.ndarray, np.ndarray]:
    """(columns, values) of the integer columns the plan tables fix; the solver completes the rest.

    Integer columns the tables do not mention start at 0 (nothing built), so a partial plan says what
    to build and leaves the rest out.
    """
    given = start_values(tables)
    cols, vals = [], []
    for name, (keys, columns) in compiled.var_columns.items():
        if name not in given or not compiled.form.integrality[columns[columns >= 0]].any():
            continue
        known = given[name]
        for key, col in zip(keys, columns, strict=True):
            if col >= 0:
                cols.append(col)
                vals.append(float(known.get(key, 0.0)))
    return np.asarray(cols, dtype=np.int32), np.round(np.asarray(vals, dtype=float))
