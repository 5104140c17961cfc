r"""Numerical scaling of the compiled matrix: coefficient ranges, and exact power-of-two row and column factors.

The solver is handed

.. math::

    \min (S c)^\top x' \quad \text{s.t.} \quad R\,l_r \le R A S\, x' \le R\,u_r, \qquad S^{-1} l \le x' \le S^{-1} u

with ``R`` and ``S`` diagonal and every factor a power of two, so scaling and unscaling are exact in
floating point. A solution maps back as ``x = S x'`` and row duals as ``y = R y'``; the objective is
unchanged (it is already in million USD, :data:`gigawatt.model.objective.OBJECTIVE_SCALE_USD`).
Integer columns keep the factor 1, so integrality, MIP starts and every integer column the solve
strategy fixes or reads mean the same in both spaces.

Factors come from geometric-mean scaling: passes alternate between rows and continuous columns,
each dividing by the geometric mean of its smallest and largest absolute coefficient. With
``mode="auto"`` a matrix already inside :data:`TARGET` is handed over unchanged; otherwise it is
scaled, and whatever the factors cannot bring inside the window (a row that mixes, say, a block of
1e-6 MW with a site of 1e9 blocks) is named by :func:`extremes` for the warning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from gigawatt.solvers.base import SolveResult, StandardForm


class NumericsWarning(UserWarning):
    """The solver's matrix has coefficients outside :data:`TARGET` even after scaling."""


#: The window (absolute values) the solver's matrix coefficients should stay in.
TARGET = (1e-4, 1e6)
#: Alternating row/column passes of geometric-mean scaling.
PASSES = 8
#: Scaling modes: only when outside :data:`TARGET`, always, never.
MODES = ("auto", "on", "off")

#: Which scenario values set the coefficient of a variable family in a constraint family (for warnings).
COEFFICIENT_SOURCES: dict[tuple[str, str], str] = {
    ("c_site_capacity", "v_install"): "sites.pue x chips.it_kw_per_unit / 1000 (MW per unit)",
    ("c_power_ceiling", "v_install"): "sites.pue x chips.it_kw_per_unit / 1000 (MW per unit)",
    ("c_node_balance", "v_install"): "sites.pue x chips.it_kw_per_unit / 1000 (MW per unit)",
    ("c_site_capacity", "v_blocks"): "sites.block_mw",
    ("c_blocks_open", "v_open"): "sites.max_mw / sites.block_mw (blocks per site)",
    ("c_site_compute", "v_install"): "chips.pflops_per_unit / 1000 (EFLOP/s per unit)",
    ("c_serve_open", "v_open"): "demand.eflops",
    ("c_node_balance", "v_flow"): "1 - links.loss_frac",
    ("c_expand_built", "v_link_built"): "links.expand_max_mw",
    ("c_budget", "v_install"): "chips.capex_usd_per_unit",
    ("c_budget", "v_open"): "sites.open_cost_usd",
    ("c_budget", "v_blocks"): "sites.capex_usd_per_mw x sites.block_mw",
    ("c_budget", "v_expand"): "links.expand_cost_usd_per_mw",
    ("c_budget", "v_link_built"): "links.build_cost_usd",
    ("c_budget", "v_contracted"): "supplies.build_cost_usd_per_mw",
    ("c_emissions", "v_draw"): "supplies.co2_t_per_mwh x hours_per_year x load_factor (t per MW)",
}


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
        A = form.A.copy()  # type: ignore[attr-defined]
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

    def unscale(self, result: SolveResult) -> SolveResult:
        """A solver result on the scaled form, mapped back: ``x = cols * x'``, row duals ``rows * y'``."""
        if not self.active:
            return result
        x = None if result.x is None else np.asarray(result.x) * self.cols
        duals = None if result.row_duals is None else np.asarray(result.row_duals) * self.rows
        return replace(result, x=x, row_duals=duals)


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


def geometric_scaling(form: StandardForm, passes: int = PASSES) -> Scaling:
    """Power-of-two factors from geometric-mean scaling of rows and continuous columns, centred on :data:`TARGET`."""
    m, n = form.shape
    A = form.A.tocoo()  # type: ignore[attr-defined]
    keep = A.data != 0
    rows, cols, logs = A.row[keep], A.col[keep], np.log2(np.abs(A.data[keep]))
    by_row, by_col = np.lexsort((cols, rows)), np.lexsort((rows, cols))
    row_counts, col_counts = np.bincount(rows, minlength=m), np.bincount(cols, minlength=n)
    row_starts, col_starts = np.concatenate([[0], np.cumsum(row_counts)[:-1]]), np.concatenate([[0], np.cumsum(col_counts)[:-1]])
    free = form.integrality == 0
    r, s = np.zeros(m), np.zeros(n)
    for _ in range(passes):
        r += _spread(by_row, logs + r[rows] + s[cols], row_starts, row_counts > 0, m)
        s += np.where(free, _spread(by_col, logs + r[rows] + s[cols], col_starts, col_counts > 0, n), 0.0)
    r, s = np.round(r), np.round(s)
    if len(logs):
        scaled = logs + r[rows] + s[cols]
        centre = (math.log2(TARGET[0]) + math.log2(TARGET[1])) / 2.0
        low, high = float(scaled.min()), float(scaled.max())
        if low < math.log2(TARGET[0]) or high > math.log2(TARGET[1]):
            r += round(centre - (low + high) / 2.0)  # a uniform shift of every row fits the window where its width allows
    return Scaling(np.exp2(r), np.exp2(s))


def choose_scaling(form: StandardForm, mode: str = "auto") -> Scaling:
    """The scaling ``mode`` asks for: ``auto`` scales only a matrix outside :data:`TARGET`; ``on`` always; ``off`` never."""
    if mode not in MODES:
        raise ValueError(f"unknown scaling mode {mode!r}; use one of {', '.join(MODES)}")
    if mode == "off" or (mode == "auto" and inside(value_range(form.A.data))):  # type: ignore[attr-defined]
        return Scaling.identity(form)
    return geometric_scaling(form)


def extremes(form: StandardForm, scaling: Scaling, row_names: list[str], col_names: list[str]) -> tuple[str, str]:
    """The smallest and largest scaled coefficients of ``form``, each named by row, column and the scenario values behind it.

    ``row_names`` and ``col_names`` are ``component[index]`` labels; the scenario source comes from
    :data:`COEFFICIENT_SOURCES` by component.
    """
    A = form.A.tocoo()  # type: ignore[attr-defined]
    scaled = np.abs(A.data) * scaling.rows[A.row] * scaling.cols[A.col]
    scaled[scaled == 0] = np.nan
    out = []
    for k in (int(np.nanargmin(scaled)), int(np.nanargmax(scaled))):
        row, col = row_names[A.row[k]], col_names[A.col[k]]
        source = COEFFICIENT_SOURCES.get((row.split("[")[0], col.split("[")[0]))
        text = f"{abs(A.data[k]):.3g}{f' (scaled {scaled[k]:.3g})' if scaling.active else ''} for {col} in {row}"
        out.append(f"{text}, set by {source}" if source else text)
    return out[0], out[1]
