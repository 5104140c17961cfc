"""Exhaustive search over the integer columns of a small model: the optimum without the MIP solver."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

import numpy as np

import gigawatt as gw
from gigawatt.matrix.compile import CompiledModel, compile_model
from gigawatt.model.objective import OBJECTIVE_SCALE_USD
from gigawatt.solvers.highs import new_highs, to_highs

#: Largest number of integer assignments :func:`brute_force_optimum` enumerates.
MAX_ASSIGNMENTS = 4096


def integer_assignments(scn: gw.Scenario) -> int:
    """How many assignments of the integer columns (chip units continuous, no symmetry ordering) there are."""
    form = compile_model(gw.build_model(scn, gw.ModelOptions(integer_units=False, symmetry_breaking=False))).form
    integer = np.flatnonzero(form.integrality)
    return math.prod(int(form.col_upper[j] - form.col_lower[j]) + 1 for j in integer)


def _feasible(scn: gw.Scenario) -> Iterator[tuple[CompiledModel, np.ndarray, float]]:
    """Every feasible assignment of the integer columns (chip units continuous, no symmetry ordering): (compiled model,
    the solution with them fixed, its objective in USD), at most :data:`MAX_ASSIGNMENTS` assignments."""
    compiled = compile_model(gw.build_model(scn, gw.ModelOptions(integer_units=False, symmetry_breaking=False)))
    form = compiled.form
    integer = np.flatnonzero(form.integrality)
    ranges = [range(int(form.col_lower[j]), int(form.col_upper[j]) + 1) for j in integer]
    assert math.prod(len(r) for r in ranges) <= MAX_ASSIGNMENTS, "instance too large to enumerate"
    h = new_highs()
    h.passModel(to_highs(form, relax=True))
    optimal = h.getModelStatus().__class__.kOptimal
    for values in itertools.product(*ranges):
        v = np.asarray(values, dtype=float)
        h.changeColsBounds(len(integer), integer.astype(np.int32), v, v)
        h.run()
        if h.getModelStatus() == optimal:
            yield compiled, np.asarray(h.getSolution().col_value), h.getInfo().objective_function_value * OBJECTIVE_SCALE_USD


def brute_force_optimum(scn: gw.Scenario) -> float | None:
    """Minimum over every assignment of the integer columns of the LP with them fixed (USD), None if none is feasible.

    Chip units are continuous (``integer_units=False``); every other integer (openings, blocks, link
    builds) is enumerated over its bounds, at most :data:`MAX_ASSIGNMENTS` assignments.
    """
    return min((cost for _, _, cost in _feasible(scn)), default=None)


def brute_force_by_campus_set(scn: gw.Scenario) -> dict[frozenset[str], float]:
    """The least cost (USD) of each set of campuses open in the last year, over every feasible assignment (as above)."""
    best: dict[frozenset[str], float] = {}
    last = max(scn.settings.years)
    for compiled, x, cost in _feasible(scn):
        opened = frozenset(s for (s, y), v in compiled.values(x, "v_open").items() if y == last and v > 0.5)
        best[opened] = min(cost, best.get(opened, math.inf))
    return best
