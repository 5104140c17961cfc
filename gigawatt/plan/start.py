"""A MIP start from a plan: the integer decisions of a previous (or hand-written, partial) plan."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from gigawatt.errors import OptionError, first_line
from gigawatt.matrix.compile import CompiledModel
from gigawatt.model.families import families
from gigawatt.model.family import StartValues


def start_values(tables: Mapping[str, pd.DataFrame]) -> StartValues:
    """Integer decisions named by model variable, from plan tables (any of them may be missing or partial): each family reads its own.

    :class:`~gigawatt.errors.OptionError` naming ``start`` when a table is not a DataFrame, lacks a
    column its family reads, or holds a decision that is not a finite number.
    """
    for name, frame in tables.items():
        if not isinstance(frame, pd.DataFrame):
            raise OptionError("start", f"start[{name!r}]: expected a plan table (DataFrame), got {type(frame).__name__}")
    values: StartValues = {}
    for family in families():
        if family.start is None:
            continue
        where = f"the {family.name} table of the start"
        try:
            found = family.start(tables)
        except KeyError as error:
            raise OptionError("start", f"{where} lacks the column(s) {error.args[0]}") from None
        except (ValueError, TypeError) as error:
            raise OptionError("start", f"{where}: expected finite numbers ({first_line(error)})") from None
        for decisions in found.values():
            numbers = pd.to_numeric(pd.Series(list(decisions.values()), dtype=object), errors="coerce").astype(float)
            if not np.isfinite(numbers).all():
                raise OptionError("start", f"{where}: expected finite numbers")
        values.update(found)
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
