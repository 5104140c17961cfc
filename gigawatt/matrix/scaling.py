r"""Numerical scaling of the compiled matrix: coefficient ranges, and exact power-of-two row and column factors.

The solver is handed

.. math::

    \min (S c)^\top x' \quad \text{s.t.} \quad R\,l_r \le R A S\, x' \le R\,u_r, \qquad S^{-1} l \le x' \le S^{-1} u

with ``R`` and ``S`` diagonal and every factor a power of two, so scaling and unscaling are exact in
floating point. A solution maps back as ``x = S x'`` and row duals as ``y = R y'``; the objective is
unchanged (it is already in million USD).
Integer columns keep the factor 1, so integrality, MIP starts and every integer column the solve
strategy fixes or reads mean the same in both spaces.

Factors come from geometric-mean scaling: passes alternate between rows and continuous columns,
each dividing by the geometric mean of its smallest and largest absolute coefficient (a column also
counting its cost and ``1 / bound``; coefficients negligible next to their row's largest do not steer),
within limits that keep the solver's absolute tolerances meaningful in model units (:func:`_limits`).
With ``mode="auto"`` a form the solver's tolerances already suit (matrix inside :data:`TARGET`, no
bound or right-hand side above it, no column priced near the optimality tolerance) is handed over
unchanged, and so is one that scaling would not improve; whatever the factors cannot bring inside
the window (two chips of 1e-10 and 1 MW per unit in the same rows) is named by :func:`extremes` for
the warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TypeVar

import numpy as np
from scipy import sparse

from gigawatt.matrix.form import StandardForm

#: A solver result (any dataclass with ``x`` and ``row_duals``).
R = TypeVar("R")


class NumericsWarning(UserWarning):
    """The solver's matrix has coefficients outside :data:`TARGET` even after scaling."""


#: The window (absolute values) the solver's matrix coefficients should stay in.
TARGET = (1e-4, 1e6)
#: Alternating row/column passes of geometric-mean scaling.
PASSES = 8
#: Largest |log2| of any factor.
MAX_EXPONENT = 40.0
#: Largest |log2| of a row scaled up or a column scaled down (directions that loosen the optimality proof).
DUAL_EXPONENT = 6.0
#: Coefficients below this share of their row's largest do not steer the factors.
NEGLIGIBLE = 1e-9
#: Costs per unit (million USD) below this do not steer the factors.
NEGLIGIBLE_COST = 1e-12
#: A continuous column costing less than this per unit (million USD) sits near HiGHS's optimality tolerance (1e-7).
SMALL_COST = 1e-5
#: Scaling modes: when the form needs it and it helps (:func:`choose_scaling`), always, never.
MODES = ("auto", "on", "off")


def value_range(values: np.ndarray) -> list[float] | None:
    """``[min, max]`` of the finite nonzero absolute values, or None when there are none."""
    v = np.abs(np.asarray(values, dtype=float))
    v = v[np.isfinite(v) & (v > 0)]
    return [float(v.min()), float(v.max())] if len(v) else None


def form_ranges(form: StandardForm) -> dict[str, list[float] | None]:
    """Ranges of the matrix, objective, row bounds (right-hand sides) and column bounds of ``form``."""
    return {
        "matrix": value_range(form.A.data),  # type: ignore[attr-defined]
        "objective": value_range(form.c),
        "rhs": value_range(np.concatenate([form.row_lower, form.row_upper])),
        "bounds": value_range(np.concatenate([form.col_lower, form.col_upper])),
    }


def inside(span: list[float] | None, window: tuple[float, float] = TARGET) -> bool:
    """Whether ``span`` (a :func:`value_range`) lies within ``window``; an empty span does."""
    return span is None or (window[0] <= span[0] and span[1] <= window[1])


@dataclass(frozen=True)
class Scaling:
    """Power-of-two factors: ``rows`` multiply the rows of ``A`` and their bounds, ``cols`` the columns (``x = cols * x'``)."""

    rows: np.ndarray
    cols: np.ndarray

    @classmethod
    def identity(cls, form: StandardForm) -> Scaling:
        m, n = form.shape
        return cls(np.ones(m), np.ones(n))

    @property
    def active(self) -> bool:
        """Whether any factor differs from 1."""
        return bool((self.rows != 1.0).any() or (self.cols != 1.0).any())

    def apply(self, form: StandardForm) -> StandardForm:
        """``form`` in the scaled space (any form of the same shape, e.g. with some columns fixed)."""
        if not self.active:
            return form
        A = sparse.csc_array(form.A, copy=True)  # type: ignore[arg-type]
        A.data = A.data * self.rows[A.indices] * np.repeat(self.cols, np.diff(A.indptr))
        return replace(
            form,
            c=form.c * self.cols,
            A=A,
            row_lower=form.row_lower * self.rows,
            row_upper=form.row_upper * self.rows,
            col_lower=form.col_lower / self.cols,
            col_upper=form.col_upper / self.cols,
        )

    def unscale(self, result: R) -> R:
        """A solver result on the scaled form, mapped back: ``x = cols * x'``, row duals ``rows * y'``."""
        if not self.active:
            return result
        x = None if result.x is None else np.asarray(result.x) * self.cols
        duals = None if result.row_duals is None else np.asarray(result.row_duals) * self.rows
        return replace(result, x=x, row_duals=duals)  # type: ignore[type-var]


def _spread(order: np.ndarray, logs: np.ndarray, starts: np.ndarray, nonempty: np.ndarray, size: int) -> np.ndarray:
    """Per group (row or column), minus the midpoint of its smallest and largest log2 coefficient (0 for empty groups)."""
    out = np.zeros(size)
    if len(logs) == 0:
        return out
    v = logs[order]
    lo = np.minimum.reduceat(v, starts[nonempty])
    hi = np.maximum.reduceat(v, starts[nonempty])
    out[nonempty] = -(lo + hi) / 2.0
    return out


def _limits(form: StandardForm, rows: np.ndarray, cols: np.ndarray, logs: np.ndarray) -> tuple[np.ndarray, ...]:
    """Bounds on the log2 factors (row low, row high, column low, column high) that keep the solver's tolerances honest.

    The solver's absolute tolerances apply in the scaled space. Scaling a row down by ``r`` or a column
    up by ``s`` loosens primal feasibility in model units (``tol / r`` on the row, ``tol * s`` on the
    column bound); so a row goes down by at most its largest term (coefficient times the column's
    magnitude, or its right-hand side) and a column up by at most its magnitude, which keeps what the
    solver tolerates relative to the quantities involved. Scaling a row up or a column down loosens
    dual feasibility (the reduced costs that prove optimality) instead: those directions are held to
    :data:`DUAL_EXPONENT`. Integer columns keep 1.
    """
    magnitude = _magnitude(form)
    continuous = form.integrality == 0
    col_low = np.where(continuous, -DUAL_EXPONENT, 0.0)
    col_high = np.where(continuous, np.floor(np.minimum(magnitude, MAX_EXPONENT)), 0.0)
    rhs = np.fmax(np.abs(form.row_lower), np.abs(form.row_upper))
    row_size = np.log2(np.maximum(np.where(np.isfinite(rhs), rhs, 1.0), 1.0))
    np.maximum.at(row_size, rows, logs + magnitude[cols])
    row_low = -np.floor(np.minimum(row_size, MAX_EXPONENT))
    return row_low, np.full(form.shape[0], DUAL_EXPONENT), col_low, col_high


def _significant(rows: np.ndarray, logs: np.ndarray, m: int) -> np.ndarray:
    """Coefficients within :data:`NEGLIGIBLE` of their row's largest: the others (a 1e-45 price) do not steer the factors."""
    largest = np.full(m, -np.inf)
    np.maximum.at(largest, rows, logs)
    return logs >= largest[rows] + np.log2(NEGLIGIBLE)


def geometric_scaling(form: StandardForm, passes: int = PASSES) -> Scaling:
    """Power-of-two factors from geometric-mean scaling of rows and continuous columns, within :func:`_limits`.

    A continuous column also counts ``1 / bound`` (when its bound exceeds 1) and its cost among its
    coefficients, so a column of millions of MW, or one whose cost per unit is near the solver's
    optimality tolerance (1.3 USD per contracted kW), is brought toward units the tolerances suit.
    """
    m, n = form.shape
    A = form.A.tocoo()  # type: ignore[attr-defined]
    keep = A.data != 0
    rows, cols, logs = A.row[keep], A.col[keep], np.log2(np.abs(A.data[keep]))
    row_low, row_high, col_low, col_high = _limits(form, rows, cols, logs)
    steer = _significant(rows, logs, m)
    rows, cols, logs = rows[steer], cols[steer], logs[steer]
    magnitude, continuous = _magnitude(form), form.integrality == 0
    sized = np.flatnonzero(continuous & (magnitude > 0))
    priced = np.flatnonzero(continuous & (np.abs(form.c) >= NEGLIGIBLE_COST))
    col_rows = np.concatenate([rows, np.full(len(sized), m), np.full(len(priced), m + 1)])  # rows m, m+1: bounds, costs (never scaled)
    col_cols = np.concatenate([cols, sized, priced])
    col_logs = np.concatenate([logs, -magnitude[sized], np.log2(np.abs(form.c[priced]))])
    by_row, by_col = np.lexsort((cols, rows)), np.lexsort((col_rows, col_cols))
    row_counts, col_counts = np.bincount(rows, minlength=m), np.bincount(col_cols, minlength=n)
    row_starts, col_starts = np.concatenate([[0], np.cumsum(row_counts)[:-1]]), np.concatenate([[0], np.cumsum(col_counts)[:-1]])
    r, s = np.zeros(m), np.zeros(n)
    for _ in range(passes):
        r = np.clip(r + _spread(by_row, logs + r[rows] + s[cols], row_starts, row_counts > 0, m), row_low, row_high)
        r_fixed = np.append(r, [0.0, 0.0])
        s = np.clip(s + _spread(by_col, col_logs + r_fixed[col_rows] + s[col_cols], col_starts, col_counts > 0, n), col_low, col_high)
    r, s = np.clip(np.round(r), row_low, row_high), np.clip(np.round(s), col_low, col_high)
    return Scaling(np.exp2(r), np.exp2(s))


def _magnitude(form: StandardForm) -> np.ndarray:
    """log2 of each column's largest finite bound magnitude, at least 0 (1 for columns without one)."""
    magnitude = np.fmax(np.abs(form.col_lower), np.abs(form.col_upper))
    return np.log2(np.maximum(np.where(np.isfinite(magnitude), magnitude, 1.0), 1.0))


def choose_scaling(form: StandardForm, mode: str = "auto") -> Scaling:
    """The scaling ``mode`` asks for: ``auto`` scales a form :func:`_outside` what the solver suits if that brings more of
    it in; ``on`` always; ``off`` never."""
    if mode not in MODES:
        raise ValueError(f"unknown scaling mode {mode!r}; use one of {', '.join(MODES)}")
    before = _outside(form)
    if mode == "off" or not form.A.nnz or (mode == "auto" and before[0] == 0):  # type: ignore[attr-defined]
        return Scaling.identity(form)
    scaling = geometric_scaling(form)
    if mode == "auto" and _outside(scaling.apply(form)) >= before:
        return Scaling.identity(form)  # an outlier (say a 1e-45 price next to 1e6) defeats the means: hand the matrix over as it is
    return scaling


def _outside(form: StandardForm) -> tuple[int, float]:
    """How far ``form`` is from what the solver's tolerances suit: (matrix coefficients outside :data:`TARGET`, finite
    right-hand sides and bounds above it, and continuous columns whose cost per unit is below :data:`SMALL_COST` while
    their range costs more than 1e-6 (1 USD); then log10 of the matrix's max / min)."""
    v = np.abs(form.A.data)  # type: ignore[attr-defined]
    v = v[v > 0]
    sides = np.abs(np.concatenate([form.row_lower, form.row_upper, form.col_lower, form.col_upper]))
    cost = np.abs(form.c)
    fine = (form.integrality == 0) & (cost < SMALL_COST) & (cost * np.exp2(_magnitude(form)) > 1e-6)
    count = int(((v < TARGET[0]) | (v > TARGET[1])).sum() + (np.isfinite(sides) & (sides > TARGET[1])).sum() + fine.sum())
    return count, float(np.log10(v.max()) - np.log10(v.min())) if len(v) else 0.0


def extremes(
    form: StandardForm, scaling: Scaling, row_names: list[str], col_names: list[str], sources: Mapping[tuple[str, str], str]
) -> tuple[str, str]:
    """The smallest and largest scaled coefficients of ``form``, each named by row, column and the scenario values behind it.

    ``row_names`` and ``col_names`` are ``component[index]`` labels; the scenario source comes from
    ``sources``, keyed by (row component, variable component) as the families declare them.
    """
    A = form.A.tocoo()  # type: ignore[attr-defined]
    scaled = np.abs(A.data) * scaling.rows[A.row] * scaling.cols[A.col]
    scaled[scaled == 0] = np.nan
    out = []
    for k in (int(np.nanargmin(scaled)), int(np.nanargmax(scaled))):
        row, col = row_names[A.row[k]], col_names[A.col[k]]
        source = sources.get((row.split("[")[0], col.split("[")[0]))
        text = f"{abs(A.data[k]):.3g}{f' (scaled {scaled[k]:.3g})' if scaling.active else ''} for {col} in {row}"
        out.append(f"{text}, set by {source}" if source else text)
    return out[0], out[1]
