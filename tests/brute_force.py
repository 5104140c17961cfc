"""Exhaustive search over the integer columns of a small model: the optimum without the MIP solver."""

from __future__ import annotations

import itertools
import math

import numpy as np

import gigawatt as gw
from gigawatt.matrix.compile import compile_model
from gigawatt.model.objective import OBJECTIVE_SCALE_USD
from gigawatt.solvers.highs import new_highs, to_highs

#: Largest number of integer assignments :func:`brute_force_optimum` enumerates.
MAX_ASSIGNMENTS = 4096


def integer_assignments(scn: gw.Scenario) -> int:
    """How many assignments of the integer columns (chip units continuous, no symmetry ordering) there are."""
    form = compile_model(gw.build_model(scn, gw.ModelOptions(integer_units=False, symmetry_breaking=False))).form
    integer = np.flatnonzero(form.integrality)
    return math.prod(int(form.col_upper[j] - form.col_lower[j]) + 1 for j in integer)


def brute_force_optimum(scn: gw.Scenario) -> float | None:
    """Minimum over every assignment of the integer columns of the LP with them fixed (USD), None if none is feasible.

    Chip units are continuous (``integer_units=False``); every other integer (openings, blocks, link
    builds) is enumerated over its bounds, at most :data:`MAX_ASSIGNMENTS` assignments.
    """
    compiled = compile_model(gw.build_model(scn, gw.ModelOptions(integer_units=False, symmetry_breaking=False)))
    form = compiled.form
    integer = np.flatnonzero(form.integrality)
    ranges = [range(int(form.col_lower[j]), int(form.col_upper[j]) + 1) for j in integer]
    assert math.prod(len(r) for r in ranges) <= MAX_ASSIGNMENTS, "instance too large to enumerate"
    h = new_highs()
    h.passModel(to_highs(form, relax=True))
    optimal = h.getModelStatus().__class__.kOptimal
    best = None
    for values in itertools.product(*ranges):
        v = np.asarray(values, dtype=float)
        h.changeColsBounds(len(integer), integer.astype(np.int32), v, v)
        h.run()
        if h.getModelStatus() == optimal:
            obj = h.getInfo().objective_function_value
            best = obj if best is None else min(best, obj)
    return None if best is None else best * OBJECTIVE_SCALE_USD
