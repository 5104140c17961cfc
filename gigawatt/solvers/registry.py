"""Solver backends by name: 'highs' (highspy, fed the matrix) and 'pyomo:<name>' (any Pyomo SolverFactory solver).

Every backend is a :class:`Backend`: a standard form in, a :class:`~gigawatt.solvers.base.SolveResult` out.

>>> from gigawatt.solvers import registry
>>> registry.available("pyomo:cbc")
(True, 'cbc 2.10.8')
"""

from __future__ import annotations

import functools
from typing import Protocol

from gigawatt.solvers import highs, pyomo_generic
from gigawatt.solvers.base import SolveOptions, SolveResult, StandardForm

HIGHS = "highs"
PYOMO_PREFIX = "pyomo:"
#: Backends worth trying; any other 'pyomo:<name>' works too when Pyomo can run it.
CANDIDATES = ("highs", "pyomo:cbc", "pyomo:glpk", "pyomo:scip", "pyomo:gurobi", "pyomo:cplex", "pyomo:appsi_highs")


class Backend(Protocol):
    """Solve a standard form; ``relax`` drops integrality. Objective and bound in the form's units, ``x`` in its column order."""

    def __call__(self, form: StandardForm, options: SolveOptions, *, relax: bool = False) -> SolveResult: ...


def parse(name: str) -> tuple[str, str]:
    """('highs', '') or ('pyomo', solver name); ValueError for anything else."""
    if name == HIGHS:
        return HIGHS, ""
    if name.startswith(PYOMO_PREFIX) and len(name) > len(PYOMO_PREFIX):
        return "pyomo", name[len(PYOMO_PREFIX) :]
    raise ValueError(f"unknown solver {name!r}: use 'highs' or 'pyomo:<name>' (e.g. 'pyomo:cbc', 'pyomo:glpk')")


def available(name: str) -> tuple[bool, str]:
    """Whether backend ``name`` can run here; the text says why not, or names the version."""
    try:
        kind, inner = parse(name)
    except ValueError as err:
        return False, str(err)
    if kind == HIGHS:
        return True, f"highs {highs.version()}"
    return pyomo_generic.available(inner)


def names(available_only: bool = False) -> list[str]:
    """The candidate backends (:data:`CANDIDATES`), optionally only those that can run here."""
    return [n for n in CANDIDATES if not available_only or available(n)[0]]


def backend(name: str) -> Backend:
    """The backend called ``name`` ('highs' or 'pyomo:<SolverFactory name>'); ValueError for a malformed name."""
    kind, inner = parse(name)
    if kind == HIGHS:
        return highs.solve  # type: ignore[return-value]
    return functools.partial(pyomo_generic.solve, inner)  # type: ignore[return-value]
