"""Checks that turn raw tables into typed ones, collecting every problem before any model exists.

Each ``check_*`` function reads typed tables and returns a list of :class:`Problem`; ``coerce_table``
converts one raw table column by column against its schema.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

import networkx as nx
import numpy as np
import pandas as pd

from gigawatt.scenario.errors import Problem
from gigawatt.scenario.schema import TABLES, Column, TableSchema
from gigawatt.scenario.settings import Settings

HEADER_LINES = 1  # a CSV's first data row is line 2


def line_of(index: int) -> int:
    """Line number, as an editor counts, of the data row at position ``index``."""
    return index + 1 + HEADER_LINES


def suggest(word: str, options: list[str] | tuple[str, ...]) -> str:
    """' (did you mean X?)' when a close match exists, else ''."""
    match = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def _missing(series: pd.Series) -> pd.Series:
    if series.dtype == object:
        return series.isna() | (series.astype(str).str.strip() == "")
    return series.isna()


def _coerce_column(series: pd.Series, col: Column) -> tuple[pd.Series, pd.Series]:
    """Convert ``series`` to the column's dtype; return (values, mask of unconvertible cells)."""
    if col.dtype == "str":
        values = series.where(series.isna(), series.astype(str).str.strip())
        return values.astype(object), pd.Series(False, index=series.index)
    if col.dtype == "bool":
        table = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}
        lowered = series.astype(str).str.strip().str.lower()
        values = lowered.map(table)
        return values, values.isna()
    numbers = pd.to_numeric(series, errors="coerce").astype(float)
    bad = numbers.isna() | ~np.isfinite(numbers.fillna(0.0))
    if col.dtype == "int":
        bad |= numbers.notna() & (numbers != np.round(numbers))
    return numbers, bad


def coerce_table(schema: TableSchema, raw: pd.DataFrame, file: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Check columns, types, missing values and bounds of one table; return the typed table."""
    problems: list[Problem] = []
    names = schema.column_names
    for extra in [c for c in raw.columns if c not in names]:
        problems.append(Problem(file, f"unknown column{suggest(extra, names)}; expected columns: {', '.join(names)}", line=1, column=extra))
    typed: dict[str, pd.Series] = {}
    for col in schema.columns:
        if col.name not in raw.columns:
            if col.required:
                problems.append(Problem(file, f"required column is missing ({col.description})", line=1, column=col.name))
            typed[col.name] = pd.Series([col.default] * len(raw), index=raw.index, dtype=object)
            continue
        series = raw[col.name]
        missing = _missing(series)
        values, bad = _coerce_column(series.where(~missing), col)
        bad &= ~missing
        for i in np.flatnonzero(bad.to_numpy()):
            problems.append(Problem(file, f"expected {col.expectation()}", line=line_of(int(i)), column=col.name, value=series.iloc[i]))
        if col.required:
            for i in np.flatnonzero(missing.to_numpy()):
                problems.append(Problem(file, f"a value is required: {col.expectation()}", line=line_of(int(i)), column=col.name))
        elif col.default is not None:
            values = values.where(~missing, col.default)
        ok = ~bad & ~missing
        problems += _check_bounds(values, ok, col, file, series)
        typed[col.name] = values
    frame = pd.DataFrame(typed, index=raw.index).reset_index(drop=True)
    for col in schema.columns:
        if col.dtype == "int" and not frame[col.name].isna().any():
            frame[col.name] = frame[col.name].astype("int64")
        elif col.dtype == "float":
            frame[col.name] = pd.to_numeric(frame[col.name], errors="coerce").astype(float)
    return frame, problems


def _check_bounds(values: pd.Series, ok: pd.Series, col: Column, file: str, raw: pd.Series) -> list[Problem]:
    problems = []
    if col.choices:
        bad = ok & ~values.isin(col.choices)
        for i in np.flatnonzero(bad.to_numpy()):
            hint = suggest(str(raw.iloc[i]), col.choices)
            problems.append(Problem(file, f"expected {col.expectation()}{hint}", line=line_of(int(i)), column=col.name, value=raw.iloc[i]))
        return problems
    if col.dtype not in ("int", "float"):
        return problems
    nums = pd.to_numeric(values.where(ok), errors="coerce")
    bad = pd.Series(False, index=values.index)
    for bound, test in (
        (col.ge, nums < (col.ge or 0)),
        (col.gt, nums <= (col.gt or 0)),
        (col.le, nums > (col.le or 0)),
        (col.lt, nums >= (col.lt or 0)),
    ):
        if bound is not None:
            bad |= ok & test.fillna(False)
    for i in np.flatnonzero(bad.to_numpy()):
        problems.append(Problem(file, f"expected {col.expectation()}", line=line_of(int(i)), column=col.name, value=raw.iloc[i]))
    return problems


def check_keys(schema: TableSchema, frame: pd.DataFrame, file: str) -> list[Problem]:
    """Each key (e.g. ``site_id``, or ``year`` + ``region_id``) appears once."""
    key = list(schema.key)
    dup = frame.duplicated(subset=key, keep="first")
    first = frame.drop_duplicates(subset=key, keep="first").reset_index().set_index(key)["index"]
    problems = []
    for i in np.flatnonzero(dup.to_numpy()):
        value = tuple(frame.iloc[i][k] for k in key)
        orig = first.loc[value if len(key) > 1 else value[0]]
        shown = value if len(key) > 1 else value[0]
        problems.append(
            Problem(
                file,
                f"duplicate {'+'.join(key)}; first defined on line {line_of(int(orig))}",
                line=line_of(int(i)),
                column=key[-1],
                value=shown,
            )
        )
    return problems


def check_references(tables: Mapping[str, pd.DataFrame], files: Mapping[str, str]) -> list[Problem]:
    """Every id that points into another table exists there."""
    problems = []
    for name, frame in tables.items():
        for column, target in TABLES[name].references.items():
            target_table, target_column = target.split(".")
            if target_table not in tables:
                continue
            known = set(tables[target_table][target_column].dropna())
            options = sorted(map(str, known))
            for i, value in enumerate(frame[column]):
                if value not in known and not pd.isna(value):
                    hint = suggest(str(value), options)
                    problems.append(
                        Problem(
                            files[name],
                            f"unknown {target_column} (not in {files[target_table]}){hint}",
                            line=line_of(i),
                            column=column,
                            value=value,
                        )
                    )
    return problems


def check_required_rows(tables: Mapping[str, pd.DataFrame], files: Mapping[str, str]) -> list[Problem]:
    """Required tables hold at least one row."""
    return [Problem(files[n], "table has no rows; at least one expected") for n, f in tables.items() if TABLES[n].required and f.empty]


def check_years(settings: Settings, tables: Mapping[str, pd.DataFrame], files: Mapping[str, str]) -> list[Problem]:
    """Demand years lie in the horizon; chips' sale windows are ordered."""
    problems = []
    horizon = set(settings.years)
    for i, year in enumerate(tables["demand"]["year"]):
        if year not in horizon:
            problems.append(
                Problem(
                    files["demand"],
                    f"year is outside the horizon {settings.years[0]}-{settings.years[-1]} (scenario.yaml 'years')",
                    line=line_of(i),
                    column="year",
                    value=year,
                )
            )
    chips = tables["chips"]
    for i in np.flatnonzero((chips["first_year"] > chips["last_year"]).to_numpy()):
        row = chips.iloc[i]
        problems.append(
            Problem(
                files["chips"],
                f"first_year {row.first_year} is after last_year {row.last_year}",
                line=line_of(int(i)),
                column="first_year",
                value=row.first_year,
            )
        )
    return problems


def check_sites(tables: Mapping[str, pd.DataFrame], files: Mapping[str, str]) -> list[Problem]:
    """A site's block fits inside its maximum size."""
    sites = tables["sites"]
    bad = sites["block_mw"] > sites["max_mw"]
    return [
        Problem(
            files["sites"],
            f"block_mw is larger than max_mw ({sites.max_mw.iloc[i]:g}); no block could be built",
            line=line_of(int(i)),
            column="block_mw",
            value=sites.block_mw.iloc[i],
        )
        for i in np.flatnonzero(bad.to_numpy())
    ]


def check_cooling(tables: Mapping[str, pd.DataFrame], files: Mapping[str, str]) -> list[Problem]:
    """Every liquid-cooled chip has at least one liquid-cooled site."""
    if (tables["sites"]["cooling"] == "liquid").any():
        return []
    chips = tables["chips"]
    return [
        Problem(
            files["chips"],
            "needs liquid cooling but no site in sites.csv offers it",
            line=line_of(int(i)),
            column="cooling",
            value="liquid",
        )
        for i in np.flatnonzero((chips["cooling"] == "liquid").to_numpy())
    ]


def grid_graph(tables: Mapping[str, pd.DataFrame]) -> nx.Graph:
    """Nodes joined by every link that can carry power (existing or expandable)."""
    graph = nx.Graph()
    graph.add_nodes_from(tables["nodes"]["node_id"])
    links = tables.get("links")
    if links is not None and not links.empty:
        usable = links[(links["capacity_mw"] + links["expand_max_mw"]) > 0]
        graph.add_edges_from(zip(usable["from_node"], usable["to_node"], strict=True))
    return graph


def check_grid(tables: Mapping[str, pd.DataFrame], files: Mapping[str, str]) -> list[Problem]:
    """Each site's node reaches a supply; links join two different nodes."""
    problems = []
    links = tables.get("links")
    if links is not None:
        for i in np.flatnonzero((links["from_node"] == links["to_node"]).to_numpy()):
            problems.append(
                Problem(files["links"], "link joins a node to itself", line=line_of(int(i)), column="to_node", value=links.to_node.iloc[i])
            )
    graph = grid_graph(tables)
    supplied = set(tables["supplies"]["node_id"])
    for i, (site, node) in enumerate(zip(tables["sites"]["site_id"], tables["sites"]["node_id"], strict=True)):
        if node not in graph:
            continue
        island = nx.node_connected_component(graph, node)
        if not island & supplied:
            members = ", ".join(sorted(map(str, island)))
            problems.append(
                Problem(
                    files["sites"],
                    f"site '{site}' cannot reach any supply: its node lies on an island of the grid {{{members}}} with no supply",
                    line=line_of(i),
                    column="node_id",
                    value=node,
                )
            )
    return problems


def check_regions(tables: Mapping[str, pd.DataFrame], files: Mapping[str, str]) -> list[Problem]:
    """Without a regions table, demand is one pool and serving pairs cannot be given."""
    if "regions" in tables:
        return []
    problems = [
        Problem(
            files["demand"],
            "region given but there is no regions.csv; leave region_id empty or 'all', or add regions.csv",
            line=line_of(i),
            column="region_id",
            value=r,
        )
        for i, r in enumerate(tables["demand"]["region_id"])
        if r != "all"
    ]
    if "serving" in tables:
        problems.append(Problem(files["serving"], "serving pairs need a regions.csv"))
    return problems


def check_horizon_ends(settings: Settings) -> list[Problem]:
    """Years in the horizon are finite and few enough to model."""
    if len(settings.years) > 100:
        return [Problem("scenario.yaml", f"{len(settings.years)} years; at most 100 expected", column="years")]
    return []
