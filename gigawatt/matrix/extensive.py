r"""The extensive form of a two-stage program: one standard form per future, their shared columns merged.

Future :math:`f` (probability :math:`p_f`) is ``min c_f x_f + o_f`` over ``l_f <= A_f x_f <= u_f``. Some of its
columns are *shared*: named by a key (a commitment and its index), they must take one value in every future
(non-anticipativity). The extensive form gives each key one column and every other column of every future
its own, and stacks the rows block by block:

.. math::

    \min \sum_f p_f (c_f x_f + o_f) + \lambda \Big(\eta + \frac{1}{1-\alpha} \sum_f p_f\, u_f\Big)

    c_f x_f + o_f - \eta - u_f \le 0, \quad u_f \ge 0 \qquad (\text{only when } \lambda > 0)

The second term is :math:`\lambda` times the conditional value at risk of the cost at level :math:`\alpha`
(Rockafellar and Uryasev's linear form: at the optimum :math:`\eta` is the value at risk). A shared column
takes the tightest bounds its futures give it; a key that a future lacks (a chip not yet available there, a
tranche it cannot energise yet) is held at 0 in every future, as a decision taken before the future is
known must be possible in each. A first stage *fixed* from elsewhere (to evaluate it) may hold such a key at a
nonzero value: the futures that lack it go without it, at no cost.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from gigawatt.matrix.form import StandardForm


@dataclass(frozen=True)
class ExtensiveForm:
    """The stacked form, where each future's columns went (``columns[f][j]``), the shared keys' columns, and the fixed
    nonzero decisions that some future has no column for (``unmet``)."""

    form: StandardForm
    columns: tuple[np.ndarray, ...]
    shared: Mapping[Hashable, int]
    unmet: tuple[Hashable, ...] = ()

    def split(self, x: np.ndarray) -> list[np.ndarray]:
        """Each future's solution from the extensive form's."""
        return [x[cols] for cols in self.columns]


def extensive_form(
    forms: Sequence[StandardForm],
    probabilities: Sequence[float],
    shared: Sequence[Mapping[Hashable, int]],
    *,
    cvar_weight: float = 0.0,
    alpha: float = 0.9,
    fixed: Mapping[Hashable, float] | None = None,
) -> ExtensiveForm:
    """The extensive form of ``forms`` (see the module docstring); ``shared[f]`` maps each shared key to its column in
    ``forms[f]``. ``fixed`` holds shared keys at given values (a first stage evaluated rather than chosen; keys it
    leaves out are held at 0). A fixed decision that a future has no column for does not exist there: that future
    neither pays for it nor counts on it (``unmet`` lists such decisions)."""
    keys = list(dict.fromkeys(k for s in shared for k in s))
    slot = {k: i for i, k in enumerate(keys)}
    n_shared = len(keys)
    lower, upper = np.full(n_shared, -np.inf), np.full(n_shared, np.inf)
    integer = np.zeros(n_shared, dtype=np.int8)
    seen = np.zeros(n_shared, dtype=np.int64)  # how many futures have each key
    columns: list[np.ndarray] = []
    next_col = n_shared
    for form, own in zip(forms, shared, strict=True):
        n = form.shape[1]
        cols = np.full(n, -1, dtype=np.int64)
        at = np.fromiter((slot[k] for k in own), dtype=np.int64, count=len(own))
        mine = np.fromiter(own.values(), dtype=np.int64, count=len(own))
        cols[mine] = at
        rest = cols < 0
        cols[rest] = np.arange(next_col, next_col + int(rest.sum()))
        next_col += int(rest.sum())
        np.maximum.at(lower, at, form.col_lower[mine])
        np.minimum.at(upper, at, form.col_upper[mine])
        np.maximum.at(integer, at, form.integrality[mine])
        seen[at] += 1
        columns.append(cols)
    missing = seen < len(forms)  # a key some future lacks
    lower[missing] = np.maximum(lower[missing], 0.0)
    upper[missing] = np.minimum(upper[missing], 0.0)
    if fixed is not None:
        values = np.array([float(fixed.get(k, 0.0)) for k in keys])
        unmet = [keys[i] for i in np.flatnonzero(missing & (values != 0))] + [k for k, v in fixed.items() if k not in slot and v != 0]
        lower, upper = values, values.copy()
    else:
        unmet = []
    risk = cvar_weight > 0
    n_total = next_col + (1 + len(forms) if risk else 0)
    c = np.zeros(n_total)
    col_lower, col_upper = np.zeros(n_total), np.zeros(n_total)
    integrality = np.zeros(n_total, dtype=np.int8)
    col_lower[:n_shared], col_upper[:n_shared], integrality[:n_shared] = lower, upper, integer
    blocks_r, blocks_c, blocks_v = [], [], []
    row_lower, row_upper = [], []
    row0 = 0
    for form, cols, p in zip(forms, columns, probabilities, strict=True):
        np.add.at(c, cols, p * form.c)
        own = cols >= n_shared
        col_lower[cols[own]], col_upper[cols[own]], integrality[cols[own]] = form.col_lower[own], form.col_upper[own], form.integrality[own]
        A = sparse.coo_array(form.A)
        blocks_r.append(A.row + row0)
        blocks_c.append(cols[A.col])
        blocks_v.append(A.data)
        row_lower.append(form.row_lower)
        row_upper.append(form.row_upper)
        row0 += form.shape[0]
    offset = float(sum(p * f.offset for f, p in zip(forms, probabilities, strict=True)))
    if risk:
        eta = next_col
        col_lower[eta] = -np.inf
        col_upper[eta] = np.inf
        c[eta] = cvar_weight
        for f, (form, cols, p) in enumerate(zip(forms, columns, probabilities, strict=True)):
            u = eta + 1 + f
            col_upper[u] = np.inf
            c[u] = cvar_weight * p / (1.0 - alpha)
            nz = np.flatnonzero(form.c)
            blocks_r.append(np.full(len(nz) + 2, row0))
            blocks_c.append(np.concatenate([cols[nz], [eta, u]]))
            blocks_v.append(np.concatenate([form.c[nz], [-1.0, -1.0]]))
            row_lower.append(np.array([-np.inf]))
            row_upper.append(np.array([-form.offset]))
            row0 += 1
    A = sparse.csc_array(
        (np.concatenate(blocks_v), (np.concatenate(blocks_r), np.concatenate(blocks_c))),
        shape=(row0, n_total),
    )
    form = StandardForm(c, offset, A, np.concatenate(row_lower), np.concatenate(row_upper), col_lower, col_upper, integrality)
    return ExtensiveForm(form, tuple(columns), slot, tuple(unmet))


def future_costs(forms: Sequence[StandardForm], xs: Sequence[np.ndarray]) -> np.ndarray:
    """Each future's cost ``c_f x_f + o_f`` (model units)."""
    return np.array([float(f.c @ x + f.offset) for f, x in zip(forms, xs, strict=True)])


def cvar(costs: Sequence[float], probabilities: Sequence[float], alpha: float) -> float:
    r"""The conditional value at risk at level ``alpha``: :math:`\min_\eta \eta + \frac{1}{1-\alpha}\sum_f p_f (c_f-\eta)^+`,
    the probability-weighted mean of the worst ``1 - alpha`` of outcomes (the minimum lies at one of the costs)."""
    c, p = np.asarray(costs, dtype=float), np.asarray(probabilities, dtype=float)
    return float(min(eta + np.sum(p * np.maximum(c - eta, 0.0)) / (1.0 - alpha) for eta in c))
