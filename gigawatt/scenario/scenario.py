"""The validated, immutable :class:`Scenario` and its construction from files or DataFrames."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import pandas as pd
import pydantic
import yaml

from gigawatt.scenario import validate as v
from gigawatt.scenario.errors import Problem, ScenarioError
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

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def from_tables(
        cls,
        settings: Mapping[str, object],
        tables: Mapping[str, pd.DataFrame],
        *,
        path: Path | None = None,
        files: Mapping[str, str] | None = None,
    ) -> Scenario:
        """Validate settings and tables (raw or typed) into a Scenario; raise :class:`ScenarioError`."""
        files = dict(files or {name: f"{name}.csv" for name in tables})
        problems: list[Problem] = []
        try:
            parsed = Settings(**{k: val for k, val in settings.items() if k not in FILE_KEYS})
        except pydantic.ValidationError as err:
            problems += _settings_problems(err)
            parsed = None
        for key in settings:
            if key in FILE_KEYS and key == "extends" and not isinstance(settings[key], str | type(None)):
                problems.append(Problem("scenario.yaml", "expected a relative folder path", column=key))
        unknown = [n for n in tables if n not in TABLES]
        problems += [Problem(f"{n}.csv", f"unknown table{v.suggest(n, list(TABLES))}; expected: {', '.join(TABLES)}") for n in unknown]
        missing = [n for n, s in TABLES.items() if s.required and n not in tables]
        problems += [Problem(f"{n}.csv", f"required table is missing ({TABLES[n].description})") for n in missing]
        typed: dict[str, pd.DataFrame] = {}
        for name, raw in tables.items():
            if name in TABLES:
                frame, found = v.coerce_table(TABLES[name], raw, files.setdefault(name, f"{name}.csv"))
                typed[name] = frame
                problems += found
                if not found:
                    problems += v.check_keys(TABLES[name], frame, files[name])
        if problems or missing:
            raise ScenarioError(problems)
        problems += v.check_required_rows(typed, files)
        problems += v.check_references(typed, files)
        problems += v.check_regions(typed, files)
        if not problems:
            assert parsed is not None
            problems += v.check_years(parsed, typed, files)
            problems += v.check_sites(typed, files)
            problems += v.check_cooling(typed, files)
            problems += v.check_grid(typed, files)
            problems += v.check_horizon_ends(parsed)
        if problems:
            raise ScenarioError(problems)
        assert parsed is not None
        frozen = {name: typed[name] for name in TABLES if name in typed}
        return cls(parsed, MappingProxyType(frozen), path, MappingProxyType(dict(settings)), MappingProxyType(files))

    def with_overrides(self, overrides: Mapping[str, object] | None = None, /, **kwargs: object) -> Scenario:
        """A new scenario with settings replaced; dotted keys reach nested settings.

        ``scn.with_overrides(ceiling_mw=4000)`` or ``scn.with_overrides({"solver.time_limit": 30})``.
        String values are parsed as YAML scalars (``"4000"`` becomes 4000).
        """
        raw = copy.deepcopy(dict(self.raw_settings))
        for key, value in {**(overrides or {}), **kwargs}.items():
            set_dotted(raw, key, parse_value(value))
        return Scenario.from_tables(raw, dict(self.tables), path=self.path, files=self.files)

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

    @property
    def hash(self) -> str:
        """Stable content hash (SHA-256 of canonical JSON settings and CSV tables), 16 hex digits."""
        digest = hashlib.sha256()
        digest.update(json.dumps(self.settings.model_dump(mode="json"), sort_keys=True).encode())
        for name in sorted(self.tables):
            digest.update(name.encode())
            digest.update(self.tables[name].to_csv(index=False, float_format="%.17g").encode())
        return digest.hexdigest()[:16]

    def summary(self) -> str:
        """One screen: horizon, ceiling, sites and MW available, chips, grid, demand."""
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
            f"  chips        {len(chips)}: {', '.join(chips.chip_id)}",
            f"  regions      {', '.join(t['regions'].region_id) if 'regions' in t else 'one pool'}",
            f"  demand       {by_year.iloc[0]:,.1f} EFLOP/s in {by_year.index[0]} to {by_year.iloc[-1]:,.1f} in {by_year.index[-1]}",
        ]
        return "\n".join(lines)

    def __repr__(self) -> str:
        st, t = self.settings, self.tables
        return (
            f"Scenario({st.name!r}, years={st.years[0]}-{st.years[-1]}, ceiling_mw={st.ceiling_mw:g}, "
            f"sites={len(t['sites'])}, chips={len(t['chips'])})"
        )


def _settings_problems(err: pydantic.ValidationError) -> list[Problem]:
    problems = []
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"])
        if e["type"] == "extra_forbidden":
            known = list(Settings.model_fields) + list(FILE_KEYS)
            problems.append(Problem("scenario.yaml", f"unknown setting{v.suggest(str(e['loc'][-1]), known)}", column=key))
        elif e["type"] == "missing":
            problems.append(Problem("scenario.yaml", "required setting is missing", column=key))
        else:
            problems.append(Problem("scenario.yaml", e["msg"], column=key or None, value=e.get("input")))
    return problems


def parse_value(value: object) -> object:
    """Parse a command-line string the way YAML would (``'4000'`` -> 4000, ``'true'`` -> True)."""
    if not isinstance(value, str):
        return value
    try:
        return yaml.safe_load(value)
    except yaml.YAMLError:
        return value


def set_dotted(target: dict, key: str, value: object) -> None:
    """Set ``target['a']['b'] = value`` for ``key='a.b'``, creating mappings on the way."""
    *parents, last = key.split(".")
    for part in parents:
        target = target.setdefault(part, {})
        if not isinstance(target, dict):
            raise ScenarioError([Problem("overrides", f"'{part}' is not a group of settings", column=key)])
    target[last] = value
