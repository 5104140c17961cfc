"""Compile a built Pyomo model to a standard-form matrix, keeping maps back to variables and rows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from gigawatt.solvers.base import StandardForm


@dataclass(frozen=True)
class CompiledModel:
    """The matrix plus, per Pyomo variable component, its indices and column numbers."""

    form: StandardForm
    var_columns: dict[str, tuple[list[object], np.ndarray]]  # name -> (keys, column of each key or -1)
    row_constraints: list[tuple[str, object, int]]  # per row: (component name, index, bound type 0 = / 1 <= / -1 >=)
    position: dict[int, int]  # id(Pyomo variable) -> column

    def linear_value(self, terms: list[tuple[float, object]], x: np.ndarray) -> float:
        """Value of sum(coef * var) at ``x`` (variables the compiler dropped count as 0)."""
        return float(sum(a * x[self.position[id(v)]] for a, v in terms if id(v) in self.position))

    def values(self, x: np.ndarray, name: str) -> dict[object, float]:
        """Solution values of variable component ``name`` keyed by index (0 where the compiler dropped it)."""
        keys, cols = self.var_columns.get(name, ([], np.empty(0, dtype=int)))
        vals = np.where(cols >= 0, x[np.maximum(cols, 0)] if len(x) else 0.0, 0.0)
        return dict(zip(keys, vals.tolist(), strict=True))


def compile_model(m: pyo.ConcreteModel) -> CompiledModel:
    """Standard form of ``m`` (minimisation) in mixed form: one row per constraint side."""
    repn = LinearStandardFormCompiler().write(m, mixed_form=True, set_sense=pyo.minimize)
    columns = repn.columns
    n = len(columns)
    position = {id(v): i for i, v in enumerate(columns)}
    col_lower = np.empty(n)
    col_upper = np.empty(n)
    integrality = np.zeros(n, dtype=np.int8)
    for i, v in enumerate(columns):
        lb, ub = v.bounds
        col_lower[i] = -np.inf if lb is None else lb
        col_upper[i] = np.inf if ub is None else ub
        integrality[i] = 1 if v.is_integer() else 0
    var_columns = {}
    for comp in m.component_objects(pyo.Var, active=True):
        keys = list(comp.keys())
        cols = np.fromiter((position.get(id(comp[k]), -1) for k in keys), dtype=np.int64, count=len(keys))
        var_columns[comp.local_name] = (keys, cols)
    rhs = np.asarray(repn.rhs, dtype=float)
    kinds = np.fromiter((r.bound_type for r in repn.rows), dtype=np.int8, count=len(repn.rows))
    row_lower = np.where(kinds >= 0, -np.inf, rhs)
    row_upper = np.where(kinds <= 0, np.inf, rhs)
    eq = kinds == 0
    row_lower[eq] = rhs[eq]
    row_upper[eq] = rhs[eq]
    names: dict[int, str] = {}
    rows = []
    for r in repn.rows:
        parent = r.constraint.parent_component()
        name = names.get(id(parent))
        if name is None:
            name = names[id(parent)] = parent.local_name
        rows.append((name, r.constraint.index(), int(r.bound_type)))
    c = np.asarray(repn.c.todense()).ravel() if repn.c.shape[0] else np.zeros(n)
    offset = float(repn.c_offset[0]) if len(repn.c_offset) else 0.0
    form = StandardForm(c, offset, repn.A.tocsc(), row_lower, row_upper, col_lower, col_upper, integrality)
    return CompiledModel(form, var_columns, rows, position)
