"""Solve strategies for MIPs on HiGHS, registered by name: ``phased`` and ``shortlist``.

Each takes a standard form, the :class:`~gigawatt.strategies.columns.Columns` its roles declare, the
solve options and the shortlists of entities to try first (used by ``shortlist`` only), and returns a
:class:`~gigawatt.solvers.base.SolveResult` whose bound is a true bound of the form, with a
:class:`~gigawatt.strategies.phased.StrategyReport` of its phases.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from gigawatt.solvers.base import SolveOptions, SolveResult, StandardForm
from gigawatt.strategies.columns import Columns
from gigawatt.strategies.phased import StrategyReport, phased_solve
from gigawatt.strategies.shortlist import shortlist_solve

Strategy = Callable[[StandardForm, Columns, SolveOptions, Sequence[set[str]]], tuple[SolveResult, StrategyReport]]

#: Strategies by name.
STRATEGIES: dict[str, Strategy] = {
    "phased": lambda form, columns, options, shortlists: phased_solve(form, columns, options),
    "shortlist": lambda form, columns, options, shortlists: shortlist_solve(form, columns, options, list(shortlists)),
}
#: Large instances (``auto``): more columns than this go through ``shortlist``.
LARGE_COLUMNS = 40_000


def choose(form: StandardForm) -> str:
    """The strategy ``auto`` picks for ``form``: ``shortlist`` above :data:`LARGE_COLUMNS` columns, else ``phased``."""
    return "shortlist" if form.shape[1] > LARGE_COLUMNS else "phased"


__all__ = ["LARGE_COLUMNS", "STRATEGIES", "Columns", "StrategyReport", "choose", "phased_solve", "shortlist_solve"]
