"""Compile a built Pyomo model to a standard-form matrix, keeping maps back to variables and rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from pyomo.core.base.var import VarData
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression
from pyomo.repn.standard_repn import generate_standard_repn
from scipy import sparse

from gigawatt.matrix.form import StandardForm
from gigawatt.matrix.scaling import TARGET, R, Scaling, choose_scaling, extremes, form_ranges, inside
from gigawatt.model.build import collector_paused


@dataclass(frozen=True)
class CompiledModel:
    """The matrix (in model units) plus, per Pyomo variable component, its indices and column numbers.

    ``scaling`` holds the power-of-two factors the matrix gets on its way to the solver
    (:mod:`gigawatt.matrix.scaling`): ``scaling.apply(form)`` is what the solver sees, and
    ``scaling.unscale`` maps its result back to model units.
    """

    form: StandardForm
    var_columns: dict[str, tuple[list[object], np.ndarray]]  # name -> (keys, column of each key or -1)
    row_constraints: list[tuple[str, object, int]]  # per row: (component name, index, kind: 0 =, 1 <=, -1 >=, 2 ranged)
    position: dict[int, int]  # id(Pyomo variable) -> column
    scaling: Scaling | None = None

    @property
    def solver_form(self) -> StandardForm:
        """The form handed to the solver: :attr:`form` with :attr:`scaling` applied."""
        return self.form if self.scaling is None else self.scaling.apply(self.form)

    def unscale(self, result: R) -> R:
        """A solver result on :attr:`solver_form` in model units (solution and row duals)."""
        return result if self.scaling is None else self.scaling.unscale(result)

    def matrix_range(self) -> dict[str, object]:
        """Coefficient ranges (absolute values) of the model and of what the solver sees, against the target window.

        ``model`` and ``solver`` each hold ``[min, max]`` of the ``matrix``, ``objective`` (million USD),
        ``rhs`` (row bounds) and ``bounds`` (column bounds); ``scaled`` says whether scaling was applied.
        """
        solver = form_ranges(self.solver_form)
        return {
            "target": list(TARGET),
            "scaled": self.scaling is not None and self.scaling.active,
            "within_target": inside(solver["matrix"]),
            "model": form_ranges(self.form),
            "solver": solver,
        }

    def extremes(self, sources: Mapping[tuple[str, str], str]) -> tuple[str, str]:
        """The smallest and largest coefficients the solver sees, named by row, column and the scenario values in ``sources``."""
        names = [""] * self.form.shape[1]
        for name, (keys, cols) in self.var_columns.items():
            for key, col in zip(keys, cols.tolist(), strict=True):
                if col >= 0:
                    names[col] = f"{name}[{_label(key)}]"
        rows = [f"{name}[{_label(key)}]" for name, key, _ in self.row_constraints]
        return extremes(self.form, self.scaling or Scaling.identity(self.form), rows, names, sources)

    def linear_value(self, terms: list[tuple[float, object]], x: np.ndarray) -> float:
        """Value of sum(coef * var) at ``x`` (variables the compiler dropped count as 0)."""
        return float(sum(a * x[self.position[id(v)]] for a, v in terms if id(v) in self.position))

    def indexed_columns(self, name: str) -> tuple[list[object], np.ndarray]:
        """Keys and columns of variable component ``name``, leaving out those the compiler dropped."""
        keys, cols = self.var_columns.get(name, ([], np.empty(0, dtype=np.int64)))
        keep = cols >= 0
        return [k for k, ok in zip(keys, keep, strict=True) if ok], cols[keep]

    def columns(self, *names: str) -> np.ndarray:
        """Columns of the variable components ``names`` (those the compiler dropped left out)."""
        found = [self.indexed_columns(name)[1] for name in names]
        return np.concatenate(found) if found else np.empty(0, dtype=np.int64)

    def values(self, x: np.ndarray, name: str) -> dict[object, float]:
        """Solution values of variable component ``name`` keyed by index (0 where the compiler dropped it)."""
        keys, cols = self.var_columns.get(name, ([], np.empty(0, dtype=int)))
        vals = np.where(cols >= 0, x[np.maximum(cols, 0)] if len(x) else 0.0, 0.0)
        return dict(zip(keys, vals.tolist(), strict=True))


def _label(key: object) -> str:
    return ", ".join(map(str, key)) if isinstance(key, tuple) else str(key)


def _terms(expr: object, owner: object) -> tuple[float, list[float], list[VarData]]:
    """(constant, coefficients, variables) of a linear expression; fixed variables fold into the constant."""
    if type(expr) is LinearExpression:
        constant, coefs, variables = 0.0, [], []
        for arg in expr.args:
            if type(arg) is MonomialTermExpression:
                coef, var = arg.args
            elif isinstance(arg, VarData):
                coef, var = 1.0, arg
            else:
                constant += pyo.value(arg)
                continue
            coef = coef if type(coef) in (float, int) else pyo.value(coef)
            if var.fixed:
                constant += coef * var.value
            else:
                coefs.append(coef)
                variables.append(var)
        return constant, coefs, variables
    repn = generate_standard_repn(expr, compute_values=True, quadratic=False)
    if not repn.is_linear():
        raise ValueError(f"{owner.name} is not linear; gigawatt solves mixed-integer linear programs only")  # type: ignore[attr-defined]
    return float(repn.constant), [float(c) for c in repn.linear_coefs], list(repn.linear_vars)


def _number_columns(variables: list[VarData]) -> tuple[list[VarData], np.ndarray]:
    """Columns in order of first appearance in ``variables``, and the column of each entry (vectorised, no dict per term)."""
    if not variables:
        return [], np.empty(0, dtype=np.int64)
    ids = np.fromiter(map(id, variables), dtype=np.int64, count=len(variables))
    _, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # unique ids sorted by where each first appears
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return [variables[i] for i in first[order].tolist()], rank[inverse.reshape(-1)]


def compile_model(m: pyo.ConcreteModel, scaling: str = "auto") -> CompiledModel:
    """Standard form of ``m`` (:func:`_compile`), with the garbage collector paused while it runs."""
    with collector_paused():
        return _compile(m, scaling)


def _compile(m: pyo.ConcreteModel, scaling: str) -> CompiledModel:
    """Standard form of ``m`` as a minimisation with ranged rows ``row_lower <= A x <= row_upper``.

    Reads each constraint's linear body directly (one pass, no expression rewriting); constraints
    added by hand that are not plain linear expressions go through Pyomo's standard repn. ``scaling``
    (``auto``, ``on``, ``off``; :func:`gigawatt.matrix.scaling.choose_scaling`) picks the factors the
    matrix gets on its way to the solver; the form itself stays in model units.
    """
    variables_seen: list[VarData] = []  # per nonzero, then per objective term: the variable
    indptr, data = [0], []
    row_lower, row_upper, rows = [], [], []
    for comp in m.component_objects(pyo.Constraint, active=True, descend_into=True):
        name = comp.local_name
        for index, con in comp.items():
            if not con.active:
                continue
            lb, body, ub = con.to_bounded_expression(evaluate_bounds=True)
            constant, coefs, variables = _terms(body, con)
            if lb is None and ub is None:
                continue
            if not variables:
                low_ok = lb is None or lb - 1e-9 <= constant
                if low_ok and (ub is None or constant <= ub + 1e-9):
                    continue
                raise ValueError(f"constraint {con.name} has no variables and cannot hold ({lb} <= {constant} <= {ub})")
            variables_seen.extend(variables)
            data.extend(coefs)
            indptr.append(len(data))
            row_lower.append(-np.inf if lb is None else lb - constant)
            row_upper.append(np.inf if ub is None else ub - constant)
            kind = 0 if lb is not None and lb == ub else (1 if lb is None else (-1 if ub is None else 2))
            rows.append((name, index, kind))
    objectives = list(m.component_data_objects(pyo.Objective, active=True))
    if len(objectives) != 1:
        raise ValueError(f"expected one active objective, found {len(objectives)}")
    obj = objectives[0]
    offset, obj_coefs, obj_vars = _terms(obj.expr, obj)
    sign = 1.0 if obj.sense == pyo.minimize else -1.0
    variables_seen.extend(obj_vars)
    columns, column_of_term = _number_columns(variables_seen)
    position = {id(v): col for col, v in enumerate(columns)}
    n, nnz = len(columns), len(data)
    c = np.zeros(n)
    np.add.at(c, column_of_term[nnz:], sign * np.asarray(obj_coefs, dtype=float))
    A = sparse.csr_array((np.asarray(data, dtype=float), column_of_term[:nnz], np.asarray(indptr)), shape=(len(rows), n))
    col_lower = np.fromiter((-np.inf if v.lb is None else v.lb for v in columns), dtype=float, count=n)
    col_upper = np.fromiter((np.inf if v.ub is None else v.ub for v in columns), dtype=float, count=n)
    integrality = np.fromiter((v.is_integer() for v in columns), dtype=np.int8, count=n)
    var_columns = {}
    for comp in m.component_objects(pyo.Var, active=True, descend_into=True):
        keys = list(comp.keys())
        cols = np.fromiter((position.get(id(v), -1) for v in comp.values()), dtype=np.int64, count=len(keys))
        var_columns[comp.local_name] = (keys, cols)
    form = StandardForm(
        c,
        sign * offset,
        A.tocsc(),
        np.asarray(row_lower, dtype=float),
        np.asarray(row_upper, dtype=float),
        col_lower,
        col_upper,
        integrality,
    )
    return CompiledModel(form, var_columns, rows, position, choose_scaling(form, scaling))
