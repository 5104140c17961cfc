"""The validated, immutable :class:`Scenario` and its construction from files or DataFrames."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import math
import warnings
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd
import pydantic

from gigawatt.scenario import validate as v
from gigawatt.scenario.errors import PlausibilityWarning, Problem, ScenarioError
from gigawatt.scenario.files import parse_scalar
from gigawatt.scenario.overrides import OverrideKey, apply_to_tables, combine_setting, not_utf8
from gigawatt.scenario.schema import TABLES
from gigawatt.scenario.settings import FILE_KEYS, Settings


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: typed ``settings`` and read-only ``tables`` (pandas DataFrames).

    Build one with :func:`gigawatt.load_scenario` or :meth:`Scenario.from_tables`; derive variants
    with :meth:`with_overrides`. Never mutate the tables: a scenario is a value.
    """

    settings: Settings
    tables: Mapping[str, pd.DataFrame]
    path: Path | None = None
    raw_settings: Mapping[str, object] = field(default_factory=dict, repr=False)
    files: Mapping[str, str] = field(default_factory=dict, repr=False)
    lines: Mapping[str, tuple[int, ...]] = field(default_factory=dict, repr=False)
    #: Valid values far from every public figure (likely unit slips), as :class:`PlausibilityWarning` s said when built.
    warnings: tuple[Problem, ...] = field(default=(), repr=False)
    #: The overrides this scenario was derived with (:meth:`with_overrides`), as ``KEY=VALUE`` text, oldest first.
    overrides: tuple[str, ...] = field(default=(), repr=False)

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def from_tables(
        cls,
        settings: Mapping[str, object],
        tables: Mapping[str, pd.DataFrame],
        *,
        path: Path | None = None,
        files: Mapping[str, str] | None = None,
        lines: Mapping[str, Sequence[int]] | None = None,
        validated: Collection[str] = (),
    ) -> Scenario:
        """Validate settings and tables (raw or typed) into a Scenario; raise :class:`ScenarioError`.

        ``files`` names each table in messages (default ``<name>.csv``); ``lines`` gives each table's
        row lines in its file (default: read from ``frame.attrs["lines"]``, else counted from line 2).
        ``validated`` names tables taken unchanged from a Scenario: their cells are not checked again
        (the checks across rows and tables still run).

        Values far from every public figure (``135000`` kW per unit) are not errors: each is a
        :class:`PlausibilityWarning` (except in ``validated`` tables, warned about already) and is kept
        in :attr:`warnings`.
        """
        files = dict(files or {name: f"{name}.csv" for name in tables})
        problems: list[Problem] = []
        if not isinstance(settings, Mapping):
            raise ScenarioError([Problem("scenario.yaml", f"expected a mapping of settings, found a {type(settings).__name__}")])
        try:
            parsed = Settings.model_validate({k: val for k, val in settings.items() if k not in FILE_KEYS})
        except pydantic.ValidationError as err:
            problems += _settings_problems(err)
            parsed = None
        if not isinstance(settings.get("extends"), str | type(None)):
            problems.append(Problem("scenario.yaml", "expected a relative folder path", column="extends", value=settings["extends"]))
        unknown = [n for n in tables if n not in TABLES]
        problems += [Problem(f"{n}.csv", f"unknown table{v.suggest(n, list(TABLES))}; expected: {', '.join(TABLES)}") for n in unknown]
        missing = [n for n, s in TABLES.items() if s.required and n not in tables]
        problems += [Problem(f"{n}.csv", f"required table is missing ({TABLES[n].description})") for n in missing]
        typed: dict[str, pd.DataFrame] = {}
        for name, raw in tables.items():
            if name not in TABLES:
                continue
            file = files.setdefault(name, f"{name}.csv")
            if not isinstance(raw, pd.DataFrame):
                problems.append(Problem(file, f"expected a pandas DataFrame, found a {type(raw).__name__}"))
                continue
            if lines and name in lines:
                raw = raw.copy(deep=False)
                raw.attrs["lines"] = tuple(lines[name])
            if name in validated:  # a copy: the attrs set here are cleared below, the caller's frame stays as it was
                typed[name] = raw.copy(deep=False)
                typed[name].attrs.setdefault("lines", tuple(int(n) for n in v.row_lines(raw)))
                continue
            frame, found = v.coerce_table(TABLES[name], raw, file)
            typed[name] = frame
            problems += found
            problems += v.check_keys(TABLES[name], frame, file)
        problems += v.check_required_rows(typed, files)
        problems += v.check_across(parsed, typed, files)  # on the valid cells, whatever else is wrong: one report
        if problems:
            raise ScenarioError(problems)
        assert parsed is not None
        implausible = tuple(v.check_plausible(typed, files))
        for problem in implausible:
            if not any(problem.file == files[name] for name in validated):
                warnings.warn(str(problem), PlausibilityWarning, stacklevel=2)
        row_lines = {name: tuple(frame.attrs["lines"]) for name, frame in typed.items()}
        frozen = {}
        for name in TABLES:
            if name in typed:
                frame = typed[name]
                frame.attrs.clear()
                frozen[name] = frame
        return cls(
            parsed,
            MappingProxyType(frozen),
            path,
            MappingProxyType(copy.deepcopy(dict(settings))),
            MappingProxyType({n: files[n] for n in frozen}),
            MappingProxyType(row_lines),
            implausible,
        )

    def with_overrides(self, overrides: Mapping[str, object] | None = None, /, **kwargs: object) -> Scenario:
        """A new scenario with settings or table cells replaced (see :mod:`gigawatt.scenario.overrides`).

        ``scn.with_overrides(ceiling_mw=4000)``, ``scn.with_overrides({"solver.time_limit": 30})``,
        ``{"chips[rubin].first_year": 2028}`` or ``{"supplies.energy_price_usd_per_mwh*": 1.2}`` (a
        trailing ``*`` or ``+`` multiplies or adds). String values are parsed as YAML scalars
        (``"4000"`` becomes 4000) unless the setting holds text (``name``, ``description``,
        ``solver.name``). The scenario itself is left unchanged. Problems with an overridden key are
        reported against file ``overrides``.
        """
        raw = copy.deepcopy(dict(self.raw_settings))
        given = {**(overrides or {}), **kwargs}
        problems = []
        table_overrides: dict[OverrideKey, object] = {}
        current = self.settings.model_dump()
        for key_text, value in given.items():
            key = OverrideKey.parse(str(key_text))
            if not_utf8(key_text, value):
                problems.append(key.problem("holds a lone surrogate (bytes that are not UTF-8); expected text", value))
                continue
            malformed = key.malformed()
            if malformed is not None:
                problems.append(malformed)
                continue
            if key.table is not None:
                table_overrides[key] = parse_value(value)
                continue
            name = key.setting or ""
            if name.split(".")[0] in FILE_KEYS:
                problems.append(key.problem("belongs to the scenario folder and cannot be overridden"))
                continue
            try:
                parsed = value if _is_text_setting(name) else parse_value(value)
                set_dotted(raw, name, combine_setting(_get_dotted(current, name), key, parsed))
            except ScenarioError as err:
                problems += err.problems
        try:
            tables = apply_to_tables(self.tables, table_overrides)
        except ScenarioError as err:
            problems += err.problems
        if problems:
            raise ScenarioError(problems)
        try:
            untouched = [name for name, frame in tables.items() if frame is self.tables.get(name)]
            derived = Scenario.from_tables(raw, tables, path=self.path, files=self.files, lines=self.lines, validated=untouched)
            return dataclasses.replace(derived, overrides=(*self.overrides, *(f"{k}={v}" for k, v in given.items())))
        except ScenarioError as err:
            keys = [OverrideKey.parse(str(k)) for k in given]
            raise ScenarioError([_blame_override(p, keys, self.files) for p in err.problems]) from None

    def __reduce__(self) -> tuple:
        """Pickle (Dask ships scenarios to workers): the read-only mappings travel as dicts."""
        fields = (self.settings, self.tables, self.path, self.raw_settings, self.files, self.lines, self.warnings, self.overrides)
        return (_rebuild, tuple(dict(f) if isinstance(f, Mapping) else f for f in fields))

    # -- views --------------------------------------------------------------------------------
    def __getattr__(self, name: str) -> pd.DataFrame:
        if name in TABLES:
            tables = object.__getattribute__(self, "tables")
            if name in tables:
                return tables[name]
            return pd.DataFrame(columns=list(TABLES[name].column_names))
        raise AttributeError(name)

    @property
    def name(self) -> str:
        return self.settings.name

    def pue_peak(self) -> pd.Series:
        """Peak PUE of each site (indexed by ``site_id``): its ``pue_peak``, or ``pue`` x ``pue_peak_factor`` where empty.

        The peak sizes facilities (site capacity, the ceiling); the annual ``pue`` prices energy and emissions.
        """
        sites = self.tables["sites"].set_index("site_id")
        return sites["pue_peak"].fillna(sites["pue"] * self.settings.pue_peak_factor).astype(float)

    def nonfirm_earliest_year(self) -> pd.Series:
        """First year each tranche's non-firm MW can be used (indexed by ``tranche_id``): its ``nonfirm_earliest_year``, or
        its ``earliest_year`` where empty (empty without an ``interconnection`` table)."""
        tranches = self.interconnection.set_index("tranche_id")
        return tranches["nonfirm_earliest_year"].fillna(tranches["earliest_year"]).astype("int64")

    def chip_family(self) -> pd.Series:
        """Accelerator family of each chip (indexed by ``chip_id``): its ``family``, or its ``chip_id`` where empty."""
        chips = self.tables["chips"].set_index("chip_id", drop=False)
        return chips["family"].fillna(chips["chip_id"]).astype(str)

    def run_families(self) -> dict[str, tuple[str, ...]]:
        """Families each training run may use (by ``run_id``), sorted: those its ``families`` lists, or every chip's family
        where empty (no runs without a ``training_runs`` table)."""
        runs = self.tables.get("training_runs")
        if runs is None:
            return {}
        every = tuple(sorted(set(self.chip_family())))
        return {r: v.split_families(text) or every for r, text in zip(runs["run_id"], runs["families"], strict=True)}

    def training_eflops(self, run_ids: Iterable[str] | None = None) -> pd.Series:
        """EFLOP/s the training runs (all, or those of ``run_ids``) need in each modelled year, indexed by year."""
        runs = self.tables.get("training_runs", pd.DataFrame(columns=["run_id", "first_year", "last_year", "eflops"]))
        if run_ids is not None:
            runs = runs[runs["run_id"].isin(list(run_ids))]
        years = np.asarray(self.settings.years)
        active = (years[None, :] >= runs[["first_year"]].to_numpy()) & (years[None, :] <= runs[["last_year"]].to_numpy())
        return pd.Series((active * runs[["eflops"]].to_numpy(dtype=float)).sum(axis=0), index=pd.Index(years, name="year"))

    @property
    def hash(self) -> str:
        """Content hash: the first 16 hex digits of the SHA-256 of :func:`canonical_bytes`.

        Equal on every machine and in every process for the same settings and table values, however
        the files were written (line ends, byte-order mark, column order, number spelling, padding).
        Row order counts: it orders the plan's tables and breaks ties between identical sites.
        """
        return hashlib.sha256(canonical_bytes(self)).hexdigest()[:16]

    def summary(self) -> str:
        """One screen: horizon, ceiling, sites and MW available, chips, grid, demand, training runs."""
        s, t = self.settings, self.tables
        sites, chips, demand = t["sites"], t["chips"], t["demand"]
        by_year = demand.groupby("year")["eflops"].sum()
        lines = [
            f"Scenario {s.name!r}" + (f" — {s.description}" if s.description else ""),
            f"  years        {s.years[0]}-{s.years[-1]} ({len(s.years)} modelled), discount rate {s.discount_rate:.1%}",
            f"  ceiling      {s.ceiling_mw:,.0f} MW facility power",
            f"  sites        {len(sites)} candidates, {sites.max_mw.sum():,.0f} MW available "
            f"({(sites.cooling == 'liquid').sum()} liquid-cooled), at {sites.node_id.nunique()} nodes",
            f"  grid         {len(t['nodes'])} nodes, {len(t.get('links', []))} links, "
            f"{len(t['supplies'])} supplies with {t['supplies'].capacity_mw.sum():,.0f} MW",
            f"  chips        {len(chips)}: {_listed(chips.chip_id)}",
            f"  regions      {_listed(t['regions'].region_id) if 'regions' in t else 'one pool'}",
            f"  demand       {by_year.iloc[0]:,.1f} EFLOP/s in {by_year.index[0]} to {by_year.iloc[-1]:,.1f} in {by_year.index[-1]}",
        ]
        if len(t.get("training_runs", [])):
            need = self.training_eflops()
            lines.append(
                f"  training     {len(t['training_runs'])} runs placed whole, {need.iloc[0]:,.1f} EFLOP/s in {need.index[0]} "
                f"to {need.iloc[-1]:,.1f} in {need.index[-1]}"
            )
        if self.warnings:
            lines.append(f"  warnings     {len(self.warnings)} value{'s' if len(self.warnings) != 1 else ''} far from public figures:")
            lines += [f"    - {problem}" for problem in self.warnings]
        return "\n".join(lines)

    def __repr__(self) -> str:
        st, t = self.settings, self.tables
        return (
            f"Scenario({st.name!r}, years={st.years[0]}-{st.years[-1]}, ceiling_mw={st.ceiling_mw:g}, "
            f"sites={len(t['sites'])}, chips={len(t['chips'])})"
        )


#: Names a summary line lists before it counts the rest.
LISTED = 8


def _listed(names: pd.Series) -> str:
    """The names joined, or the first :data:`LISTED` and how many more (a summary stays one screen)."""
    shown = ", ".join(names.iloc[:LISTED])
    return shown if len(names) <= LISTED else f"{shown} and {len(names) - LISTED:,} more ({len(names):,} in all)"


def _rebuild(
    settings: Settings,
    tables: dict,
    path: Path | None,
    raw: dict,
    files: dict,
    lines: dict,
    found: tuple[Problem, ...] = (),
    overrides: tuple[str, ...] = (),
) -> Scenario:
    proxy = MappingProxyType
    return Scenario(settings, proxy(tables), path, proxy(raw), proxy(files), proxy(lines), found, overrides)


def _get_dotted(values: Mapping[str, object], key: str) -> object:
    """``values['a']['b']`` for ``key='a.b'``; None where the path does not exist."""
    for part in key.split("."):
        if not isinstance(values, Mapping) or part not in values:
            return None
        values = values[part]  # type: ignore[assignment]
    return values


def canonical_bytes(scenario: Scenario) -> bytes:
    """The scenario as canonical JSON (UTF-8): what :attr:`Scenario.hash` digests.

    ``{"settings": <every setting, defaults included>, "tables": {<name>: {"columns": [...], "rows":
    [[...], ...]}}}`` with keys sorted, no spaces, tables in schema column order and file row order,
    numbers as JSON numbers (floats in Python's shortest round-trip form, ``-0.0`` as ``0.0``) and
    empty cells as ``null``.
    """
    tables = {name: {"columns": list(frame.columns), "rows": _rows(frame)} for name, frame in scenario.tables.items()}
    document = {"settings": scenario.settings.model_dump(mode="json"), "tables": tables}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def _rows(frame: pd.DataFrame) -> list[list[object]]:
    """The table's cells row by row, each as :func:`_canonical` (read column by column: far quicker than row access)."""
    columns = [frame[c].tolist() for c in frame.columns]
    return [[_canonical(x) for x in row] for row in zip(*columns, strict=True)]


def _canonical(value: object) -> object:
    """A table cell as a plain JSON value."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) else value + 0.0  # -0.0 + 0.0 == 0.0
    return value


def _blame_override(problem: Problem, keys: Sequence[OverrideKey], files: Mapping[str, str]) -> Problem:
    """Point a problem at ``overrides``, naming the override key, when that key set what the problem is about:
    a setting at, under or above the problem's key, or the table column of the problem (its file and line kept
    in the message).
    """
    column = problem.column or ""
    for key in keys:
        if key.table is None and problem.file.endswith("scenario.yaml"):
            path = key.setting or ""
            if column == path or column.startswith(f"{path}.") or path.startswith(f"{column}."):
                return Problem("overrides", problem.message, column=key.text, value=problem.value)
        elif key.table is not None and problem.file == files.get(key.table, f"{key.table}.csv") and column == key.column:
            where = problem.file + (f", line {problem.line}" if problem.line is not None else "")
            return Problem("overrides", f"{problem.message} (in {where})", column=key.text, value=problem.value)
    return problem


def _is_text_setting(key: str) -> bool:
    """Whether the setting at dotted ``key`` holds text (so '2026' stays the text '2026')."""
    parts = tuple(key.split("."))
    model = _model_at(parts)
    info = model.model_fields.get(parts[-1]) if model is not None else None
    return info is not None and info.annotation is str


def _model_at(loc: tuple) -> type[pydantic.BaseModel] | None:
    """The settings model holding the field at ``loc`` (e.g. SolverSettings for ``solver.x``)."""
    model: type[pydantic.BaseModel] = Settings
    for part in loc[:-1]:
        field_info = model.model_fields.get(str(part))
        sub = field_info.annotation if field_info is not None else None
        if not (isinstance(sub, type) and issubclass(sub, pydantic.BaseModel)):
            return None
        model = sub
    return model


_BOUNDS = {"greater_than": ">", "greater_than_equal": "≥", "less_than": "<", "less_than_equal": "≤"}
_KINDS = {
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "int_type": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "finite_number": "a finite number",
    "string_type": "text",
    "list_type": "a list",
    "model_type": "a mapping of keys",
    "model_attributes_type": "a mapping of keys",
    "dict_type": "a mapping of keys",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
}


def _settings_problems(err: pydantic.ValidationError) -> list[Problem]:
    problems = []
    for e in err.errors():
        names = [str(p) for p in e["loc"] if not isinstance(p, int)]
        items = [p for p in e["loc"] if isinstance(p, int)]
        key = ".".join(names)
        entry = f"entry {items[-1] + 1}: " if items else ""
        kind = e["type"]
        if kind == "extra_forbidden":
            model = _model_at(e["loc"])
            known = list(model.model_fields) if model is not None else []
            if model is Settings:
                known += list(FILE_KEYS)
            expected = f"; expected one of: {', '.join(known)}" if known else ""
            problems.append(Problem("scenario.yaml", f"unknown setting{v.suggest(names[-1], known)}{expected}", column=key))
        elif kind == "invalid_key":
            problems.append(Problem("scenario.yaml", "expected a setting name (text)", column=str(e.get("input"))))
        elif kind == "missing":
            model = _model_at(e["loc"])
            info = model.model_fields.get(names[-1]) if model is not None else None
            about = f" ({info.description})" if info is not None and info.description else ""
            problems.append(Problem("scenario.yaml", f"required setting is missing{about}", column=key))
        else:
            if kind in _BOUNDS:
                bound = next(iter(e.get("ctx", {}).values()), "")
                shown = f"{bound:g}" if isinstance(bound, int | float) else bound
                message = f"expected a number {_BOUNDS[kind]} {shown}"
            elif kind in _KINDS:
                message = f"expected {_KINDS[kind]}"
            else:
                message = str(e["msg"]).removeprefix("Value error, ")
            value = e.get("input")
            problems.append(Problem("scenario.yaml", entry + message, column=key or None, value=value if _plain(value) else None))
    return problems


def _plain(value: object) -> bool:
    """Small values worth echoing in a message."""
    return isinstance(value, str | int | float | bool) or (isinstance(value, list) and len(value) <= 10)


def parse_value(value: object) -> object:
    """Parse a command-line string the way YAML would (``'4000'`` -> 4000, ``'true'`` -> True)."""
    if not isinstance(value, str):
        return value
    return parse_scalar(value)


def set_dotted(target: dict, key: str, value: object) -> None:
    """Set ``target['a']['b'] = value`` for ``key='a.b'``, creating mappings on the way."""
    *parents, last = key.split(".")
    if not all(p.strip() for p in key.split(".")):
        raise ScenarioError([Problem("overrides", "expected a setting name such as 'ceiling_mw' or 'solver.time_limit'", column=key)])
    for part in parents:
        target = target.setdefault(part, {})
        if not isinstance(target, dict):
            raise ScenarioError([Problem("overrides", f"'{part}' is not a group of settings", column=key)])
    target[last] = value
