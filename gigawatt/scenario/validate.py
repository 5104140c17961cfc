"""Checks that turn raw tables into typed ones, collecting every problem before any model exists.

Each ``check_*`` function reads typed tables and returns a list of :class:`Problem`; ``coerce_table``
converts one raw table column by column against its schema.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from gigawatt.scenario.errors import Capped, Problem
from gigawatt.scenario.schema import FAMILY_SEPARATOR, MAX_MAGNITUDE, MIN_POSITIVE, TABLES, Column, Plausible, TableSchema
from gigawatt.scenario.settings import Settings

HEADER_LINES = 1  # a CSV's first data row is line 2
_NOT_A_NUMBER = {"nan", "-nan", "+nan", "na", "n/a", "null", "none"}


def row_lines(frame: pd.DataFrame) -> Sequence[int]:
    """Line of each row: as read from the file (``frame.attrs["lines"]``), else counted from line 2."""
    lines = frame.attrs.get("lines")
    if lines is None or len(lines) != len(frame):
        return range(1 + HEADER_LINES, len(frame) + 1 + HEADER_LINES)
    return lines


def _line(frame: pd.DataFrame, i: int) -> int:
    return int(row_lines(frame)[int(i)])


def suggest(word: str, options: list[str] | tuple[str, ...]) -> str:
    """' (did you mean X?)' when a close match exists, else ''."""
    match = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


_BOOLS = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}
_BOUND_TESTS = (
    ("ge", lambda x, b: x < b),
    ("gt", lambda x, b: x <= b),
    ("le", lambda x, b: x > b),
    ("lt", lambda x, b: x >= b),
)


def _is_missing(value: object) -> bool:
    """Empty cell: None, NaN/NA as a DataFrame holds it, or blank text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return bool(np.isnan(value))
    return isinstance(value, str) and not value.strip()


def _convert(value: object, col: Column) -> tuple[object, bool]:
    """``value`` as the column's dtype, and whether that worked."""
    if col.dtype == "str":
        return str(value).strip(), True
    if col.dtype == "bool":
        if isinstance(value, bool | np.bool_):
            return bool(value), True
        flag = _BOOLS.get(str(value).strip().lower())
        return flag, flag is not None
    if isinstance(value, bool | np.bool_):
        return None, False
    if isinstance(value, str) and "_" in value:  # float() would read '1_000'; a CSV reader would not
        return None, False
    try:
        number = float(value.strip() if isinstance(value, str) else value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None, False
    if not math.isfinite(number):
        return None, False
    if col.dtype == "int":
        return (int(number), True) if number.is_integer() and abs(number) < 2**53 else (None, False)
    return number, True


def _type_message(col: Column, value: object) -> str:
    """Why ``value`` is not a valid ``col`` cell."""
    if isinstance(value, bool | np.bool_):
        return f"{str(bool(value)).lower()} is not a number; expected {col.expectation()}"
    text = str(value).strip().lower()
    if text in _NOT_A_NUMBER:
        default = "" if col.required else ", or an empty cell for the default"
        return f"NaN is not allowed; expected {col.expectation()}{default}"
    if text.lstrip("+-") in ("inf", "infinity"):
        return f"infinite values are not allowed; expected {col.expectation()}"
    return f"expected {col.expectation()}"


def _broken_bound(value: object, col: Column) -> str | None:
    for key, test in _BOUND_TESTS:
        bound = getattr(col, key)
        if bound is not None and test(value, bound):
            return key
    return None


def _check_cell(value: object, col: Column) -> str | None:
    """Why a converted value is out of bounds or not among the choices, else None."""
    if col.choices:
        if value not in col.choices:
            return f"expected {col.expectation()}{suggest(str(value), col.choices)}"
        return None
    if col.dtype in ("int", "float"):
        broken = _broken_bound(value, col)
        if broken is not None:
            return f"expected {col.expectation(only=broken)}"
        if abs(value) > MAX_MAGNITUDE:  # type: ignore[arg-type]
            return f"beyond any real figure; expected {col.expectation()} of magnitude at most {MAX_MAGNITUDE:.0e}"
        if col.gt == 0 and value < MIN_POSITIVE:  # type: ignore[operator]
            return f"too small to be a real figure (its reciprocal is beyond {MAX_MAGNITUDE:.0e}); expected a number ≥ {MIN_POSITIVE:.0e}"
    return None


def _typed_column(values: list, col: Column) -> pd.Series | np.ndarray:
    if col.dtype == "float":
        return np.array([np.nan if v is None else v for v in values], dtype=float)
    if col.dtype == "int":
        if any(v is None for v in values):
            return np.array([np.nan if v is None else v for v in values], dtype=float)
        return np.array(values, dtype="int64")
    return pd.Series(values, dtype=object)


def coerce_table(schema: TableSchema, raw: pd.DataFrame, file: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Check columns, types, missing values and bounds of one table; return the typed table.

    Works cell by cell on plain Python values (tables are small; messages need each cell). A cell
    with a problem is left empty in the typed table, so the checks across rows and tables that follow
    skip it (and still run on the rest). The typed table keeps each row's line in ``attrs["lines"]``
    and the columns the file gave in ``attrs["given"]``.
    """
    problems: list[Problem] = []
    names = schema.column_names
    lines = row_lines(raw)
    given: dict[str, list] = {}
    for j, label in enumerate(raw.columns):
        name = str(label).strip()
        if name in given:
            problems.append(Problem(file, "column given twice", line=1, column=name))
            continue
        given[name] = raw.iloc[:, j].tolist()
        if name not in names:
            problems.append(
                Problem(file, f"unknown column{suggest(name, names)}; expected columns: {', '.join(names)}", line=1, column=name)
            )
    typed: dict[str, object] = {}
    for col in schema.columns:
        if col.name not in given:
            if col.required:
                problems.append(Problem(file, f"required column is missing ({col.description})", line=1, column=col.name))
            typed[col.name] = _typed_column([col.default] * len(raw), col)
            continue
        values, found = [], Capped(file, col.name)
        for i, cell in enumerate(given[col.name]):
            if _is_missing(cell):
                if col.required:
                    found.add(f"a value is required: {col.expectation()}", int(lines[i]))
                values.append(col.default)
                continue
            value, ok = _convert(cell, col)
            why = _check_cell(value, col) if ok else _type_message(col, cell)
            if why is not None:
                found.add(why, int(lines[i]), cell)
            values.append(value if why is None else None)
        problems += found.problems()
        typed[col.name] = _typed_column(values, col)
    frame = pd.DataFrame(typed, index=pd.RangeIndex(len(raw)))
    frame.attrs["lines"] = tuple(int(n) for n in lines)
    frame.attrs["given"] = tuple(c for c in given if c in names)
    return frame, problems


def check_keys(schema: TableSchema, frame: pd.DataFrame, file: str) -> list[Problem]:
    """Each key (e.g. ``site_id``, or ``year`` + ``region_id``) appears once."""
    given = frame.attrs.get("given", schema.key)
    key = [k for k in schema.key if k in given] or list(schema.key)
    first: dict[tuple, int] = {}
    problems = []
    for i, values in enumerate(frame[list(schema.key)].itertuples(index=False, name=None)):
        if any(_is_missing(value) for value in values):
            continue
        if values not in first:
            first[values] = i
            continue
        shown = tuple(values[schema.key.index(k)] for k in key)
        problems.append(
            Problem(
                file,
                f"{' + '.join(key)} given twice; first on line {_line(frame, first[values])}",
                line=_line(frame, i),
                column=key[0],
                value=shown if len(shown) > 1 else shown[0],
            )
        )
    return problems


def check_references(tables: Mapping[str, pd.DataFrame], files: Mapping[str, str]) -> list[Problem]:
    """Every id that points into another table exists there."""
    problems = []
    for name, frame in tables.items():
        for column, target in TABLES[name].references.items():
            target_table, target_column = target.split(".")
            if target_table not in tables or not complete(tables[target_table], target_column):
                continue  # an id left empty by a problem may be the one referred to
            known = set(tables[target_table][target_column].dropna())
            options = sorted(map(str, known))
            for i, value in enumerate(frame[column]):
                if value not in known and not pd.isna(value):
                    hint = suggest(str(value), options)
                    problems.append(
                        Problem(
                            files[name],
                            f"not found in {files[target_table]}; expected a {target_column} listed there{hint}",
                            line=_line(frame, i),
                            column=column,
                            value=value,
                        )
                    )
    return problems


def check_required_rows(tables: Mapping[str, pd.DataFrame], files: Mapping[str, str]) -> list[Problem]:
    """Required tables hold at least one row."""
    return [
        Problem(files[n], "table has no rows; at least one row below the header expected")
        for n, f in tables.items()
        if TABLES[n].required and f.empty
    ]


def _years_text(years: Sequence[int]) -> str:
    return ", ".join(map(str, years)) if len(years) <= 6 else f"{years[0]}-{years[-1]}"


def check_years(settings: Settings, tables: Mapping[str, pd.DataFrame], files: Mapping[str, str]) -> list[Problem]:
    """Demand years lie in the horizon; chips' sale windows are ordered."""
    problems = []
    years = settings.years
    demand = tables["demand"]
    for i, year in enumerate(demand["year"]):
        if not pd.isna(year) and year not in years:
            where = "outside the horizon" if not years[0] <= year <= years[-1] else "not a modelled year"
            problems.append(
                Problem(
                    files["demand"],
                    f"year is {where}; expected one of the years in scenario.yaml 'years' ({_years_text(years)})",
                    line=_line(demand, i),
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
                f"first_year is after last_year ({row.last_year}); expected first_year ≤ last_year",
                line=_line(chips, i),
                column="first_year",
                value=row.first_year,
            )
        )
    return problems


def check_sites(tables: Mapping[str, pd.DataFrame], files: Mapping[str, str]) -> list[Problem]:
    """A site's block fits inside its maximum size; its peak PUE is at least its annual PUE."""
    sites = tables["sites"]
    bad = sites["block_mw"] > sites["max_mw"]
    below = sites["pue_peak"] < sites["pue"]  # an empty cell (NaN) compares False
    peaks = [
        Problem(
            files["sites"],
            f"pue_peak is below the annual pue ({sites.pue.iloc[i]:g}); the hottest hours need at least the average; "
            "expected pue_peak ≥ pue",
            line=_line(sites, i),
            column="pue_peak",
            value=sites.pue_peak.iloc[i],
        )
        for i in np.flatnonzero(below.to_numpy())
    ]
    return peaks + [
        Problem(
            files["sites"],
            f"block_mw is larger than max_mw ({sites.max_mw.iloc[i]:g}); no block could be built; expected block_mw ≤ max_mw",
            line=_line(sites, i),
            column="block_mw",
            value=sites.block_mw.iloc[i],
        )
        for i in np.flatnonzero(bad.to_numpy())
    ]


def check_dedicated(tables: Mapping[str, pd.DataFrame], files: Mapping[str, str]) -> list[Problem]:
    """A supply dedicated to a site (``site_id`` given) sits at the site's node: it serves the campus there."""
    supplies, sites = tables["supplies"], tables["sites"]
    site_node = dict(zip(sites["site_id"], sites["node_id"], strict=True))
    problems = []
    for i, (site, node) in enumerate(zip(supplies["site_id"], supplies["node_id"], strict=True)):
        if pd.isna(node) or site not in site_node or pd.isna(site_node[site]) or node == site_node[site]:
            continue  # an unknown site or an empty (bad) cell is reported by its own check
        problems.append(
            Problem(
                files["supplies"],
                f"supply is dedicated to site {site!r}, which connects at node {site_node[site]!r}; expected node_id "
                f"{site_node[site]!r} (a dedicated supply serves its campus at the campus's node), or an empty site_id",
                line=_line(supplies, i),
                column="node_id",
                value=node,
            )
        )
    return problems


#: Per kind of on-site technology, the columns that must be 0 and why.
ONSITE_ZEROS = {
    "battery": (("heat_rate_mmbtu_per_mwh", "a battery burns no fuel"),),
    "generator": (("capex_usd_per_kwh", "a generator has no energy capacity to pay for"),),
}


def check_generators(tables: Mapping[str, pd.DataFrame], files: Mapping[str, str]) -> list[Problem]:
    """On-site technologies: a unit fits inside the per-site maximum; a battery burns no fuel, a generator has no kWh price."""
    gens = tables["generators"]
    problems = [
        Problem(
            files["generators"],
            f"unit_mw is larger than max_mw_per_site ({gens.max_mw_per_site.iloc[i]:g}); no unit could be built; "
            "expected unit_mw ≤ max_mw_per_site",
            line=_line(gens, i),
            column="unit_mw",
            value=gens.unit_mw.iloc[i],
        )
        for i in np.flatnonzero((gens["unit_mw"] > gens["max_mw_per_site"]).to_numpy())
    ]
    for kind, zeros in ONSITE_ZEROS.items():
        for column, why in zeros:
            bad = (gens["kind"] == kind) & (gens[column] > 0)
            problems += [
                Problem(
                    files["generators"],
                    f"{why}; expected 0 for kind {kind}",
                    line=_line(gens, i),
                    column=column,
                    value=gens[column].iloc[i],
                )
                for i in np.flatnonzero(bad.to_numpy())
            ]
    return problems


def check_cooling(tables: Mapping[str, pd.DataFrame], files: Mapping[str, str]) -> list[Problem]:
    """Every chip has a site that can cool it: liquid-cooled chips need a liquid-cooled site."""
    if (tables["sites"]["cooling"] == "liquid").any() or not complete(tables["sites"], "cooling"):
        return []
    chips = tables["chips"]
    return [
        Problem(
            files["chips"],
            f"chip {chips.chip_id.iloc[i]!r} needs liquid cooling but no site in {files['sites']} offers it (all are 'air')",
            line=_line(chips, i),
            column="cooling",
            value="liquid",
        )
        for i in np.flatnonzero((chips["cooling"] == "liquid").to_numpy())
    ]


#: Members of a grid island, and sites on it, listed in a message; the rest are counted.
MAX_LISTED = 10


def listed(names: Sequence[object], what: str) -> str:
    """``a, b, c`` or ``a, b, ... j and 19,990 more (20,000 nodes)``: at most :data:`MAX_LISTED` names."""
    shown = ", ".join(map(str, names[:MAX_LISTED]))
    return shown if len(names) <= MAX_LISTED else f"{shown} and {len(names) - MAX_LISTED:,} more ({len(names):,} {what})"


def grid_islands(tables: Mapping[str, pd.DataFrame]) -> tuple[list[object], np.ndarray]:
    """The nodes and the island (connected component) of each, over the links that can carry power.

    One pass over the grid (:func:`scipy.sparse.csgraph.connected_components`): linear in nodes and links.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    nodes = list(dict.fromkeys(tables["nodes"]["node_id"]))
    index = {node: i for i, node in enumerate(nodes)}
    links = tables.get("links")
    pairs = np.empty((0, 2), dtype=np.int64)
    if links is not None and not links.empty:
        usable = ~((links["capacity_mw"] + links["expand_max_mw"]) <= 0)  # a link with an empty (bad) cell may carry power
        ends = [
            (index[a], index[b])
            for a, b in zip(links["from_node"][usable], links["to_node"][usable], strict=True)
            if a in index and b in index
        ]
        pairs = np.array(ends, dtype=np.int64).reshape(-1, 2)
    adjacency = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(nodes), len(nodes)))
    return nodes, connected_components(adjacency, directed=False)[1]


def complete(frame: pd.DataFrame, *columns: str) -> bool:
    """Whether every cell of ``columns`` holds a valid value (none left empty by a problem)."""
    return all(column in frame and not frame[column].isna().any() for column in columns)


def check_grid(tables: Mapping[str, pd.DataFrame], files: Mapping[str, str]) -> list[Problem]:
    """Links join two different nodes; each island of the grid holding a site holds a supply (reported once per island)."""
    problems = []
    links = tables.get("links")
    if links is not None:
        joined = links["from_node"].notna() & (links["from_node"] == links["to_node"])
        for i in np.flatnonzero(joined.to_numpy()):
            problems.append(
                Problem(
                    files["links"],
                    "link joins a node to itself; expected two different nodes",
                    line=_line(links, i),
                    column="to_node",
                    value=links.to_node.iloc[i],
                )
            )
    grid_known = complete(tables["nodes"], "node_id") and complete(tables["supplies"], "node_id")
    if links is not None:
        grid_known = grid_known and complete(links, "from_node", "to_node")
    if not grid_known:  # an empty (bad) cell may hide the supply or link an island lacks
        return problems
    return problems + _island_problems(tables, files)


def _island_problems(tables: Mapping[str, pd.DataFrame], files: Mapping[str, str]) -> list[Problem]:
    """One problem per island of the grid with sites but no supply, on the line of its first site."""
    nodes, island = grid_islands(tables)
    index = {node: i for i, node in enumerate(nodes)}
    supplied = {island[index[n]] for n in tables["supplies"]["node_id"] if n in index}
    sites = tables["sites"]
    stranded: dict[int, list[int]] = {}
    for i, node in enumerate(sites["node_id"]):
        if node in index and island[index[node]] not in supplied:
            stranded.setdefault(int(island[index[node]]), []).append(i)
    site_ids, site_nodes = sites["site_id"].tolist(), sites["node_id"].tolist()  # lists: a column access copies the attrs
    problems = []
    for label, rows in stranded.items():
        members = sorted(map(str, (nodes[j] for j in np.flatnonzero(island == label))))
        names = [repr(site_ids[r]) for r in rows]
        who, where = ("site", "its node lies") if len(rows) == 1 else ("sites", "their nodes lie")
        problems.append(
            Problem(
                files["sites"],
                f"{who} {listed(names, 'sites')} cannot reach any supply: {where} on an island of the grid "
                f"{{{listed(members, 'nodes')}}} with no supply; expected a supply in {files['supplies']} at one of these nodes "
                f"or a link in {files.get('links', 'links.csv')} joining them to one",
                line=_line(sites, rows[0]),
                column="node_id",
                value=site_nodes[rows[0]],
            )
        )
    return problems


def check_regions(tables: Mapping[str, pd.DataFrame], files: Mapping[str, str]) -> list[Problem]:
    """Without a regions table, demand is one pool and serving pairs cannot be given."""
    if "regions" in tables:
        return []
    demand = tables["demand"]
    problems = [
        Problem(
            files["demand"],
            "region given but there is no regions.csv; leave region_id empty or 'all', or add regions.csv",
            line=_line(demand, i),
            column="region_id",
            value=r,
        )
        for i, r in enumerate(demand["region_id"])
        if r != "all"
    ]
    if "serving" in tables:
        problems.append(Problem(files["serving"], "serving pairs need a regions.csv; add one or remove this table"))
    return problems


def _figure(value: float) -> str:
    """A figure as a warning writes it: ``135,000``, ``0.0102``, ``15.2 million``, ``2.5 billion``."""
    for scale, word in ((1e9, "billion"), (1e6, "million")):
        if abs(value) >= scale:
            return f"{value / scale:.4g} {word}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:.4g}"


def _implausible(value: float, plausible: Plausible) -> str:
    """Why ``value`` (outside ``plausible.warn``) looks like a unit slip, with the slip that would explain it:
    those that bring it within the public figures, else within the warning range.
    """
    public = f"{_figure(plausible.public[0])} to {_figure(plausible.public[1])} {plausible.unit}"
    message = f"{_figure(value)} {plausible.unit} is far outside public figures ({public}: {plausible.source})"
    for low, high in (plausible.public, plausible.warn):
        meant = [s for s in plausible.slips if low <= value * s.factor <= high]
        if meant:
            slips = " or ".join(f"{_figure(value * s.factor)} {plausible.unit} if this was typed in {s.typed_in}" for s in meant)
            return f"{message}: {slips}"
    return message


def check_plausible(tables: Mapping[str, pd.DataFrame], files: Mapping[str, str]) -> list[Problem]:
    """Valid values far from every public figure (columns with :attr:`Column.plausible`): warnings, not errors."""
    found = []
    for name, frame in tables.items():
        for col in TABLES[name].columns:
            if col.plausible is None or col.name not in frame:
                continue
            values = frame[col.name].to_numpy(dtype=float)
            low, high = col.plausible.warn
            for i in np.flatnonzero((values != 0) & ((values < low) | (values > high))):  # NaN (an empty cell) is neither
                why = _implausible(float(values[i]), col.plausible)
                found.append(Problem(files[name], why, line=_line(frame, i), column=col.name, value=float(values[i])))
    return found


def split_families(text: object) -> tuple[str, ...]:
    """The families a ``training_runs.families`` cell lists, sorted and each once (empty for an empty cell)."""
    if not isinstance(text, str):
        return ()
    return tuple(sorted({part.strip() for part in text.split(FAMILY_SEPARATOR) if part.strip()}))


def check_training(tables: Mapping[str, pd.DataFrame], files: Mapping[str, str]) -> list[Problem]:
    """Training runs: ordered years, families some chip belongs to; allowed campuses only for runs that exist."""
    runs = tables.get("training_runs")
    if runs is None:
        if "training_sites" in tables:
            why = "allowed campuses of training runs need a training_runs.csv; add one or remove this table"
            return [Problem(files["training_sites"], why)]
        return []
    file = files["training_runs"]
    problems = [
        Problem(
            file,
            f"first_year is after last_year ({runs.last_year.iloc[i]}); expected first_year ≤ last_year",
            line=_line(runs, i),
            column="first_year",
            value=runs.first_year.iloc[i],
        )
        for i in np.flatnonzero((runs["first_year"] > runs["last_year"]).to_numpy())
    ]
    chips = tables["chips"]
    if not complete(chips, "chip_id"):
        return problems
    known = sorted(set(chips["family"].fillna(chips["chip_id"]).astype(str)))
    for i, text in enumerate(runs["families"]):
        for family in split_families(text):
            if family not in known:
                problems.append(
                    Problem(
                        file,
                        f"unknown accelerator family {family!r}{suggest(family, known)}; expected families of chips.csv "
                        f"(its family column, or a chip_id where empty): {', '.join(known)}",
                        line=_line(runs, i),
                        column="families",
                        value=text,
                    )
                )
    return problems


def check_training_years(settings: Settings, tables: Mapping[str, pd.DataFrame], files: Mapping[str, str]) -> list[Problem]:
    """Each training run's years hold at least one modelled year (else it asks for nothing the plan can give)."""
    runs = tables["training_runs"]
    years = np.asarray(settings.years)
    return [
        Problem(
            files["training_runs"],
            f"no modelled year between first_year ({first}) and last_year ({last}); expected a run overlapping scenario.yaml "
            f"'years' ({_years_text(settings.years)})",
            line=_line(runs, i),
            column="last_year",
            value=last,
        )
        for i, (first, last) in enumerate(zip(runs["first_year"], runs["last_year"], strict=True))
        if not pd.isna(first) and not pd.isna(last) and first <= last and not ((years >= first) & (years <= last)).any()
    ]


def check_horizon_ends(settings: Settings) -> list[Problem]:
    """Years in the horizon are few enough to model."""
    if len(settings.years) > 100:
        return [Problem("scenario.yaml", f"{len(settings.years)} years; at most 100 expected", column="years")]
    return []


#: Per table, the column giving a workload a value when it is not delivered (its outside option).
VALUE_COLUMNS = {"demand": "value_usd_per_eflops_yr", "training_runs": "value_usd"}


def check_objective(settings: Settings, tables: Mapping[str, pd.DataFrame]) -> list[Problem]:
    """``objective: compute`` maximises the value of compute delivered: some workload must carry a value."""
    if settings.objective != "compute" or "demand" not in tables:  # a demand table that did not load is reported already
        return []
    valued = [t for t, c in VALUE_COLUMNS.items() if t in tables and c in tables[t] and tables[t][c].notna().any()]
    if valued:
        return []
    columns = " or ".join(f"{c} in {t}.csv" for t, c in VALUE_COLUMNS.items())
    why = f"maximises the value of compute delivered, but no workload has a value ({columns}); expected 'cost', or values"
    return [Problem("scenario.yaml", why, column="objective", value="compute")]


#: Checks across rows and tables, with the tables each needs: one whose table is missing is skipped.
ACROSS = (
    (check_references, ()),
    (check_regions, ("demand",)),
    (check_sites, ("sites",)),
    (check_cooling, ("sites", "chips")),
    (check_dedicated, ("supplies", "sites")),
    (check_generators, ("generators",)),
    (check_grid, ("nodes", "supplies", "sites")),
    (check_training, ("chips",)),
)


def check_across(settings: Settings | None, tables: Mapping[str, pd.DataFrame], files: Mapping[str, str]) -> list[Problem]:
    """Every check across rows and tables that the tables at hand allow; those on the horizon when the settings are valid."""
    problems = [p for check, needs in ACROSS if all(n in tables for n in needs) for p in check(tables, files)]
    if settings is not None:
        problems += check_horizon_ends(settings) + check_objective(settings, tables)
        if "demand" in tables and "chips" in tables:
            problems += check_years(settings, tables, files)
        if "training_runs" in tables:
            problems += check_training_years(settings, tables, files)
    return problems
