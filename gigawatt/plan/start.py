"""A MIP start from a plan: the integer decisions of a previous (or hand-written, partial) plan."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from gigawatt.matrix.compile import CompiledModel
from gigawatt.model.families import families
from gigawatt.model.family import StartValues


def start_values(tables: Mapping[str, pd.DataFrame]) -> StartValues:
    """Integer decisions named by model variable, from plan tables (any of them may be missing or partial): each family reads its own."""
    values: StartValues = {}
    for family in families():
        if family.start is not None:
            values.update(family.start(tables))
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
