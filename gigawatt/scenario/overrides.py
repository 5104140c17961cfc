"""Override keys: what a ``--set``, a sweep or :meth:`Scenario.with_overrides` may change.

A key names a setting or the cells of a table column, optionally with an operator:

=====================================  ==================================================
``ceiling_mw``, ``solver.time_limit``   a setting (dotted keys reach nested settings)
``supplies.energy_price_usd_per_mwh``   every row of a column
``chips[rubin].first_year``             the row whose key is ``rubin``
``supplies[node_id=pjm].capacity_mw``   the rows whose ``node_id`` is ``pjm``
``KEY*`` / ``KEY+``                     multiply by / add the value instead of replacing
=====================================  ==================================================

So ``supplies.energy_price_usd_per_mwh*=1.2`` raises every energy price by 20%.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gigawatt.errors import OptionError
from gigawatt.scenario.errors import Problem, ScenarioError, show
from gigawatt.scenario.schema import TABLES
from gigawatt.scenario.settings import FILE_KEYS, Settings
from gigawatt.scenario.validate import suggest

OPERATORS = ("*", "+")
_TABLE_KEY = re.compile(r"^(?P<table>[A-Za-z_]\w*)(?:\[(?P<select>[^\]]*)\])?\.(?P<column>\w+)$")
#: What one cell may be set to; a list or tuple gives one of these per selected row.
_SCALARS = (str, int, float, type(None), np.generic)
_KEY_FORMS = "a setting such as 'ceiling_mw' or 'solver.time_limit', or TABLE.COLUMN, TABLE[ID].COLUMN or TABLE[COLUMN=VALUE].COLUMN"


def split_override(item: str) -> tuple[str, str]:
    """``KEY=VALUE`` split at the first ``=`` outside square brackets (``supplies[node_id=south].capacity_mw=90``).

    A key never holds ``=`` outside its brackets, so the value may hold any text, ``=`` included.
    Raises :class:`~gigawatt.errors.OptionError` (a ValueError) naming the item when there is no such
    ``=`` or the key is empty.
    """
    depth = 0
    for at, char in enumerate(item):
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == "=" and depth <= 0 and item[:at].strip():
            return item[:at].strip(), item[at + 1 :]
    raise OptionError(item, f"{show(item)}: expected KEY=VALUE")


@dataclass(frozen=True)
class OverrideKey:
    """A parsed key: a setting path or a table column with an optional row selection."""

    text: str
    op: str | None
    setting: str | None = None
    table: str | None = None
    column: str | None = None
    select_column: str | None = None
    select_value: str | None = None

    @classmethod
    def parse(cls, key: str) -> OverrideKey:
        text = key.strip()
        op = text[-1] if text[-1:] in OPERATORS else None
        body = text[:-1].rstrip() if op else text
        match = _TABLE_KEY.match(body)
        if not match or match["table"] not in TABLES:
            return cls(text, op, setting=body)
        schema = TABLES[match["table"]]
        select_column = select_value = None
        if match["select"] is not None:
            left, eq, right = match["select"].partition("=")
            select_column, select_value = (left.strip(), right.strip()) if eq else (schema.key[0], left.strip())
        return cls(text, op, table=match["table"], column=match["column"], select_column=select_column, select_value=select_value)

    def problem(self, message: str, value: object = None) -> Problem:
        return Problem("overrides", message, column=self.text, value=value)

    def malformed(self) -> Problem | None:
        """Why the key names neither a table column nor a setting (``chips[x.first_year``, ``chipz.capex``), else None.

        Unknown keys under a known setting group (``solver.nme``) are left to the settings' own check.
        """
        if self.table is not None:
            return None
        head = (self.setting or "").split(".")[0].split("[")[0].strip()
        if (self.setting or "").split(".")[0] in (*Settings.model_fields, *FILE_KEYS):
            return None
        hint = suggest(head, [*Settings.model_fields, *TABLES])
        return self.problem(f"neither a setting nor a table column{hint}; expected {_KEY_FORMS}, TABLE one of: {', '.join(TABLES)}")


def not_utf8(*values: object) -> bool:
    """Whether any text among ``values`` (inside lists and tuples too) holds a lone surrogate: undecodable
    bytes of a command line, which no table or file can store."""
    for value in values:
        items = value if isinstance(value, list | tuple) else [value]
        for item in items:
            if isinstance(item, str):
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    return True
    return False


def apply_to_tables(tables: Mapping[str, pd.DataFrame], overrides: Mapping[OverrideKey, object]) -> dict[str, pd.DataFrame]:
    """Copies of ``tables`` with each table override applied; raise :class:`ScenarioError` listing every bad key."""
    out = dict(tables)
    problems: list[Problem] = []
    for key, value in overrides.items():
        try:
            out[key.table] = _apply(out, key, value)  # type: ignore[index]
        except ScenarioError as err:
            problems += err.problems
    if problems:
        raise ScenarioError(problems)
    return out


def _apply(tables: Mapping[str, pd.DataFrame], key: OverrideKey, value: object) -> pd.DataFrame:
    schema = TABLES[key.table]  # type: ignore[index]
    if key.table not in tables:
        raise ScenarioError([key.problem(f"this scenario has no {schema.file}")])
    frame = tables[key.table].copy()  # type: ignore[index]
    if key.column not in schema.column_names:
        raise ScenarioError([key.problem(f"{schema.file} has no column {key.column!r}; columns: {', '.join(schema.column_names)}")])
    rows = pd.Series(True, index=frame.index)
    if key.select_column is not None:
        if key.select_column not in frame.columns:
            raise ScenarioError([key.problem(f"cannot select rows by {key.select_column!r}: {schema.file} has no such column")])
        rows = frame[key.select_column].astype(str) == key.select_value
        if not rows.any():
            known = ", ".join(map(str, frame[key.select_column].astype(str).unique()[:12]))
            raise ScenarioError([key.problem(f"no row of {schema.file} has {key.select_column} = {key.select_value!r}; known: {known}")])
    if key.column not in frame.columns:  # an optional column the scenario left out: start from its default
        frame[key.column] = schema.column(key.column).default
    if key.op is None:
        frame[key.column] = frame[key.column].astype(object)
        frame.loc[rows, key.column] = _cell_values(key, value, int(rows.sum()), schema.file)
        return frame
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError([key.problem(f"'{key.op}' needs a number", value)])
    if isinstance(value, int) and abs(value) >= 2**53:  # beyond exact floats and numpy's integers: the cells check the result
        value = float(value)
    current = pd.to_numeric(frame.loc[rows, key.column], errors="coerce")
    if current.isna().any():
        raise ScenarioError([key.problem(f"'{key.op}' needs numeric cells in {schema.file} column {key.column!r}")])
    frame[key.column] = frame[key.column].astype(float) if isinstance(value, float) or key.op == "*" else frame[key.column]
    frame.loc[rows, key.column] = current * value if key.op == "*" else current + value
    return frame


def _cell_values(key: OverrideKey, value: object, count: int, file: str) -> object:
    """The value for every selected row, or one value per row from a list or tuple of exactly ``count``."""
    if isinstance(value, _SCALARS):
        return value
    rows = f"{count} row{'s' if count != 1 else ''} of {file}"
    if not isinstance(value, list | tuple):
        raise ScenarioError([key.problem(f"expected one value for the {rows}, or a list of {count}", value)])
    if len(value) != count:
        given = f"{len(value)} value{'s' if len(value) != 1 else ''}"
        raise ScenarioError([key.problem(f"{given} given for {rows}; expected one value for them all, or a list of {count}", value)])
    cells = np.empty(count, dtype=object)
    for i, cell in enumerate(value):
        cells[i] = cell
    return cells


def combine_setting(current: object, key: OverrideKey, value: object) -> object:
    """The new value of a setting under ``key``'s operator (``*`` or ``+``); the value itself without one."""
    if key.op is None:
        return value
    numbers = (current, value)
    if any(isinstance(x, bool) or not isinstance(x, int | float) for x in numbers):
        raise ScenarioError([key.problem(f"'{key.op}' needs a numeric setting and a number", value)])
    return current * value if key.op == "*" else current + value  # type: ignore[operator]
