"""The standard form every backend reads: a MIP as arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class StandardForm:
    """A MIP as arrays: min c·x + offset s.t. row_lower <= A x <= row_upper, col bounds, integrality."""

    c: np.ndarray
    offset: float
    A: object  # scipy.sparse.csc_array (rows x cols)
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integrality: np.ndarray  # 1 for integer columns, 0 for continuous

    @property
    def shape(self) -> tuple[int, int]:
        return self.A.shape  # type: ignore[attr-defined]

    @property
    def n_integer(self) -> int:
        return int(self.integrality.sum())

    def size(self) -> dict[str, int]:
        rows, cols = self.shape
        return {"columns": cols, "rows": rows, "nonzeros": int(self.A.nnz), "integers": self.n_integer}  # type: ignore[attr-defined]
