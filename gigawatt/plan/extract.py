"""Turn a solution vector into the Plan's tables: each family fills its own (see :attr:`gigawatt.model.family.Family.extract`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gigawatt.matrix.compile import CompiledModel
from gigawatt.model.build import collector_paused
from gigawatt.model.data import ModelData
from gigawatt.model.families import families, plan_tables
from gigawatt.model.family import Extraction
from gigawatt.model.ledger import Ledger
from gigawatt.model.objective import OBJECTIVE_SCALE_USD
from gigawatt.plan.tables import TEXT_COLUMNS


def extract_tables(
    cm: CompiledModel, d: ModelData, ledger: Ledger, x: np.ndarray, integer_units: bool = True, relaxed: bool = False
) -> dict[str, pd.DataFrame]:
    """Plan tables from solution ``x`` of compiled model ``cm`` built on data ``d`` with ``ledger``.

    Integer decisions are rounded to whole numbers, except in a ``relaxed`` (LP) solution, whose
    fractional openings, blocks and builds are kept as they are. Values the solver left outside their
    bounds by its tolerance (a draw of -1e-7 MW) are read at the bound. Power, costs and compute are
    read from the ledger's accumulators at the same values, so the plan reports what the model counts.
    """
    x = np.clip(x, cm.form.col_lower, cm.form.col_upper)
    if not relaxed:
        whole = cm.form.integrality.astype(bool)
        x[whole] = np.round(x[whole])
    x.flags.writeable = False
    tables: dict[str, pd.DataFrame] = {}
    context = Extraction(
        data=d,
        values=lambda name: cm.values(x, name),
        ledger_value=lambda terms: cm.linear_value(terms, x),
        ledger=ledger,
        integer_units=integer_units,
        relaxed=relaxed,
        tables=tables,
    )
    with collector_paused():
        for family in families():
            if family.extract is not None:
                family.extract(context)
    contract = plan_tables()
    return {name: _normalise(tables[name].reindex(columns=list(columns)), integer_units, relaxed) for name, columns in contract.items()}


def _normalise(frame: pd.DataFrame, integer_units: bool, relaxed: bool) -> pd.DataFrame:
    """Consistent dtypes: ids, categories and kinds as text, years and counts as int64, flags as bool, else float64; no ``-0.0``."""
    out = frame.copy()
    for col in out.columns:
        if col.endswith("_id") or col in TEXT_COLUMNS:
            out[col] = out[col].astype(str)
        elif col in ("year", "vintage") or (col == "blocks" and not relaxed) or (col.endswith("_units") and integer_units):
            out[col] = np.round(out[col].astype("float64")).astype("int64")
        elif col in ("open", "built", "taken", "placed") and not relaxed:
            out[col] = out[col].astype(bool)
        else:
            values = out[col].astype("float64")
            out[col] = values.where(values.abs() > 1e-9, 0.0)
    return out.reset_index(drop=True)


def objective_usd(value: float | None) -> float | None:
    """Solver objective (million USD) in USD."""
    return None if value is None else value * OBJECTIVE_SCALE_USD
